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

    @Test func reportsWhatARuleThrows() {
        #expect(evaluateJSONLine(#"{"rule": {"throw": {"var": "e"}}, "data": {"e": {"type": "tooYoung", "age": 15}}}"#, context: fixedContext)
            == #"{"error":{"code":"thrown","message":"The rule raised an error with throw (operator \"throw\")","message_zh":"规则用 throw 抛出了错误 (运算符 \"throw\")","thrown":{"age":15,"type":"tooYoung"}}}"#)
    }

    /// Input arrives in pieces: wherever a read ends, the answers are the same, each line's
    /// answer as soon as its newline has arrived, blank lines skipped, a last line without a
    /// newline answered at the end, CRLF line ends accepted.
    @Test func answersLinesWhereverTheInputIsCut() {
        let input = Array("""
            {"rule": {"+": [1, {"var": "a"}]}, "data": {"a": 2}}\r
              \t
            {"rule": {"cat": ["张", "三"]}}

            {"rule": {"/": [1, 0]}}
            nope
            {"data": 1, "rule": {"var": ""}}
            """.utf8)
        let expected = #"""
            {"result":3}
            {"result":"张三"}
            {"error":{"code":"divisionByZero","message":"Division by zero (operator \"/\")","message_zh":"除数为零 (运算符 \"/\")"}}
            {"error":{"code":"invalidJSON","message":"The text is not valid JSON (at byte 1)","message_zh":"文本不是有效的 JSON (位于字节 1)"}}
            {"result":1}

            """#
        for cut in 0...input.count {
            var evaluator = LineEvaluator(context: fixedContext)
            var output: [UInt8] = []
            let consumed = input[..<cut].withUnsafeBytes { evaluator.evaluateLines(in: $0, atEnd: false, into: &output) }
            #expect(consumed <= cut && (consumed == 0 || input[consumed - 1] == UInt8(ascii: "\n")))
            #expect(expected.hasPrefix(String(decoding: output, as: UTF8.self)), "cut at \(cut)")
            let rest = input[consumed...].withUnsafeBytes { evaluator.evaluateLines(in: $0, atEnd: true, into: &output) }
            #expect(consumed + rest == input.count)
            #expect(String(decoding: output, as: UTF8.self) == expected, "cut at \(cut)")
        }
    }

    /// The line evaluator reads a request without building the request object when it can;
    /// whatever the line, its answer is the one the general path gives: parse the whole line,
    /// check it is a request, parse the rule, evaluate, write the answer object.
    @Test func answersAsTheGeneralPathWould() throws {
        var generator = RuleGenerator(random: SeededGenerator(state: 2026))
        let context = EvaluationContext(now: fixedContext.now, workLimit: 20_000)
        var lines = [
            #"{"rule":1,"rule":2}"#, #"{"data":1,"data":2,"rule":3}"#, #"{"rule":1,"x":[1,]}"#, #"{"rule":1,"x":1}"#,
            #"{"rule":1,"data":[1,]}"#, #"{"rule":[1}"#, #"{"rule":1}x"#, #"{"rule":1,}"#, #"{"data":{}}"#, "{}", "[]", "",
            #"{"rule":{"a":1,"a":2},"data":1,"x":{"b":1,"b":1}}"#, #"{"rule" 1}"#, #"{"ru\u006ce":{"+":[1]}}"#,
            #"{"rule":{"val":[[1],"a"]}}"#, #"{"rule":1e400}"#, #"{"data":"\ud800","rule":1}"#,
        ]
        for _ in 0..<3000 {
            let rule = generator.rule(depth: 4)
            let data = generator.value(depth: 2)
            let line = JSON.object(["rule": rule, "data": data]).canonicalText
            lines.append(line)
            // The same request in the other order, with spaces, cut short, or with a key doubled.
            lines.append(#" { "rule" : \#(rule.canonicalText) , "data" : \#(data.canonicalText) } "#)
            lines.append(String(line.dropLast(Int.random(in: 1...min(4, line.count), using: &generator.random))))
            lines.append(#"{"data":\#(data.canonicalText),"rule":\#(rule.canonicalText),"data":null}"#)
        }
        for line in lines {
            #expect(evaluateJSONLine(line, context: context) == generalAnswer(Array(line.utf8), context: context), "\(line)")
        }
    }
}
