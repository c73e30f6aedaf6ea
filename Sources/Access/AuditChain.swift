import Crypto
import Foundation

/// One record of the audit log as stored: fields are kept exactly as read, unvalidated, so
/// that a record changed in the database is reported by `AuditChain`, not refused on reading.
public struct AuditRecord: Sendable, Hashable {
    public let sequence: Int64
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public let milliseconds: Int64
    public let actor: String
    public let action: String
    public let target: String
    /// The details as a canonical JSON object (see `AuditChain`), embedded in the encoding as is.
    public let details: String
    public let previousHash: String
    public let hash: String

    public init(sequence: Int64, milliseconds: Int64, actor: String, action: String, target: String,
                details: String, previousHash: String, hash: String) {
        self.sequence = sequence
        self.milliseconds = milliseconds
        self.actor = actor
        self.action = action
        self.target = target
        self.details = details
        self.previousHash = previousHash
        self.hash = hash
    }

    public var at: Date { Date(timeIntervalSince1970: Double(milliseconds) / 1000) }

    /// The details as written; nil if the stored text is no longer a JSON object of strings.
    public var detailValues: [String: String]? {
        try? JSONDecoder().decode([String: String].self, from: Data(details.utf8))
    }

    /// One line of `kiosk audit export`: the canonical encoding with the `hash` member added.
    public var jsonLine: String { String(decoding: AuditChain.canonicalEncoding(self, includingHash: true), as: UTF8.self) }
}

/// The first place where a chain of records stops being what was written.
public struct AuditBreak: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable {
        /// The record's fields no longer give its hash: edited, or renumbered to reorder it.
        case changed
        /// No record has this sequence number: deleted (the log's head still counts it).
        case missing
        /// The record is intact but does not follow the one before it: moved, inserted or
        /// its predecessor replaced.
        case unlinked
    }

    public let sequence: Int64
    public let kind: Kind

    public init(sequence: Int64, kind: Kind) {
        self.sequence = sequence
        self.kind = kind
    }

    public var description: String { "record \(sequence) \(kind.rawValue)" }
}

/// The last record's sequence number and hash, kept beside the log so that deleting records at
/// the end is noticed too.
public struct AuditHead: Sendable, Hashable {
    public let sequence: Int64
    public let hash: String

    public init(sequence: Int64, hash: String) {
        self.sequence = sequence
        self.hash = hash
    }

    public static let empty = AuditHead(sequence: 0, hash: AuditChain.genesisHash)
}

/// The hash chain of the audit log.
///
/// **Canonical encoding** of a record: the UTF-8 bytes of one JSON object without whitespace
/// whose members are, in this order (ascending by key):
/// `"action"` (string), `"actor"` (string), `"at"` (string, UTC, `YYYY-MM-DDTHH:MM:SS.sssZ`),
/// `"details"` (the stored details text, itself a JSON object whose keys are ASCII names in
/// ascending byte order with string values), `"previousHash"` (64 lower-case hex digits),
/// `"sequence"` (decimal integer), `"target"` (string).
/// Strings escape `"` and `\` with a backslash, U+0008, U+0009, U+000A, U+000C, U+000D as
/// `\b \t \n \f \r`, other characters below U+0020 as `\u00xx` (lower-case hex), and
/// nothing else (RFC 8785's rules for strings).
///
/// A record's `hash` is the lower-case hex SHA-256 of its canonical encoding; its
/// `previousHash` is the hash of the record before it, or 64 zeros for the first record.
/// Sequence numbers start at 1 and go up by one.
public enum AuditChain {
    public static let genesisHash = String(repeating: "0", count: 64)

    /// Places `entry` after the record whose sequence number and hash `previous` gives.
    public static func seal(_ entry: AuditEntry, after previous: AuditHead, at time: Date) -> AuditRecord {
        let unsealed = AuditRecord(
            sequence: previous.sequence + 1,
            milliseconds: Int64((time.timeIntervalSince1970 * 1000).rounded()),
            actor: entry.actor.description, action: entry.action.rawValue, target: entry.target,
            details: canonicalObject(entry.details), previousHash: previous.hash, hash: "")
        return AuditRecord(sequence: unsealed.sequence, milliseconds: unsealed.milliseconds, actor: unsealed.actor,
                           action: unsealed.action, target: unsealed.target, details: unsealed.details,
                           previousHash: unsealed.previousHash, hash: hash(of: unsealed))
    }

    public static func hash(of record: AuditRecord) -> String {
        hex(SHA256.hash(data: canonicalEncoding(record, includingHash: false)))
    }

    public static func canonicalEncoding(_ record: AuditRecord, includingHash: Bool) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256 + record.details.utf8.count)
        out += Array(#"{"action":"#.utf8)
        appendString(record.action, to: &out)
        out += Array(#","actor":"#.utf8)
        appendString(record.actor, to: &out)
        out += Array(#","at":"#.utf8)
        appendString(iso8601(milliseconds: record.milliseconds), to: &out)
        out += Array(#","details":"#.utf8)
        out += Array(record.details.utf8)
        if includingHash {
            out += Array(#","hash":"#.utf8)
            appendString(record.hash, to: &out)
        }
        out += Array(#","previousHash":"#.utf8)
        appendString(record.previousHash, to: &out)
        out += Array(#","sequence":"#.utf8)
        out += Array(String(record.sequence).utf8)
        out += Array(#","target":"#.utf8)
        appendString(record.target, to: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// The first break in `records` (in the order given), or nil when every record follows
    /// from the one before it and the last one is `head`.
    public static func verify(_ records: some Sequence<AuditRecord>, head: AuditHead) -> AuditBreak? {
        var verifier = Verifier()
        for record in records {
            if let broken = verifier.check(record) { return broken }
        }
        return verifier.finish(head: head)
    }

    /// Walks a chain one record at a time, so the store can verify a log of any length
    /// without holding it in memory.
    public struct Verifier: Sendable {
        public private(set) var last: AuditHead
        public private(set) var count = 0

        /// Starts after `previous`: `.empty` for a whole log.
        public init(after previous: AuditHead = .empty) {
            last = previous
        }

        public mutating func check(_ record: AuditRecord) -> AuditBreak? {
            let expected = last.sequence + 1
            if record.sequence > expected { return AuditBreak(sequence: expected, kind: .missing) }
            if record.sequence < expected { return AuditBreak(sequence: record.sequence, kind: .unlinked) }
            guard AuditChain.hash(of: record) == record.hash else { return AuditBreak(sequence: record.sequence, kind: .changed) }
            guard record.previousHash == last.hash else { return AuditBreak(sequence: record.sequence, kind: .unlinked) }
            last = AuditHead(sequence: record.sequence, hash: record.hash)
            count += 1
            return nil
        }

        /// After the last record: the log must end where its head says.
        public func finish(head: AuditHead) -> AuditBreak? {
            if last.sequence < head.sequence { return AuditBreak(sequence: last.sequence + 1, kind: .missing) }
            if last.sequence > head.sequence { return AuditBreak(sequence: head.sequence + 1, kind: .unlinked) }
            return last.hash == head.hash ? nil : AuditBreak(sequence: head.sequence, kind: .changed)
        }
    }

    /// `{"k":"v",...}` with keys in ascending byte order.
    static func canonicalObject(_ values: [String: String]) -> String {
        var out: [UInt8] = [UInt8(ascii: "{")]
        for (index, key) in values.keys.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }).enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            appendString(key, to: &out)
            out.append(UInt8(ascii: ":"))
            appendString(values[key] ?? "", to: &out)
        }
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }

    static func appendString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), byte]
            case 0x08: out += Array(#"\b"#.utf8)
            case 0x09: out += Array(#"\t"#.utf8)
            case 0x0A: out += Array(#"\n"#.utf8)
            case 0x0C: out += Array(#"\f"#.utf8)
            case 0x0D: out += Array(#"\r"#.utf8)
            case 0x00..<0x20:
                let digits = Array("0123456789abcdef".utf8)
                out += Array(#"\u00"#.utf8) + [digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]]
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Proleptic Gregorian calendar, UTC, from the day count (H. Hinnant's `civil_from_days`),
    /// so no formatter, locale or time zone can change the bytes.
    public static func iso8601(milliseconds: Int64) -> String {
        let (days, dayMilliseconds) = floorDivision(milliseconds, 86_400_000)
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        let seconds = dayMilliseconds / 1000
        return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(seconds / 3600, 2)):\(pad(seconds / 60 % 60, 2))"
            + ":\(pad(seconds % 60, 2)).\(pad(dayMilliseconds % 1000, 3))Z"
    }

    private static func floorDivision(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
        let remainder = value % divisor
        return remainder < 0 ? (value / divisor - 1, remainder + divisor) : (value / divisor, remainder)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value.magnitude)
        return (value < 0 ? "-" : "") + String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes { out += [digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]] }
        return String(decoding: out, as: UTF8.self)
    }
}
