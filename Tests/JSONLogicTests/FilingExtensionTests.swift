import Foundation
import JSONLogic
import Testing

@Suite struct FilingExtensionTests {
    @Test func todayUsesTheContextTimeZone() throws {
        #expect(evaluate(#"{"today": []}"#) == .success("2026-03-01"))
        let utc = EvaluationContext(now: fixedContext.now, timeZone: try #require(TimeZone(identifier: "UTC")))
        #expect(evaluate(#"{"today": []}"#, context: utc) == .success("2026-02-28"))
        let early = EvaluationContext(now: Date(timeIntervalSince1970: -86_400 * 365))
        #expect(evaluate(#"{"today": []}"#, context: early) == .success("1969-01-01"))
    }

    @Test(arguments: [
        ("2008-03-01", 18), ("2008-03-02", 17), ("1990-12-31", 35), ("2026-03-01", 0), ("2026-03-02", -1),
        ("2008-02-29", 18),
    ])
    func ageToToday(_ birthDate: String, _ expected: Double) {
        #expect(evaluate(#"{"age": [{"var": "birth"}]}"#, ["birth": .string(birthDate)]) == .success(.number(expected)))
    }

    @Test func ageToAGivenDateAndLeapDayBirthdays() {
        #expect(evaluate(#"{"age": ["2008-02-29", "2026-02-28"]}"#) == .success(17))
        #expect(evaluate(#"{"age": ["2008-02-29", "2026-03-01"]}"#) == .success(18))
        #expect(evaluate(#"{"age": ["2008-02-29", "2028-02-29"]}"#) == .success(20))
        #expect(evaluate(#"{">=": [{"age": [{"var": "birth"}]}, 18]}"#, ["birth": "2008-03-01"]) == .success(true))
    }

    @Test func dateDifferenceInDays() {
        #expect(evaluate(#"{"date_diff": ["2026-01-01", "2026-03-01"]}"#) == .success(59))
        #expect(evaluate(#"{"date_diff": ["2024-03-01", "2024-02-01"]}"#) == .success(-29))
        #expect(evaluate(#"{"date_diff": ["1900-01-01", "2000-01-01"]}"#) == .success(36_524))
        #expect(evaluate(#"{"date_diff": [{"today": []}, "2026-10-01"]}"#) == .success(214))
    }

    @Test(arguments: [
        #"{"age": ["2026-2-1"]}"#, #"{"age": ["2025-02-29"]}"#, #"{"age": ["1900-02-29", "2000-01-01"]}"#,
        #"{"date_diff": ["2026-13-01", "2026-01-01"]}"#, #"{"date_diff": ["2026-04-31", "2026-01-01"]}"#,
        #"{"age": [null]}"#, #"{"age": [20260101]}"#, #"{"date_diff": ["2026-01-01", "２０２６-01-01"]}"#,
        #"{"age": ["2026-01-01T00:00"]}"#,
    ])
    func invalidDates(_ rule: String) {
        #expect(errorCode(rule) == .invalidDate)
    }

    @Test func countsElementsOrTruthyElements() throws {
        let data: JSON = ["materials": [["provided": true], ["provided": false], ["provided": true]]]
        #expect(evaluate(#"{"count": [{"var": "materials"}]}"#, data) == .success(3))
        #expect(evaluate(#"{"count": [{"var": "materials"}, {"var": "provided"}]}"#, data) == .success(2))
        #expect(evaluate(#"{"count": [[1, 0, "", "x", [], null], {"var": ""}]}"#) == .success(2))
        #expect(evaluate(#"{"count": [{"var": "absent"}]}"#, data) == .success(0))
        #expect(try Rule(parsing: #"{"count": [{"var": "materials"}, {"var": "provided"}]}"#).referencedVariables
            == ["materials"])
    }

    @Test func matchesRegularExpressions() {
        let mobile = #"{"matches": [{"var": "phone"}, "^1[3-9][0-9]{9}$"]}"#
        #expect(evaluate(mobile, ["phone": "13812345678"]) == .success(true))
        #expect(evaluate(mobile, ["phone": "1381234567"]) == .success(false))
        #expect(evaluate(mobile, ["phone": 13812345678]) == .success(true))
        #expect(evaluate(mobile, [:]) == .success(false))
        #expect(evaluate(#"{"matches": ["申请人张三", "张"]}"#) == .success(true))
        #expect(evaluate(#"{"matches": ["abc", {"var": "p"}]}"#, ["p": "^a.c$"]) == .success(true))
    }

    @Test(arguments: [
        #"{"matches": ["a", "("]}"#, #"{"matches": ["a", "(a+)+$"]}"#, #"{"matches": ["a", "(x|(ab*))*c"]}"#,
        #"{"matches": ["a", "(?:\\d+){2,}"]}"#,
    ])
    func rejectsInvalidOrExplosivePatternsAtParseTime(_ rule: String) {
        #expect(throws: LogicError(.invalidPattern, operatorName: "matches")) { try Rule(parsing: rule) }
    }

    @Test func rejectsOverlongAndNonStringPatternsAtEvaluation() {
        let long = String(repeating: "a", count: 257)
        #expect(errorCode(#"{"matches": ["a", {"var": "p"}]}"#, ["p": .string(long)]) == .invalidPattern)
        #expect(errorCode(#"{"matches": ["a", {"var": "p"}]}"#, ["p": "[z-a]"]) == .invalidPattern)
        #expect(errorCode(#"{"matches": ["a", {"var": "p"}]}"#, ["p": 1]) == .invalidPattern)
        #expect(evaluate(#"{"matches": ["a", {"var": "p"}]}"#, ["p": .string(String(repeating: "a", count: 256))]) == .success(false))
    }

    @Test func acceptsSafeQuantifiedGroupsAndClasses() throws {
        for pattern in [#"^(\\d{3})-[(+*]{2}$"#, #"^(ab)+c?$"#, #"^\\(a+\\)+$"#, #"^[\\]a+]+$"#] {
            #expect(throws: Never.self) { try Rule(parsing: #"{"matches": ["x", "\#(pattern)"]}"#) }
        }
    }
}
