import Foundation
import JSONLogic
import Testing

@Suite struct JSONTests {
    @Test func booleansAndNumbersStayDistinct() throws {
        #expect(try JSON(parsing: "true") == .bool(true))
        #expect(try JSON(parsing: "1") == .number(1))
        #expect(try JSON(parsing: "true") != JSON(parsing: "1"))
        #expect(try JSON(parsing: "[false,0]") == .array([.bool(false), .number(0)]))
    }

    @Test func parsesEveryKindOfValue() throws {
        let text = #" {"a": [1, -2.5e3, "x\u00e9\n\ud83d\ude00", null, true, {}], "b": {"c": []}} "#
        let expected: JSON = ["a": [1, -2500, "xé\n😀", nil, true, [:]], "b": ["c": []]]
        #expect(try JSON(parsing: text) == expected)
        #expect(try JSON(parsing: Data("\"申请人\"".utf8)) == "申请人")
    }

    @Test(arguments: ["", "tru", "01", "1.", "-", "[1,]", "{\"a\" 1}", "{\"a\":1,}", "\"\u{01}\"", "\"\\x\"",
                      "\"\\ud800\"", "[1] 2", "'a'", "NaN", "+1", "{1:2}", "\"abc"])
    func rejectsMalformedText(_ text: String) {
        #expect(throws: LogicError.self) { try JSON(parsing: text) }
    }

    @Test func reportsTheOffsetOfMalformedText() {
        #expect(throws: LogicError(.invalidJSON, offset: 6)) { try JSON(parsing: "[1, 2 3]") }
    }

    @Test func rejectsNumbersOutsideDoubleRange() {
        #expect(throws: LogicError(.numberOutOfRange, offset: 0)) { try JSON(parsing: "1e400") }
    }

    @Test func limitsNestingDepth() throws {
        let fine = String(repeating: "[", count: JSON.maximumDepth) + String(repeating: "]", count: JSON.maximumDepth)
        #expect(throws: Never.self) { try JSON(parsing: fine) }
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: LogicError(.tooDeep, offset: JSON.maximumDepth)) { try JSON(parsing: deep) }
    }

    @Test func canonicalTextSortsKeysAndDropsIntegralFractions() throws {
        let value = try JSON(parsing: #"{"b": 3.0, "a": [0.5, -0, 1e21, 1.5e-7, "q\"\\\t\u0001"], "é": null, "Z": false}"#)
        #expect(value.canonicalText == #"{"Z":false,"a":[0.5,0,1e+21,1.5e-7,"q\"\\\t\u0001"],"b":3,"é":null}"#)
    }

    @Test func canonicalTextRoundTrips() throws {
        let text = #"{"a":[1,2.25,"申请",true,null],"b":{"c":-7}}"#
        #expect(try JSON(parsing: text).canonicalText == text)
    }

    @Test func codableKeepsBooleansAndNumbersApart() throws {
        let decoded = try JSONDecoder().decode(JSON.self, from: Data(#"{"t":true,"one":1,"s":"x","n":null,"l":[0]}"#.utf8))
        #expect(decoded == ["t": true, "one": 1, "s": "x", "n": nil, "l": [0]])
        let encoded = try JSONEncoder().encode(decoded)
        #expect(try JSONDecoder().decode(JSON.self, from: encoded) == decoded)
    }
}
