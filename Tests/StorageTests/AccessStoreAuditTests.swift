import Access
import Foundation
import GRDB
import Storage
import Testing

/// The audit log changed directly in SQLite, by someone who can drop the append-only triggers:
/// `verifyAudit` must name the first record that was changed, removed or reordered.
struct AccessStoreAuditTests {
    static let dropTriggers = "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;"

    func filled(_ count: Int) async throws -> AccessStoreFixture {
        let fixture = try AccessStoreFixture()
        for index in 1...count {
            try await fixture.access.appendAudit(
                try AuditEntry(actor: .staff(fixture.admin), action: .statisticsReset, target: "printer-\(index)",
                               details: ["counter": "paperCuts"]),
                now: fixture.now + Double(index))
        }
        return fixture
    }

    @Test func anUntouchedLogVerifies() async throws {
        let fixture = try await filled(5)
        defer { fixture.remove() }
        let verification = try await fixture.access.verifyAudit()
        #expect(verification.firstBreak == nil)
        #expect(verification.intactRecords == 5)
        #expect(verification.head.sequence == 5)
        let records = try await fixture.access.auditRecords()
        #expect(verification.head.hash == records.last?.hash)
        #expect(records.map(\.previousHash).dropFirst() == records.map(\.hash).dropLast())
        #expect(try await fixture.access.auditRecords(after: 3, limit: 1).map(\.sequence) == [4])
    }

    @Test func kioskItselfCannotUpdateOrDeleteRecords() async throws {
        let fixture = try await filled(2)
        defer { fixture.remove() }
        #expect(throws: DatabaseError.self) { try fixture.tamper("UPDATE audit_log SET actor = 'system' WHERE sequence = 1") }
        #expect(throws: DatabaseError.self) { try fixture.tamper("DELETE FROM audit_log WHERE sequence = 2") }
        #expect(try await fixture.access.verifyAudit().firstBreak == nil)
    }

    @Test(arguments: [
        ("UPDATE audit_log SET target = 'printer-9' WHERE sequence = 3", AuditBreak(sequence: 3, kind: .changed)),
        ("UPDATE audit_log SET details = '{\"counter\":\"goodReads\"}' WHERE sequence = 2", AuditBreak(sequence: 2, kind: .changed)),
        ("UPDATE audit_log SET at_ms = at_ms + 1 WHERE sequence = 4", AuditBreak(sequence: 4, kind: .changed)),
        ("UPDATE audit_log SET action = X'73746166662e7369676e496e' WHERE sequence = 1", AuditBreak(sequence: 1, kind: .changed)),
        ("UPDATE audit_log SET actor = 7 WHERE sequence = 5", AuditBreak(sequence: 5, kind: .changed)),
        ("DELETE FROM audit_log WHERE sequence = 2", AuditBreak(sequence: 2, kind: .missing)),
        ("DELETE FROM audit_log WHERE sequence >= 4", AuditBreak(sequence: 4, kind: .missing)),
        ("DELETE FROM audit_log", AuditBreak(sequence: 1, kind: .missing)),
        // Reordered: records 2 and 4 swap their places by swapping sequence numbers.
        ("UPDATE audit_log SET sequence = -2 WHERE sequence = 2; UPDATE audit_log SET sequence = 2 WHERE sequence = 4; "
            + "UPDATE audit_log SET sequence = 4 WHERE sequence = -2", AuditBreak(sequence: 2, kind: .changed)),
        // Deleted, and the later records renumbered to close the gap.
        ("DELETE FROM audit_log WHERE sequence = 3; UPDATE audit_log SET sequence = sequence - 1 WHERE sequence > 3",
         AuditBreak(sequence: 3, kind: .changed)),
    ])
    func tamperingInSQLiteIsFound(_ sql: String, _ expected: AuditBreak) async throws {
        let fixture = try await filled(5)
        defer { fixture.remove() }
        try fixture.tamper(Self.dropTriggers + sql)
        let verification = try await fixture.access.verifyAudit()
        #expect(verification.firstBreak == expected)
        #expect(verification.intactRecords == Int(expected.sequence) - 1)
    }

    @Test func aRecordCopiedFromElsewhereIsUnlinked() async throws {
        let fixture = try await filled(3)
        defer { fixture.remove() }
        // Record 2 replaced with a record that is intact in itself but was sealed after another head.
        let foreign = AuditChain.seal(try AuditEntry(actor: .system, action: .configurationChanged),
                                      after: AuditHead(sequence: 1, hash: String(repeating: "f", count: 64)), at: fixture.now,
                                      key: fixture.store.keys.auditChain)
        try fixture.tamper(Self.dropTriggers + """
            UPDATE audit_log SET at_ms = \(foreign.milliseconds), actor = '\(foreign.actor)', action = '\(foreign.action)',
              target = '', details = '{}', previous_hash = '\(foreign.previousHash)', hash = '\(foreign.hash)' WHERE sequence = 2
            """)
        #expect(try await fixture.access.verifyAudit().firstBreak == AuditBreak(sequence: 2, kind: .unlinked))
    }

    @Test func exportsJSONLinesInATimeRangeAndAuditsTheExport() async throws {
        let fixture = try await filled(5)
        defer { fixture.remove() }
        let lines = try await fixture.access.exportAudit(from: fixture.now + 2, to: fixture.now + 4, by: .staff(fixture.admin),
                                                        now: fixture.now + 60)
        #expect(lines.count == 2)
        // Untyped on purpose: the export's JSON lines are the format an auditor's tools read.
        let objects = try lines.map { try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
        #expect(objects.map { $0["sequence"] as? Int } == [2, 3])
        #expect(objects.first?["at"] as? String == "2025-03-01T08:00:02.000Z")
        #expect(objects.first?["target"] as? String == "printer-2")
        #expect(objects.first?["actor"] as? String == "A01")
        let records = try await fixture.access.auditRecords()
        #expect(lines.first == records[1].jsonLine)
        #expect(records.last?.action == "audit.exported")
        #expect(records.last?.detailValues == ["from": "2025-03-01T08:00:02Z", "to": "2025-03-01T08:00:04Z", "records": "2"])
        #expect(try await fixture.access.verifyAudit().firstBreak == nil)
    }

    @Test func concurrentAppendsKeepOneChain() async throws {
        let fixture = try AccessStoreFixture()
        defer { fixture.remove() }
        let access = fixture.access
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<40 {
                group.addTask {
                    try await access.appendAudit(try AuditEntry(actor: .system, action: .formChanged, target: "form-\(index)"),
                                                 now: fixture.now)
                }
            }
            try await group.waitForAll()
        }
        let verification = try await access.verifyAudit()
        #expect(verification.firstBreak == nil)
        #expect(verification.intactRecords == 40)
    }
}
