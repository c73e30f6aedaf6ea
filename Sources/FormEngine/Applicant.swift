import JSONLogic
import KioskCore

/// Who a filing is for, as its form declares it (`applicant:` in the form file): which answer
/// is the applicant's name and which identifies them. Receipts print these, never a field by
/// its own name, so a form may call its fields what it likes.
///
/// ```yaml
/// applicant:
///   name: holderName          # a text field
///   idNumber: holderNumber    # an idNumber field, printed masked
/// # or, without a resident ID number (a company filing made by an agent):
/// applicant:
///   name: agentName
///   identifier: {field: companyName, label: {zh-CN: 企业名称, en: Company name}}
/// ```
public struct ApplicantDeclaration: Sendable, Hashable {
    public enum Identity: Sendable, Hashable {
        /// An `idNumber` field.
        case idNumber(field: String)
        /// Another text or credit-code field, printed as it is under `label`.
        case other(field: String, label: LocalizedText)
    }

    public let nameField: String
    public let identity: Identity
    /// Where `name:` and `idNumber:` (or `identifier:`) are written, for `FILE:LINE` messages.
    public let nameLine: Int
    public let identityLine: Int

    public var identityField: String {
        switch identity {
        case .idNumber(let field), .other(let field, _): field
        }
    }

    public var isIDNumber: Bool {
        if case .idNumber = identity { true } else { false }
    }

    /// What the identifying answer is called on paper.
    public var identityLabel: LocalizedText {
        switch identity {
        case .idNumber: LocalizedText(zh: "身份证号", en: "ID number")
        case .other(_, let label): label
        }
    }

    /// The field types each part may name.
    static let nameTypes: Set<FieldType> = [.text]
    static let identifierTypes: Set<FieldType> = [.text, .creditCode]
}

extension Filing {
    /// The applicant as the filing names them, read through the form's declaration.
    public struct Applicant: Sendable, Hashable, Codable {
        /// Nil when the answer was left empty (a step staff skipped).
        public let name: String?
        /// The resident ID number or other identifier as answered; nil when left empty.
        public let identifier: String?
        public let identifierLabel: LocalizedText
        /// `identifier` is a resident ID number: it is only ever printed masked.
        public let isIDNumber: Bool

        init(_ declaration: ApplicantDeclaration, answers: [String: JSON]) {
            func text(_ field: String) -> String? {
                guard case .string(let value)? = answers[field], !value.isEmpty else { return nil }
                return value
            }
            name = text(declaration.nameField)
            identifier = text(declaration.identityField)
            identifierLabel = declaration.identityLabel
            isIDNumber = declaration.isIDNumber
        }
    }
}
