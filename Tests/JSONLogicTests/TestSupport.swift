import Foundation
import JSONLogic

/// 2026-03-01 00:30 in Beijing, still 2026-02-28 in UTC: catches a day taken in the wrong zone.
let fixedContext = EvaluationContext(now: Date(timeIntervalSince1970: 1_772_296_200))

/// Parses and evaluates; a parse error is returned like an evaluation error.
func evaluate(_ rule: String, _ data: JSON = nil, context: EvaluationContext = fixedContext) -> Result<JSON, LogicError> {
    do throws(LogicError) {
        return try Rule(parsing: rule).evaluate(data: data, context: context)
    } catch {
        return .failure(error)
    }
}

func errorCode(_ rule: String, _ data: JSON = nil, context: EvaluationContext = fixedContext) -> LogicError.Code? {
    if case .failure(let error) = evaluate(rule, data, context: context) { error.code } else { nil }
}
