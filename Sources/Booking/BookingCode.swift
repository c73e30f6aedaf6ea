import KioskCore

/// The code a citizen reads off a slip or a phone and types or says at the terminal: ten random
/// characters and a check character, shown in groups (`ABCD-EFGH-JK2`).
///
/// The alphabet leaves out 0, O, 1, I and L, which people confuse when reading aloud or typing.
/// It has 31 characters, a prime, so the weighted check (weights 11…1, sum ≡ 0 mod 31) catches
/// every single wrong character and every swap of two neighbours.
///
/// Why ten: 31¹⁰ ≈ 8.2 × 10¹⁴ codes. A district issuing 20,000 bookings a day leaves about
/// 4 × 10¹⁰ unused codes for every one issued that day, so a guess at the terminal's limit of
/// misses (`limits.code_misses_per_minute`) finds a live booking about once in 10⁹ tries — and a
/// code found still needs the citizen's ID card (or number) to do anything with it.
/// Codes of six characters and a check, issued before, are still read (`legacyPayloadLength`):
/// their bookings and drafts stay valid until they expire.
public struct BookingCode: Sendable, Hashable, Codable, CustomStringConvertible {
    public static let alphabet = Array("23456789ABCDEFGHJKMNPQRSTUVWXYZ".utf8)
    public static let payloadLength = 10
    static let legacyPayloadLength = 6
    /// 31¹⁰, the number of payloads.
    public static let space = 819_628_286_980_801

    /// `payloadLength + 1` characters of `alphabet` (or a legacy code's 7), upper case, no separators.
    public let value: String

    /// Accepts what a citizen types: lower case, spaces and hyphens are forgiven; a character
    /// outside the alphabet or a wrong check character is not.
    public init(_ text: String) throws(BookingRuleError) {
        var values: [Int] = []
        for byte in text.utf8 where byte != UInt8(ascii: " ") && byte != UInt8(ascii: "-") {
            let upper = (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) ? byte - 32 : byte
            guard let value = Self.alphabet.firstIndex(of: upper), values.count <= Self.payloadLength else {
                throw BookingRuleError(.invalidBookingCode)
            }
            values.append(value)
        }
        guard [Self.payloadLength + 1, Self.legacyPayloadLength + 1].contains(values.count),
              Self.checkValue(values.dropLast()) == values[values.count - 1] else {
            throw BookingRuleError(.invalidBookingCode)
        }
        self.value = Self.text(values)
    }

    /// A fresh random code.
    /// One draw for the whole payload: the system generator makes a system call per draw.
    public static func random(using generator: inout some RandomNumberGenerator) -> BookingCode {
        var remaining = Int.random(in: 0..<space, using: &generator)
        var payload = [Int](repeating: 0, count: payloadLength)
        for index in payload.indices.reversed() {
            payload[index] = remaining % alphabet.count
            remaining /= alphabet.count
        }
        return BookingCode(payload: payload)
    }

    /// `payload` is indices into `alphabet`.
    init(payload: [Int]) {
        self.value = Self.text(payload + [Self.checkValue(payload[...])])
    }

    public var description: String { value }

    /// The code in groups of four, as slips and screens show it: easier to read out and type.
    public var grouped: String {
        var groups: [Substring] = []
        var rest = Substring(value)
        while !rest.isEmpty {
            groups.append(rest.prefix(4))
            rest = rest.dropFirst(4)
        }
        return groups.joined(separator: "-")
    }

    /// Weights count down to 2 over the payload, so the check character's weight is 1.
    private static func checkValue(_ payload: ArraySlice<Int>) -> Int {
        var sum = 0
        for (offset, value) in payload.enumerated() { sum += (payload.count + 1 - offset) * value }
        return (31 - sum % 31) % 31
    }

    private static func text(_ values: [Int]) -> String {
        String(decoding: values.map { alphabet[$0] }, as: UTF8.self)
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do { try self.init(text) } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.message.en)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}
