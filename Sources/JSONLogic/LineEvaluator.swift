/// One request line of `kiosk logic eval`: `{"rule": R, "data": D}` (`data` defaults to `null`).
/// Returns one canonical JSON line, `{"result": X}` or
/// `{"error": {"code": C, "message": English, "message_zh": Chinese}}`; never traps.
public func evaluateJSONLine(_ line: String, context: EvaluationContext) -> String {
    let outcome: Result<JSON, LogicError>
    do throws(LogicError) {
        guard case .object(let request) = try JSON(parsing: line), let ruleJSON = request["rule"],
            request.keys.allSatisfy({ $0 == "rule" || $0 == "data" })
        else { throw LogicError(.invalidRequest) }
        outcome = try Rule(ruleJSON).evaluate(data: request["data"] ?? .null, context: context)
    } catch {
        outcome = .failure(error)
    }
    switch outcome {
    case .success(let result):
        return JSON.object(["result": result]).canonicalText
    case .failure(let error):
        let body: JSON = [
            "code": .string(error.code.rawValue),
            "message": .string(error.messageEN),
            "message_zh": .string(error.messageZH),
        ]
        return JSON.object(["error": body]).canonicalText
    }
}
