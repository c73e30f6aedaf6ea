// Shared by LineEvaluatorTests and the JSON fuzzer (run-json-fuzz.sh compiles this file into
// its one module with Sources/JSONLogic, where there is no JSONLogic module to import).
import Foundation

#if canImport(JSONLogic)
import JSONLogic
#endif

/// The answer to a `kiosk logic eval` line built the long way, for comparison with
/// `LineEvaluator`, which reads a request's rule straight into its tree when it can: the whole
/// line parsed, checked to be a request, the rule parsed and evaluated, the answer object
/// written canonically.
func generalAnswer(_ line: some ContiguousBytes, context: EvaluationContext) -> String {
    let outcome: Result<JSON, LogicError>
    do throws(LogicError) {
        guard case .object(let request) = try JSON(parsing: line), let rule = request["rule"],
            Set(request.keys).isSubset(of: ["rule", "data"])
        else { throw LogicError(.invalidRequest) }
        outcome = try Rule(rule).evaluate(data: request["data"] ?? .null, context: context)
    } catch {
        outcome = .failure(error)
    }
    switch outcome {
    case .success(let result):
        return JSON.object(["result": result]).canonicalText
    case .failure(let error):
        var body: [String: JSON] = [
            "code": .string(error.code.rawValue), "message": .string(error.messageEN), "message_zh": .string(error.messageZH),
        ]
        body["thrown"] = error.thrown
        return JSON.object(["error": .object(body)]).canonicalText
    }
}
