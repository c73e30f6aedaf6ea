/// The resident ID card (GA 467 / GA/T 490): the text block without a type flag.
public struct ResidentCardText: Sendable, Hashable {
    public let name: String
    public let gender: Gender
    /// The GB/T 3304 code as stored; `ethnicGroup` is nil for a code the standard lacks.
    public let ethnicGroupCode: Int
    public let birthDate: CardDate
    public let address: String
    public let idNumber: String
    public let issuingAuthority: String
    public let validity: Validity

    public var ethnicGroup: EthnicGroup? { EthnicGroup(code: ethnicGroupCode) }
}

/// The residence permit for Hong Kong, Macau and Taiwan residents (type flag `J`).
public struct ResidencePermitText: Sendable, Hashable {
    public let name: String
    public let gender: Gender
    public let birthDate: CardDate
    public let address: String
    public let idNumber: String
    public let issuingAuthority: String
    public let validity: Validity
    /// Number of the holder's Mainland travel permit (回乡证 / 台胞证).
    public let passNumber: String
    public let issueCount: Int
}

/// The 2017 foreigner's permanent residence ID card (type flag `I`).
public struct PermanentResidence2017Text: Sendable, Hashable {
    public let englishName: String
    public let gender: Gender
    /// Fifteen characters: three-letter nationality, then twelve digits.
    public let cardNumber: String
    /// GB/T 2659 three-letter code.
    public let nationalityCode: String
    public let chineseName: String
    public let validity: Validity
    public let birthDate: CardDate
    public let cardVersion: String
    public let issuingAuthorityCode: String
}

/// The 2023 foreigner's permanent residence ID card (type flag `Y`), laid out like the
/// resident card: an 18-digit number starting with 9 and checked like a citizen's.
/// Offsets follow the National Immigration Administration's 2023 machine-readable rules as
/// vendors republish them; the last six bytes (link to a previous card's number) are left
/// undecoded until checked against a real card.
public struct PermanentResidence2023Text: Sendable, Hashable {
    public let chineseName: String
    public let gender: Gender
    public let renewalCount: Int
    public let birthDate: CardDate
    public let englishName: String
    public let cardNumber: String
    public let issuingAuthority: String
    public let validity: Validity
    public let nationalityCode: String
}

/// The decoded 256-byte text block of any card the reader accepts.
public enum CardText: Sendable, Hashable {
    case resident(ResidentCardText)
    case residencePermit(ResidencePermitText)
    case permanentResidence2017(PermanentResidence2017Text)
    case permanentResidence2023(PermanentResidence2023Text)

    public static let blockLength = 256

    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case resident
        case residencePermit
        case permanentResidence2017
        case permanentResidence2023
    }

    public var kind: Kind {
        switch self {
        case .resident: .resident
        case .residencePermit: .residencePermit
        case .permanentResidence2017: .permanentResidence2017
        case .permanentResidence2023: .permanentResidence2023
        }
    }

    /// The name a form should use: the Chinese name where the card has one.
    public var name: String {
        switch self {
        case .resident(let card): card.name
        case .residencePermit(let card): card.name
        case .permanentResidence2017(let card): card.chineseName.isEmpty ? card.englishName : card.chineseName
        case .permanentResidence2023(let card): card.chineseName.isEmpty ? card.englishName : card.chineseName
        }
    }

    public var gender: Gender {
        switch self {
        case .resident(let card): card.gender
        case .residencePermit(let card): card.gender
        case .permanentResidence2017(let card): card.gender
        case .permanentResidence2023(let card): card.gender
        }
    }

    public var birthDate: CardDate {
        switch self {
        case .resident(let card): card.birthDate
        case .residencePermit(let card): card.birthDate
        case .permanentResidence2017(let card): card.birthDate
        case .permanentResidence2023(let card): card.birthDate
        }
    }

    /// The identity number or card number.
    public var documentNumber: String {
        switch self {
        case .resident(let card): card.idNumber
        case .residencePermit(let card): card.idNumber
        case .permanentResidence2017(let card): card.cardNumber
        case .permanentResidence2023(let card): card.cardNumber
        }
    }

    public var validity: Validity {
        switch self {
        case .resident(let card): card.validity
        case .residencePermit(let card): card.validity
        case .permanentResidence2017(let card): card.validity
        case .permanentResidence2023(let card): card.validity
        }
    }

    /// Decodes a text block: UCS-2 little-endian, space padded, fixed offsets per card type.
    /// The type flag is the character at byte 248; the resident card leaves it blank.
    public init(block: [UInt8]) throws(CardDataError) {
        guard block.count == Self.blockLength else { throw CardDataError(.wrongTextLength) }
        let fields = TextFields(block: block)
        switch fields.text(248..<250) {
        case "":
            self = .resident(ResidentCardText(
                name: fields.text(0..<30),
                gender: try fields.gender(30..<32),
                ethnicGroupCode: try fields.number(32..<36, field: "ethnicGroup"),
                birthDate: try fields.date(36..<52, field: "birthDate"),
                address: fields.text(52..<122),
                idNumber: fields.text(122..<158),
                issuingAuthority: fields.text(158..<188),
                validity: try fields.validity(start: 188..<204, end: 204..<220)))
        case "J":
            self = .residencePermit(ResidencePermitText(
                name: fields.text(0..<30),
                gender: try fields.gender(30..<32),
                birthDate: try fields.date(36..<52, field: "birthDate"),
                address: fields.text(52..<122),
                idNumber: fields.text(122..<158),
                issuingAuthority: fields.text(158..<188),
                validity: try fields.validity(start: 188..<204, end: 204..<220),
                passNumber: fields.text(220..<238),
                issueCount: try fields.number(238..<242, field: "issueCount")))
        case "I":
            self = .permanentResidence2017(PermanentResidence2017Text(
                englishName: fields.text(0..<120),
                gender: try fields.gender(120..<122),
                cardNumber: fields.text(122..<152),
                nationalityCode: fields.text(152..<158),
                chineseName: fields.text(158..<188),
                validity: try fields.validity(start: 188..<204, end: 204..<220),
                birthDate: try fields.date(220..<236, field: "birthDate"),
                cardVersion: fields.text(236..<240),
                issuingAuthorityCode: fields.text(240..<248)))
        case "Y":
            self = .permanentResidence2023(PermanentResidence2023Text(
                chineseName: fields.text(0..<30),
                gender: try fields.gender(30..<32),
                renewalCount: try fields.number(32..<36, field: "renewalCount"),
                birthDate: try fields.date(36..<52, field: "birthDate"),
                // The English name runs on from the address slot into a continuation field.
                englishName: Self.trimmed(fields.rawText(52..<122) + fields.rawText(220..<242)),
                cardNumber: fields.text(122..<158),
                issuingAuthority: fields.text(158..<188),
                validity: try fields.validity(start: 188..<204, end: 204..<220),
                nationalityCode: fields.text(242..<248)))
        default:
            throw CardDataError(.unsupportedCardType)
        }
    }

    static func trimmed(_ text: String) -> String {
        var scalars = Substring(text).unicodeScalars
        while let first = scalars.first, first == " " || first == "\0" { scalars.removeFirst() }
        while let last = scalars.last, last == " " || last == "\0" { scalars.removeLast() }
        return String(scalars)
    }
}

/// Reads fixed-offset UCS-2LE fields of one text block.
struct TextFields {
    let block: [UInt8]

    func rawText(_ range: Range<Int>) -> String {
        var units: [UInt16] = []
        units.reserveCapacity(range.count / 2)
        var index = range.lowerBound
        while index + 1 < range.upperBound {
            units.append(UInt16(block[index]) | UInt16(block[index + 1]) << 8)
            index += 2
        }
        return String(decoding: units, as: UTF16.self)
    }

    func text(_ range: Range<Int>) -> String { CardText.trimmed(rawText(range)) }

    func gender(_ range: Range<Int>) throws(CardDataError) -> Gender {
        guard let gender = Gender(rawValue: text(range)) else { throw CardDataError(.invalidField, field: "gender") }
        return gender
    }

    func number(_ range: Range<Int>, field: String) throws(CardDataError) -> Int {
        let digits = text(range)
        guard !digits.isEmpty, digits.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
              let value = Int(digits) else { throw CardDataError(.invalidField, field: field) }
        return value
    }

    func date(_ range: Range<Int>, field: String) throws(CardDataError) -> CardDate {
        guard let date = CardDate(yyyymmdd: text(range)) else { throw CardDataError(.invalidField, field: field) }
        return date
    }

    func validity(start: Range<Int>, end: Range<Int>) throws(CardDataError) -> Validity {
        let startDate = try date(start, field: "validityStart")
        if text(end) == "长期" { return Validity(start: startDate, end: .longTerm) }
        return Validity(start: startDate, end: .date(try date(end, field: "validityEnd")))
    }
}
