import Crypto
import Foundation
import Secrets

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
    /// The MAC of the record before it (named hash, as the columns are).
    public let previousHash: String
    /// This record's MAC.
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
        /// The record is consistent with the chain, but not what an anchor taken earlier says
        /// it was: the log was rewritten by someone with the key.
        case notAnchored
    }

    public let sequence: Int64
    public let kind: Kind

    public init(sequence: Int64, kind: Kind) {
        self.sequence = sequence
        self.kind = kind
    }

    public var description: String { "record \(sequence) \(kind.rawValue)" }
}

/// The last record's sequence number and MAC, kept beside the log so that deleting records at
/// the end is noticed too.
///
/// Written down somewhere the log's keeper cannot reach (the service log at every start and
/// every hour, the district store, a technician's notes) it is an **anchor**
/// (`SEQ:HEX`): whoever later rewrites the log, even with the key, cannot make record SEQ
/// carry that MAC again.
public struct AuditHead: Sendable, Hashable, CustomStringConvertible {
    public let sequence: Int64
    public let hash: String

    public init(sequence: Int64, hash: String) {
        self.sequence = sequence
        self.hash = hash
    }

    /// `SEQ:HEX` as `description` writes it; nil for anything else.
    public init?(anchor text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let sequence = Int64(parts[0]), sequence >= 1, parts[1].utf8.count == 64,
              parts[1].utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains($0) })
        else { return nil }
        self.init(sequence: sequence, hash: String(parts[1]))
    }

    public static let empty = AuditHead(sequence: 0, hash: AuditChain.genesisHash)

    /// The anchor: `SEQ:HEX`.
    public var description: String { "\(sequence):\(hash)" }
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
/// A record's `hash` is the lower-case hex HMAC-SHA256 of its canonical encoding under the
/// terminal's audit key (derived from `terminal.key`, never stored beside the log); its
/// `previousHash` is the MAC of the record before it, or 64 zeros for the first record.
/// Sequence numbers start at 1 and go up by one. Without the key a changed record cannot be
/// given a valid MAC, however much of the chain is recomputed; with the key it can, and an
/// anchor taken earlier (see `AuditHead`) is what then tells.
public enum AuditChain {
    public static let genesisHash = String(repeating: "0", count: 64)

    /// Places `entry` after the record whose sequence number and MAC `previous` gives.
    public static func seal(_ entry: AuditEntry, after previous: AuditHead, at time: Date, key: SecretKey) -> AuditRecord {
        let unsealed = AuditRecord(
            sequence: previous.sequence + 1,
            milliseconds: Int64((time.timeIntervalSince1970 * 1000).rounded()),
            actor: entry.actor.description, action: entry.action.rawValue, target: entry.target,
            details: canonicalObject(entry.details), previousHash: previous.hash, hash: "")
        return AuditRecord(sequence: unsealed.sequence, milliseconds: unsealed.milliseconds, actor: unsealed.actor,
                           action: unsealed.action, target: unsealed.target, details: unsealed.details,
                           previousHash: unsealed.previousHash, hash: mac(of: unsealed, key: key))
    }

    /// The record's MAC under `key`, from its canonical encoding.
    public static func mac(of record: AuditRecord, key: SecretKey) -> String {
        hex(key.authenticationCode(for: canonicalEncoding(record, includingHash: false)))
    }

    /// How records were chained before the chain was keyed: plain SHA-256, which anyone can
    /// recompute. Read only to check a log once, when its records are keyed.
    public static func unkeyedHash(of record: AuditRecord) -> String {
        hex(SHA256.hash(data: canonicalEncoding(record, includingHash: false)))
    }

    /// `record` with `previousHash` and `hash` recomputed under `key`.
    public static func reseal(_ record: AuditRecord, after previousHash: String, key: SecretKey) -> AuditRecord {
        let relinked = AuditRecord(sequence: record.sequence, milliseconds: record.milliseconds, actor: record.actor,
                                   action: record.action, target: record.target, details: record.details,
                                   previousHash: previousHash, hash: "")
        return AuditRecord(sequence: record.sequence, milliseconds: record.milliseconds, actor: record.actor,
                           action: record.action, target: record.target, details: record.details,
                           previousHash: previousHash, hash: mac(of: relinked, key: key))
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
    /// from the one before it, the last one is `head`, and the log passes every `anchor`.
    public static func verify(key: SecretKey, _ records: some Sequence<AuditRecord>, head: AuditHead,
                              anchors: [AuditHead] = []) -> AuditBreak? {
        var verifier = Verifier(key: key, anchors: anchors)
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
        let key: SecretKey?
        let anchors: [Int64: String]

        /// Starts after `previous`: `.empty` for a whole log. Records must carry MACs under
        /// `key`, or, with no key, the unkeyed hashes of a log from before keys. The record at
        /// each anchor's sequence must carry the anchor's MAC.
        public init(key: SecretKey?, after previous: AuditHead = .empty, anchors: [AuditHead] = []) {
            last = previous
            self.key = key
            self.anchors = Dictionary(anchors.map { ($0.sequence, $0.hash) }, uniquingKeysWith: { first, _ in first })
        }

        public mutating func check(_ record: AuditRecord) -> AuditBreak? {
            let expected = last.sequence + 1
            if record.sequence > expected { return AuditBreak(sequence: expected, kind: .missing) }
            if record.sequence < expected { return AuditBreak(sequence: record.sequence, kind: .unlinked) }
            let computed = key.map { AuditChain.mac(of: record, key: $0) } ?? AuditChain.unkeyedHash(of: record)
            guard computed == record.hash else { return AuditBreak(sequence: record.sequence, kind: .changed) }
            guard record.previousHash == last.hash else { return AuditBreak(sequence: record.sequence, kind: .unlinked) }
            if let anchored = anchors[record.sequence], anchored != record.hash {
                return AuditBreak(sequence: record.sequence, kind: .notAnchored)
            }
            last = AuditHead(sequence: record.sequence, hash: record.hash)
            count += 1
            return nil
        }

        /// After the last record: the log must end where its head says, and reach every anchor.
        public func finish(head: AuditHead) -> AuditBreak? {
            if last.sequence < head.sequence { return AuditBreak(sequence: last.sequence + 1, kind: .missing) }
            if last.sequence > head.sequence { return AuditBreak(sequence: head.sequence + 1, kind: .unlinked) }
            if let beyond = anchors.keys.filter({ $0 > last.sequence }).min() { return AuditBreak(sequence: beyond, kind: .missing) }
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
