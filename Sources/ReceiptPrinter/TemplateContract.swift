import ESCPOS
import KioskCore

/// What data a receipt template may be given, name by name. The code that fills a template
/// declares it; `problems(in:)` checks a template against it when the template is loaded, so a
/// template that would fail for want of data is refused by `kiosk forms validate` and at start,
/// never at the counter. `Forms/README.md` lists each shipped paper's contract.
public struct TemplateContract: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        case text, list
    }

    public struct Field: Sendable, Equatable {
        public var name: String
        public var kind: Kind
        /// Given, and not empty, with every fill. Otherwise the template may use it only inside
        /// a `when:` section that names it.
        public var always: Bool
        /// A resident ID number: the only text `| masked` may be applied to.
        public var idNumber: Bool
        /// How a plain receipt labels it (`受理编号`).
        public var label: String

        public init(_ name: String, _ kind: Kind, always: Bool, idNumber: Bool = false, label: String) {
            self.name = name
            self.kind = kind
            self.always = always
            self.idNumber = idNumber
            self.label = label
        }
    }

    /// The fields in the order a plain receipt prints them.
    public var fields: [Field]

    public init(_ fields: [Field]) {
        self.fields = fields
    }

    public func field(_ name: String) -> Field? { fields.first { $0.name == name } }

    /// Every placeholder, list and `when:` of `template` that data kept to this contract could
    /// not fill: an unknown name, a list used as text or text as a list, a value that may be
    /// missing used outside a `when:` naming it, `| masked` on what is not an ID number.
    public func problems(in template: ReceiptTemplate) -> [TemplateProblem] {
        var problems: [TemplateProblem] = []
        check(template.blocks, path: "blocks", guarded: [], template: template, into: &problems)
        return problems
    }

    private func check(
        _ blocks: [ReceiptTemplate.Block], path: String, guarded: Set<String>, template: ReceiptTemplate,
        into problems: inout [TemplateProblem]
    ) {
        for (index, block) in blocks.enumerated() {
            let here = "\(path)[\(index)]"
            let line = template.source?.lines[here] ?? 1
            func report(_ key: String, _ code: String, zh: String, en: String) {
                problems.append(TemplateProblem(path: "\(here).\(key)", line: line, code: code, message: .init(zh: zh, en: en)))
            }
            func checkText(_ text: TemplateText, _ key: String) {
                for case let .field(name, masked) in text.parts {
                    guard let field = field(name) else {
                        report(key, "unknownTemplateData", zh: "没有可用的数据 \(name)。", en: "There is no data \(name).")
                        continue
                    }
                    if field.kind != .text {
                        report(key, "templateDataNotText", zh: "\(name) 是列表，请用 list: \(name) 打印。",
                               en: "\(name) is a list; print it with list: \(name).")
                    } else if !field.always && !guarded.contains(name) {
                        report(key, "templateDataMayBeMissing", zh: "\(name) 可能没有，请放在 when: \(name) 之内。",
                               en: "\(name) may be missing: put it inside when: \(name).")
                    }
                    if masked && !field.idNumber {
                        report(key, "maskedNotIDNumber", zh: "\(name) 不是身份证号码，不能使用 masked。",
                               en: "\(name) is not an ID number: masked does not apply.")
                    }
                }
            }
            switch block {
            case let .text(text, _, _):
                checkText(text, "text")
            case let .pair(label, value, _):
                checkText(label, "label")
                checkText(value, "value")
            case let .qrCode(text, _, _):
                checkText(text, "qr")
            case let .barcode(text):
                checkText(text, "barcode")
            case let .list(name, _, _):
                guard let field = field(name) else {
                    report("list", "unknownTemplateData", zh: "没有可用的数据 \(name)。", en: "There is no data \(name).")
                    continue
                }
                if field.kind != .list {
                    report("list", "templateDataNotList", zh: "\(name) 是文本，请用 {{\(name)}} 打印。",
                           en: "\(name) is a text; print it with {{\(name)}}.")
                } else if !field.always && !guarded.contains(name) {
                    report("list", "templateDataMayBeMissing", zh: "\(name) 可能没有，请放在 when: \(name) 之内。",
                           en: "\(name) may be missing: put it inside when: \(name).")
                }
            case let .section(names, inner):
                for name in names where field(name) == nil {
                    report("when", "unknownTemplateData", zh: "没有可用的数据 \(name)。", en: "There is no data \(name).")
                }
                check(inner, path: here + ".blocks", guarded: guarded.union(names), template: template, into: &problems)
            case .separator, .blank, .cut:
                break
            }
        }
    }

    /// What in `data` breaks this contract: a name it does not declare, a value of the wrong
    /// kind, a field it promises that is missing or empty. For tests of the code that fills
    /// templates.
    public func violations(by data: TemplateData) -> [String] {
        var found: [String] = []
        for (name, value) in data.values.sorted(by: { $0.key < $1.key }) {
            guard let field = field(name) else {
                found.append("\(name): not in the contract")
                continue
            }
            switch (field.kind, value) {
            case (.text, .text), (.list, .list): break
            default: found.append("\(name): not a \(field.kind.rawValue)")
            }
        }
        for field in fields where field.always && data.values[field.name]?.isEmpty != false {
            found.append("\(field.name): missing")
        }
        return found
    }

    /// The receipt printed when the template itself cannot be used (a fault that slipped past
    /// the checks): the title, then every field the data has, labelled, in contract order. It
    /// is text only, so no printer can refuse it, and ID numbers are masked like everywhere.
    public func plainReceipt(title: String, data: TemplateData) -> Receipt {
        var blocks: [Receipt.Block] = [.text(title, style: .title, alignment: .center), .separator]
        for field in fields {
            guard let value = data.values[field.name], !value.isEmpty else { continue }
            switch value {
            case .text(let text):
                blocks.append(.keyValue(label: field.label, value: TemplateText.printable(text)))
            case .list(let items):
                blocks.append(.text(field.label, style: TextStyle(bold: true)))
                blocks += items.filter { !$0.isEmpty }.map { .text("- " + TemplateText.printable($0)) }
            }
        }
        blocks += [.separator, .cut]
        return Receipt(blocks)
    }
}

/// One thing a template uses that its data cannot give; `path` and `line` point into the file.
public struct TemplateProblem: Sendable, Equatable {
    /// `blocks[3].value`, `blocks[12].blocks[1].list`.
    public let path: String
    public let line: Int
    public let code: String
    public let message: LocalizedText

    public init(path: String, line: Int, code: String, message: LocalizedText) {
        self.path = path
        self.line = line
        self.code = code
        self.message = message
    }
}
