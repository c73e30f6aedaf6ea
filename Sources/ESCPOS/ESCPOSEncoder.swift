/// Accumulates commands and text for one printer, tracking Chinese mode so text switches
/// between GB18030 and the code page only where a character needs it.
public struct ESCPOSEncoder: Sendable {
    public let profile: PrinterProfile
    public private(set) var bytes: [UInt8] = []
    private var chineseMode = false

    public init(profile: PrinterProfile) {
        self.profile = profile
    }

    public mutating func append(_ command: ESCPOSCommand) throws(ESCPOSError) {
        try command.encode(into: &bytes)
        switch command {
        case .initialize: chineseMode = false
        case let .chineseMode(on): chineseMode = on
        default: break
        }
    }

    /// Appends `text` without a line feed, in the profile's code page or GB18030.
    public mutating func text(_ text: String) {
        let encoded = EncodedText(text[...], profile: profile)
        append(encoded, glyphs: encoded.glyphs.indices)
    }

    mutating func append(_ text: EncodedText, glyphs range: Range<Int>) {
        guard let first = range.first, let last = range.last else { return }
        // A line's bytes are contiguous; copy them in runs between mode switches.
        var runStart = text.glyphs[first].bytes.lowerBound
        for glyph in text.glyphs[range]
        where glyph.needsChineseMode != chineseMode
            && (glyph.needsChineseMode || text.bytes[glyph.bytes.lowerBound] >= 0x80)
        {
            bytes += text.bytes[runStart..<glyph.bytes.lowerBound]
            runStart = glyph.bytes.lowerBound
            chineseMode = glyph.needsChineseMode
            bytes.append(0x1C)
            bytes.append(chineseMode ? 0x26 : 0x2E)
        }
        bytes += text.bytes[runStart..<text.glyphs[last].bytes.upperBound]
    }

    mutating func reserveCapacity(_ minimumCapacity: Int) {
        bytes.reserveCapacity(minimumCapacity)
    }

    /// ASCII padding and rules, valid in either mode.
    mutating func appendRepeating(_ byte: UInt8, count: Int) {
        if count > 0 { bytes += repeatElement(byte, count: count) }
    }

}
