#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One printable character as the printer will see it: its bytes, the columns it takes, and
/// whether it needs Chinese mode (a GB18030 multi-byte character).
struct Glyph: Sendable, Equatable {
    /// Range in the owning `EncodedText.bytes`; 32-bit offsets keep the glyph small.
    var byteStart: Int32
    var byteEnd: Int32
    /// Range of the character in the source text's UTF-8.
    var sourceStart: Int32
    var sourceEnd: Int32
    /// The first scalar as printed ("?" where the printer cannot print the character), for
    /// line-breaking rules.
    var scalar: Unicode.Scalar
    /// Columns in the current font at normal width.
    var width: UInt8
    var needsChineseMode: Bool

    var isSpace: Bool { scalar == " " }
    var bytes: Range<Int> { Int(byteStart)..<Int(byteEnd) }
}

/// A line of text turned into printer bytes, character by character, so layout can wrap it
/// without ever cutting a multi-byte character.
///
/// A character here is a base scalar with the combining marks, joiners, selectors and emoji
/// modifiers that follow it: close enough to a grapheme cluster for receipts, and much cheaper
/// to find than `Character` on CJK text.
struct EncodedText: Sendable {
    let source: Substring
    var bytes: [UInt8] = []
    var glyphs: [Glyph] = []

    /// Encodes `text` (no line breaks) for `profile`: ASCII as is, other characters through the
    /// profile's code page, then, when the printer has Chinese mode, GB18030; anything else
    /// prints as "?". In Chinese mode every two- or four-byte character fills a double-width
    /// cell, which is how CJK (East Asian Wide and Fullwidth) characters come to count as two
    /// columns.
    init(_ text: Substring, profile: PrinterProfile) {
        source = text
        let codePage = profile.codePage
        let chineseMode = profile.features.gb18030
        let encoded =
            text.utf8.withContiguousStorageIfAvailable {
                EncodedText.encode($0, codePage: codePage, chineseMode: chineseMode)
            }
            ?? Array(text.utf8).withUnsafeBufferPointer {
                EncodedText.encode($0, codePage: codePage, chineseMode: chineseMode)
            }
        (bytes, glyphs) = encoded
    }

    private static func encode(
        _ utf8: UnsafeBufferPointer<UInt8>, codePage: CodePage, chineseMode: Bool
    ) -> ([UInt8], [Glyph]) {
        var bytes: [UInt8] = []
        var glyphs: [Glyph] = []
        // GB18030 is never longer than UTF-8 except for the rare four-byte forms of two-byte
        // UTF-8 characters, so this is nearly always the final size.
        bytes.reserveCapacity(utf8.count)
        glyphs.reserveCapacity(utf8.reduce(0) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) })
        var start = 0
        var next = utf8.isEmpty ? nil : scalar(in: utf8, at: 0)
        while let first = next {
            var end = start + first.length
            var scalarCount = 1
            var joined = false
            next = end < utf8.count ? scalar(in: utf8, at: end) : nil
            while let following = next, joined || extendsCharacter(following.scalar) {
                joined = following.scalar == "\u{200D}"
                end += following.length
                scalarCount += 1
                next = end < utf8.count ? scalar(in: utf8, at: end) : nil
            }
            let byteStart = Int32(truncatingIfNeeded: bytes.count)
            var glyph = Glyph(
                byteStart: byteStart, byteEnd: byteStart + 1, sourceStart: Int32(truncatingIfNeeded: start),
                sourceEnd: Int32(truncatingIfNeeded: end), scalar: "?", width: 1, needsChineseMode: false)
            if scalarCount == 1, let byte = singleByte(for: first.scalar, codePage: codePage) {
                bytes.append(byte)
                glyph.scalar = byte == 0x20 ? " " : (byte == 0x3F ? "?" : first.scalar)
            } else if chineseMode, let width = appendGB18030(utf8[start..<end], to: &bytes) {
                glyph.byteEnd = Int32(truncatingIfNeeded: bytes.count)
                glyph.width = UInt8(clamping: width)
                glyph.needsChineseMode = true
                glyph.scalar = first.scalar
            } else {
                bytes.append(0x3F)
            }
            glyphs.append(glyph)
            start = end
        }
        return (bytes, glyphs)
    }

    /// Appends one character's GB18030 bytes and returns its columns: one for each ASCII
    /// scalar, two for each multi-byte one. Nil, with nothing appended, when a scalar has no
    /// GB18030 form.
    private static func appendGB18030(_ character: Slice<UnsafeBufferPointer<UInt8>>, to bytes: inout [UInt8]) -> Int? {
        let buffer = UnsafeBufferPointer(rebasing: character)
        let mark = bytes.count
        var width = 0
        var index = 0
        while index < buffer.count {
            let next = scalar(in: buffer, at: index)
            index += next.length
            if next.scalar.isASCII {
                bytes.append(UInt8(next.scalar.value))
                width += 1
            } else if GB18030.append(next.scalar, to: &bytes) {
                width += 2
            } else {
                bytes.removeSubrange(mark...)
                return nil
            }
        }
        return width
    }

    /// Columns the glyphs in `range` fill at normal width.
    func width(of range: Range<Int>) -> Int {
        glyphs[range].reduce(0) { $0 + Int($1.width) }
    }

    /// What the preview shows for `glyph`: the character, or "?" where the printer prints "?".
    func preview(_ glyph: Glyph) -> Substring {
        if glyph.scalar == "?" || glyph.scalar == " " { return glyph.scalar == "?" ? "?" : " " }
        let utf8 = source.utf8
        let start = utf8.index(utf8.startIndex, offsetBy: Int(glyph.sourceStart))
        let end = utf8.index(utf8.startIndex, offsetBy: Int(glyph.sourceEnd))
        return source[start..<end]
    }

    /// Decodes the scalar starting at `index`; Swift strings hold valid UTF-8, so the lead byte
    /// tells the length.
    private static func scalar(
        in utf8: UnsafeBufferPointer<UInt8>, at index: Int
    ) -> (scalar: Unicode.Scalar, length: Int) {
        let lead = utf8[index]
        var value: UInt32
        let length: Int
        switch lead {
        case ..<0x80: return (Unicode.Scalar(lead), 1)
        case ..<0xE0: value = UInt32(lead & 0x1F); length = 2
        case ..<0xF0: value = UInt32(lead & 0x0F); length = 3
        default: value = UInt32(lead & 0x07); length = 4
        }
        for offset in 1..<length where index + offset < utf8.count {
            value = value << 6 | UInt32(utf8[index + offset] & 0x3F)
        }
        return (Unicode.Scalar(value) ?? "?", length)
    }

    private static func singleByte(for scalar: Unicode.Scalar, codePage: CodePage) -> UInt8? {
        switch scalar.value {
        case 0x09: 0x20
        case 0x00..<0x20, 0x7F: 0x3F
        default: codePage.byte(for: scalar)
        }
    }

    /// Marks, joiners, variation selectors and emoji modifiers belong to the character before.
    private static func extendsCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0..<0x300, 0x3000...0x9FFF, 0xAC00...0xD7A3, 0xFF00...0xFFEF: return false
        case 0x200D, 0xFE00...0xFE0F, 0x1F3FB...0x1F3FF, 0xE0100...0xE01EF: return true
        default:
            switch scalar.properties.generalCategory {
            case .nonspacingMark, .spacingMark, .enclosingMark: return true
            default: return false
            }
        }
    }
}

/// GB18030 from tables instead of a converter per line: glibc's iconv is asked once per process
/// for the whole Basic Multilingual Plane, whose mapping is a table in the standard; the
/// supplementary planes map linearly onto the four-byte codes from 0x90308130.
enum GB18030 {
    /// Appends the GB18030 bytes of a non-ASCII `scalar`; false when it has none.
    static func append(_ scalar: Unicode.Scalar, to bytes: inout [UInt8]) -> Bool {
        let value = scalar.value
        guard value > 0xFFFF else {
            let code = basicPlane[Int(value)]
            if code > 0xFFFF {
                bytes.append(UInt8(truncatingIfNeeded: code >> 24))
                bytes.append(UInt8(truncatingIfNeeded: code >> 16))
            } else if code == 0 {
                return false
            }
            bytes.append(UInt8(truncatingIfNeeded: code >> 8))
            bytes.append(UInt8(truncatingIfNeeded: code))
            return true
        }
        var linear = value - 0x10000
        let fourth = UInt8(0x30 + linear % 10)
        linear /= 10
        let third = UInt8(0x81 + linear % 126)
        linear /= 126
        let second = UInt8(0x30 + linear % 10)
        let first = UInt8(0x90 + linear / 10)
        bytes += [first, second, third, fourth]
        return true
    }

    /// Indexed by scalar value: a two-byte code in the low 16 bits, or a four-byte code (first
    /// byte 0x81 or more, so above 0xFFFF); 0 for ASCII, surrogates and anything iconv refused.
    private static let basicPlane: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 0x10000)
        let scalars = Array(0x80..<0xD800) + Array(0xE000...0xFFFF)
        guard let iconv = Iconv(from: "UTF-8", to: "GB18030") else { return table }
        func convert(_ scalars: ArraySlice<Int>) -> [UInt8]? {
            var input: [UInt8] = []
            input.reserveCapacity(scalars.count * 3)
            for value in scalars {
                if let scalar = Unicode.Scalar(UInt32(value)) { UTF8.encode(scalar) { input.append($0) } }
            }
            return iconv.convert(input, capacity: scalars.count * 4)
        }
        /// Reads one multi-byte code at `index`: two bytes, or four when the second is a digit.
        func code(_ bytes: [UInt8], at index: inout Int) -> UInt32? {
            let length = index + 1 < bytes.count && (0x30...0x39).contains(bytes[index + 1]) ? 4 : 2
            guard bytes[index] >= 0x81, index + length <= bytes.count else { return nil }
            var value: UInt32 = 0
            for offset in 0..<length { value = value << 8 | UInt32(bytes[index + offset]) }
            index += length
            return value
        }
        // glibc refuses a few private-use scalars, and one refusal fails a whole call: convert
        // in chunks, and a refused chunk one scalar at a time.
        for chunkStart in stride(from: 0, to: scalars.count, by: 512) {
            let chunk = scalars[chunkStart..<min(chunkStart + 512, scalars.count)]
            if let converted = convert(chunk) {
                var index = 0
                for scalar in chunk {
                    guard index < converted.count, let value = code(converted, at: &index) else { break }
                    table[scalar] = value
                }
                if index == converted.count { continue }
            }
            for scalar in chunk {
                var index = 0
                if let alone = convert([scalar][...]), !alone.isEmpty, let value = code(alone, at: &index),
                    index == alone.count
                {
                    table[scalar] = value
                } else {
                    table[scalar] = 0
                }
            }
        }
        return table
    }()
}

/// A glibc iconv conversion, whole inputs at a time.
final class Iconv {
    private let descriptor: iconv_t

    init?(from source: String, to target: String) {
        let descriptor = iconv_open(target, source)
        guard let descriptor, descriptor != iconv_t(bitPattern: -1) else { return nil }
        self.descriptor = descriptor
    }

    deinit {
        iconv_close(descriptor)
    }

    /// `input` converted, or nil when any of it has no conversion or the output would exceed
    /// `capacity` bytes.
    func convert(_ input: [UInt8], capacity: Int) -> [UInt8]? {
        var input = input
        var failed = false
        let output = input.withUnsafeMutableBytes { inputBuffer in
            [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initializedCount in
                // iconv's prototype takes `char **` for input it only reads.
                var inPointer = inputBuffer.baseAddress?.assumingMemoryBound(to: CChar.self)
                var outPointer = UnsafeMutableRawPointer(buffer.baseAddress)?.assumingMemoryBound(to: CChar.self)
                var inLeft = inputBuffer.count
                var outLeft = capacity
                iconv(descriptor, nil, nil, nil, nil)
                failed = iconv(descriptor, &inPointer, &inLeft, &outPointer, &outLeft) == -1 || inLeft != 0
                    || iconv(descriptor, nil, nil, &outPointer, &outLeft) == -1
                initializedCount = failed ? 0 : capacity - outLeft
            }
        }
        return failed ? nil : output
    }
}
