import Testing
@testable import ESCPOS

@Suite struct LayoutTests {
    private func lines(_ text: String, columns: Int, profile: PrinterProfile = chineseProfile) -> [String] {
        let encoded = EncodedText(text[...], profile: profile)
        return ReceiptRenderer.wrap(encoded.glyphs, columns: columns).map { range in
            encoded.glyphs[range].map { String(encoded.preview($0)) }.joined()
        }
    }

    @Test func paragraphsSplitAtEveryNewlineConvention() {
        #expect(ReceiptRenderer.paragraphs("a\nb\r\nc\rd\n") == ["a", "b", "c", "d", ""])
        #expect(ReceiptRenderer.paragraphs("") == [""])
    }

    @Test func latinWrapsAtSpaces() {
        #expect(lines("the quick brown fox jumps", columns: 10) == ["the quick", "brown fox", "jumps"])
        #expect(lines("  indented   words  ", columns: 20) == ["  indented   words"])
        #expect(lines("abcdefghijklmnop", columns: 6) == ["abcdef", "ghijkl", "mnop"])
        #expect(lines("", columns: 6) == [""])
    }

    @Test func chineseBreaksBetweenCharactersCountingTwoColumns() {
        #expect(lines("政务服务中心自助终端", columns: 9) == ["政务服务", "中心自助", "终端"])
        #expect(lines("政务服务中心", columns: 1) == ["政", "务", "服", "务", "中", "心"])
    }

    @Test func mixedTextKeepsLatinWordsWhole() {
        #expect(lines("请拨打12345预约ABC办理", columns: 10) == ["请拨打", "12345预约", "ABC办理"])
        #expect(lines("打印 receipt 回执", columns: 9) == ["打印", "receipt", "回执"])
    }

    @Test func closingPunctuationNeverStartsALine() {
        #expect(lines("办理完成。请取走", columns: 8) == ["办理完", "成。请取", "走"])
        #expect(lines("请到「3号窗口」", columns: 6) == ["请到", "「3号", "窗口」"])
    }

    @Test func doubleWidthHalvesTheColumns() throws {
        let receipt = Receipt([.text("ABCDEFGHIJ", style: TextStyle(doubleWidth: true))])
        let narrow = PrinterProfile(
            id: "n", name: "n", paperWidthDots: 384, columns: .init(fontA: 8, fontB: 10),
            codePage: .pc437, codePageNumber: 0, features: .init(gb18030: true))
        #expect(try ReceiptRenderer.render(receipt, profile: narrow)
            == hex("1B 40 1C 2E 1B 74 00 1D 21 10 41 42 43 44 0A 45 46 47 48 0A 49 4A 0A 1D 21 00"))
        #expect(ReceiptRenderer.preview(receipt, profile: narrow) == "A B C D\nE F G H\nI J\n")
        let chinese = Receipt([.text("中文打印", style: TextStyle(doubleWidth: true, doubleHeight: true))])
        #expect(try ReceiptRenderer.render(chinese, profile: narrow)
            == hex("1B 40 1C 2E 1B 74 00 1D 21 11 1C 26 D6 D0 CE C4 0A B4 F2 D3 A1 0A 1D 21 00"))
    }

    @Test func fontBUsesItsOwnColumns() throws {
        let receipt = Receipt([.text("ABCDEFGHIJ", style: TextStyle(font: .b))])
        let narrow = PrinterProfile(
            id: "n", name: "n", paperWidthDots: 384, columns: .init(fontA: 4, fontB: 6),
            codePage: .pc437, codePageNumber: 0, features: .init())
        #expect(try ReceiptRenderer.render(receipt, profile: narrow)
            == hex("1B 40 1B 74 00 1B 4D 01 41 42 43 44 45 46 0A 47 48 49 4A 0A 1B 4D 00"))
    }

    @Test func keyValueRowsPadOrWrap() throws {
        let narrow = PrinterProfile(
            id: "n", name: "n", paperWidthDots: 384, columns: .init(fontA: 12, fontB: 16),
            codePage: .pc437, codePageNumber: 0, features: .init(gb18030: true))
        let receipt = Receipt([
            .keyValue(label: "编号", value: "A123"),
            .keyValue(label: "事项名称", value: "身份证换领"),
        ])
        #expect(ReceiptRenderer.preview(receipt, profile: narrow) == """
            编号    A123
            事项名称
              身份证换领

            """)
        #expect(try ReceiptRenderer.render(receipt, profile: narrow) == hex("""
            1B 40 1C 2E 1B 74 00
            1C 26 B1 E0 BA C5 20 20 20 20 41 31 32 33 0A
            CA C2 CF EE C3 FB B3 C6 0A
            20 20 C9 ED B7 DD D6 A4 BB BB C1 EC 0A
            """))
    }

    @Test func styledAlignedTextIsBracketedByItsCommands() throws {
        let receipt = Receipt([
            .text("Hi", style: TextStyle(bold: true, underline: .single), alignment: .right),
            .separator,
            .blank,
        ])
        let narrow = PrinterProfile(
            id: "n", name: "n", paperWidthDots: 384, columns: .init(fontA: 6, fontB: 8),
            codePage: .pc858, codePageNumber: 19, features: .init())
        #expect(try ReceiptRenderer.render(receipt, profile: narrow) == hex("""
            1B 40 1B 74 13
            1B 45 01 1B 2D 01 1B 61 02 48 69 0A 1B 61 00 1B 2D 00 1B 45 00
            2D 2D 2D 2D 2D 2D 0A
            0A
            """))
        #expect(ReceiptRenderer.preview(receipt, profile: narrow) == "    Hi\n------\n\n")
    }

    @Test func barcodeIsCode128OrTextWhenUnsupported() throws {
        let receipt = Receipt([.barcode("AB12")])
        #expect(try ReceiptRenderer.render(receipt, profile: chineseProfile) == hex("""
            1B 40 1C 2E 1B 74 00
            1B 61 01 1D 68 50 1D 77 02 1D 48 02 1D 6B 49 06 7B 42 41 42 31 32 1B 61 00
            """))
        #expect(try ReceiptRenderer.render(receipt, profile: latinProfile)
            == hex("1B 40 1B 74 13 1B 61 01 41 42 31 32 0A 1B 61 00"))
    }

    @Test func cutFollowsTheCutter() throws {
        #expect(try ReceiptRenderer.render(Receipt([.cut]), profile: chineseProfile) == hex("1B 40 1C 2E 1B 74 00 1B 64 04 1D 56 01"))
        #expect(try ReceiptRenderer.render(Receipt([.cut]), profile: latinProfile) == hex("1B 40 1B 74 13 1B 64 04 1D 56 00"))
        #expect(try ReceiptRenderer.render(Receipt([.cut]), profile: CodeProfile.pc437) == hex("1B 40 1B 74 00 1B 64 04"))
    }

    @Test func qrFallsBackToRasterAndFailsWithoutEither() throws {
        let bytes = try ReceiptRenderer.render(Receipt([.qrCode("A20260315-000123", moduleSize: 6)]), profile: latinProfile)
        let symbol = try QRCode.encode(Array("A20260315-000123".utf8))
        // 384 dots hold (25 + 8) modules at 6 dots each: 198 dots, 25 bytes wide.
        #expect(symbol.version == 2)
        #expect(Array(bytes[0..<16]) == hex("1B 40 1B 74 13 1B 61 01 1D 76 30 00 19 00 C6 00"))
        #expect(Array(bytes[16..<(bytes.count - 3)]) == symbol.rasterImage(scale: 6).bits)
        #expect(Array(bytes.suffix(3)) == hex("1B 61 00"))
        // Large modules shrink to fit the paper.
        let tiny = PrinterProfile(
            id: "t", name: "t", paperWidthDots: 60, columns: .init(fontA: 5, fontB: 6),
            codePage: .pc437, codePageNumber: 0, features: .init(rasterImage: true))
        let shrunk = try ReceiptRenderer.render(Receipt([.qrCode("A1", moduleSize: 8)]), profile: tiny)
        #expect(Array(shrunk[8..<16]) == hex("1D 76 30 00 08 00 3A 00"))
        var tooNarrow = tiny
        tooNarrow.paperWidthDots = 28
        #expect(throws: ESCPOSError(.qrTooWideForPaper)) {
            try ReceiptRenderer.render(Receipt([.qrCode("A1")]), profile: tooNarrow)
        }
        #expect(throws: ESCPOSError(.qrUnsupported)) {
            try ReceiptRenderer.render(Receipt([.qrCode("A1")]), profile: CodeProfile.pc437)
        }
    }

    @Test func standardReceiptPreview() {
        #expect(ReceiptRenderer.preview(standardReceipt, profile: chineseProfile) == """
                「  X X 区  政  务  服  务  中  心  」
                              自助服务回执
            ------------------------------------------------
            事项                              居民身份证换领
            受理编号                        A20260315-000123
            身份证号                      110101********1234
            办理时间                        2026-03-15 10:42
            ------------------------------------------------
                         [QR] A20260315-000123
                            扫码查询办理进度
            ------------------------------------------------
            后续步骤：请于5个工作日内凭本回执和身份证原件到3
            号窗口领取证件；如需邮寄，请拨打12345预约。

                         感谢您的使用 Thank you




            ================================================

            """)
    }

    @Test func standardReceiptBytes() throws {
        let spaces = { (count: Int) in Array(repeating: "20", count: count).joined(separator: " ") }
        let rule = Array(repeating: "2D", count: 48).joined(separator: " ")
        let expected = hex("""
            1B 40 1C 2E 1B 74 00
            1B 45 01 1D 21 11 1B 61 01
            1C 26 A1 B8 58 58 C7 F8 D5 FE CE F1 B7 FE CE F1 D6 D0 D0 C4 A1 B9 0A
            1B 61 00 1D 21 00 1B 45 00
            1B 61 01 D7 D4 D6 FA B7 FE CE F1 BB D8 D6 B4 0A 1B 61 00
            \(rule) 0A
            CA C2 CF EE \(spaces(30)) BE D3 C3 F1 C9 ED B7 DD D6 A4 BB BB C1 EC 0A
            CA DC C0 ED B1 E0 BA C5 \(spaces(24)) 41 32 30 32 36 30 33 31 35 2D 30 30 30 31 32 33 0A
            C9 ED B7 DD D6 A4 BA C5 \(spaces(22)) 31 31 30 31 30 31 2A 2A 2A 2A 2A 2A 2A 2A 31 32 33 34 0A
            B0 EC C0 ED CA B1 BC E4 \(spaces(24)) 32 30 32 36 2D 30 33 2D 31 35 20 31 30 3A 34 32 0A
            \(rule) 0A
            1B 61 01
            1D 28 6B 04 00 31 41 32 00
            1D 28 6B 03 00 31 43 06
            1D 28 6B 03 00 31 45 31
            1D 28 6B 13 00 31 50 30 41 32 30 32 36 30 33 31 35 2D 30 30 30 31 32 33
            1D 28 6B 03 00 31 51 30
            1B 61 00
            1B 61 01 C9 A8 C2 EB B2 E9 D1 AF B0 EC C0 ED BD F8 B6 C8 0A 1B 61 00
            \(rule) 0A
            BA F3 D0 F8 B2 BD D6 E8 A3 BA C7 EB D3 DA 35 B8 F6 B9 A4 D7 F7 C8 D5 C4 DA C6 BE B1 BE BB D8 D6 B4
            BA CD C9 ED B7 DD D6 A4 D4 AD BC FE B5 BD 33 0A
            BA C5 B4 B0 BF DA C1 EC C8 A1 D6 A4 BC FE A3 BB C8 E7 D0 E8 D3 CA BC C4 A3 AC C7 EB B2 A6 B4 F2
            31 32 33 34 35 D4 A4 D4 BC A1 A3 0A
            0A
            1B 61 01 B8 D0 D0 BB C4 FA B5 C4 CA B9 D3 C3 20 54 68 61 6E 6B 20 79 6F 75 0A 1B 61 00
            1B 64 04 1D 56 01
            """)
        let bytes = try ReceiptRenderer.render(standardReceipt, profile: chineseProfile)
        #expect(hexString(bytes) == hexString(expected))
    }

    @Test func standardReceiptOnARasterOnlyPrinterDrawsTheQRCode() throws {
        var profile = chineseProfile
        profile.features.qrCode = false
        let bytes = try ReceiptRenderer.render(standardReceipt, profile: profile)
        let symbol = try QRCode.encode(Array("A20260315-000123".utf8))
        var raster: [UInt8] = []
        try ESCPOSCommand.rasterImage(symbol.rasterImage(scale: 6)).encode(into: &raster)
        let native = try ESCPOSCommand.qrCode(data: Array("A20260315-000123".utf8), moduleSize: 6, errorCorrection: .m).encoded()
        let nativeReceipt = try ReceiptRenderer.render(standardReceipt, profile: chineseProfile)
        #expect(bytes.count == nativeReceipt.count - native.count + raster.count)
        #expect(bytes.firstRange(of: raster) != nil)
    }
}
