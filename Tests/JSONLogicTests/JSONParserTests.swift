import Foundation
import JSONLogic
import Testing

/// Golden vectors for the parser, written from RFC 8259 in the manner of JSONTestSuite
/// (`y_` must be accepted, `n_` refused, `i_` where the RFC lets implementations choose and
/// the choice is `JSONParser`'s documented one). Refusals name their code and byte offset.
@Suite struct JSONParserTests {
    static func parse(_ bytes: [UInt8]) -> Result<JSON, LogicError> {
        do throws(LogicError) {
            return .success(try JSON(parsing: bytes))
        } catch {
            return .failure(error)
        }
    }

    @Test(arguments: [
        ("[]", JSON.array([])), ("{}", [:]), (" [ [ ] ] ", [[]]), ("\t\r\n 1 \n", 1),
        ("0", 0), ("-0", 0), ("[1e1,1E+2,2e-1,0.5,-12.25e0]", [10, 100, 0.2, 0.5, -12.25]),
        ("123456789012345678901234567890", 1.2345678901234568e29), ("1.7976931348623157e308", 1.7976931348623157e308),
        ("5e-324", 5e-324), ("2.2250738585072014e-308", 2.2250738585072014e-308),
        ("0.1", 0.1), ("0.30000000000000004", 0.30000000000000004), ("9007199254740993", 9_007_199_254_740_992),
        ("1" + String(repeating: "0", count: 400) + "e-400", 1), ("0." + String(repeating: "0", count: 330) + "1e330", 0.1),
        (#""\"\\\/\b\f\n\r\t""#, "\"\\/\u{08}\u{0C}\n\r\t"), (#""\u0000\u001f\u00e9\u4E2D""#, "\u{0}\u{1F}é中"),
        (#""\ud834\udd1e""#, "𝄞"), (#""\uFFFF""#, "\u{FFFF}"), ("\"日本\u{2028}\u{FFFF}\u{10FFFF}\"", "日本\u{2028}\u{FFFF}\u{10FFFF}"),
        (#"{"a":[{"b":null}],"c":true,"d":false,"":""}"#, ["a": [["b": nil]], "c": true, "d": false, "": ""]),
        (#""a\u0000b""#, "a\u{0}b"), ("\"\u{7F}\"", "\u{7F}"),
    ] as [(String, JSON)])
    func acceptsWhatTheRFCAccepts(_ text: String, _ expected: JSON) {
        #expect(Self.parse(Array(text.utf8)) == .success(expected), "\(text.prefix(40))")
    }

    @Test func negativeZeroIsKept() throws {
        guard case .number(let zero) = try JSON(parsing: "-0.0") else { Issue.record("not a number"); return }
        #expect(zero == 0 && zero.sign == .minus)
    }

    @Test(arguments: [
        // Structure
        ("", 0), ("  ", 2), ("[", 1), ("[1,]", 3), ("[,1]", 1), ("[1 2]", 3), ("[1]]", 3), ("[1]x", 3),
        ("{,}", 1), (#"{"a":1,}"#, 7), (#"{"a" 1}"#, 5), (#"{"a":}"#, 5), ("{a:1}", 1), (#"{"a":1"#, 6),
        ("['a']", 1), ("tru", 0), ("nul", 0), ("[True]", 1), ("[nulll]", 5), ("/**/[]", 0), ("[1]//", 3),
        // Numbers
        ("01", 1), ("[-01]", 3), ("[1.]", 3), ("[.1]", 1), ("[1e]", 3), ("[1e+]", 4), ("[+1]", 1), ("[-]", 2),
        ("[NaN]", 1), ("[Infinity]", 1), ("[-Infinity]", 2), ("[0x10]", 2), ("[1.0e-]", 6), ("[1_000]", 2),
        // Strings
        (#""\x""#, 2), (#""\u12""#, 3), (#""\uZZZZ""#, 3), (#""abc"#, 4), ("\"a\tb\"", 2), ("\"a\nb\"", 2),
        ("\"\u{1F}\"", 1), (#"["\"]"#, 5), ("'a'", 0),
        // Lone and reversed surrogates (§8.2): refused, not replaced.
        (#""\ud800""#, 1), (#""\udc00""#, 1), (#""\ud800\u0041""#, 7), (#""\ud800abc""#, 1), (#""\udc00\ud800""#, 1),
        // Whitespace that JSON does not have: form feed, no-break space, a byte order mark.
        ("\u{0C}[]", 0), ("\u{A0}[]", 0), ("\u{FEFF}[]", 0), ("[1]\u{0}", 3),
    ] as [(String, Int)])
    func refusesWhatTheRFCRefuses(_ text: String, _ offset: Int) {
        #expect(Self.parse(Array(text.utf8)) == .failure(LogicError(.invalidJSON, offset: offset)), "\(text)")
    }

    /// Ill-formed UTF-8 (Unicode table 3-7), inside and outside strings, is refused at the first
    /// byte of the bad sequence: a citizen's name is never silently repaired.
    @Test(arguments: [
        ([0x22, 0xC0, 0xAF, 0x22], 1),  // overlong "/"
        ([0x22, 0xE0, 0x80, 0xAF, 0x22], 1),  // overlong, three bytes
        ([0x22, 0xF0, 0x80, 0x80, 0xAF, 0x22], 1),  // overlong, four bytes
        ([0x22, 0x61, 0xED, 0xA0, 0x80, 0x22], 2),  // an encoded surrogate (CESU-8)
        ([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], 1),  // above U+10FFFF
        ([0x22, 0x80, 0x22], 1),  // a stray continuation byte
        ([0x22, 0xE6, 0x97, 0x22], 1),  // truncated before the closing quote
        ([0x22, 0xE6, 0x97], 3),  // truncated at the end of the text: an unterminated string
        ([0x22, 0xFF, 0x22], 1), ([0x22, 0xF5, 0x80, 0x80, 0x80, 0x22], 1),
        ([0x22, 0xC3, 0x41, 0x22], 1),  // a lead byte without its continuation
        ([0x22, 0x5C, 0x6E, 0xC3, 0x22], 3),  // after an escape
        ([0x5B, 0xC3, 0xA9, 0x5D], 1),  // valid UTF-8, but outside a string
    ] as [([UInt8], Int)])
    func refusesIllFormedUTF8(_ bytes: [UInt8], _ offset: Int) {
        #expect(Self.parse(bytes) == .failure(LogicError(.invalidJSON, offset: offset)), "\(bytes)")
    }

    @Test(arguments: [
        (#"{"a":1,"a":2}"#, 7), (#"{"a":1,"\u0061":2}"#, 7), (#"[{"x":{"k":[],"k":{}}}]"#, 14),
        (#"{"":1,"":1}"#, 6),
    ] as [(String, Int)])
    func refusesDuplicateKeys(_ text: String, _ offset: Int) {
        #expect(Self.parse(Array(text.utf8)) == .failure(LogicError(.duplicateKey, offset: offset)))
    }

    @Test func canonicallyEquivalentKeysAreDuplicates() throws {
        // "é" and "e" + U+0301 are different JSON keys, but Swift strings compare canonically,
        // so a dictionary cannot hold both: refused rather than one silently replacing the other.
        #expect(Self.parse(Array(#"{"\u00e9":1,"e\u0301":2}"#.utf8)) == .failure(LogicError(.duplicateKey, offset: 12)))
        #expect(try JSON(parsing: #"{"a":1,"A":2,"a ":3}"#) == ["a": 1, "A": 2, "a ": 3])
    }

    @Test(arguments: ["1e400", "-1e400", "1e99999999999999999999", "[1" + String(repeating: "0", count: 400) + "]"])
    func refusesNumbersBeyondDoubleRange(_ text: String) {
        guard case .failure(let error) = Self.parse(Array(text.utf8)) else { Issue.record("accepted \(text)"); return }
        #expect(error.code == .numberOutOfRange)
    }

    @Test(arguments: ["1e-400", "-1e-99999999999999999999", "0e999999"])
    func underflowIsZero(_ text: String) {
        #expect(Self.parse(Array(text.utf8)) == .success(0))
    }

    /// Correct rounding: the fast path (up to 15 digits, exponents within ±22) and the general
    /// one agree with the standard library's reader on every number, including halfway cases.
    @Test func numbersAreCorrectlyRounded() throws {
        var random = SeededGenerator(state: 8259)
        var texts = ["9007199254740993", "2.2250738585072011e-308", "0.1e-22", "123456789012345e22", "4.35", "1e23",
                     "8.988465674311580536566680e307", "17976931348623157e292", "7.038531e-26"]
        func digits(_ count: Int) -> String {
            (0..<count).map { _ in String(Int.random(in: 0...9, using: &random)) }.joined()
        }
        for _ in 0..<20_000 {
            var text = Bool.random(using: &random) ? "0" : String(Int.random(in: 1...9, using: &random)) + digits(Int.random(in: 0...12, using: &random))
            if Bool.random(using: &random) { text += "." + digits(Int.random(in: 1...12, using: &random)) }
            if Bool.random(using: &random) { text += "e\(Int.random(in: -40...40, using: &random))" }
            texts.append(Bool.random(using: &random) ? "-" + text : text)
        }
        for text in texts {
            guard let expected = Double(text) else { continue }
            #expect(try JSON(parsing: text) == .number(expected), "\(text)")
        }
    }

    @Test func nestingIsLimited() throws {
        let limit = JSON.maximumDepth
        let fine = String(repeating: #"{"a":["#, count: limit / 2) + String(repeating: "]}", count: limit / 2)
        #expect(throws: Never.self) { try JSON(parsing: fine) }
        let deep = Array(("[" + fine + "]").utf8)
        let innermost = try #require(deep.lastIndex(of: UInt8(ascii: "[")))
        #expect(Self.parse(deep) == .failure(LogicError(.tooDeep, offset: innermost)))
    }

    @Test func parsesFromEveryKindOfBuffer() throws {
        let text = #"{"申请人":["张三",1.5]}"#
        let expected: JSON = ["申请人": ["张三", 1.5]]
        #expect(try JSON(parsing: text) == expected)
        #expect(try JSON(parsing: Data(text.utf8)) == expected)
        #expect(try JSON(parsing: Array(text.utf8)) == expected)
        #expect(try Array(text.utf8).withUnsafeBytes { bytes in try JSON(parsing: bytes) } == expected)
        // A bridged or substring-backed String is read through its UTF-8 as well.
        #expect(try JSON(parsing: String(("x" + text).dropFirst())) == expected)
    }
}

/// The writer's side: canonical text, numbers as JavaScript writes them.
@Suite struct JSONWriterTests {
    /// `String(x)` in node for each double.
    @Test(arguments: [
        (0.1, "0.1"), (0.30000000000000004, "0.30000000000000004"), (1e21, "1e+21"), (1e20, "100000000000000000000"),
        (123456789012345680000, "123456789012345680000"), (9_007_199_254_740_992, "9007199254740992"),
        (1_152_921_504_606_846_976, "1152921504606847000"), (1e-7, "1e-7"), (1.5e-7, "1.5e-7"), (1e-6, "0.000001"),
        (0.000123, "0.000123"), (5e-324, "5e-324"), (1.7976931348623157e308, "1.7976931348623157e+308"),
        (2.2250738585072014e-308, "2.2250738585072014e-308"), (-1.5e-10, "-1.5e-10"), (1.5e300, "1.5e+300"),
        (100, "100"), (1234.5678, "1234.5678"), (-0.5, "-0.5"), (4.35, "4.35"), (0.7999999999999999, "0.7999999999999999"),
        (1.0 / 3, "0.3333333333333333"), (1.5e-323, "1.5e-323"), (1e16, "10000000000000000"),
        (12_345_678_901_234_567_890, "12345678901234567000"), (-0.0, "0"), (-42, "-42"),
    ] as [(Double, String)])
    func numbersAreWrittenAsJavaScriptWritesThem(_ value: Double, _ expected: String) throws {
        #expect(JSON.number(value).canonicalText == expected)
        #expect(try JSON(parsing: expected) == .number(value))
    }

    /// Every finite double, written and read back, is the same double: the digits written are
    /// enough, and the reader rounds them back correctly.
    @Test func everyDoubleRoundTrips() throws {
        var random = SeededGenerator(state: 754)
        for _ in 0..<50_000 {
            let value = Double(bitPattern: random.next())
            guard value.isFinite else { continue }
            let text = JSON.number(value).canonicalText
            guard case .number(let back) = try JSON(parsing: text) else { Issue.record("\(text) is not a number"); continue }
            #expect(back == value, "\(value) written as \(text)")
        }
    }

    @Test func stringsAreEscapedAsJSONStringifyEscapesThem() {
        #expect(JSON.string("q\"\\/\u{08}\u{0C}\n\r\t\u{0}\u{1F}\u{7F}é😀\u{2028}").canonicalText
            == #""q\"\\/\b\f\n\r\t\u0000\u001f"# + "\u{7F}é😀\u{2028}\"")
    }

    @Test func objectsAreWrittenWithKeysInUTF8Order() {
        let value: JSON = ["b": 1, "a": [true, nil], "é": "x", "Z": [:], "aa": ["y": 2, "x": 1]]
        #expect(value.canonicalText == #"{"Z":{},"a":[true,null],"aa":{"x":1,"y":2},"b":1,"é":"x"}"#)
    }

    @Test func nonFiniteNumbersAreNull() {
        #expect(JSON.array([.number(.infinity), .number(-.infinity), .number(.nan)]).canonicalText == "[null,null,null]")
    }
}
