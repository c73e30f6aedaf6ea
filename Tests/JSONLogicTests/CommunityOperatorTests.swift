import JSONLogic
import Testing

/// The operators the JSONLogic community added to the original ones (json-logic/.github,
/// accepted proposals "`val` and context replacements" and "error handling"), so that rules
/// written for other engines run here unchanged. Cases follow the proposals' documented
/// semantics; each is (rule, data, expected result).
@Suite struct CommunityOperatorTests {
    @Test(arguments: [
        (#"{"val": "hello"}"#, ["hello": 0], 0),
        (#"{"val": ["hello", "world"]}"#, ["hello": ["world": 1]], 1),
        (#"{"val": ""}"#, ["": 1], 1),
        (#"{"val": ["", ""]}"#, ["": ["": 2]], 2),
        (#"{"val": [1]}"#, [1, 2], 2),
        (#"{"val": "1"}"#, ["apple", "banana"], "banana"),
        (#"{"val": ["arr", 1]}"#, ["arr": [1, 2]], 2),
        (#"{"val": [1, 1]}"#, ["apple", ["banana", "beer"]], "beer"),
        (#"{"val": "."}"#, [".": 20], 20),
        (#"{"val": "a.b"}"#, ["a.b": 3, "a": ["b": 4]], 3),
        (#"{"val": "hello"}"#, ["hello": nil], nil),
        (#"{"val": ["hello", "world"]}"#, ["hello": nil], nil),
        (#"{"val": ["a", "b", "c"]}"#, nil, nil),
        (#"{"val": "missing"}"#, ["a": 1], nil),
        (#"{"val": []}"#, ["": 21], ["": 21]),
        (#"{"val": []}"#, 1, 1),
        (#"{"val": ""}"#, ["": ["": 22]], ["": 22]),
        (#"{"val": {"cat": ["a", "b"]}}"#, ["ab": "computed"], "computed"),
        (#"{"map": [[1, 2, 3], {"+": [{"val": []}, 1]}]}"#, nil, [2, 3, 4]),
        (#"{"filter": [{"val": "integers"}, {">=": [{"val": []}, 2]}]}"#, ["integers": [1, 2, 3]], [2, 3]),
        (#"{"reduce": [{"val": "n"}, {"+": [{"val": "current"}, {"val": "accumulator"}]}, 0]}"#, ["n": [1, 2, 3, 4]], 10),
    ] as [(String, JSON, JSON)])
    func val(_ rule: String, _ data: JSON, _ expected: JSON) {
        #expect(evaluate(rule, data) == .success(expected), "\(rule)")
    }

    @Test(arguments: [#"{"val": [[2], "x"]}"#, #"{"val": [[-1], "index"]}"#, #"{"exists": [[1], "a"]}"#])
    func scopeClimbingIsRefused(_ rule: String) {
        #expect(throws: LogicError(.invalidArguments, operatorName: rule.contains("exists") ? "exists" : "val")) {
            try Rule(parsing: rule)
        }
        #expect(errorCode(#"{"val": {"var": "path"}}"#, ["path": [1]]) == .invalidArguments)
    }

    @Test(arguments: [
        (#"{"exists": "hello"}"#, ["hello": 1], true),
        (#"{"exists": ["hello"]}"#, ["hello": 1], true),
        (#"{"exists": "hello"}"#, ["world": 1], false),
        (#"{"exists": [""]}"#, ["": 1], true),
        (#"{"exists": [""]}"#, ["hello": 1], false),
        (#"{"exists": ["hello", "world"]}"#, ["hello": ["world": false]], true),
        (#"{"exists": ["hello", "world"]}"#, ["hello": ["x": false]], false),
        (#"{"exists": "hello"}"#, ["hello": nil], true),
        (#"{"exists": ["list", 2]}"#, ["list": [0, 1]], false),
        (#"{"exists": []}"#, nil, true),
    ] as [(String, JSON, Bool)])
    func exists(_ rule: String, _ data: JSON, _ expected: Bool) {
        #expect(evaluate(rule, data) == .success(.bool(expected)), "\(rule)")
    }

    @Test(arguments: [
        (#"{"??": ["hello"]}"#, JSON.null, "hello"),
        (#"{"??": [true]}"#, nil, true),
        (#"{"??": []}"#, nil, nil),
        (#"{"??": [null, null, null, "hello"]}"#, nil, "hello"),
        (#"{"??": [null, false, "hello"]}"#, nil, false),
        (#"{"??": [null, 0, 1]}"#, nil, 0),
        (#"{"??": [null, ""]}"#, nil, ""),
        (#"{"??": [{"val": "person"}]}"#, ["person": ["name": "John"]], ["name": "John"]),
        (#"{"??": [{"val": ["person", "name"]}, {"val": "name"}, "Unknown"]}"#, ["person": ["name": "John"], "name": "Jane"], "John"),
        (#"{"??": [{"val": ["person", "name"]}, {"val": "name"}, "Unknown"]}"#, ["name": "Jane"], "Jane"),
        (#"{"??": [{"val": ["person", "name"]}, {"val": "name"}, "Unknown"]}"#, [:], "Unknown"),
    ] as [(String, JSON, JSON)])
    func coalesce(_ rule: String, _ data: JSON, _ expected: JSON) {
        #expect(evaluate(rule, data) == .success(expected), "\(rule)")
    }

    @Test func coalesceEvaluatesNoFurtherThanTheFirstValue() {
        #expect(evaluate(#"{"??": [1, {"/": [1, 0]}]}"#) == .success(1))
        #expect(errorCode(#"{"??": [null, {"/": [1, 0]}]}"#) == .divisionByZero)
    }

    @Test func throwRaisesAnErrorObject() {
        #expect(evaluate(#"{"throw": "hello"}"#) == .failure(LogicError(thrown: ["type": "hello"])))
        #expect(evaluate(#"{"throw": {"val": "x"}}"#, ["x": ["type": "Some error", "field": 2]])
            == .failure(LogicError(thrown: ["type": "Some error", "field": 2])))
        #expect(evaluate(#"{"throw": [3]}"#) == .failure(LogicError(thrown: ["type": 3])))
        let error = LogicError(thrown: ["type": "王五的身份证号"])
        #expect(error.code == .thrown)
        // What was thrown may be a citizen's data: it stays out of every message.
        #expect(!error.description.contains("王五") && !error.messageEN.contains("王五") && !error.messageZH.contains("王五"))
    }

    @Test(arguments: [
        (#"{"try": [{"throw": "Some error"}, 1]}"#, JSON.null, 1),
        (#"{"try": [{"/": [0, 0]}, 1]}"#, ["hello": "world"], 1),
        (#"{"try": [{"throw": "Some error"}, {"/": [0, 0]}, 2]}"#, nil, 2),
        (#"{"try": [{"throw": "Some error"}, {"val": "type"}]}"#, nil, "Some error"),
        (#"{"try": [{"if": [true, {"throw": "Some error"}, null]}, {"val": "type"}]}"#, nil, "Some error"),
        (#"{"try": [{"throw": "A"}, {"throw": "B"}, {"val": "type"}]}"#, nil, "B"),
        (#"{"try": [{"throw": {"val": "x"}}, {"val": "type"}]}"#, ["x": ["type": "Some error"]], "Some error"),
        (#"{"try": [{"if": [true, {"map": [[1, 2, 3], {"/": [0, 0]}]}, null]}, 10]}"#, nil, 10),
        (#"{"try": [{"if": [true, {"map": [[1, 2, 3], {"/": [0, 0]}]}, null]}, {"val": "type"}]}"#, nil, "NaN"),
        (#"{"try": [{"+": [1, "one"]}, {"val": "type"}]}"#, nil, "NaN"),
        (#"{"try": [{"*": [1e308, 10]}, {"val": "type"}]}"#, nil, "NaN"),
        (#"{"try": [{"missing_some": [1, "a"]}, {"val": "type"}]}"#, nil, "Invalid Arguments"),
        (#"{"try": [{"age": ["2026-02-30"]}, {"val": "type"}]}"#, nil, "invalidDate"),
        (#"{"try": [{"if": [{"/": [1, {"val": "x"}]}, {"throw": "Some error"}, null]}, {"if": [{"===": [{"val": "type"}, "NaN"]}, "Handled", {"throw": {"val": []}}]}]}"#,
         ["x": 0], "Handled"),
        (#"{"try": [{"val": "a"}, 0]}"#, ["a": 5], 5),
    ] as [(String, JSON, JSON)])
    func tryRecovers(_ rule: String, _ data: JSON, _ expected: JSON) {
        #expect(evaluate(rule, data) == .success(expected), "\(rule)")
    }

    @Test func tryRethrowsTheLastError() {
        #expect(evaluate(#"{"try": [{"throw": "Some error"}, {"throw": "Some other error"}]}"#)
            == .failure(LogicError(thrown: ["type": "Some other error"])))
        #expect(errorCode(#"{"try": [{"throw": "Some error"}, {"/": [0, 0]}]}"#) == .divisionByZero)
        #expect(errorCode(#"{"try": [{"/": [1, 0]}]}"#) == .divisionByZero)
        #expect(evaluate(#"{"try": {"throw": "Some error"}}"#) == .failure(LogicError(thrown: ["type": "Some error"])))
        #expect(errorCode(#"{"map": [[1, 2, 3], {"try": [{"/": [0, 0]}]}]}"#) == .divisionByZero)
        // The fallback's own failure, not the first one, is what stands.
        let rule = #"{"try": [{"if": [{"/": [1, {"val": "x"}]}, {"throw": "Some error"}, null]}, {"if": [{"===": [{"val": "type"}, "NaN"]}, "Handled", {"throw": {"val": []}}]}]}"#
        #expect(evaluate(rule, ["x": 1]) == .failure(LogicError(thrown: ["type": "Some error"])))
    }

    @Test func tryCannotCatchTheWorkLimit() {
        let tight = EvaluationContext(now: fixedContext.now, workLimit: 50)
        let loop = #"{"try": [{"map": [{"var": "n"}, {"cat": ["x", "y"]}]}, "caught"]}"#
        #expect(errorCode(loop, ["n": .array(Array(repeating: 1, count: 100))], context: tight) == .tooMuchWork)
    }

    @Test func parseTimeErrorsAreNotCaught() {
        #expect(errorCode(#"{"try": [{"frobnicate": 1}, 0]}"#) == .unknownOperator)
        #expect(errorCode(#"{"try": []}"#) == .invalidArguments)
        #expect(errorCode(#"{"throw": []}"#) == .invalidArguments)
    }

    @Test func newOperatorsReportTheirPaths() throws {
        let rule = try Rule(parsing: """
            {"and": [{"val": ["applicant", "age"]}, {"exists": "phone"}, {"??": [{"val": "nickname"}, "x"]},
                     {"map": [{"val": "children"}, {"val": "age"}]}, {"try": [{"val": "a"}, {"val": "type"}]}]}
            """)
        #expect(rule.referencedVariables == ["applicant.age", "phone", "nickname", "children", "a"])
        #expect(rule.operators == ["and", "val", "exists", "??", "map", "try"])
        #expect(rule.readsDataOrClock)
        #expect(try !Rule(parsing: #"{"??": [null, {"try": [{"throw": "x"}, 1]}]}"#).readsDataOrClock)
        #expect(try Rule(parsing: #"{"exists": "x"}"#).readsDataOrClock)
    }
}
