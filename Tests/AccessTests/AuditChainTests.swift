import Access
import Foundation
import Secrets
import Testing

struct AuditChainTests {
    let start = Date(timeIntervalSince1970: 1_740_816_000.123)
    let staff = try! StaffNumber("1001")
    let key = SecretKey(bytes: [UInt8](repeating: 7, count: 32))!

    @Test func canonicalEncodingAndHashMatchTheDocumentedGoldenVector() throws {
        let entry = try AuditEntry(actor: .staff(staff), action: .staffSignedIn, target: "1001",
                                   details: ["terminal": "T-01", "role": "staff"])
        let record = AuditChain.seal(entry, after: .empty, at: start, key: key)
        let expected = #"{"action":"staff.signIn","actor":"1001","at":"2025-03-01T08:00:00.123Z","details":{"role":"staff","terminal":"T-01"},"previousHash":"0000000000000000000000000000000000000000000000000000000000000000","sequence":1,"target":"1001"}"#
        #expect(String(decoding: AuditChain.canonicalEncoding(record, includingHash: false), as: UTF8.self) == expected)
        // Python: hmac.new(bytes([7] * 32), expected.encode(), hashlib.sha256).hexdigest()
        #expect(record.hash == "94efdecfea018b23ca32398c233a4d59f96ca59b6e3445919ed2c721eb14fed7")
        #expect(record.jsonLine == expected.replacingOccurrences(
            of: #","previousHash""#, with: #","hash":"94efdecfea018b23ca32398c233a4d59f96ca59b6e3445919ed2c721eb14fed7","previousHash""#))
        // Before the chain was keyed: hashlib.sha256(expected.encode()).hexdigest()
        #expect(AuditChain.unkeyedHash(of: record) == "2c6f715fa4836dac99e54ba0fb5d96cd1cf16716fea4a9540a1ab9ed12530cde")
        #expect(record.detailValues == ["terminal": "T-01", "role": "staff"])
    }

    @Test func stringsAreEscapedLikeRFC8785() throws {
        let entry = try AuditEntry(actor: .system, action: AuditAction("form.changed"),
                                   target: "a\"b\\c\u{08}\t\n\u{0C}\r\u{01}\u{1F}/é办",
                                   details: ["b": "2", "a": "1", "B": "0", "a.b": "3"])
        let record = AuditChain.seal(entry, after: .empty, at: start, key: key)
        let text = String(decoding: AuditChain.canonicalEncoding(record, includingHash: false), as: UTF8.self)
        #expect(text.contains(#""target":"a\"b\\c\b\t\n\f\r\u0001\u001f/é办"}"#))
        #expect(text.contains(#""details":{"B":"0","a":"1","a.b":"3","b":"2"}"#))
        // Untyped on purpose: the test is that the hand-written line is JSON any parser reads back.
        let json = try JSONSerialization.jsonObject(with: Data(record.jsonLine.utf8)) as? [String: Any]
        #expect(json?["target"] as? String == entry.target)
    }

    @Test(arguments: [(Int64(0), "1970-01-01T00:00:00.000Z"), (-1, "1969-12-31T23:59:59.999Z"),
                      (951_782_400_000, "2000-02-29T00:00:00.000Z"), (4_102_444_799_999, "2099-12-31T23:59:59.999Z"),
                      (-62_135_596_800_000, "0001-01-01T00:00:00.000Z")])
    func timesAreUTCWithMilliseconds(_ milliseconds: Int64, _ text: String) {
        #expect(AuditChain.iso8601(milliseconds: milliseconds) == text)
    }

    @Test func refusesUnmaskedIDNumbersAndOddNames() throws {
        #expect(throws: AccessError(.auditPersonalData)) {
            try AuditEntry(actor: .citizen, action: AuditAction("booking.created"), details: ["id": "11010519491231002X"])
        }
        #expect(throws: AccessError(.auditPersonalData)) {
            try AuditEntry(actor: .citizen, action: AuditAction("booking.created"), target: "110105491231002")
        }
        #expect(throws: Never.self) {
            try AuditEntry(actor: .citizen, action: AuditAction("booking.created"),
                           target: "SZ01-20250301-0001", details: ["id": "110105********002X", "phone": "13800138000"])
        }
        #expect(throws: AccessError(.auditInvalidField)) { try AuditEntry(actor: .system, action: AuditAction("")) }
        #expect(throws: AccessError(.auditInvalidField)) { try AuditEntry(actor: .system, action: AuditAction("a b")) }
        #expect(throws: AccessError(.auditInvalidField)) {
            try AuditEntry(actor: .system, action: AuditAction("x"), details: ["名字": "v"])
        }
    }

    func chain(_ count: Int) throws -> [AuditRecord] {
        var records: [AuditRecord] = []
        var head = AuditHead.empty
        for index in 1...count {
            let record = AuditChain.seal(
                try AuditEntry(actor: .staff(staff), action: AuditAction("override.skipStep"), target: "session-\(index)"),
                after: head, at: start + Double(index), key: key)
            records.append(record)
            head = AuditHead(sequence: record.sequence, hash: record.hash)
        }
        return records
    }

    func head(_ records: [AuditRecord]) -> AuditHead {
        AuditHead(sequence: records.last?.sequence ?? 0, hash: records.last?.hash ?? AuditChain.genesisHash)
    }

    @Test func anIntactChainVerifies() throws {
        let records = try chain(5)
        #expect(records.map(\.sequence) == [1, 2, 3, 4, 5])
        #expect(records[1].previousHash == records[0].hash)
        #expect(AuditChain.verify(key: key, records, head: head(records)) == nil)
        #expect(AuditChain.verify(key: key, [], head: .empty) == nil)
    }

    @Test func findsTheFirstChangedMissingOrMovedRecord() throws {
        let records = try chain(5)
        let head = head(records)
        var edited = records
        let third = records[2]
        edited[2] = AuditRecord(sequence: 3, milliseconds: third.milliseconds, actor: "1002", action: third.action,
                                target: third.target, details: third.details, previousHash: third.previousHash, hash: third.hash)
        #expect(AuditChain.verify(key: key, edited, head: head) == AuditBreak(sequence: 3, kind: .changed))

        var deleted = records
        deleted.remove(at: 1)
        #expect(AuditChain.verify(key: key, deleted, head: head) == AuditBreak(sequence: 2, kind: .missing))
        #expect(AuditChain.verify(key: key, records.dropLast(2), head: head) == AuditBreak(sequence: 4, kind: .missing))

        var swapped = records
        swapped.swapAt(2, 3)
        #expect(AuditChain.verify(key: key, swapped, head: head) == AuditBreak(sequence: 3, kind: .missing))

        // Renumbered to swap places: the sequence number is hashed.
        let renumbered = [records[0], records[1], Self.renumber(records[3], 3), Self.renumber(records[2], 4), records[4]]
        #expect(AuditChain.verify(key: key, renumbered, head: head) == AuditBreak(sequence: 3, kind: .changed))

        // A record sealed after another head, slipped in: intact in itself, linked to the wrong place.
        let forged = AuditChain.seal(try AuditEntry(actor: .system, action: AuditAction("x")), after: AuditHead(sequence: 2, hash: records[0].hash),
                                     at: start, key: key)
        #expect(AuditChain.verify(key: key, [records[0], records[1], forged], head: head) == AuditBreak(sequence: 3, kind: .unlinked))

        #expect(AuditChain.verify(key: key, records, head: AuditHead(sequence: 5, hash: records[3].hash)) == AuditBreak(sequence: 5, kind: .changed))
        #expect(AuditChain.verify(key: key, records, head: AuditHead(sequence: 4, hash: records[3].hash)) == AuditBreak(sequence: 5, kind: .unlinked))
    }

    /// Whoever has only the records (a copy of the database) rewrites one and recomputes the
    /// chain the documented way, unkeyed or with a key of their own: the first rewritten record
    /// does not verify under the terminal's key.
    @Test func aRechainWithoutTheKeyIsFound() throws {
        let records = try chain(4)
        for mac in [{ (record: AuditRecord) in AuditChain.unkeyedHash(of: record) },
                    { (record: AuditRecord) in AuditChain.mac(of: record, key: .random()) }] {
            var previous = AuditChain.genesisHash
            var rewritten: [AuditRecord] = []
            for record in records {
                let target = record.sequence == 2 ? "session-9" : record.target
                let relinked = AuditRecord(sequence: record.sequence, milliseconds: record.milliseconds, actor: record.actor,
                                           action: record.action, target: target, details: record.details, previousHash: previous, hash: "")
                let hash = mac(relinked)
                rewritten.append(AuditRecord(sequence: record.sequence, milliseconds: record.milliseconds, actor: record.actor,
                                             action: record.action, target: target, details: record.details, previousHash: previous, hash: hash))
                previous = hash
            }
            #expect(AuditChain.verify(key: key, rewritten, head: AuditHead(sequence: 4, hash: previous)) == AuditBreak(sequence: 1, kind: .changed))
        }
    }

    /// With the key the rewrite is consistent, but not with an anchor taken before it.
    @Test func anAnchorTakenEarlierFindsARechainWithTheKey() throws {
        let records = try chain(5)
        let anchor = AuditHead(sequence: 3, hash: records[2].hash)
        #expect(AuditHead(anchor: anchor.description) == anchor)
        #expect(AuditChain.verify(key: key, records, head: head(records), anchors: [anchor]) == nil)
        var previous = AuditChain.genesisHash
        var rewritten: [AuditRecord] = []
        for record in records {
            let edited = AuditRecord(sequence: record.sequence, milliseconds: record.milliseconds, actor: record.actor, action: record.action,
                                     target: record.sequence == 2 ? "session-9" : record.target, details: record.details,
                                     previousHash: "", hash: "")
            let sealed = AuditChain.reseal(edited, after: previous, key: key)
            rewritten.append(sealed)
            previous = sealed.hash
        }
        let newHead = AuditHead(sequence: 5, hash: previous)
        #expect(AuditChain.verify(key: key, rewritten, head: newHead) == nil)
        #expect(AuditChain.verify(key: key, rewritten, head: newHead, anchors: [anchor]) == AuditBreak(sequence: 3, kind: .notAnchored))
        // An anchor beyond the log's end: records were removed since.
        #expect(AuditChain.verify(key: key, records.dropLast(2), head: AuditHead(sequence: 3, hash: records[2].hash),
                                  anchors: [AuditHead(sequence: 5, hash: records[4].hash)]) == AuditBreak(sequence: 5, kind: .missing))
        for text in ["3", "3:", "x:" + records[2].hash, "0:" + records[2].hash, "3:" + records[2].hash.uppercased(), "3:abc"] {
            #expect(AuditHead(anchor: text) == nil, "\(text)")
        }
    }

    static func renumber(_ record: AuditRecord, _ sequence: Int64) -> AuditRecord {
        AuditRecord(sequence: sequence, milliseconds: record.milliseconds, actor: record.actor, action: record.action,
                    target: record.target, details: record.details, previousHash: record.previousHash, hash: record.hash)
    }
}
