import Testing
@testable import ESCPOS

@Suite struct CommandTests {
    @Test(arguments: [
        (ESCPOSCommand.initialize, "1B 40"),
        (.selectCodePage(19), "1B 74 13"),
        (.chineseMode(true), "1C 26"),
        (.chineseMode(false), "1C 2E"),
        (.bold(true), "1B 45 01"),
        (.bold(false), "1B 45 00"),
        (.underline(.none), "1B 2D 00"),
        (.underline(.single), "1B 2D 01"),
        (.underline(.double), "1B 2D 02"),
        (.font(.a), "1B 4D 00"),
        (.font(.b), "1B 4D 01"),
        (.characterSize(width: 1, height: 1), "1D 21 00"),
        (.characterSize(width: 2, height: 2), "1D 21 11"),
        (.characterSize(width: 2, height: 1), "1D 21 10"),
        (.characterSize(width: 1, height: 2), "1D 21 01"),
        (.characterSize(width: 9, height: 0), "1D 21 70"),
        (.align(.left), "1B 61 00"),
        (.align(.center), "1B 61 01"),
        (.align(.right), "1B 61 02"),
        (.lineSpacing(30), "1B 33 1E"),
        (.defaultLineSpacing, "1B 32"),
        (.lineFeed, "0A"),
        (.feed(lines: 4), "1B 64 04"),
        (.barcodeHeight(80), "1D 68 50"),
        (.barcodeModuleWidth(2), "1D 77 02"),
        (.barcodeModuleWidth(9), "1D 77 06"),
        (.barcodeTextPosition(.below), "1D 48 02"),
        (.cut(.full), "1D 56 00"),
        (.cut(.partial), "1D 56 01"),
        (.statusQuery(.printer), "10 04 01"),
        (.statusQuery(.paperRollSensor), "10 04 04"),
    ])
    func simpleCommand(command: ESCPOSCommand, expected: String) throws {
        #expect(try command.encoded() == hex(expected))
    }

    @Test func nativeQRCodeSelectsModel2SizeLevelStoresAndPrints() throws {
        let bytes = try ESCPOSCommand.qrCode(data: Array("AB1".utf8), moduleSize: 6, errorCorrection: .m).encoded()
        #expect(bytes == hex("""
            1D 28 6B 04 00 31 41 32 00
            1D 28 6B 03 00 31 43 06
            1D 28 6B 03 00 31 45 31
            1D 28 6B 06 00 31 50 30 41 42 31
            1D 28 6B 03 00 31 51 30
            """))
    }

    @Test func nativeQRCodeStoreLengthIsLittleEndianAndLevelsMap() throws {
        let data = [UInt8](repeating: 0x41, count: 300)
        let bytes = try ESCPOSCommand.qrCode(data: data, moduleSize: 40, errorCorrection: .h).encoded()
        #expect(Array(bytes[9..<17]) == hex("1D 28 6B 03 00 31 43 10"))
        #expect(Array(bytes[17..<25]) == hex("1D 28 6B 03 00 31 45 33"))
        #expect(Array(bytes[25..<33]) == hex("1D 28 6B 2F 01 31 50 30"))
        #expect(bytes.count == 9 + 8 + 8 + 8 + 300 + 8)
        let low = try ESCPOSCommand.qrCode(data: data, moduleSize: 0, errorCorrection: .l).encoded()
        #expect(Array(low[9..<25]) == hex("1D 28 6B 03 00 31 43 01 1D 28 6B 03 00 31 45 30"))
    }

    @Test func nativeQRCodeRejectsEmptyAndOversizedData() {
        #expect(throws: ESCPOSError(.qrDataTooLong)) {
            try ESCPOSCommand.qrCode(data: [], moduleSize: 6, errorCorrection: .m).encoded()
        }
        #expect(throws: ESCPOSError(.qrDataTooLong)) {
            try ESCPOSCommand.qrCode(data: [UInt8](repeating: 0x30, count: 2332), moduleSize: 6, errorCorrection: .m).encoded()
        }
        #expect(throws: Never.self) {
            try ESCPOSCommand.qrCode(data: [UInt8](repeating: 0x30, count: 2331), moduleSize: 6, errorCorrection: .m).encoded()
        }
    }

    @Test func rasterImageHeaderCarriesWidthBytesAndHeightLittleEndian() throws {
        let image = try RasterImage(widthBytes: 2, heightDots: 3, bits: [0xF0, 0x0F, 0xAA, 0x55, 0xFF, 0x00])
        #expect(try ESCPOSCommand.rasterImage(image).encoded() == hex("1D 76 30 00 02 00 03 00 F0 0F AA 55 FF 00"))
        let tall = try RasterImage(widthBytes: 1, heightDots: 300, bits: [UInt8](repeating: 0, count: 300))
        #expect(Array(try ESCPOSCommand.rasterImage(tall).encoded()[0..<8]) == hex("1D 76 30 00 01 00 2C 01"))
    }

    @Test func rasterImageRejectsMismatchedData() {
        #expect(throws: ESCPOSError(.rasterImageInvalid)) { try RasterImage(widthBytes: 2, heightDots: 2, bits: [0, 0, 0]) }
        #expect(throws: ESCPOSError(.rasterImageInvalid)) { try RasterImage(widthBytes: 0, heightDots: 0, bits: []) }
    }

    @Test(arguments: [
        // All digits, even: code set C throughout.
        ("123456", "1D 6B 49 05 7B 43 0C 22 38"),
        ("12", "1D 6B 49 03 7B 43 0C"),
        // Letters only: code set B.
        ("ABC", "1D 6B 49 05 7B 42 41 42 43"),
        // A literal brace is doubled.
        ("A{", "1D 6B 49 05 7B 42 41 7B 7B"),
        // Odd digit run at the end: first digit in B, the rest as pairs in C.
        ("A20260315-000123", "1D 6B 49 11 7B 42 41 7B 43 14 1A 03 0F 7B 42 2D 7B 43 00 01 17"),
        // Four trailing digits switch to C; three would not.
        ("AB1234", "1D 6B 49 08 7B 42 41 42 7B 43 0C 22"),
        ("AB123", "1D 6B 49 07 7B 42 41 42 31 32 33"),
        // Six digits in the middle switch to C and back; five do not.
        ("A123456B", "1D 6B 49 0B 7B 42 41 7B 43 0C 22 38 7B 42 42"),
        ("A12345B", "1D 6B 49 09 7B 42 41 31 32 33 34 35 42"),
        // A leading odd run of four or more: one digit in B first.
        ("12345X", "1D 6B 49 0A 7B 42 31 7B 43 17 2D 7B 42 58"),
        ("1234X", "1D 6B 49 07 7B 43 0C 22 7B 42 58"),
    ])
    func code128ChoosesCodeSets(text: String, expected: String) throws {
        #expect(try ESCPOSCommand.code128(text).encoded() == hex(expected))
    }

    @Test func code128RejectsWhatItCannotEncode() {
        for text in ["", "中文", "tab\there", String(repeating: "A", count: 254)] {
            #expect(throws: ESCPOSError(.barcodeDataInvalid)) { try ESCPOSCommand.code128(text).encoded() }
        }
        #expect(throws: Never.self) { try ESCPOSCommand.code128(String(repeating: "A", count: 253)).encoded() }
    }

    @Test func encoderTracksChineseModeAcrossCommands() throws {
        var encoder = ESCPOSEncoder(profile: chineseProfile)
        try encoder.append(.initialize)
        encoder.text("中a")
        try encoder.append(.chineseMode(false))
        encoder.text("中")
        try encoder.append(.initialize)
        encoder.text("中")
        #expect(encoder.bytes == hex("1B 40 1C 26 D6 D0 61 1C 2E 1C 26 D6 D0 1B 40 1C 26 D6 D0"))
    }

    @Test func errorsHaveStableCodesAndBothLanguages() {
        for code in ESCPOSError.Code.allCases {
            let error = ESCPOSError(code)
            #expect(!error.messageEN.isEmpty)
            #expect(!error.messageZH.isEmpty)
            #expect(error.description.hasPrefix("ESCPOSError.\(code.rawValue)"))
        }
        #expect(ESCPOSError.Code.communicationError.rawValue == "communicationError")
    }
}
