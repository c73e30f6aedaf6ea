#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads ESC/POS bytes back into the lines they print, for the technician's view of a stored
/// print job (which keeps only the bytes).
///
/// Laid out like `ReceiptRenderer.preview`, so for what the renderer emits the two agree line
/// for line: alignment padded from the font's columns, double-width characters followed by
/// spaces, a rule of "=" where the paper is cut. A QR code shows as `[QR] content`, a CODE128
/// barcode as `[CODE128] content`, a raster image (a QR code on a model without native QR) as
/// `[image W×H dots]`. Any input, including a job cut short or bytes from another program,
/// gives lines: an unknown command is skipped, a truncated one ends the preview.
public enum ReceiptPreview {
    public static func text(_ bytes: [UInt8], profile: PrinterProfile) -> String {
        lines(bytes, profile: profile).joined(separator: "\n") + "\n"
    }

    public static func lines(_ bytes: [UInt8], profile: PrinterProfile) -> [String] {
        var reader = PreviewReader(bytes: bytes, profile: profile)
        reader.run()
        return reader.lines
    }
}

private struct PreviewReader {
    /// One printed character: as shown, and the columns it fills at normal width.
    struct Cell {
        var text: String
        var width: Int
    }

    let bytes: [UInt8]
    let profile: PrinterProfile
    var index = 0
    var lines: [String] = []
    var line: [Cell] = []
    var chineseMode = false
    var alignment = Alignment.left
    var font = Font.a
    var widthScale = 1
    var qrData: [UInt8] = []
    var converter: GB18030Decoder?

    init(bytes: [UInt8], profile: PrinterProfile) {
        self.bytes = bytes
        self.profile = profile
    }

    private func byte(_ offset: Int) -> UInt8? {
        index + offset < bytes.count ? bytes[index + offset] : nil
    }

    private var fullWidth: Int { max(profile.columns.fontA, 1) }

    mutating func run() {
        while index < bytes.count {
            guard step() else { break }
        }
        if !line.isEmpty { flush() }
    }

    /// Takes one command or character; false when the bytes end inside a command.
    private mutating func step() -> Bool {
        let first = bytes[index]
        switch first {
        case 0x0A:
            flush()
            index += 1
        case 0x1B: return escape()
        case 0x1C:
            guard let code = byte(1) else { return false }
            if code == 0x26 { chineseMode = true }
            if code == 0x2E { chineseMode = false }
            index += 2
        case 0x1D: return groupSeparator()
        case 0x10:
            guard byte(2) != nil else { return false }
            index += 3
        case 0x09:
            line.append(Cell(text: " ", width: 1))
            index += 1
        case ..<0x20, 0x7F:
            index += 1
        case ..<0x80:
            line.append(Cell(text: String(Unicode.Scalar(first)), width: 1))
            index += 1
        default:
            textAbove0x80()
        }
        return true
    }

    private mutating func textAbove0x80() {
        guard chineseMode else {
            let scalar = profile.codePage.scalar(for: bytes[index]) ?? "?"
            line.append(Cell(text: String(scalar), width: 1))
            index += 1
            return
        }
        // GB18030: a lead byte and one trail byte, or three when the second byte is a digit.
        let length = byte(1).map { (0x30...0x39).contains($0) ? 4 : 2 } ?? 1
        let end = min(index + length, bytes.count)
        if converter == nil { converter = GB18030Decoder() }
        let decoded = end - index == length ? converter?.decode(Array(bytes[index..<end])) : nil
        line.append(Cell(text: decoded ?? "?", width: 2))
        index = end
    }

    private mutating func escape() -> Bool {
        guard let code = byte(1) else { return false }
        switch code {
        case 0x40:
            flush(ifNotEmpty: true)
            chineseMode = false
            alignment = .left
            font = .a
            widthScale = 1
            index += 2
        case 0x32, 0x3C:
            index += 2
        case 0x61, 0x4D, 0x64, 0x21, 0x45, 0x2D, 0x33, 0x74, 0x4A, 0x47, 0x20, 0x56, 0x7B:
            guard let value = byte(2) else { return false }
            index += 3
            switch code {
            case 0x61: alignment = value % 48 == 1 ? .center : (value % 48 == 2 ? .right : .left)
            case 0x4D: font = value % 48 == 1 ? .b : .a
            case 0x21:
                font = value & 0x01 == 0 ? .a : .b
                widthScale = value & 0x20 == 0 ? 1 : 2
            case 0x64:
                flush()
                for _ in 1..<max(Int(value), 1) { flush() }
            default: break
            }
        default:
            index += 2
        }
        return true
    }

    private mutating func groupSeparator() -> Bool {
        guard let code = byte(1) else { return false }
        switch code {
        case 0x21:
            guard let value = byte(2) else { return false }
            widthScale = Int(value >> 4) + 1
            index += 3
        case 0x28:
            guard let low = byte(3), let high = byte(4) else { return false }
            let end = index + 5 + Int(low) + Int(high) << 8
            guard end <= bytes.count else { return false }
            if byte(2) == 0x6B, byte(5) == 0x31, let function = byte(6) {
                if function == 0x50, index + 8 <= end { qrData = Array(bytes[(index + 8)..<end]) }
                if function == 0x51 { marker("[QR] " + String(decoding: qrData, as: UTF8.self)) }
            }
            index = end
        case 0x76:
            guard let xLow = byte(4), let xHigh = byte(5), let yLow = byte(6), let yHigh = byte(7) else { return false }
            let widthBytes = Int(xLow) + Int(xHigh) << 8
            let height = Int(yLow) + Int(yHigh) << 8
            let end = index + 8 + widthBytes * height
            guard end <= bytes.count else { return false }
            marker("[image \(widthBytes * 8)×\(height) dots]")
            index = end
        case 0x6B:
            guard let system = byte(2) else { return false }
            let data: ArraySlice<UInt8>
            if system >= 65 {
                guard let length = byte(3), index + 4 + Int(length) <= bytes.count else { return false }
                data = bytes[(index + 4)..<(index + 4 + Int(length))]
                index += 4 + Int(length)
            } else {
                guard let terminator = bytes[(index + 3)...].firstIndex(of: 0) else { return false }
                data = bytes[(index + 3)..<terminator]
                index = terminator + 1
            }
            marker(system == 73 ? "[CODE128] " + Self.code128Text(data) : "[barcode] " + String(decoding: data, as: UTF8.self))
        case 0x56:
            guard let mode = byte(2) else { return false }
            if mode >= 65 && byte(3) == nil { return false }
            flush(ifNotEmpty: true)
            lines.append(String(repeating: "=", count: fullWidth))
            index += mode >= 65 ? 4 : 3
        case 0x68, 0x77, 0x48, 0x66, 0x42, 0x61, 0x72, 0x49:
            guard byte(2) != nil else { return false }
            index += 3
        default:
            index += 2
        }
        return true
    }

    /// The text a GS k 73 symbol carries: `{B` and `{C` switch code sets (C packs two digits
    /// per byte), `{{` is a brace.
    static func code128Text(_ data: ArraySlice<UInt8>) -> String {
        var text = ""
        var codeSetC = false
        var position = data.startIndex
        while position < data.endIndex {
            let value = data[position]
            if value == 0x7B, position + 1 < data.endIndex {
                let selector = data[position + 1]
                if selector == 0x7B { text += "{" }
                codeSetC = selector == 0x43 ? true : (selector == 0x41 || selector == 0x42 ? false : codeSetC)
                position += 2
                continue
            }
            if codeSetC {
                text += value < 10 ? "0\(value)" : "\(value)"
            } else {
                text += String(Unicode.Scalar(value))
            }
            position += 1
        }
        return text
    }

    /// A QR code, barcode or image: one centred line per `fullWidth` columns, as the preview
    /// shows them.
    private mutating func marker(_ content: String) {
        flush(ifNotEmpty: true)
        let text = EncodedText(content[...], profile: profile)
        for range in ReceiptRenderer.wrap(text.glyphs, columns: fullWidth) {
            let padding = String(repeating: " ", count: max(fullWidth - text.width(of: range), 0) / 2)
            lines.append(trimmed(padding + text.glyphs[range].map { String(text.preview($0)) }.joined()))
        }
    }

    private mutating func flush(ifNotEmpty: Bool = false) {
        if ifNotEmpty && line.isEmpty { return }
        let width = line.reduce(0) { $0 + $1.width }
        let columns = max(font == .a ? profile.columns.fontA : profile.columns.fontB, 1)
        let slack = max(columns - width * widthScale, 0)
        let padding =
            switch alignment {
            case .left: 0
            case .center: slack / 2
            case .right: slack
            }
        var text = String(repeating: " ", count: padding)
        for cell in line {
            text += cell.text
            if widthScale > 1 { text += String(repeating: " ", count: cell.width * (widthScale - 1)) }
        }
        lines.append(trimmed(text))
        line.removeAll()
    }

    private func trimmed(_ text: String) -> String {
        var text = text
        while text.last == " " { text.removeLast() }
        return text
    }
}

/// glibc's iconv from GB18030 to UTF-8, one character at a time.
final class GB18030Decoder {
    private let iconv: Iconv

    init?() {
        guard let iconv = Iconv(from: "GB18030", to: "UTF-8") else { return nil }
        self.iconv = iconv
    }

    /// The character `bytes` encode, or nil when they are not one valid GB18030 character.
    func decode(_ bytes: [UInt8]) -> String? {
        guard let output = iconv.convert(bytes, capacity: 16), !output.isEmpty else { return nil }
        return String(validating: output, as: UTF8.self)
    }
}
