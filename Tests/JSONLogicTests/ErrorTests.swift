import JSONLogic
import Testing

/// Every error class is a value with a code and both messages; none traps.
@Suite struct ErrorTests {
    @Test(arguments: [
        #"{"/": [1, 0]}"#, #"{"%": [5, 0]}"#, #"{"/": [1, "0.0"]}"#,
    ])
    func divisionByZero(_ rule: String) {
        #expect(errorCode(rule) == .divisionByZero)
    }

    @Test(arguments: [
        #"{"substr": ["abc", 4]}"#, #"{"substr": ["abc", -4]}"#, #"{"substr": ["abc", 1, -3]}"#,
        #"{"substr": ["abc", 1e300]}"#,
    ])
    func substrOutOfRange(_ rule: String) {
        #expect(errorCode(rule) == .substrOutOfRange)
    }

    @Test func substrAtTheEdgesIsFine() {
        #expect(evaluate(#"{"substr": ["abc", 3]}"#) == .success(""))
        #expect(evaluate(#"{"substr": ["abc", -3, 99]}"#) == .success("abc"))
        #expect(evaluate(#"{"substr": ["abc", 1, -2]}"#) == .success(""))
    }

    @Test(arguments: [
        #"{"+": [1, "one"]}"#, #"{"*": [null, 2]}"#, #"{"-": [true]}"#, #"{"max": [1, [2]]}"#, #"{"/": [{}, 1]}"#,
        #"{"+": [""]}"#, #"{"missing_some": ["x", ["a"]]}"#, #"{"substr": ["abc", "one"]}"#,
    ])
    func nonNumericArithmetic(_ rule: String) {
        #expect(errorCode(rule) == .notANumber)
    }

    @Test func overflowingArithmetic() {
        #expect(errorCode(#"{"*": [1e308, 10]}"#) == .numberOutOfRange)
    }

    @Test func deepNesting() {
        let depth = 10_000
        let rule = String(repeating: #"{"!":"#, count: depth) + "true" + String(repeating: "}", count: depth)
        #expect(errorCode(rule) == .tooDeep)
        #expect(evaluateJSONLine(#"{"rule":\#(rule)}"#, context: fixedContext).contains(#""code":"tooDeep""#))
    }

    @Test func hugeArraysHitTheWorkLimit() {
        let big = JSON.array(Array(repeating: 1, count: 2_000_000))
        #expect(errorCode(#"{"map": [{"var": ""}, {"+": [{"var": ""}, 1]}]}"#, big) == .tooMuchWork)
        #expect(errorCode(#"{"in": [2, {"var": ""}]}"#, big) == .tooMuchWork)
    }

    @Test func exponentialGrowthHitsTheWorkLimit() {
        let doubling = #"{"reduce": [{"var": "n"}, {"cat": [{"var": "accumulator"}, {"var": "accumulator"}]}, "xx"]}"#
        let steps = JSON.array(Array(repeating: 0, count: 64))
        #expect(errorCode(doubling, ["n": steps]) == .tooMuchWork)
        let merging = #"{"reduce": [{"var": "n"}, {"merge": [{"var": "accumulator"}, {"var": "accumulator"}]}, [1]]}"#
        #expect(errorCode(merging, ["n": steps]) == .tooMuchWork)
    }

    @Test func workLimitIsConfigurable() {
        let tight = EvaluationContext(now: fixedContext.now, workLimit: 5)
        #expect(errorCode(#"{"+": [1, 2, 3, 4, 5, 6]}"#, context: tight) == .tooMuchWork)
        #expect(evaluate(#"{"+": [1, 2]}"#, context: tight) == .success(3))
    }

    @Test func unknownOperatorAndArguments() {
        #expect(errorCode(#"{"eval": "x"}"#) == .unknownOperator)
        #expect(errorCode(#"{"missing_some": [1, "a"]}"#) == .invalidArguments)
    }

    @Test func messagesAreBilingualAndNameOnlyTheOperator() {
        let error = LogicError(.divisionByZero, operatorName: "/")
        #expect(error.messageEN == #"Division by zero (operator "/")"#)
        #expect(error.messageZH == #"除数为零 (运算符 "/")"#)
        for code in LogicError.Code.allCases {
            #expect(!LogicError(code).messageEN.isEmpty && !LogicError(code).messageZH.isEmpty)
        }
        #expect(LogicError(.unknownOperator, operatorName: String(repeating: "x", count: 500)).operatorName?.count == 64)
    }
}
