import FormEngine
import Foundation
import KioskCore
import GRDB
import Secrets

extension Migrations {
    /// The outbox of a terminal in district mode: what it recorded for the district, in the
    /// order it happened, until the district store has it.
    static func registerOutbox(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v6-outbox") { db in
            try db.create(table: "outbox") { t in
                // AUTOINCREMENT: ids never reused, so the order of ids is the order of events.
                t.autoIncrementedPrimaryKey("id")
                t.column("kind", .text).notNull()
                // The district applies each record once under this key, however often it is sent.
                t.column("idempotency_key", .text).notNull().unique()
                t.column("payload", .blob).notNull()
                t.column("created_at", .double).notNull()
                t.column("attempts", .integer).notNull().defaults(to: 0)
                t.column("sent_at", .double)
                // Set when the district refused the record for good (the code of its refusal):
                // kept for staff, no longer sent.
                t.column("failed_at", .double)
                t.column("failure", .text)
            }
            try db.create(index: "outbox_pending", on: "outbox", columns: ["sent_at", "failed_at", "id"])
        }
    }
}

/// One record waiting for (or delivered to) the district store.
public struct OutboxRecord: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case filing
        case ticket
        case rating
    }

    public let id: Int64
    public let kind: Kind
    public let idempotencyKey: String
    public let payload: Data
    public let createdAt: Date
    public let attempts: Int
}

extension SQLiteStore {
    /// Adds a record to the outbox; a record with the same key is already there and is kept.
    public func enqueue(_ kind: OutboxRecord.Kind, key: String, payload: Data, now: Date) throws {
        let sealer = sealer
        try pool.write { db in try Self.enqueue(db, kind, key: key, payload: payload, sealer: sealer, now: now) }
    }

    /// The payload is sealed (it may be a filing) until it is sent.
    static func enqueue(_ db: Database, _ kind: OutboxRecord.Kind, key: String, payload: Data, sealer: Sealer, now: Date) throws {
        try db.execute(sql: """
            INSERT INTO outbox (kind, idempotency_key, payload, created_at) VALUES (?, ?, ?, ?)
            ON CONFLICT (idempotency_key) DO NOTHING
            """, arguments: [kind.rawValue, key, sealer.seal(payload, context: "outbox:" + key), now.timeIntervalSince1970])
    }

    /// The oldest records still to send (of those after the record `after`), in the order they were made.
    public func pendingOutbox(after: Int64 = 0, limit: Int) async throws -> [OutboxRecord] {
        let sealer = sealer
        return try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT * FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL AND id > ? ORDER BY id LIMIT ?
                """, arguments: [after, limit]).compactMap { row in
                guard let kind = OutboxRecord.Kind(rawValue: row["kind"]) else { return nil }
                let key: String = row["idempotency_key"]
                return OutboxRecord(id: row["id"], kind: kind, idempotencyKey: key,
                                    payload: try sealer.open(row["payload"], context: "outbox:" + key),
                                    createdAt: Date(timeIntervalSince1970: row["created_at"]), attempts: row["attempts"])
            }
        }
    }

    /// The district has every record of `ids`: marked in one transaction.
    public func markSent(_ ids: [Int64], now: Date) async throws {
        try await pool.write { db in
            let statement = try db.cachedStatement(sql: "UPDATE outbox SET sent_at = ?, attempts = attempts + 1 WHERE id = ?")
            for id in ids { try statement.execute(arguments: [now.timeIntervalSince1970, id]) }
        }
    }

    public func markAttempted(_ ids: [Int64]) async throws {
        try await pool.write { db in
            let statement = try db.cachedStatement(sql: "UPDATE outbox SET attempts = attempts + 1 WHERE id = ?")
            for id in ids { try statement.execute(arguments: [id]) }
        }
    }

    /// The district refused the record for good (`failure` is the refusal's code).
    public func markFailed(_ id: Int64, failure: String, now: Date) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE outbox SET failed_at = ?, failure = ?, attempts = attempts + 1 WHERE id = ?",
                           arguments: [now.timeIntervalSince1970, failure, id])
        }
    }

    /// The records still to send, per kind (not those the district refused for good).
    public func pendingOutboxKinds() async throws -> [OutboxRecord.Kind: Int] {
        try await pool.read { db in
            var kinds: [OutboxRecord.Kind: Int] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT kind, count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL GROUP BY kind
                """) {
                if let kind = OutboxRecord.Kind(rawValue: row[0]) { kinds[kind] = row[1] }
            }
            return kinds
        }
    }

    public func outboxBacklog() async throws -> OutboxBacklog {
        try await pool.read { db in
            let row = try Row.fetchOne(db, sql: """
                SELECT count(*) FILTER (WHERE sent_at IS NULL AND failed_at IS NULL) AS pending,
                       count(*) FILTER (WHERE failed_at IS NOT NULL) AS failed,
                       count(*) FILTER (WHERE sent_at IS NOT NULL) AS sent,
                       min(created_at) FILTER (WHERE sent_at IS NULL AND failed_at IS NULL) AS oldest
                FROM outbox
                """)
            let oldest: Double? = row?["oldest"]
            return OutboxBacklog(pending: row?["pending"] ?? 0, failed: row?["failed"] ?? 0, sent: row?["sent"] ?? 0,
                                 oldestPending: oldest.map(Date.init(timeIntervalSince1970:)))
        }
    }

    /// Records a filing as `recordFiling` does and, in the same transaction, puts it in the
    /// outbox for the district: a filing is never kept without being queued, nor queued twice.
    public func recordFilingForDistrict(site: String, day: String, now: Date,
                                        build: @escaping @Sendable (String) throws -> Filing) async throws -> Filing {
        let sealer = sealer
        return try await pool.write { db in try Self.recordFilingForDistrict(db, site: site, day: day, sealer: sealer, now: now, build: build) }
    }

    /// `count` filings recorded and queued as `recordFilingForDistrict` records each, in one
    /// transaction: how `kiosk bench outbox` fills a terminal's outbox in bulk.
    public func recordFilingsForDistrict(_ count: Int, site: String, day: String, now: Date,
                                         build: @escaping @Sendable (String) throws -> Filing) async throws {
        let sealer = sealer
        try await pool.write { db in
            for _ in 0..<count { _ = try Self.recordFilingForDistrict(db, site: site, day: day, sealer: sealer, now: now, build: build) }
        }
    }

    private static func recordFilingForDistrict(_ db: Database, site: String, day: String, sealer: Sealer, now: Date,
                                                build: (String) throws -> Filing) throws -> Filing {
        let filing = try recordFiling(db, site: site, day: day, sealer: sealer, build: build)
        try enqueue(db, .filing, key: "filing:" + filing.reference, payload: try encoder().encode(filing), sealer: sealer, now: now)
        return filing
    }
}

extension SQLiteStore {
    /// Tests only: forgets that the filings `references` were sent, as if the district's
    /// acknowledgement had been lost.
    package func markUnsentForTest(references: [String]) async throws {
        try await pool.write { db in
            for reference in references {
                try db.execute(sql: "UPDATE outbox SET sent_at = NULL WHERE idempotency_key = ?", arguments: ["filing:" + reference])
            }
        }
    }
}
