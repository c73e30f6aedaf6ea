/// What one printer model can do, as the device profile files describe it.
///
/// Keys (YAML/JSON), all snake_case so the profile loader needs no key strategy:
/// ```yaml
/// id: epson-tm-t88vi
/// name: Epson TM-T88VI
/// paper_width_dots: 512        # printable width in dots (80 mm paper at 203 dpi: 512 or 576)
/// columns:
///   font_a: 42                 # characters per line in font A (12x24)
///   font_b: 56                 # characters per line in font B (9x17)
/// code_page: pc858             # pc437 | pc858
/// code_page_number: 19         # the n of ESC t n for that code page on this model
/// features:                    # every feature key may be left out; the default is "absent"
///   qr_code: true              # native GS ( k
///   barcodes: [code128]        # code128 | code39 | ean13 | upc_a | itf
///   cutter: partial            # none | partial | full
///   gb18030: true              # Chinese mode (FS &) with GB18030 text
///   raster_image: true         # GS v 0
/// ```
public struct PrinterProfile: Codable, Sendable, Equatable {
    public struct Columns: Codable, Sendable, Equatable {
        public var fontA: Int
        public var fontB: Int

        public init(fontA: Int, fontB: Int) {
            self.fontA = fontA
            self.fontB = fontB
        }

        enum CodingKeys: String, CodingKey {
            case fontA = "font_a"
            case fontB = "font_b"
        }
    }

    public enum Cutter: String, Codable, Sendable, Equatable {
        case none, partial, full
    }

    public enum Barcode: String, Codable, Sendable, Equatable {
        case code128, code39, ean13
        case upcA = "upc_a"
        case itf
    }

    public struct Features: Codable, Sendable, Equatable {
        public var qrCode: Bool
        public var barcodes: [Barcode]
        public var cutter: Cutter
        public var gb18030: Bool
        public var rasterImage: Bool

        public init(
            qrCode: Bool = false, barcodes: [Barcode] = [], cutter: Cutter = .none,
            gb18030: Bool = false, rasterImage: Bool = false
        ) {
            self.qrCode = qrCode
            self.barcodes = barcodes
            self.cutter = cutter
            self.gb18030 = gb18030
            self.rasterImage = rasterImage
        }

        enum CodingKeys: String, CodingKey {
            case qrCode = "qr_code"
            case barcodes
            case cutter
            case gb18030
            case rasterImage = "raster_image"
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            qrCode = try container.decodeIfPresent(Bool.self, forKey: .qrCode) ?? false
            barcodes = try container.decodeIfPresent([Barcode].self, forKey: .barcodes) ?? []
            cutter = try container.decodeIfPresent(Cutter.self, forKey: .cutter) ?? .none
            gb18030 = try container.decodeIfPresent(Bool.self, forKey: .gb18030) ?? false
            rasterImage = try container.decodeIfPresent(Bool.self, forKey: .rasterImage) ?? false
        }
    }

    public var id: String
    public var name: String
    public var paperWidthDots: Int
    public var columns: Columns
    public var codePage: CodePage
    public var codePageNumber: UInt8
    public var features: Features

    public init(
        id: String, name: String, paperWidthDots: Int, columns: Columns,
        codePage: CodePage, codePageNumber: UInt8, features: Features
    ) {
        self.id = id
        self.name = name
        self.paperWidthDots = paperWidthDots
        self.columns = columns
        self.codePage = codePage
        self.codePageNumber = codePageNumber
        self.features = features
    }

    enum CodingKeys: String, CodingKey {
        case id, name
        case paperWidthDots = "paper_width_dots"
        case columns
        case codePage = "code_page"
        case codePageNumber = "code_page_number"
        case features
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        id = try container.decode(String.self, forKey: .id)
        name = try container.decode(String.self, forKey: .name)
        paperWidthDots = try container.decode(Int.self, forKey: .paperWidthDots)
        columns = try container.decode(Columns.self, forKey: .columns)
        codePage = try container.decode(CodePage.self, forKey: .codePage)
        codePageNumber = try container.decode(UInt8.self, forKey: .codePageNumber)
        features = try container.decodeIfPresent(Features.self, forKey: .features) ?? Features()
        // Layout divides by these; a zero or negative value in a profile file must not reach it.
        guard paperWidthDots > 0, paperWidthDots <= 65_535 else {
            throw DecodingError.dataCorruptedError(
                forKey: .paperWidthDots, in: container, debugDescription: "must be 1...65535")
        }
        guard columns.fontA > 0, columns.fontB > 0 else {
            throw DecodingError.dataCorruptedError(
                forKey: .columns, in: container, debugDescription: "font_a and font_b must be positive")
        }
    }
}
