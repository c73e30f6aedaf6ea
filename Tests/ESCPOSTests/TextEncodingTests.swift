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
        var converter: GB18030Converter?
        let text = EncodedText("A中，é𠀀", profile: chineseProfile, converter: &converter)
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
