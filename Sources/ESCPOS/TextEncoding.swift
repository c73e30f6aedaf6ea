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
    init(_ text: Substring, profile: PrinterProfile, converter: inout GB18030Converter?) {
        source = text
        let codePage = profile.codePage
        let chineseMode = profile.features.gb18030
        let encoded =
            text.utf8.withContiguousStorageIfAvailable {
                EncodedText.encode($0, codePage: codePage, chineseMode: chineseMode, converter: &converter)
            }
            ?? Array(text.utf8).withUnsafeBufferPointer {
                EncodedText.encode($0, codePage: codePage, chineseMode: chineseMode, converter: &converter)
            }
        (bytes, glyphs) = encoded
    }

    private static func encode(
        _ utf8: UnsafeBufferPointer<UInt8>, codePage: CodePage, chineseMode: Bool,
        converter: inout GB18030Converter?
    ) -> ([UInt8], [Glyph]) {
        var bytes: [UInt8] = []
        var glyphs: [Glyph] = []
        bytes.reserveCapacity(utf8.count)
        glyphs.reserveCapacity(utf8.reduce(0) { $0 + ($1 & 0xC0 == 0x80 ? 0 : 1) })
        // One conversion of the whole line, read back in step with the characters: GB18030
        // gives every scalar exactly one character.
        var converted: [UInt8]?
        if chineseMode && utf8.contains(where: { $0 >= 0x80 }) {
            if converter == nil { converter = GB18030Converter() }
            converted = converter?.convert(utf8[...])
        }
        (converted ?? []).withUnsafeBufferPointer { gb18030 in
            var reader = converted == nil ? nil : GB18030Reader(bytes: gb18030)
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
                let chinese = reader?.read(characters: scalarCount)
                if chinese == nil { reader = nil }
                let byteStart = Int32(truncatingIfNeeded: bytes.count)
                var glyph = Glyph(
                    byteStart: byteStart, byteEnd: byteStart + 1, sourceStart: Int32(truncatingIfNeeded: start),
                    sourceEnd: Int32(truncatingIfNeeded: end), scalar: "?", width: 1, needsChineseMode: false)
                if scalarCount == 1, let byte = singleByte(for: first.scalar, codePage: codePage) {
                    bytes.append(byte)
                    glyph.scalar = byte == 0x20 ? " " : (byte == 0x3F ? "?" : first.scalar)
                } else if chineseMode,
                    let width = appendGB18030(chinese, gb18030, utf8[start..<end], &bytes, converter)
                {
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
        }
        return (bytes, glyphs)
    }

    /// Appends one character's GB18030 bytes, from the line's conversion when it succeeded,
    /// otherwise converted alone; returns its columns, or nil when it has no GB18030 form.
    private static func appendGB18030(
        _ read: (bytes: Range<Int>, width: Int)?, _ gb18030: UnsafeBufferPointer<UInt8>,
        _ character: Slice<UnsafeBufferPointer<UInt8>>, _ bytes: inout [UInt8], _ converter: GB18030Converter?
    ) -> Int? {
        if let read {
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: gb18030[read.bytes]))
            return read.width
        }
        guard let alone = converter?.convert(character) else { return nil }
        return alone.withUnsafeBufferPointer { buffer in
            var reader = GB18030Reader(bytes: buffer)
            var width = 0
            while reader.index < buffer.count {
                guard let next = reader.read(characters: 1) else { return nil }
                width += next.width
            }
            bytes += alone
            return width
        }
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

/// Splits GB18030 bytes into characters: one byte below 0x80, otherwise a lead byte and either
/// one trail byte or, when the second byte is a digit, three.
struct GB18030Reader {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0

    /// The next `count` characters with the columns they fill: one for a single byte, two for a
    /// double-width multi-byte character. Nil when the bytes run out first.
    mutating func read(characters count: Int) -> (bytes: Range<Int>, width: Int)? {
        let start = index
        var width = 0
        for _ in 0..<count {
            guard index < bytes.count else { return nil }
            let length: Int
            if bytes[index] < 0x80 {
                length = 1
            } else if index + 1 < bytes.count, (0x30...0x39).contains(bytes[index + 1]) {
                length = 4
            } else {
                length = 2
            }
            guard index + length <= bytes.count else { return nil }
            index += length
            width += length == 1 ? 1 : 2
        }
        return (start..<index, width)
    }
}

/// glibc's iconv from UTF-8 to GB18030. Opening a converter loads a gconv module, so one is
/// made per document and reused for each line.
final class GB18030Converter {
    private let descriptor: iconv_t

    init?() {
        let descriptor = iconv_open("GB18030", "UTF-8")
        guard let descriptor, descriptor != iconv_t(bitPattern: -1) else { return nil }
        self.descriptor = descriptor
    }

    deinit {
        iconv_close(descriptor)
    }

    /// The GB18030 bytes of `utf8`, or nil if any character has no mapping.
    func convert(_ utf8: Slice<UnsafeBufferPointer<UInt8>>) -> [UInt8]? {
        guard let input = UnsafeBufferPointer(rebasing: utf8).baseAddress, !utf8.isEmpty else { return [] }
        // GB18030 never takes more than four bytes per code point, UTF-8 at least one.
        let capacity = utf8.count * 4
        var failed = false
        let output = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initializedCount in
            // iconv's prototype takes `char **` for input it only reads.
            var inPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(mutating: input)
                .assumingMemoryBound(to: CChar.self)
            var outPointer = UnsafeMutableRawPointer(buffer.baseAddress)?.assumingMemoryBound(to: CChar.self)
            var inLeft = utf8.count
            var outLeft = capacity
            iconv(descriptor, nil, nil, nil, nil)
            failed = iconv(descriptor, &inPointer, &inLeft, &outPointer, &outLeft) == -1 || inLeft != 0
                || iconv(descriptor, nil, nil, &outPointer, &outLeft) == -1
            initializedCount = failed ? 0 : capacity - outLeft
        }
        return failed ? nil : output
    }
}
