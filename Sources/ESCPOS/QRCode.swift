/// QR error-correction level; a higher level survives more damage at the cost of a larger symbol.
public enum QRErrorCorrection: String, Sendable, Equatable, Codable, CaseIterable {
    case l, m, q, h

    /// The `n` of GS ( k <Function 169>.
    var escposValue: UInt8 {
        switch self {
        case .l: 48
        case .m: 49
        case .q: 50
        case .h: 51
        }
    }

    /// The two level bits of the format information (ISO/IEC 18004 table 12).
    var formatBits: Int {
        switch self {
        case .l: 1
        case .m: 0
        case .q: 3
        case .h: 2
        }
    }

    var tableIndex: Int {
        switch self {
        case .l: 0
        case .m: 1
        case .q: 2
        case .h: 3
        }
    }

    /// Byte-mode capacity of version 40, the most a native GS ( k symbol can hold.
    var maximumNativeBytes: Int {
        switch self {
        case .l: 2953
        case .m: 2331
        case .q: 1663
        case .h: 1273
        }
    }
}

/// A QR code symbol (model 2, byte mode, versions 1–10), for printers without native QR support.
/// Ten versions hold 213 bytes at level M, far more than a receipt's reference link needs.
public struct QRCode: Sendable, Equatable {
    public static let maximumVersion = 10

    public let version: Int
    public let errorCorrection: QRErrorCorrection
    public let mask: Int
    /// Modules per side.
    public let size: Int
    private var modules: [Bool]
    private var isFunction: [Bool]

    /// True where the module at column `x`, row `y` is dark.
    public func isDark(x: Int, y: Int) -> Bool {
        modules[y * size + x]
    }

    /// Encodes `data` in the smallest version that holds it. `mask` forces a mask pattern
    /// (0...7); by default the one with the lowest penalty score is chosen, as the standard asks.
    public static func encode(
        _ data: [UInt8], errorCorrection: QRErrorCorrection = .m, mask: Int? = nil
    ) throws(ESCPOSError) -> QRCode {
        guard let version = (1...maximumVersion).first(where: {
            4 + characterCountBits(version: $0) + data.count * 8
                <= dataCodewords(version: $0, errorCorrection) * 8
        }) else { throw ESCPOSError(.qrDataTooLong) }
        let codewords = interleavedCodewords(
            dataCodewords(for: data, version: version, errorCorrection),
            version: version, errorCorrection)
        var symbol = QRCode(version: version, errorCorrection: errorCorrection)
        symbol.placeCodewords(codewords)
        let chosenMask: Int
        if let mask {
            chosenMask = min(max(mask, 0), 7)
        } else {
            let penalties = (0..<8).map { symbol.penalty(withMask: $0) }
            chosenMask = penalties.indices.first { penalties[$0] == penalties.min() } ?? 0
        }
        symbol.applyMask(chosenMask)
        symbol.drawFormatBits(mask: chosenMask)
        return QRCode(symbol, mask: chosenMask)
    }

    /// The symbol as a 1-bit raster, `scale` dots per module, with the four-module quiet zone.
    public func rasterImage(scale: Int) -> RasterImage {
        let quietZone = 4
        let dots = (size + 2 * quietZone) * scale
        let widthBytes = (dots + 7) / 8
        var bits = [UInt8](repeating: 0, count: widthBytes * dots)
        for y in 0..<size {
            for x in 0..<size where isDark(x: x, y: y) {
                for dy in 0..<scale {
                    let row = (quietZone + y) * scale + dy
                    for dx in 0..<scale {
                        let column = (quietZone + x) * scale + dx
                        bits[row * widthBytes + column / 8] |= 0x80 >> UInt8(column % 8)
                    }
                }
            }
        }
        return RasterImage(uncheckedWidthBytes: widthBytes, heightDots: dots, bits: bits)
    }

    // MARK: Construction

    private init(version: Int, errorCorrection: QRErrorCorrection) {
        self.version = version
        self.errorCorrection = errorCorrection
        self.mask = 0
        size = version * 4 + 17
        modules = [Bool](repeating: false, count: size * size)
        isFunction = modules
        drawFunctionPatterns()
    }

    private init(_ other: QRCode, mask: Int) {
        version = other.version
        errorCorrection = other.errorCorrection
        self.mask = mask
        size = other.size
        modules = other.modules
        isFunction = other.isFunction
    }

    private mutating func setFunction(x: Int, y: Int, dark: Bool) {
        modules[y * size + x] = dark
        isFunction[y * size + x] = true
    }

    private mutating func drawFunctionPatterns() {
        for i in 0..<size {
            setFunction(x: 6, y: i, dark: i % 2 == 0)
            setFunction(x: i, y: 6, dark: i % 2 == 0)
        }
        for (cx, cy) in [(3, 3), (size - 4, 3), (3, size - 4)] {
            for dy in -4...4 {
                for dx in -4...4 {
                    let x = cx + dx
                    let y = cy + dy
                    guard (0..<size).contains(x), (0..<size).contains(y) else { continue }
                    let distance = max(abs(dx), abs(dy))
                    setFunction(x: x, y: y, dark: distance != 2 && distance != 4)
                }
            }
        }
        let centres = QRCode.alignmentCentres(version: version)
        for (i, cy) in centres.enumerated() {
            for (j, cx) in centres.enumerated() {
                let last = centres.count - 1
                if (i == 0 && j == 0) || (i == 0 && j == last) || (i == last && j == 0) { continue }
                for dy in -2...2 {
                    for dx in -2...2 {
                        setFunction(x: cx + dx, y: cy + dy, dark: max(abs(dx), abs(dy)) != 1)
                    }
                }
            }
        }
        // Reserve the format areas now so data placement skips them; the real bits come last.
        drawFormatBits(mask: 0)
        if version >= 7 {
            var remainder = version
            for _ in 0..<12 { remainder = (remainder << 1) ^ ((remainder >> 11) * 0x1F25) }
            let bits = version << 12 | remainder
            for i in 0..<18 {
                let dark = (bits >> i) & 1 != 0
                let a = size - 11 + i % 3
                let b = i / 3
                setFunction(x: a, y: b, dark: dark)
                setFunction(x: b, y: a, dark: dark)
            }
        }
    }

    private mutating func drawFormatBits(mask: Int) {
        let data = errorCorrection.formatBits << 3 | mask
        var remainder = data
        for _ in 0..<10 { remainder = (remainder << 1) ^ ((remainder >> 9) * 0x537) }
        let bits = (data << 10 | remainder) ^ 0x5412
        func bit(_ i: Int) -> Bool { (bits >> i) & 1 != 0 }
        for i in 0...5 { setFunction(x: 8, y: i, dark: bit(i)) }
        setFunction(x: 8, y: 7, dark: bit(6))
        setFunction(x: 8, y: 8, dark: bit(7))
        setFunction(x: 7, y: 8, dark: bit(8))
        for i in 9..<15 { setFunction(x: 14 - i, y: 8, dark: bit(i)) }
        for i in 0..<8 { setFunction(x: size - 1 - i, y: 8, dark: bit(i)) }
        for i in 8..<15 { setFunction(x: 8, y: size - 15 + i, dark: bit(i)) }
        setFunction(x: 8, y: size - 8, dark: true)
    }

    private mutating func placeCodewords(_ codewords: [UInt8]) {
        let totalBits = codewords.count * 8
        var bitIndex = 0
        var right = size - 1
        while right >= 1 {
            if right == 6 { right = 5 }
            let upward = (right + 1) & 2 == 0
            for vertical in 0..<size {
                let y = upward ? size - 1 - vertical : vertical
                for x in [right, right - 1] where !isFunction[y * size + x] && bitIndex < totalBits {
                    modules[y * size + x] = (codewords[bitIndex >> 3] >> UInt8(7 - bitIndex & 7)) & 1 != 0
                    bitIndex += 1
                }
            }
            right -= 2
        }
    }

    private static func maskInverts(_ mask: Int, x: Int, y: Int) -> Bool {
        switch mask {
        case 0: (x + y) % 2 == 0
        case 1: y % 2 == 0
        case 2: x % 3 == 0
        case 3: (x + y) % 3 == 0
        case 4: (x / 3 + y / 2) % 2 == 0
        case 5: x * y % 2 + x * y % 3 == 0
        case 6: (x * y % 2 + x * y % 3) % 2 == 0
        default: ((x + y) % 2 + x * y % 3) % 2 == 0
        }
    }

    private mutating func applyMask(_ mask: Int) {
        for y in 0..<size {
            for x in 0..<size where !isFunction[y * size + x] && QRCode.maskInverts(mask, x: x, y: y) {
                modules[y * size + x].toggle()
            }
        }
    }

    private func penalty(withMask mask: Int) -> Int {
        var candidate = self
        candidate.applyMask(mask)
        candidate.drawFormatBits(mask: mask)
        return candidate.penaltyScore()
    }

    /// ISO/IEC 18004 §7.8.3: runs (N1), 2×2 blocks (N2), finder look-alikes (N3), balance (N4).
    /// N3 finds the 1:1:3:1:1 ratio at any scale with four light units on one side, counting
    /// the quiet zone as light, which is how the reference decoders see the symbol.
    func penaltyScore() -> Int {
        var score = 0
        var runs: [Int] = []
        runs.reserveCapacity(size + 2)
        for line in 0..<size {
            for horizontal in [true, false] {
                // Alternating runs, light first; the quiet zone lengthens the outer light runs.
                runs.removeAll(keepingCapacity: true)
                var dark = false
                var length = size
                for i in 0..<size {
                    let module = horizontal ? isDark(x: i, y: line) : isDark(x: line, y: i)
                    if module == dark {
                        length += 1
                    } else {
                        runs.append(length)
                        dark = module
                        length = 1
                    }
                }
                runs.append(length)
                if dark { runs.append(size) } else { runs[runs.count - 1] += size }
                for (index, run) in runs.enumerated() {
                    let inside = run - (index == 0 || index == runs.count - 1 ? size : 0)
                    if inside >= 5 { score += inside - 2 }
                }
                for first in stride(from: 1, to: runs.count - 5, by: 2) {
                    let unit = runs[first]
                    guard runs[first + 1] == unit, runs[first + 2] == 3 * unit,
                        runs[first + 3] == unit, runs[first + 4] == unit
                    else { continue }
                    let before = runs[first - 1]
                    let after = runs[first + 5]
                    if before >= 4 * unit && after >= unit { score += 40 }
                    if after >= 4 * unit && before >= unit { score += 40 }
                }
            }
        }
        for y in 0..<(size - 1) {
            for x in 0..<(size - 1) {
                let colour = isDark(x: x, y: y)
                if colour == isDark(x: x + 1, y: y), colour == isDark(x: x, y: y + 1),
                    colour == isDark(x: x + 1, y: y + 1)
                {
                    score += 3
                }
            }
        }
        let dark = modules.filter { $0 }.count
        let total = size * size
        // 10 points per whole 5 % step away from half dark, a step counted once begun past its start.
        score += 10 * ((abs(dark * 20 - total * 10) + total - 1) / total - 1)
        return score
    }

    // MARK: Codewords

    static func characterCountBits(version: Int) -> Int {
        version <= 9 ? 8 : 16
    }

    /// Codewords of data and error correction together (ISO/IEC 18004 table 1).
    static func totalCodewords(version: Int) -> Int {
        var bits = (16 * version + 128) * version + 64
        if version >= 2 {
            let alignmentCount = version / 7 + 2
            bits -= (25 * alignmentCount - 10) * alignmentCount - 55
            if version >= 7 { bits -= 36 }
        }
        return bits / 8
    }

    // Indexed [level L, M, Q, H][version], version 0 unused (ISO/IEC 18004 table 9).
    private static let eccCodewordsPerBlock: [[Int]] = [
        [0, 7, 10, 15, 20, 26, 18, 20, 24, 30, 18],
        [0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26],
        [0, 13, 22, 18, 26, 18, 24, 18, 22, 20, 24],
        [0, 17, 28, 22, 16, 22, 28, 26, 26, 24, 28],
    ]
    private static let errorCorrectionBlocks: [[Int]] = [
        [0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 4],
        [0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5],
        [0, 1, 1, 2, 2, 4, 4, 6, 6, 8, 8],
        [0, 1, 1, 2, 4, 4, 4, 5, 6, 8, 8],
    ]

    static func dataCodewords(version: Int, _ level: QRErrorCorrection) -> Int {
        totalCodewords(version: version)
            - eccCodewordsPerBlock[level.tableIndex][version] * errorCorrectionBlocks[level.tableIndex][version]
    }

    static func alignmentCentres(version: Int) -> [Int] {
        guard version >= 2 else { return [] }
        let last = version * 4 + 10
        return version >= 7 ? [6, (6 + last) / 2, last] : [6, last]
    }

    /// Mode indicator, count, bytes, terminator and the 0xEC 0x11 padding.
    private static func dataCodewords(
        for data: [UInt8], version: Int, _ level: QRErrorCorrection
    ) -> [UInt8] {
        let capacity = dataCodewords(version: version, level)
        var bits: [Bool] = []
        bits.reserveCapacity(capacity * 8)
        func append(_ value: Int, count: Int) {
            for i in stride(from: count - 1, through: 0, by: -1) { bits.append((value >> i) & 1 != 0) }
        }
        append(0b0100, count: 4)
        append(data.count, count: characterCountBits(version: version))
        for byte in data { append(Int(byte), count: 8) }
        append(0, count: min(4, capacity * 8 - bits.count))
        append(0, count: (8 - bits.count % 8) % 8)
        var codewords = stride(from: 0, to: bits.count, by: 8).map { start in
            bits[start..<start + 8].reduce(UInt8(0)) { $0 << 1 | ($1 ? 1 : 0) }
        }
        var pad: UInt8 = 0xEC
        while codewords.count < capacity {
            codewords.append(pad)
            pad ^= 0xEC ^ 0x11
        }
        return codewords
    }

    /// Splits into blocks, appends each block's Reed–Solomon codewords and interleaves.
    private static func interleavedCodewords(
        _ data: [UInt8], version: Int, _ level: QRErrorCorrection
    ) -> [UInt8] {
        let blockCount = errorCorrectionBlocks[level.tableIndex][version]
        let eccLength = eccCodewordsPerBlock[level.tableIndex][version]
        let total = totalCodewords(version: version)
        let shortBlockCount = blockCount - total % blockCount
        let shortBlockDataLength = total / blockCount - eccLength
        let divisor = ReedSolomon.generator(degree: eccLength)
        var dataBlocks: [ArraySlice<UInt8>] = []
        var eccBlocks: [[UInt8]] = []
        var offset = 0
        for block in 0..<blockCount {
            let length = shortBlockDataLength + (block < shortBlockCount ? 0 : 1)
            let blockData = data[offset..<offset + length]
            offset += length
            dataBlocks.append(blockData)
            eccBlocks.append(ReedSolomon.remainder(of: blockData, divisor: divisor))
        }
        var result: [UInt8] = []
        result.reserveCapacity(total)
        for i in 0...shortBlockDataLength {
            for block in dataBlocks where i < block.count {
                result.append(block[block.startIndex + i])
            }
        }
        for i in 0..<eccLength {
            for block in eccBlocks { result.append(block[i]) }
        }
        return result
    }
}

/// Reed–Solomon over GF(256) with the QR field polynomial x⁸ + x⁴ + x³ + x² + 1.
enum ReedSolomon {
    static func multiply(_ x: UInt8, _ y: UInt8) -> UInt8 {
        var product = 0
        for i in stride(from: 7, through: 0, by: -1) {
            product = (product << 1) ^ ((product >> 7) * 0x11D)
            product ^= ((Int(y) >> i) & 1) * Int(x)
        }
        return UInt8(product & 0xFF)
    }

    /// Coefficients of ∏(x − αⁱ), i < degree, highest power first, leading 1 dropped.
    static func generator(degree: Int) -> [UInt8] {
        var coefficients = [UInt8](repeating: 0, count: degree)
        coefficients[degree - 1] = 1
        var root: UInt8 = 1
        for _ in 0..<degree {
            for j in 0..<degree {
                coefficients[j] = multiply(coefficients[j], root)
                if j + 1 < degree { coefficients[j] ^= coefficients[j + 1] }
            }
            root = multiply(root, 0x02)
        }
        return coefficients
    }

    static func remainder(of data: ArraySlice<UInt8>, divisor: [UInt8]) -> [UInt8] {
        var remainder = [UInt8](repeating: 0, count: divisor.count)
        for byte in data {
            let factor = byte ^ remainder[0]
            remainder.removeFirst()
            remainder.append(0)
            for i in 0..<divisor.count { remainder[i] ^= multiply(divisor[i], factor) }
        }
        return remainder
    }
}
