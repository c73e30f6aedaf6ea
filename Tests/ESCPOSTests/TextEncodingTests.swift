import Testing
@testable import ESCPOS

@Suite struct TextEncodingTests {
    private func encoded(_ text: String, _ profile: PrinterProfile) -> [UInt8] {
        var encoder = ESCPOSEncoder(profile: profile)
        encoder.text(text)
        return encoder.bytes
    }

    @Test func chineseTextIsGB18030InsideChineseMode() {
        #expect(encoded("中", chineseProfile) == hex("1C 26 D6 D0"))
        #expect(encoded("「XX区政务服务中心」", chineseProfile)
            == hex("1C 26 A1 B8 58 58 C7 F8 D5 FE CE F1 B7 FE CE F1 D6 D0 D0 C4 A1 B9"))
    }

    @Test func fourByteGB18030CharactersStayWhole() {
        // U+20000, outside the BMP: four bytes in GB18030.
        #expect(encoded("𠀀中", chineseProfile) == hex("1C 26 95 32 82 36 D6 D0"))
    }

    @Test func euroIsCodePageByteWhereTheCodePageHasIt() {
        #expect(encoded("€", latinProfile) == hex("D5"))
        // PC437 has no euro sign; a Chinese printer prints it from GB18030.
        #expect(encoded("€", chineseProfile) == hex("1C 26 A2 E3"))
    }

    @Test func codePageTextLeavesChineseModeOnlyForUpperHalfBytes() {
        #expect(encoded("中 é ü 1", chineseProfile) == hex("1C 26 D6 D0 20 1C 2E 82 20 81 20 31"))
    }

    @Test func latinCodePages() {
        #expect(encoded("Café £5 ½ ±", latinProfile) == hex("43 61 66 82 20 9C 35 20 AB 20 F1"))
        #expect(encoded("Ç ñ ß ° €", CodeProfile.pc437) == hex("80 20 A4 20 E1 20 F8 20 3F"))
        #expect(encoded("Ø ¤ ı", latinProfile) == hex("9D 20 CF 20 3F"))
    }

    @Test func unmappableCharactersBecomeQuestionMarks() {
        #expect(encoded("中文€", latinProfile) == hex("3F 3F D5"))
        #expect(encoded("a\u{7}b\tc", latinProfile) == hex("61 3F 62 20 63"))
        // A base letter with a combining accent is one character the code page cannot hold.
        #expect(encoded("e\u{301}x", latinProfile) == hex("3F 78"))
    }

    @Test func codePageTablesRoundTrip() {
        for page in CodePage.allCases {
            for byte in UInt8(0x20)...UInt8(0xFF) where byte != 0x7F {
                guard let scalar = page.scalar(for: byte) else {
                    Issue.record("\(page) has no glyph for \(byte)")
                    continue
                }
                #expect(page.byte(for: scalar) == byte)
            }
        }
        #expect(CodePage.pc437.scalar(for: 0x9E) == "₧")
        #expect(CodePage.pc858.scalar(for: 0xD5) == "€")
        #expect(CodePage.pc437.epsonNumber == 0)
        #expect(CodePage.pc858.epsonNumber == 19)
    }

    @Test func glyphWidthsCountChineseAsTwoColumns() {
        let text = EncodedText("A中，é𠀀", profile: chineseProfile)
        #expect(text.glyphs.map(\.width) == [1, 2, 2, 1, 2])
        #expect(text.glyphs.map(\.needsChineseMode) == [false, true, true, false, true])
        #expect(text.glyphs.map { Array(text.bytes[$0.bytes]) }
            == [[0x41], [0xD6, 0xD0], [0xA3, 0xAC], [0x82], [0x95, 0x32, 0x82, 0x36]])
    }
}

enum CodeProfile {
    static let pc437 = PrinterProfile(
        id: "latin-437", name: "PC437", paperWidthDots: 384, columns: .init(fontA: 32, fontB: 42),
        codePage: .pc437, codePageNumber: 0, features: .init())
}

@Suite struct GB18030TableTests {
    /// The table and the supplementary-plane formula against glibc's decoder: every encoded
    /// scalar decodes back to itself.
    @Test func everyEncodedScalarDecodesBackThroughIconv() throws {
        let decoder = try #require(GB18030Decoder())
        let samples = stride(from: UInt32(0x80), through: 0xFFFF, by: 61).compactMap(Unicode.Scalar.init)
            + [0x4E2D, 0x20AC, 0xFFFF, 0x10000, 0x1F600, 0x20000, 0x2A6D6, 0x10FFFF].compactMap(Unicode.Scalar.init)
        for scalar in samples {
            var bytes: [UInt8] = []
            #expect(GB18030.append(scalar, to: &bytes), "U+\(String(scalar.value, radix: 16))")
            #expect(decoder.decode(bytes) == String(scalar), "U+\(String(scalar.value, radix: 16))")
        }
    }

    @Test func knownCodes() {
        func code(_ scalar: Unicode.Scalar) -> [UInt8] {
            var bytes: [UInt8] = []
            _ = GB18030.append(scalar, to: &bytes)
            return bytes
        }
        #expect(code("中") == [0xD6, 0xD0])
        #expect(code("€") == [0xA2, 0xE3])
        #expect(code("\u{80}") == [0x81, 0x30, 0x81, 0x30])
        #expect(code("\u{10000}") == [0x90, 0x30, 0x81, 0x30])
        #expect(code("\u{10FFFF}") == [0xE3, 0x32, 0x9A, 0x35])
        // A private-use scalar glibc has no GB18030 code for: nothing appended.
        var refused: [UInt8] = []
        #expect(!GB18030.append("\u{E78D}", to: &refused) && refused.isEmpty)
        #expect(code("\u{E78C}") == [0xA6, 0xC0])
    }
}
