import JSONLogic
import Testing

@Suite struct LineEvaluatorTests {
    @Test func evaluatesARuleAgainstData() {
        #expect(evaluateJSONLine(#"{"rule": {"+": [{"var": "a"}, 2]}, "data": {"a": 1}}"#, context: fixedContext)
            == #"{"result":3}"#)
        #expect(evaluateJSONLine(#"{"rule": {"var": ""}, "data": {"b": [1.0, "张"], "a": null}}"#, context: fixedContext)
            == #"{"result":{"a":null,"b":[1,"张"]}}"#)
        #expect(evaluateJSONLine(#"{"rule": {"today": []}}"#, context: fixedContext) == #"{"result":"2026-03-01"}"#)
    }

    @Test func reportsEvaluationErrorsInBothLanguages() {
        #expect(evaluateJSONLine(#"{"rule": {"/": [1, 0]}}"#, context: fixedContext)
            == #"{"error":{"code":"divisionByZero","message":"Division by zero (operator \"/\")","message_zh":"除数为零 (运算符 \"/\")"}}"#)
    }

    @Test(arguments: [
        ("", "invalidJSON"), ("{", "invalidJSON"), ("[1]", "invalidRequest"), (#"{"data": {}}"#, "invalidRequest"),
        (#"{"rule": 1, "extra": 2}"#, "invalidRequest"), (#"{"rule": {"nope": 1}}"#, "unknownOperator"),
        ("\u{FFFD}\u{0}", "invalidJSON"),
    ])
    func malformedLinesGiveErrorLines(_ line: String, _ code: String) {
        let output = evaluateJSONLine(line, context: fixedContext)
        #expect(output.hasPrefix(#"{"error":{"code":"\#(code)","message":""#))
        #expect(!output.contains("\n"))
    }
}
