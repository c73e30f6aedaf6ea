import Filings
import Foundation
import GRDB
import KioskTesting
import Secrets
import Testing
@testable import Storage

/// What `kiosk db copy` marks in a terminal's file, and what `kiosk serve` counts as left behind.
@Suite("District copy marks in the terminal's file")
struct DistrictCopyMarksTests {
    static let zone = TimeZone(identifier: "Asia/Shanghai")!
    /// 2026-11-20 10:00 in the hall.
    static let november = Date(timeIntervalSince1970: 1_795_140_000)

    /// A file from before the marks (v19) with a call, two prints and a filing, upgraded: each print keeps as
    /// its key what the district's v26 makes of the row id an earlier copy marked it with, and none
    /// counts as left behind (whether a copy took them is not known; refusing would stop every
    /// terminal that copied and switched before the upgrade). What is made since has a key of its
    /// own and counts until a copy marks it.
    @Test func rowsFromBeforeTheMarksKeepTheDistrictsKeyAndWhatIsMadeSinceCountsUntilCopied() async throws {
        let (scratch, store) = try Self.file(migratedUpTo: "v19-lifecycle-unread-indexes")
        defer { withExtendedLifetime(scratch) {} }
        try await store.pool.write { db in
            try db.execute(sql: "INSERT INTO help_request (id, terminal_id, raised_on, open, document) VALUES ('old', 'T01', '2026-11-20', 0, '{}')")
            try db.execute(sql: """
                INSERT INTO policy_print (policy_id, terminal_id, printed_on)
                VALUES ('policy-a', 'T01', '2026-11-20'), ('policy-b', 'T01', '2026-11-20')
                """)
            try Self.insertLifecycleRecord(db, "S01-20261120-0001")
        }
        try store.migrate()
        let keysBefore = try await store.pool.read { db in try String.fetchAll(db, sql: "SELECT print_key FROM policy_print ORDER BY id") }
        #expect(keysBefore == ["1/policy-a/2026-11-20", "2/policy-b/2026-11-20"])
        var left = try await store.notCopiedToDistrict()
        #expect(left == NotCopiedToDistrict(bookings: 0, helpRequests: 0, policyPrints: 0))

        let ledger = HelpRequestStore(store: store, timeZone: Self.zone)
        try await ledger.recordPolicyPrints(["policy-a", "policy-a"], terminalId: "T01", at: Self.november)
        _ = try await ledger.raise(HelpRequest(id: "new", terminalId: "T01", sessionId: nil, screen: "home", raisedAt: Self.november, timeout: 90))
        try await store.pool.write { db in try Self.insertLifecycleRecord(db, "S01-20261120-0002") }
        left = try await store.notCopiedToDistrict()
        #expect(left == NotCopiedToDistrict(bookings: 0, helpRequests: 1, policyPrints: 2, filings: 1))
        let newKeys = try await store.pool.read { db in
            try String.fetchAll(db, sql: "SELECT print_key FROM policy_print WHERE id > 2 ORDER BY id")
        }
        #expect(newKeys.count == 2 && Set(newKeys).count == 2 && newKeys.allSatisfy { $0.count == 32 }, "\(newKeys)")

        try await store.markCopied(bookings: [:], helpRequestIDs: ["new"], policyPrintKeys: [newKeys[0]],
                                   lifecycleReferences: ["S01-20261120-0002"], now: Self.november)
        left = try await store.notCopiedToDistrict()
        #expect(left == NotCopiedToDistrict(bookings: 0, helpRequests: 0, policyPrints: 1, filings: 0))
    }

    /// Bookings copied before the copied change was marked (v21) do not count when changed later
    /// (whether that copy carried the change is not known); a booking copied since counts again once
    /// it changes here (cancelled, moved, checked in), until a copy marks its new change.
    @Test func aBookingChangedSinceItsCopyCountsAgainUntilCopied() async throws {
        let (scratch, store) = try Self.file(migratedUpTo: "v21-district-copy-queue-marks")
        defer { withExtendedLifetime(scratch) {} }
        @Sendable func book(_ id: String) -> String {
            """
            INSERT INTO booking (id, code, slot_id, service_id, date, start, "end", id_hash, id_masked, status, created_at, updated_at)
            VALUES ('\(id)', 'code-\(id)', 's1', 'svc', '2026-11-20', 0, 600, x'00', '110***', 'booked', 0, 0)
            """
        }
        try await store.pool.write { db in
            try db.execute(sql: "INSERT INTO slot_capacity (slot_id, service_id, capacity) VALUES ('s1', 'svc', 3)")
            try db.execute(sql: book("old"))
            try db.execute(sql: "INSERT INTO district_copied (booking_id, copied_at) VALUES ('old', 0)")
        }
        try store.migrate()
        let change = "UPDATE booking SET status = 'cancelled', sequence = sequence + 1 WHERE id = ?"
        try await store.pool.write { db in
            try db.execute(sql: change, arguments: ["old"])
            try db.execute(sql: book("new"))
        }
        var left = try await store.notCopiedToDistrict()
        #expect(left.bookings == 1)
        try await store.markCopied(bookings: ["new": 0], helpRequestIDs: [], policyPrintKeys: [], lifecycleReferences: [], now: Self.november)
        left = try await store.notCopiedToDistrict()
        #expect(left.bookings == 0)
        try await store.pool.write { db in try db.execute(sql: change, arguments: ["new"]) }
        left = try await store.notCopiedToDistrict()
        #expect(left.bookings == 1)
        try await store.markCopied(bookings: ["new": 1], helpRequestIDs: [], policyPrintKeys: [], lifecycleReferences: [], now: Self.november)
        left = try await store.notCopiedToDistrict()
        #expect(left.bookings == 0)
    }

    /// A file from before the queue's marks (v20) with a ticket, its rating and an answer kept for a
    /// retry, upgraded: none counts as left behind (a terminal that copied and switched before the
    /// upgrade still starts in district mode). A ticket, rating and answer made since count until a
    /// copy marks them, the ticket with the prefix the district holds it under.
    @Test func queueRowsFromBeforeTheMarksDoNotCountAndWhatIsMadeSinceCountsUntilCopied() async throws {
        let (scratch, store) = try Self.file(migratedUpTo: "v20-district-copy-marks")
        defer { withExtendedLifetime(scratch) {} }
        _ = try await store.pool.write { db in try Self.insertTicketRatingAndKey(db, sequence: 1) }
        try store.migrate()
        #expect(try await store.notCopiedToDistrict().isEmpty)

        let made = try await store.pool.write { db in try Self.insertTicketRatingAndKey(db, sequence: 2) }
        #expect(try await store.notCopiedToDistrict()
                == NotCopiedToDistrict(bookings: 0, helpRequests: 0, policyPrints: 0, tickets: 1, ratings: 1, idempotencyKeys: 1))
        try await store.markCopied(bookings: [:], helpRequestIDs: [], policyPrintKeys: [], lifecycleReferences: [],
                                   tickets: [Self.copied(made)], ratedTicketIDs: [made], idempotencyKeys: ["r2"], now: Self.november)
        #expect(try await store.notCopiedToDistrict().isEmpty)
        let prefix = try await store.pool.read { db in try String.fetchOne(db, sql: "SELECT district_prefix FROM queue_ticket WHERE id = ?",
                                                                           arguments: [made]) }
        #expect(prefix == "A@T01")
    }

    /// A ticket as `insertTicketRatingAndKey` makes it, copied under `A@T01`.
    static func copied(_ id: Int64, state: String = "finished", callCount: Int = 0) -> CopiedTicket {
        CopiedTicket(id: id, districtPrefix: "A@T01", state: state, serviceID: "hukou", callCount: callCount)
    }

    /// A ticket called or served here after its copy counts again until a copy carries the change
    /// (v23); a copy that read it before the change (the terminal served while it ran) leaves it
    /// counted, with the prefix the district holds it under.
    @Test func aTicketChangedSinceItsCopyCountsAgainUntilCopied() async throws {
        let (scratch, store) = try Self.file(migratedUpTo: "v23-ticket-changed-since-copy")
        defer { withExtendedLifetime(scratch) {} }
        let made = try await store.pool.write { db in try Self.insertTicketRatingAndKey(db, sequence: 1) }
        try await store.markCopied(bookings: [:], helpRequestIDs: [], policyPrintKeys: [], lifecycleReferences: [],
                                   tickets: [Self.copied(made)], ratedTicketIDs: [made], idempotencyKeys: ["r1"], now: Self.november)
        #expect(try await store.notCopiedToDistrict().isEmpty)

        try await store.pool.write { db in
            try db.execute(sql: "UPDATE queue_ticket SET state = 'called', call_count = call_count + 1 WHERE id = ?", arguments: [made])
        }
        #expect(try await store.notCopiedToDistrict().tickets == 1)
        try await store.markCopied(bookings: [:], helpRequestIDs: [], policyPrintKeys: [], lifecycleReferences: [],
                                   tickets: [Self.copied(made)], now: Self.november)
        #expect(try await store.notCopiedToDistrict().tickets == 1)
        try await store.markCopied(bookings: [:], helpRequestIDs: [], policyPrintKeys: [], lifecycleReferences: [],
                                   tickets: [Self.copied(made, state: "called", callCount: 1)], now: Self.november)
        #expect(try await store.notCopiedToDistrict().isEmpty)
    }

    /// A finished ticket, its rating and the answer kept for the rating's retry.
    static func insertTicketRatingAndKey(_ db: Database, sequence: Int) throws -> Int64 {
        try db.execute(sql: """
            INSERT INTO queue_ticket (date, prefix, sequence, number, service_id, priority, queued_at, state)
            VALUES ('2026-11-20', 'A', ?, ?, 'hukou', 'ordinary', 0, 'finished')
            """, arguments: [sequence, "A00\(sequence)"])
        let id = db.lastInsertedRowID
        try db.execute(sql: """
            INSERT INTO rating (ticket_id, service_id, counter, score, reasons, created_at) VALUES (?, 'hukou', 'A01', 5, '', 0)
            """, arguments: [id])
        try db.execute(sql: """
            INSERT INTO idempotency_key (key, operation, fingerprint, response, created_at) VALUES (?, 'rate', x'00', x'00', 0)
            """, arguments: ["r\(sequence)"])
        return id
    }

    /// A filing's lifecycle as the terminal keeps it; what it holds does not matter here.
    /// A terminal's file in a scratch directory (kept while the directory lives), as a kiosk
    /// that stopped at `migration` left it.
    static func file(migratedUpTo migration: String) throws -> (ScratchDirectory, SQLiteStore) {
        let scratch = try ScratchDirectory(prefix: "kiosk-copy-marks")
        let keys = TerminalKeys.random()
        let store = try SQLiteStore(path: scratch.path + "/kiosk.sqlite", keys: keys)
        try Migrations.migrator(keys: keys).migrate(store.pool, upTo: migration)
        return (scratch, store)
    }

    static func insertLifecycleRecord(_ db: Database, _ reference: String) throws {
        try db.execute(sql: """
            INSERT INTO lifecycle_record (reference, version, submitted_at, change_seq, document) VALUES (?, 1, 0, 1, x'00')
            """, arguments: [reference])
    }
}
