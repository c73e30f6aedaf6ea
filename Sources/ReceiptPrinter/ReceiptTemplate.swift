import ESCPOS
import Foundation
import KioskCore
import Yams

/// A receipt described as data (`Forms/receipts/*.yaml`): blocks with `{{placeholders}}`,
/// lists, and sections shown only when their data exists. `render(data:)` is pure: the same
/// template and data always give the same `Receipt`, hence the same bytes for one profile.
///
/// ```yaml
/// id: filing-receipt
/// name: 办件回执
/// blocks:
///   - text: "{{hall}}"
///     style: title                  # title | bold | {bold, underline: single|double, double_width, double_height, font: a|b}
///     align: center                 # left | center | right
///   - separator                     # also: blank, cut
///   - label: 受理编号
///     value: "{{reference}}"
///   - label: 身份证号
///     value: "{{idNumber | masked}}"
///   - qr: "{{reference}}"           # optional module_size (1...16), error_correction (l|m|q|h)
///   - barcode: "{{reference}}"
///   - list: nextSteps               # one line per item; numbered: true gives "1. ", else "- "
///     numbered: true
///   - when: deferredMaterials       # a name or a list: every one must have a non-empty value
///     blocks: [...]
/// ```
///
/// A value that is a valid resident ID number is printed masked (first 6 and last 4
/// characters) whether or not the template says `| masked`: a receipt must never carry a full
/// identity number.
public struct ReceiptTemplate: Sendable, Equatable, Decodable {
    public var id: String
    public var name: String
    public var blocks: [Block]
    /// The file it was read from, for `FILE:LINE` messages; nil for a template made in code.
    public var source: Source?

    /// A template file and the line of each block, by path (`blocks[3]`, `blocks[12].blocks[1]`).
    public struct Source: Sendable, Equatable {
        public var file: String
        public var lines: [String: Int]
    }

    enum CodingKeys: String, CodingKey {
        case id, name, blocks
    }

    public init(id: String, name: String, blocks: [Block]) {
        self.id = id
        self.name = name
        self.blocks = blocks
    }

    public indirect enum Block: Sendable, Equatable {
        case text(TemplateText, style: TextStyle, alignment: Alignment)
        case pair(label: TemplateText, value: TemplateText, style: TextStyle)
        case separator
        case blank
        case cut
        case qrCode(TemplateText, moduleSize: Int, errorCorrection: QRErrorCorrection)
        case barcode(TemplateText)
        case list(name: String, numbered: Bool, style: TextStyle)
        case section(when: [String], blocks: [Block])
    }

    public func render(data: TemplateData) throws(TemplateError) -> Receipt {
        var out: [Receipt.Block] = []
        out.reserveCapacity(blocks.count * 2)
        try Self.render(blocks, data: data, into: &out)
        return Receipt(out)
    }

    private static func render(_ blocks: [Block], data: TemplateData, into out: inout [Receipt.Block]) throws(TemplateError) {
        for block in blocks {
            switch block {
            case let .text(text, style, alignment):
                out.append(.text(try text.resolve(data), style: style, alignment: alignment))
            case let .pair(label, value, style):
                out.append(.keyValue(label: try label.resolve(data), value: try value.resolve(data), style: style))
            case .separator: out.append(.separator)
            case .blank: out.append(.blank)
            case .cut: out.append(.cut)
            case let .qrCode(content, moduleSize, errorCorrection):
                out.append(.qrCode(try content.resolve(data), moduleSize: moduleSize, errorCorrection: errorCorrection))
            case let .barcode(content):
                out.append(.barcode(try content.resolve(data)))
            case let .list(name, numbered, style):
                guard let value = data.values[name] else { throw TemplateError.missingData(name) }
                for (index, item) in value.items.enumerated() {
                    out.append(.text((numbered ? "\(index + 1). " : "- ") + TemplateText.printable(item), style: style))
                }
            case let .section(names, inner):
                guard names.allSatisfy({ data.values[$0]?.isEmpty == false }) else { continue }
                try render(inner, data: data, into: &out)
            }
        }
    }

    /// Reads one template file; a problem names the file and line.
    public static func load(contentsOf path: String) throws(DefinitionFileError) -> ReceiptTemplate {
        try decode(yaml: try DefinitionFile.text(contentsOf: path), file: path)
    }

    public static func decode(yaml: String, file: String) throws(DefinitionFileError) -> ReceiptTemplate {
        var template = try DefinitionFile.decode(ReceiptTemplate.self, yaml: yaml, file: file)
        var lines: [String: Int] = [:]
        func note(_ blocks: Node?, _ path: String) {
            guard case .sequence(let sequence)? = blocks else { return }
            for (index, block) in sequence.enumerated() {
                lines["\(path)[\(index)]"] = block.mark?.line ?? 1
                note(block["blocks"], "\(path)[\(index)].blocks")
            }
        }
        // The file decoded, so it composes.
        note((try? Yams.compose(yaml: yaml))?["blocks"], "blocks")
        template.source = Source(file: file, lines: lines)
        return template
    }

    /// Every template of `directory` (`Forms/receipts`) by id.
    public static func loadAll(directory: String) throws(DefinitionFileError) -> [String: ReceiptTemplate] {
        var templates: [String: ReceiptTemplate] = [:]
        for file in DefinitionFile.yamlFiles(in: directory) {
            let template = try load(contentsOf: file)
            guard templates[template.id] == nil else {
                throw DefinitionFileError(code: "duplicateTemplate", file: file, line: 1,
                                          detail: .init(zh: "回执模板 \(template.id) 重复", en: "template \(template.id) is defined twice"))
            }
            templates[template.id] = template
        }
        return templates
    }
}

/// The values a template is filled with: texts and lists of texts, by name. Decoded from a
/// JSON object whose values are strings, numbers, booleans or arrays of strings.
public struct TemplateData: Sendable, Equatable, Decodable {
    public enum Value: Sendable, Equatable {
        case text(String)
        case list([String])

        var items: [String] {
            switch self {
            case .text(let text): text.isEmpty ? [] : [text]
            case .list(let items): items
            }
        }

        var isEmpty: Bool { items.allSatisfy(\.isEmpty) }
    }

    public var values: [String: Value]

    public init(_ values: [String: Value] = [:]) {
        self.values = values
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: AnyKey.self)
        var values: [String: Value] = [:]
        for key in container.allKeys {
            if let text = try? container.decode(String.self, forKey: key) {
                values[key.stringValue] = .text(text)
            } else if let list = try? container.decode([String].self, forKey: key) {
                values[key.stringValue] = .list(list)
            } else if let number = try? container.decode(Int.self, forKey: key) {
                values[key.stringValue] = .text(String(number))
            } else if let flag = try? container.decode(Bool.self, forKey: key) {
                values[key.stringValue] = .text(flag ? "true" : "false")
            } else {
                throw DecodingError.dataCorruptedError(
                    forKey: key, in: container, debugDescription: "expected a text, a number or a list of texts")
            }
        }
        self.values = values
    }

    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

/// A template string, split once at load time into literal text and `{{name}}` or
/// `{{name | masked}}` fields.
public struct TemplateText: Sendable, Equatable, Decodable {
    public enum Part: Sendable, Equatable {
        case literal(String)
        case field(String, masked: Bool)
    }

    public let parts: [Part]

    public init(_ text: String) throws(TemplateError) {
        var parts: [Part] = []
        var rest = text[...]
        while let open = rest.range(of: "{{") {
            guard let close = rest[open.upperBound...].range(of: "}}") else { throw TemplateError.badPlaceholder(text) }
            if open.lowerBound > rest.startIndex { parts.append(.literal(String(rest[..<open.lowerBound]))) }
            let inside = rest[open.upperBound..<close.lowerBound].split(separator: "|", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard let name = inside.first, !name.isEmpty, inside.count <= 2, inside.count == 1 || inside[1] == "masked" else {
                throw TemplateError.badPlaceholder(text)
            }
            parts.append(.field(name, masked: inside.count == 2))
            rest = rest[close.upperBound...]
        }
        if !rest.isEmpty { parts.append(.literal(String(rest))) }
        self.parts = parts
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            try self.init(text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.message.en)
        }
    }

    func resolve(_ data: TemplateData) throws(TemplateError) -> String {
        // Most texts are one literal: hand it back rather than copy it.
        if parts.count == 1, case .literal(let text) = parts[0] { return text }
        var result = ""
        for part in parts {
            switch part {
            case .literal(let text):
                result += text
            case let .field(name, masked):
                guard let value = data.values[name] else { throw TemplateError.missingData(name) }
                guard case .text(let text) = value else { throw TemplateError.notAText(name) }
                result += masked ? Self.masked(text) : Self.printable(text)
            }
        }
        return result
    }

    /// The terminal's one rule for identity numbers (`IDNumberMasking`).
    public static func masked(_ text: String) -> String { IDNumberMasking.mask(text) }

    /// `text`, masked if it is a resident ID number.
    static func printable(_ text: String) -> String {
        text.utf8.count == 18 && (try? ResidentIDNumber(text)) != nil ? masked(text) : text
    }
}

/// Why a template could not be filled. Names the data key, never its value.
public struct TemplateError: KioskError, Equatable {
    public let code: String
    public let message: LocalizedText

    static func missingData(_ name: String) -> TemplateError {
        TemplateError(code: "templateDataMissing", message: .init(zh: "回执数据缺少 \(name)", en: "the receipt data has no \(name)"))
    }

    static func notAText(_ name: String) -> TemplateError {
        TemplateError(code: "templateDataNotText", message: .init(zh: "回执数据 \(name) 应为文本", en: "the receipt data \(name) must be a text"))
    }

    static func badPlaceholder(_ text: String) -> TemplateError {
        TemplateError(code: "templatePlaceholderInvalid",
                      message: .init(zh: "占位符无效（应为 {{名称}} 或 {{名称 | masked}}）：\(text)",
                                     en: "invalid placeholder (expected {{name}} or {{name | masked}}): \(text)"))
    }
}
