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

/// The 2023 foreigner's permanent residence ID card (type flag `Y`): an 18-digit number
/// starting with 9, checked like a citizen's.
///
/// Layout (UCS-2LE bytes), as the National Immigration Administration's 2023 machine-readable
/// rules are implemented by reader vendors' SDKs: Chinese name 0..<30, gender 30..<32, renewal
/// count 32..<36, birth date 36..<52, English name characters 1–35 52..<122, number 122..<158,
/// reserved 158..<188, validity 188..<220, English name characters 36–46 220..<242, nationality
/// 242..<248, `Y` 248..<250, link to the previous card's number 250..<256. Unlike the resident
/// card the chip holds no issuing authority: the slot where a resident card keeps it is reserved.
public struct PermanentResidence2023Text: Sendable, Hashable {
    public let chineseName: String
    public let gender: Gender
    public let renewalCount: Int
    public let birthDate: CardDate
    public let englishName: String
    public let cardNumber: String
    public let validity: Validity
    /// GB/T 2659 three-letter code.
    public let nationalityCode: String
    /// Three digits tying the card to the holder's earlier 15-character card: that number's two
    /// city digits, then its sequence digit. Empty when the holder had no earlier card.
    public let previousCardLink: String

    /// The 15-character number of the holder's earlier foreigner's card, rebuilt from this card
    /// the way reader SDKs do: nationality letters, this number's two province digits, the
    /// link's city digits, the birth date as `YYMMDD`, the link's sequence digit, then a check
    /// digit. Nil when there is no link or a field it needs is malformed.
    public var previousCardNumber: String? {
        let link = Array(previousCardLink.utf8)
        let number = Array(cardNumber.utf8)
        let nationality = Array(nationalityCode.utf8)
        func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
        guard link.count == 3, link.allSatisfy(isDigit), number.count == 18, number[1..<14].allSatisfy(isDigit),
              nationality.count == 3, nationality.allSatisfy({ (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) })
        else { return nil }
        let body = nationality + number[1..<3] + link[0..<2] + number[8..<14] + link[2...]
        return String(decoding: body + [Self.checkDigit(body)], as: UTF8.self)
    }

    /// The 7-3-1 check digit of ICAO 9303 machine-readable zones (letters count 10–35), which
    /// the 15-character numbers use.
    static func checkDigit(_ characters: [UInt8]) -> UInt8 {
        let weights = [7, 3, 1]
        var sum = 0
        for (index, character) in characters.enumerated() {
            let value = character >= UInt8(ascii: "A")
                ? Int(character - UInt8(ascii: "A")) + 10
                : Int(character - UInt8(ascii: "0"))
            sum += value * weights[index % 3]
        }
        return UInt8(ascii: "0") + UInt8(sum % 10)
    }
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
                // Characters 1–35 of the English name sit in the address slot, 36–46 after the
                // validity; both are fixed width, so the raw halves join without a gap.
                englishName: Self.trimmed(fields.rawText(52..<122) + fields.rawText(220..<242)),
                cardNumber: fields.text(122..<158),
                validity: try fields.validity(start: 188..<204, end: 204..<220),
                nationalityCode: fields.text(242..<248),
                previousCardLink: fields.text(250..<256)))
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
