/// A monochrome bitmap for GS v 0: rows of `widthBytes` bytes, most significant bit leftmost,
/// 1 = black.
public struct RasterImage: Sendable, Equatable {
    public let widthBytes: Int
    public let heightDots: Int
    public let bits: [UInt8]

    public init(widthBytes: Int, heightDots: Int, bits: [UInt8]) throws(ESCPOSError) {
        guard (1...0xFFFF).contains(widthBytes), (1...0xFFFF).contains(heightDots),
            bits.count == widthBytes * heightDots
        else { throw ESCPOSError(.rasterImageInvalid) }
        self.init(uncheckedWidthBytes: widthBytes, heightDots: heightDots, bits: bits)
    }

    init(uncheckedWidthBytes widthBytes: Int, heightDots: Int, bits: [UInt8]) {
        self.widthBytes = widthBytes
        self.heightDots = heightDots
        self.bits = bits
    }
}

public enum Alignment: String, Sendable, Equatable, Codable {
    case left, center, right
}

public enum Underline: UInt8, Sendable, Equatable, Codable {
    case none = 0, single = 1, double = 2
}

public enum Font: String, Sendable, Equatable, Codable {
    case a, b
}

public enum CutMode: Sendable, Equatable {
    case full, partial
}

/// Where a barcode's human-readable digits go (GS H).
public enum BarcodeTextPosition: UInt8, Sendable, Equatable {
    case none = 0, above = 1, below = 2, both = 3
}

/// One ESC/POS command. Text is not a command here: its bytes depend on the profile's code page
/// and on Chinese mode, so `ESCPOSEncoder.text` produces it.
public enum ESCPOSCommand: Sendable, Equatable {
    /// ESC @: clears the buffer and every mode back to power-on settings.
    case initialize
    /// ESC t n.
    case selectCodePage(UInt8)
    /// FS & (on) / FS . (off): two-byte characters, GB18030 on Chinese models.
    case chineseMode(Bool)
    /// ESC E n.
    case bold(Bool)
    /// ESC - n.
    case underline(Underline)
    /// ESC M n.
    case font(Font)
    /// GS ! n; each magnification is clamped to 1...8.
    case characterSize(width: Int, height: Int)
    /// ESC a n.
    case align(Alignment)
    /// ESC 3 n: line spacing in motion units (dots on most models).
    case lineSpacing(UInt8)
    /// ESC 2.
    case defaultLineSpacing
    /// LF.
    case lineFeed
    /// ESC d n: prints the buffer and feeds n lines.
    case feed(lines: UInt8)
    /// GS ( k, functions 165, 167, 169, 180, 181: model 2, module size (clamped 1...16), level,
    /// store, print.
    case qrCode(data: [UInt8], moduleSize: Int, errorCorrection: QRErrorCorrection)
    /// GS v 0, normal density.
    case rasterImage(RasterImage)
    /// GS h n: bar height in dots.
    case barcodeHeight(UInt8)
    /// GS w n: narrow bar width in dots, clamped 2...6.
    case barcodeModuleWidth(Int)
    /// GS H n.
    case barcodeTextPosition(BarcodeTextPosition)
    /// GS k 73: CODE128 with code sets B and C chosen for the shortest symbol.
    case code128(String)
    /// GS V 0 / GS V 1.
    case cut(CutMode)
    /// DLE EOT n.
    case statusQuery(StatusQueryKind)

    public func encoded() throws(ESCPOSError) -> [UInt8] {
        var bytes: [UInt8] = []
        try encode(into: &bytes)
        return bytes
    }

    public func encode(into bytes: inout [UInt8]) throws(ESCPOSError) {
        switch self {
        case .initialize:
            bytes += [0x1B, 0x40]
        case let .selectCodePage(number):
            bytes += [0x1B, 0x74, number]
        case let .chineseMode(on):
            bytes += on ? [0x1C, 0x26] : [0x1C, 0x2E]
        case let .bold(on):
            bytes += [0x1B, 0x45, on ? 1 : 0]
        case let .underline(mode):
            bytes += [0x1B, 0x2D, mode.rawValue]
        case let .font(font):
            bytes += [0x1B, 0x4D, font == .a ? 0 : 1]
        case let .characterSize(width, height):
            let w = UInt8(min(max(width, 1), 8) - 1)
            let h = UInt8(min(max(height, 1), 8) - 1)
            bytes += [0x1D, 0x21, w << 4 | h]
        case let .align(alignment):
            let n: UInt8 =
                switch alignment {
                case .left: 0
                case .center: 1
                case .right: 2
                }
            bytes += [0x1B, 0x61, n]
        case let .lineSpacing(dots):
            bytes += [0x1B, 0x33, dots]
        case .defaultLineSpacing:
            bytes += [0x1B, 0x32]
        case .lineFeed:
            bytes.append(0x0A)
        case let .feed(lines):
            bytes += [0x1B, 0x64, lines]
        case let .qrCode(data, moduleSize, errorCorrection):
            guard !data.isEmpty, data.count <= errorCorrection.maximumNativeBytes else {
                throw ESCPOSError(.qrDataTooLong)
            }
            let storeLength = data.count + 3
            bytes += [0x1D, 0x28, 0x6B, 0x04, 0x00, 0x31, 0x41, 0x32, 0x00]
            bytes += [0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x43, UInt8(min(max(moduleSize, 1), 16))]
            bytes += [0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x45, errorCorrection.escposValue]
            bytes += [0x1D, 0x28, 0x6B, UInt8(storeLength & 0xFF), UInt8(storeLength >> 8), 0x31, 0x50, 0x30]
            bytes += data
            bytes += [0x1D, 0x28, 0x6B, 0x03, 0x00, 0x31, 0x51, 0x30]
        case let .rasterImage(image):
            bytes += [
                0x1D, 0x76, 0x30, 0x00,
                UInt8(image.widthBytes & 0xFF), UInt8(image.widthBytes >> 8),
                UInt8(image.heightDots & 0xFF), UInt8(image.heightDots >> 8),
            ]
            bytes += image.bits
        case let .barcodeHeight(dots):
            bytes += [0x1D, 0x68, dots]
        case let .barcodeModuleWidth(dots):
            bytes += [0x1D, 0x77, UInt8(min(max(dots, 2), 6))]
        case let .barcodeTextPosition(position):
            bytes += [0x1D, 0x48, position.rawValue]
        case let .code128(text):
            let data = try Code128.commandData(for: text)
            bytes += [0x1D, 0x6B, 73, UInt8(data.count)]
            bytes += data
        case let .cut(mode):
            bytes += [0x1D, 0x56, mode == .full ? 0 : 1]
        case let .statusQuery(kind):
            bytes += kind.command
        }
    }
}

/// The data part of GS k 73: code-set selectors ({B, {C) and symbol characters.
enum Code128 {
    /// The command's length byte caps the data, selectors included.
    static let maximumCommandData = 255

    static func commandData(for text: String) throws(ESCPOSError) -> [UInt8] {
        let characters = Array(text.utf8)
        guard !characters.isEmpty, characters.allSatisfy({ (0x20...0x7E).contains($0) }) else {
            throw ESCPOSError(.barcodeDataInvalid)
        }
        func isDigit(_ index: Int) -> Bool { (0x30...0x39).contains(characters[index]) }
        func digitRun(from start: Int) -> Int {
            var end = start
            while end < characters.count && isDigit(end) { end += 1 }
            return end - start
        }
        // Code set C packs two digits per symbol character; switching costs one, so a run pays
        // off from four digits at either end of the data and from six in the middle.
        func worthCodeSetC(at index: Int) -> Bool {
            let run = digitRun(from: index)
            let touchesEdge = index == 0 || index + run == characters.count
            return run >= (touchesEdge ? 4 : 6) || (run == characters.count && run >= 2 && run % 2 == 0)
        }
        var data: [UInt8] = []
        var inCodeSetC = false
        var index = 0
        var isFirst = true
        while index < characters.count {
            let run = digitRun(from: index)
            if worthCodeSetC(at: index) {
                // An odd run leaves its first digit in code set B, so C gets whole pairs.
                if run % 2 == 1 {
                    if inCodeSetC || isFirst { data += [0x7B, 0x42] }
                    inCodeSetC = false
                    data.append(characters[index])
                    index += 1
                }
                if !inCodeSetC { data += [0x7B, 0x43] }
                inCodeSetC = true
                for pair in stride(from: index, to: index + run - run % 2, by: 2) {
                    data.append((characters[pair] - 0x30) * 10 + characters[pair + 1] - 0x30)
                }
                index += run - run % 2
            } else {
                if inCodeSetC || isFirst { data += [0x7B, 0x42] }
                inCodeSetC = false
                let character = characters[index]
                data += character == 0x7B ? [0x7B, 0x7B] : [character]
                index += 1
            }
            isFirst = false
        }
        guard data.count <= maximumCommandData else { throw ESCPOSError(.barcodeDataInvalid) }
        return data
    }
}
