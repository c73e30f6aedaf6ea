import Foundation

/// A citizen's rating of one finished service (好差评): a score from 1 (very dissatisfied) to
/// 5 (very satisfied) and the reasons ticked, as codes the hall's rating form defines (e.g.
/// `slowService`, `attitude`, `repeatedVisits`), stored per service and counter.
public struct Rating: Sendable, Hashable, Codable {
    public static let maximumReasons = 8

    public let ticketID: Int64
    public let serviceID: String
    public let counter: String
    public let score: Int
    public let reasons: [String]
    public let createdAt: Date

    public init(ticketID: Int64, serviceID: String, counter: String, score: Int, reasons: [String],
                createdAt: Date) throws(BookingRuleError) {
        try Self.validate(score: score, reasons: reasons)
        self.ticketID = ticketID
        self.serviceID = serviceID
        self.counter = counter
        self.score = score
        self.reasons = reasons
        self.createdAt = createdAt
    }

    /// A reason code is an ASCII identifier of at most 32 characters starting with a letter;
    /// codes are listed once each.
    public static func validate(score: Int, reasons: [String]) throws(BookingRuleError) {
        guard (1...5).contains(score), reasons.count <= maximumReasons, Set(reasons).count == reasons.count else {
            throw BookingRuleError(.invalidRating)
        }
        for reason in reasons {
            let bytes = Array(reason.utf8)
            guard (1...32).contains(bytes.count), isLetter(bytes[0]),
                  bytes.allSatisfy({ isLetter($0) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || $0 == UInt8(ascii: "_") })
            else { throw BookingRuleError(.invalidRating) }
        }
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
    }
}
