import Testing
@testable import ESCPOS

@Suite struct ReceiptPreviewTests {
    /// Every kind of block and style the renderer knows, in Chinese, Latin and code-page text.
    static let everyBlock = Receipt([
        .text("「XX区政务服务中心」", style: .title, alignment: .center),
        .text("Right side", alignment: .right),
        .text("Small print in font B that is long enough to wrap onto a second line of the paper", style: TextStyle(font: .b)),
        .text("粗体 bold and underlined", style: TextStyle(bold: true, underline: .single)),
        .text("Double height only", style: TextStyle(doubleHeight: true), alignment: .center),
        .keyValue(label: "事项", value: "居民身份证换领"),
        .keyValue(label: "Wide", value: "Value", style: TextStyle(doubleWidth: true)),
        .keyValue(label: "一个很长很长很长很长很长的标签名称", value: "一个同样很长很长很长很长很长的取值内容需要折行"),
        .separator,
        .blank,
        .text("Café €5 – naïve ½"),
        .qrCode("A20260315-000123"),
        .barcode("A20260315-000123"),
        .barcode("12345678"),
        .text("后续步骤：请于5个工作日内凭本回执和身份证原件到3号窗口领取证件；如需邮寄，请拨打12345预约。"),
        .cut,
    ])

    /// The preview read back from the bytes is the renderer's own preview of the receipt.
    @Test(arguments: [
        ("chinese", chineseProfile, standardReceipt), ("chinese", chineseProfile, everyBlock),
        ("latin", latinProfile, Receipt(everyBlock.blocks.filter { if case .qrCode = $0 { false } else { true } })),
    ])
    func readsBackWhatTheRendererLaidOut(_ name: String, _ profile: PrinterProfile, _ receipt: Receipt) throws {
        let bytes = try ReceiptRenderer.render(receipt, profile: profile)
        let read = ReceiptPreview.text(bytes, profile: profile)
        let expected = ReceiptRenderer.preview(receipt, profile: profile)
        #expect(read == expected, "\(name)")
        if read != expected {
            let a = read.split(separator: "\n", omittingEmptySubsequences: false)
            let b = expected.split(separator: "\n", omittingEmptySubsequences: false)
            for (index, pair) in zip(a, b).enumerated() where pair.0 != pair.1 {
                Issue.record("line \(index): \(pair.0.debugDescription) != \(pair.1.debugDescription)")
            }
        }
    }

    @Test func theStandardReceiptReadsAsItsText() throws {
        let lines = ReceiptPreview.lines(try ReceiptRenderer.render(standardReceipt, profile: chineseProfile), profile: chineseProfile)
        #expect(lines.contains { $0.hasPrefix("身份证号") && $0.hasSuffix("110101********1234") })
        #expect(lines.contains("             [QR] A20260315-000123"))
        #expect(lines.last == String(repeating: "=", count: 48))
    }

    @Test func chineseModeSwitchesBetweenGB18030AndTheCodePage() {
        // FS & 中 FS . é(0x82 in PC437) LF; a four-byte GB18030 character (U+20000); a bad pair.
        let bytes = hex("1C 26 D6 D0 1C 2E 82 0A 1C 26 95 32 82 36 0A 1C 26 FF FF 0A")
        #expect(ReceiptPreview.lines(bytes, profile: chineseProfile) == ["中é", "\u{20000}", "?"])
        // Outside Chinese mode the same bytes are PC437 box drawing.
        #expect(ReceiptPreview.lines(hex("D6 D0 0A"), profile: chineseProfile) == ["╓╨"])
    }

    @Test func feedsCutsAndCode128AreReadAsPrinted() {
        // ESC d 2 after text: the line and one blank; GS V 65 n (feed and cut); CODE128 with code set C.
        let bytes = hex("41 1B 64 02 1D 56 41 03 1D 6B 49 07 7B 42 41 7B 43 0C 22")
        #expect(ReceiptPreview.lines(bytes, profile: latinProfile) == [
            "A", "", String(repeating: "=", count: 32), "        [CODE128] A1234",
        ])
    }

    @Test func aRasterImageIsAMarker() {
        let bytes = hex("1D 76 30 00 02 00 03 00") + Array(repeating: 0xFF, count: 6) + hex("4F 4B 0A")
        #expect(ReceiptPreview.lines(bytes, profile: latinProfile) == ["       [image 16×3 dots]", "OK"])
    }

    @Test func aJobCutShortEndsWithWhatWasThere() throws {
        let bytes = try ReceiptRenderer.render(standardReceipt, profile: chineseProfile)
        for length in stride(from: 0, through: bytes.count, by: 7) {
            let lines = ReceiptPreview.lines(Array(bytes.prefix(length)), profile: chineseProfile)
            #expect(lines.count <= ReceiptPreview.lines(bytes, profile: chineseProfile).count)
        }
    }

    @Test func anyBytesGiveLinesWithoutTrapping() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let length = Int.random(in: 0..<64, using: &generator)
            let bytes = (0..<length).map { _ in
                // Mostly command bytes, so commands and their truncations are exercised.
                Bool.random(using: &generator)
                    ? [0x1B, 0x1C, 0x1D, 0x10, 0x0A, 0x28, 0x6B, 0x76, 0x56][Int.random(in: 0..<9, using: &generator)]
                    : UInt8.random(in: 0...255, using: &generator)
            }
            _ = ReceiptPreview.lines(bytes, profile: chineseProfile)
        }
    }
}
