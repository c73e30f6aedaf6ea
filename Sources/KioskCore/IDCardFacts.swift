/// What an ID card read at the terminal says about its holder, as every module past the reader
/// uses it: the card reader fills it (`formFacts(from:)`), the server keeps it while the card
/// lies on the reader (`CardDesk`), a filing session prefills its `idcard.*` fields from it and
/// booking takes the holder's number from it. One typed value end to end, so a fact cannot be
/// lost to a mistyped key on the way.
///
/// Dates are `YYYY-MM-DD` like the forms' date fields; `gender` and `ethnicity` are the Chinese
/// names printed on the card; an open-ended validity is `长期`. A fact the card type lacks is
/// nil (a foreign permanent resident card names no ethnic group), so its field stays for the
/// citizen. `description`, `debugDescription` and `dump` show only the masked number.
public struct IDCardFacts: Sendable, Hashable {
    public var name: String?
    /// The number printed on the card: a resident ID number on resident cards and residence
    /// permits, a permanent residence card's number on those.
    public var documentNumber: String?
    public var gender: String?
    public var ethnicity: String?
    public var birthDate: String?
    /// The latest address: one appended after issue replaces the printed one.
    public var address: String?
    public var issuer: String?
    public var validFrom: String?
    public var validUntil: String?

    public init(name: String? = nil, documentNumber: String? = nil, gender: String? = nil, ethnicity: String? = nil,
                birthDate: String? = nil, address: String? = nil, issuer: String? = nil, validFrom: String? = nil,
                validUntil: String? = nil) {
        self.name = name
        self.documentNumber = documentNumber
        self.gender = gender
        self.ethnicity = ethnicity
        self.birthDate = birthDate
        self.address = address
        self.issuer = issuer
        self.validFrom = validFrom
        self.validUntil = validUntil
    }

    /// The card's number as a resident ID number (GB 11643), which the terminal's booking and
    /// drafts identify citizens by; the card's number is not one (a 2017 permanent residence
    /// card's) or is malformed: `ResidentIDNumberError`.
    public func residentIDNumber() throws(ResidentIDNumberError) -> ResidentIDNumber {
        try ResidentIDNumber(documentNumber ?? "")
    }
}

extension IDCardFacts: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { "IDCardFacts(number: \(documentNumber.map(IDNumberMasking.mask) ?? "none"))" }
    public var debugDescription: String { description }
    public var customMirror: Mirror {
        Mirror(self, children: ["number": documentNumber.map(IDNumberMasking.mask) ?? "none"], displayStyle: .struct)
    }
}

/// The one rule for showing an identity number where it must stay unusable (screens, receipts,
/// logs, a technician's view of a card): an 18-character number keeps its first six and last
/// four characters, enough for a citizen to recognise their own; a shorter one (a 2017 permanent
/// residence card's 15) keeps three and two; anything shorter still is all asterisks.
public enum IDNumberMasking {
    public static func mask(_ number: String) -> String {
        let characters = Array(number)
        let (head, tail) = characters.count >= 18 ? (6, 4) : (3, 2)
        guard characters.count > head + tail else { return String(repeating: "*", count: characters.count) }
        return String(characters.prefix(head)) + String(repeating: "*", count: characters.count - head - tail)
            + String(characters.suffix(tail))
    }
}
