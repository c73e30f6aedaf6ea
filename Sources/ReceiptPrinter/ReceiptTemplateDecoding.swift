import ESCPOS

extension ReceiptTemplate.Block: Decodable {
    enum Keys: String, CodingKey, CaseIterable {
        case text, label, value, qr, barcode, list, when, blocks
        case style, align, moduleSize = "module_size", errorCorrection = "error_correction", numbered
    }

    /// A bare word (`separator`, `blank`, `cut`) or a mapping with exactly one kind key.
    public init(from decoder: any Decoder) throws {
        if let word = try? decoder.singleValueContainer().decode(String.self) {
            switch word {
            case "separator": self = .separator
            case "blank": self = .blank
            case "cut": self = .cut
            default:
                throw DecodingError.dataCorrupted(.init(
                    codingPath: decoder.codingPath, debugDescription: "unknown block \(word) (separator, blank or cut)"))
            }
            return
        }
        let container = try decoder.container(keyedBy: Keys.self)
        let kinds = [Keys.text, .label, .qr, .barcode, .list, .when].filter(container.contains)
        guard kinds.count == 1, let kind = kinds.first else {
            throw DecodingError.dataCorrupted(.init(
                codingPath: decoder.codingPath,
                debugDescription: "a block has exactly one of text, label (with value), qr, barcode, list, when"))
        }
        let style = try container.decodeIfPresent(StyleSpec.self, forKey: .style)?.style ?? TextStyle()
        switch kind {
        case .text:
            self = .text(try container.decode(TemplateText.self, forKey: .text), style: style,
                         alignment: try container.decodeIfPresent(Alignment.self, forKey: .align) ?? .left)
        case .label:
            self = .pair(label: try container.decode(TemplateText.self, forKey: .label),
                         value: try container.decode(TemplateText.self, forKey: .value), style: style)
        case .qr:
            let moduleSize = try container.decodeIfPresent(Int.self, forKey: .moduleSize) ?? 6
            guard (1...16).contains(moduleSize) else {
                throw DecodingError.dataCorruptedError(forKey: .moduleSize, in: container, debugDescription: "must be 1...16")
            }
            let level = try container.decodeIfPresent(String.self, forKey: .errorCorrection) ?? "m"
            guard let errorCorrection = QRErrorCorrection(rawValue: level) else {
                throw DecodingError.dataCorruptedError(forKey: .errorCorrection, in: container, debugDescription: "must be l, m, q or h")
            }
            self = .qrCode(try container.decode(TemplateText.self, forKey: .qr), moduleSize: moduleSize,
                           errorCorrection: errorCorrection)
        case .barcode:
            self = .barcode(try container.decode(TemplateText.self, forKey: .barcode))
        case .list:
            self = .list(name: try container.decode(String.self, forKey: .list),
                         numbered: try container.decodeIfPresent(Bool.self, forKey: .numbered) ?? false, style: style)
        default:
            let names: [String] = if let one = try? container.decode(String.self, forKey: .when) { [one] }
                else { try container.decode([String].self, forKey: .when) }
            self = .section(when: names, blocks: try container.decode([ReceiptTemplate.Block].self, forKey: .blocks))
        }
    }
}

/// `style:` as a preset word (`title`, `bold`) or a mapping of the `TextStyle` fields.
struct StyleSpec: Decodable {
    let style: TextStyle

    enum Keys: String, CodingKey {
        case bold, underline, font
        case doubleWidth = "double_width", doubleHeight = "double_height"
    }

    init(from decoder: any Decoder) throws {
        if let preset = try? decoder.singleValueContainer().decode(String.self) {
            switch preset {
            case "title": style = .title
            case "bold": style = TextStyle(bold: true)
            default:
                throw DecodingError.dataCorrupted(.init(
                    codingPath: decoder.codingPath, debugDescription: "unknown style \(preset) (title or bold)"))
            }
            return
        }
        let container = try decoder.container(keyedBy: Keys.self)
        let underline: Underline = switch try container.decodeIfPresent(String.self, forKey: .underline) {
        case nil, "none": .none
        case "single": .single
        case "double": .double
        default: throw DecodingError.dataCorruptedError(forKey: .underline, in: container, debugDescription: "none, single or double")
        }
        style = TextStyle(
            bold: try container.decodeIfPresent(Bool.self, forKey: .bold) ?? false, underline: underline,
            doubleWidth: try container.decodeIfPresent(Bool.self, forKey: .doubleWidth) ?? false,
            doubleHeight: try container.decodeIfPresent(Bool.self, forKey: .doubleHeight) ?? false,
            font: try container.decodeIfPresent(Font.self, forKey: .font) ?? .a)
    }
}
