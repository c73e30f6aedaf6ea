/// A receipt as a list of blocks, independent of any printer; `ReceiptRenderer` lays it out for
/// a `PrinterProfile`.
public struct Receipt: Sendable, Equatable {
    public var blocks: [Block]

    public init(_ blocks: [Block]) {
        self.blocks = blocks
    }

    public enum Block: Sendable, Equatable {
        /// Wrapped to the line; "\n" starts a new line.
        case text(String, style: TextStyle = TextStyle(), alignment: Alignment = .left)
        /// Label on the left, value on the right; when both do not fit one line the label wraps
        /// first and the value follows right-aligned.
        case keyValue(label: String, value: String, style: TextStyle = TextStyle())
        /// A full line of "-".
        case separator
        case blank
        /// Centred; native GS ( k when the printer has it, otherwise a raster image.
        case qrCode(String, moduleSize: Int = 6, errorCorrection: QRErrorCorrection = .m)
        /// CODE128, centred with its digits below; printed as text on printers without CODE128.
        case barcode(String)
        /// Feeds the paper past the cutter, then cuts as the printer's cutter allows.
        case cut
    }
}

public struct TextStyle: Sendable, Equatable {
    public var bold: Bool
    public var underline: Underline
    public var doubleWidth: Bool
    public var doubleHeight: Bool
    public var font: Font

    public init(
        bold: Bool = false, underline: Underline = .none, doubleWidth: Bool = false,
        doubleHeight: Bool = false, font: Font = .a
    ) {
        self.bold = bold
        self.underline = underline
        self.doubleWidth = doubleWidth
        self.doubleHeight = doubleHeight
        self.font = font
    }

    public static let title = TextStyle(bold: true, doubleWidth: true, doubleHeight: true)
}
