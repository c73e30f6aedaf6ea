import Testing
@testable import ESCPOS

@Suite struct QRCodeTests {
    /// Rows as hex, most significant bit leftmost, padded to whole hex digits.
    private func rows(_ symbol: QRCode) -> [String] {
        (0..<symbol.size).map { y in
            var bits = (0..<symbol.size).map { symbol.isDark(x: $0, y: y) }
            while bits.count % 4 != 0 { bits.append(false) }
            return stride(from: 0, to: bits.count, by: 4).map { start in
                let nibble = bits[start..<start + 4].reduce(0) { $0 << 1 | ($1 ? 1 : 0) }
                return String(nibble, radix: 16)
            }.joined()
        }
    }

    @Test func reedSolomonMatchesThePublishedVersion1MExample() {
        // ISO/IEC 18004 annex I style example, "HELLO WORLD" at 1-M: 16 data and 10 EC codewords.
        let data = hex("20 5B 0B 78 D1 72 DC 4D 43 40 EC 11 EC 11 EC 11")
        let ecc = ReedSolomon.remainder(of: data[...], divisor: ReedSolomon.generator(degree: 10))
        #expect(ecc == hex("C4 23 27 77 EB D7 E7 E2 5D 17"))
    }

    @Test func capacityTables() {
        #expect((1...10).map { QRCode.totalCodewords(version: $0) } == [26, 44, 70, 100, 134, 172, 196, 242, 292, 346])
        #expect((1...10).map { QRCode.dataCodewords(version: $0, .m) } == [16, 28, 44, 64, 86, 108, 124, 154, 182, 216])
        #expect(QRCode.alignmentCentres(version: 7) == [6, 22, 38])
    }

    @Test func version4LinkMatchesReferenceEncoder() throws {
        let symbol = try QRCode.encode(Array("https://zwfw.example.gov.cn/r/A20260315-000123".utf8))
        #expect(symbol.version == 4)
        #expect(symbol.mask == 2)
        #expect(rows(symbol) == [
            "fe4c7d3f8", "825f40a08", "ba847d2e8", "babb992e8", "ba9d27ae8", "82e7ce208", "feaaaabf8",
            "00c306800", "be4bc2be0", "c870b7b78", "6e29a84a0", "34928f4e0", "8390240c0", "fd77c9b38",
            "c3c254e10", "8cca9cf20", "4efa525c8", "e44a59778", "7a1942fa0", "d87ee95e8", "feba9e0c0",
            "d19325f68", "9f07cca90", "b17d26b28", "bec962fd8", "009abc8b8", "fe71a5aa0", "82da078f0",
            "baf524fc0", "bac1cb4a8", "bad457f20", "8212bf0a0", "fef45a950",
        ])
    }

    @Test func version8WithVersionInformationMatchesReferenceEncoder() throws {
        let symbol = try QRCode.encode(Array(String(repeating: "A20260315-000123", count: 9).utf8))
        #expect(symbol.version == 8)
        #expect(symbol.mask == 2)
        #expect(rows(symbol) == [
            "fe7cc10340bf8", "82732cf42fa08", "bafb8d8bd1ae8", "badd5492292e8", "ba94a7eb0c2e8",
            "82a2f6344e208", "feaaaaaaaabf8", "0098422bd0800", "be4d7bf24ebe0", "e878058245350",
            "3217f4f439448", "0838450bd13d0", "7e2d02b048a28", "d09c7a92c1350", "d2794ef52fc68",
            "a872bb0fd03d8", "570fc4d648a28", "4d919413d9250", "bfc4f9f02fc68", "7429450a513c8",
            "abed9ab509828", "7c728413d92d0", "7fa7b3f436f88", "f8e8ba33d18c8", "caed5ea22caa8",
            "a8cea62b418d0", "9fea6bf5aef88", "6cd746ebd0548", "f37f14924f7a8", "bdc16502d9608",
            "c2a3100c2fbf8", "49adc76dc8048", "ff621d167d228", "d1bce69250550", "e293ed942fbc8",
            "d8ca276bc0440", "dbe1c95669ba8", "c05c04dad9210", "473530043fb08", "713a36aad05c8",
            "e376bff60bfe8", "0098263b488d0", "fe1282b52fae8", "82cb463bd18c0", "bad6a7f00dfb8",
            "bad4bb0248bd8", "bac5ace42f240", "8242d98b902c8", "fefa3c926ac38",
        ])
    }

    /// Reads the 15 format bits from the copy around the top-left finder.
    private func formatBits(_ symbol: QRCode) -> Int {
        var positions: [(Int, Int)] = (0...5).map { (8, $0) }
        positions += [(8, 7), (8, 8), (7, 8)]
        positions += (9..<15).map { (14 - $0, 8) }
        var bits = 0
        for (index, (x, y)) in positions.enumerated() where symbol.isDark(x: x, y: y) { bits |= 1 << index }
        return bits
    }

    @Test(arguments: QRErrorCorrection.allCases)
    func structureHoldsForEveryVersionMaskAndLevel(level: QRErrorCorrection) throws {
        let levelBits = ["l": 1, "m": 0, "q": 3, "h": 2][level.rawValue] ?? -1
        for version in 1...QRCode.maximumVersion {
            let length = QRCode.dataCodewords(version: version, level) - 2 - (version >= 10 ? 1 : 0)
            for mask in 0..<8 {
                let symbol = try QRCode.encode([UInt8](repeating: 0x5A, count: length), errorCorrection: level, mask: mask)
                #expect(symbol.version == version)
                #expect(symbol.size == 17 + 4 * version)
                // Finder patterns: a dark ring, a light ring, a dark 3×3 core.
                for (cx, cy) in [(3, 3), (symbol.size - 4, 3), (3, symbol.size - 4)] {
                    #expect(symbol.isDark(x: cx - 3, y: cy) && !symbol.isDark(x: cx - 2, y: cy) && symbol.isDark(x: cx - 1, y: cy))
                    #expect(symbol.isDark(x: cx, y: cy) && symbol.isDark(x: cx + 1, y: cy + 1))
                }
                for i in 8..<(symbol.size - 8) {
                    #expect(symbol.isDark(x: i, y: 6) == (i % 2 == 0))
                    #expect(symbol.isDark(x: 6, y: i) == (i % 2 == 0))
                }
                #expect(symbol.isDark(x: 8, y: symbol.size - 8))
                let format = formatBits(symbol) ^ 0x5412
                #expect(format >> 10 == levelBits << 3 | mask)
            }
        }
    }

    @Test func chosenMaskHasTheLowestPenalty() throws {
        let data = Array("A20260315-000123".utf8)
        let chosen = try QRCode.encode(data)
        let penalties = try (0..<8).map { try QRCode.encode(data, mask: $0).penaltyScore() }
        #expect(chosen.mask == penalties.firstIndex(of: penalties.min() ?? 0))
        #expect(chosen.penaltyScore() == penalties.min())
    }

    @Test func capacityLimitsAtVersion10() throws {
        #expect(try QRCode.encode([UInt8](repeating: 0x41, count: 213)).version == 10)
        #expect(throws: ESCPOSError(.qrDataTooLong)) { try QRCode.encode([UInt8](repeating: 0x41, count: 214)) }
        #expect(try QRCode.encode([UInt8](repeating: 0x41, count: 14)).version == 1)
        #expect(try QRCode.encode([UInt8](repeating: 0x41, count: 15)).version == 2)
        #expect(try QRCode.encode([], errorCorrection: .h).version == 1)
    }

    @Test func rasterScalesModulesAndKeepsQuietZone() throws {
        let symbol = try QRCode.encode(Array("A1".utf8))
        let image = symbol.rasterImage(scale: 2)
        #expect(image.heightDots == (21 + 8) * 2)
        #expect(image.widthBytes == 8)
        // First dark module (the finder's corner) sits at dot (8, 8): row 8, byte 1, top bit.
        #expect(image.bits[7 * 8 + 1] == 0)
        #expect(image.bits[8 * 8 + 0] == 0)
        #expect(image.bits[8 * 8 + 1] == 0xFF)
        // Seven dark finder modules are 14 dots, 8...21; the separator leaves 22 and 23 light.
        #expect(image.bits[8 * 8 + 2] == 0xFC)
        #expect(image.bits[9 * 8 + 2] == 0xFC)
        #expect(image.bits[10 * 8 + 1] == 0xC0)
    }
}
