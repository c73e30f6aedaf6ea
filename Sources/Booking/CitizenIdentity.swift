import KioskCore

/// Who stands at the terminal, as far as the terminal can tell: an ID number read from the card
/// on the reader, or typed in. Both prove who holds a booking (the number must match it); only
/// the card is evidence of a birth date that may put a walk-in ticket in the elderly class — a
/// typed number is anyone's to type.
public struct CitizenIdentity: Sendable, Hashable {
    public enum Source: String, Sendable, Hashable {
        case card
        case typed
    }

    public let idNumber: ResidentIDNumber
    public let source: Source

    public init(_ idNumber: ResidentIDNumber, source: Source) {
        self.idNumber = idNumber
        self.source = source
    }

    public static func card(_ idNumber: ResidentIDNumber) -> Self { .init(idNumber, source: .card) }
    public static func typed(_ idNumber: ResidentIDNumber) -> Self { .init(idNumber, source: .typed) }

    /// The birth date the queue may act on: the card's, never a typed one.
    public var cardBirthDate: ResidentIDNumber.BirthDate? { source == .card ? idNumber.birthDate : nil }
}

/// What shows that the one rating a ticket is the one who took it: the rating token handed to
/// the screen that took the ticket (and to nobody else), or the ID card that took it.
public enum RatingProof: Sendable, Hashable {
    case token(String)
    case holder(ResidentIDNumber)
}

/// The secret a ticket's taker gets with the ticket, to rate it later. 128 random bits as 32
/// lower-case hex digits; the store keeps only a hash of it.
public enum RatingToken {
    public static func random(using generator: inout some RandomNumberGenerator) -> String {
        let high = generator.next() as UInt64, low = generator.next() as UInt64
        return hex(high) + hex(low)
    }

    public static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    /// Only what `random` makes: 32 lower-case hex digits.
    public static func isWellFormed(_ text: String) -> Bool {
        text.utf8.count == 32 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
