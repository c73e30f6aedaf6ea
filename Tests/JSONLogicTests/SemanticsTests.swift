import JSONLogic
import Testing

/// Behaviour the shared suite leaves open, pinned to JavaScript's where forms rely on it.
@Suite struct SemanticsTests {
    @Test(arguments: [
        (#"{"==": [0, false]}"#, true), (#"{"==": [null, 0]}"#, false), (#"{"==": [null, null]}"#, true),
        (#"{"==": ["", 0]}"#, true), (#"{"==": [[1], 1]}"#, true), (#"{"==": [[1, 2], "1,2"]}"#, true),
        (#"{"==": [true, "1"]}"#, true), (#"{"==": ["abc", 0]}"#, false), (#"{"===": [[1, [2]], [1, [2]]]}"#, true),
        (#"{"==": [{"merge": [1]}, {"merge": [1]}]}"#, true), (#"{"!==": [true, 1]}"#, true),
    ])
    func looseAndStrictEquality(_ rule: String, _ expected: Bool) {
        #expect(evaluate(rule) == .success(.bool(expected)))
    }

    @Test(arguments: [
        (#"{"<": ["2026-01-31", "2026-02-01"]}"#, true), (#"{"<": ["10", "9"]}"#, true), (#"{"<": ["10", 9]}"#, false),
        (#"{"<": [null, 1]}"#, true), (#"{">": ["abc", 1]}"#, false), (#"{"<=": ["abc", 1]}"#, false),
        (#"{"<=": [1, 1, 1]}"#, true), (#"{"<": [1, 2, 2]}"#, false), (#"{">=": [[3], 2]}"#, true),
    ])
    func comparisons(_ rule: String, _ expected: Bool) {
        #expect(evaluate(rule) == .success(.bool(expected)))
    }

    @Test func catFormatsLikeJavaScript() {
        #expect(evaluate(#"{"cat": [1.5, null, true, [1, [2, null]], {"var": "o"}]}"#, ["o": ["k": 1]])
            == .success("1.5nulltrue1,2,[object Object]"))
    }

    @Test func substrCountsCharactersNotUTF16Units() {
        #expect(evaluate(#"{"substr": ["张三😀丰", 1, 2]}"#) == .success("三😀"))
        #expect(evaluate(#"{"substr": [12345, -2]}"#) == .success("45"))
    }

    @Test func logReturnsItsArgument() {
        #expect(evaluate(#"{"log": {"var": "name"}}"#, ["name": "李四"]) == .success("李四"))
    }

    @Test func inSearchesStringsAndArrays() {
        #expect(evaluate(#"{"in": ["", "abc"]}"#) == .success(true))
        #expect(evaluate(#"{"in": [1, ["1", 2]]}"#) == .success(false))
        #expect(evaluate(#"{"in": ["a", null]}"#) == .success(false))
    }

    @Test func computedVarPathsAndIndices() {
        let data: JSON = ["list": ["a", "b"], "key": "list.1"]
        #expect(evaluate(#"{"var": {"var": "key"}}"#, data) == .success("b"))
        #expect(evaluate(#"{"var": "list.01"}"#, data) == .success(nil))
        #expect(evaluate(#"{"var": ["list.5", "none"]}"#, data) == .success("none"))
        #expect(evaluate(#"{"var": ["gone", "fallback"]}"#, ["gone": nil]) == .success(nil))
    }

    @Test func missingCountsEmptyStringsAsMissing() {
        #expect(evaluate(#"{"missing": ["a", "b", "c"]}"#, ["a": "", "b": 0, "c": false]) == .success(["a"]))
    }

    @Test func arithmeticAcceptsNumericStringsOnly() {
        #expect(evaluate(#"{"+": [" 1.5 ", "2e1", 1]}"#) == .success(22.5))
        #expect(evaluate(#"{"-": [3]}"#) == .success(-3))
        #expect(evaluate(#"{"%": [-7, 3]}"#) == .success(-1))
        #expect(evaluate(#"{"min": [3, "-1", 2]}"#) == .success(-1))
    }
}

@Suite struct TruthinessTests {
    @Test(arguments: [
        (JSON.null, false), (JSON.bool(false), false), (JSON.number(0), false), (JSON.string(""), false),
        (JSON.array([]), false), (JSON.bool(true), true), (JSON.number(-0.5), true), (JSON.string("0"), true),
        (JSON.array([0]), true), (JSON.object([:]), true),
    ] as [(JSON, Bool)])
    func jsonLogicTruthiness(_ value: JSON, _ expected: Bool) {
        #expect(value.isTruthy == expected)
    }
}
