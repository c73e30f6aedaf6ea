/// A new PIN, checked against the hall's rules: 4 to 8 digits, not one digit repeated, not a
/// run of consecutive digits up or down (`1234`, `8765`, and across zero: `7890`, `1098`).
///
/// Only new PINs are checked; a PIN typed at sign-in is compared as typed. The digits never
/// appear in a description.
public struct PIN: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    public let digits: String

    public init(_ text: String) throws(AccessError) {
        let bytes = Array(text.utf8)
        guard bytes.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else { throw AccessError(.pinNotDigits) }
        guard (4...8).contains(bytes.count) else { throw AccessError(.pinWrongLength) }
        let values = bytes.map { Int($0 - UInt8(ascii: "0")) }
        let steps = Set(zip(values, values.dropFirst()).map { ($1 - $0 + 10) % 10 })
        guard steps != [0] else { throw AccessError(.pinRepeated) }
        guard steps != [1], steps != [9] else { throw AccessError(.pinSequence) }
        digits = text
    }

    public var description: String { "PIN(****)" }
    public var debugDescription: String { description }
}
