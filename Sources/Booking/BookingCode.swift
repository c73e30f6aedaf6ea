import KioskCore

/// The short code a citizen reads off a slip or a phone and types or says at the terminal:
/// six random characters and a check character.
///
/// The alphabet leaves out 0, O, 1, I and L, which people confuse when reading aloud or typing.
/// It has 31 characters, a prime, so the weighted check (weights 7…1, sum ≡ 0 mod 31) catches
/// every single wrong character and every swap of two neighbours.
public struct BookingCode: Sendable, Hashable, Codable, CustomStringConvertible {
    public static let alphabet = Array("23456789ABCDEFGHJKMNPQRSTUVWXYZ".utf8)
    public static let payloadLength = 6

    /// Seven characters of `alphabet`, upper case.
    public let value: String

    /// Accepts what a citizen types: lower case, spaces and hyphens are forgiven; a character
    /// outside the alphabet or a wrong check character is not.
    public init(_ text: String) throws(BookingRuleError) {
        var values: [Int] = []
        for byte in text.utf8 where byte != UInt8(ascii: " ") && byte != UInt8(ascii: "-") {
            let upper = (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) ? byte - 32 : byte
            guard let value = Self.alphabet.firstIndex(of: upper) else { throw BookingRuleError(.invalidBookingCode) }
            values.append(value)
        }
        guard values.count == Self.payloadLength + 1,
              Self.checkValue(values.dropLast()) == values[Self.payloadLength] else {
            throw BookingRuleError(.invalidBookingCode)
        }
        self.value = Self.text(values)
    }

    /// A fresh random code.
    /// One draw for the whole payload: the system generator makes a system call per draw.
    public static func random(using generator: inout some RandomNumberGenerator) -> BookingCode {
        var remaining = Int.random(in: 0..<887_503_681, using: &generator)  // 31^6
        var payload = [Int](repeating: 0, count: payloadLength)
        for index in payload.indices.reversed() {
            payload[index] = remaining % alphabet.count
            remaining /= alphabet.count
        }
        return BookingCode(payload: payload)
    }

    /// `payload` is `payloadLength` indices into `alphabet`.
    init(payload: [Int]) {
        self.value = Self.text(payload + [Self.checkValue(payload[...])])
    }

    public var description: String { value }

    private static func checkValue(_ payload: ArraySlice<Int>) -> Int {
        var sum = 0
        for (offset, value) in payload.enumerated() { sum += (payloadLength + 1 - offset) * value }
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
