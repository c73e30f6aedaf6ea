import Booking
import Foundation
import GRDB

extension Migrations {
    static func registerHallDisplay(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v14-hall-display") { db in
            // The queue's changes for the call display (叫号屏), numbered in commit order (one
            // writer; AUTOINCREMENT never reuses a number) for replay after a reconnect.
            try db.execute(sql: """
                CREATE TABLE queue_event (
                    id integer PRIMARY KEY AUTOINCREMENT,
                    kind text NOT NULL,
                    ticket_id integer NOT NULL,
                    number text NOT NULL,
                    service_id text NOT NULL,
                    counter text,
                    at double NOT NULL)
                """)
            // The call displays' read-only tokens: a MAC only, under a key kept outside this file.
            try db.execute(sql: """
                CREATE TABLE display_token (
                    id text PRIMARY KEY,
                    key_mac blob NOT NULL,
                    created_at double NOT NULL,
                    revoked_at double)
                """)
        }
    }
}

extension QueueEvent {
    init(row: Row) throws {
        guard let kind = Kind(rawValue: row["kind"]) else {
            throw StorageError.unavailable(path: "queue_event", reason: "unreadable value in queue_event")
        }
        self.init(id: row["id"], kind: kind, ticketID: row["ticket_id"], number: row["number"], serviceID: row["service_id"],
                  counter: row["counter"], at: Date(timeIntervalSince1970: row["at"]))
    }
}

extension SQLiteBookingStore: QueueEventLog {
    /// Records `kind` for `ticket` in the transaction that changed it.
    func record(_ kind: QueueEvent.Kind, _ ticket: Ticket, counter: String?, now: Date, _ db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO queue_event (kind, ticket_id, number, service_id, counter, at) VALUES (?, ?, ?, ?, ?, ?)
            """).execute(arguments: [kind.rawValue, ticket.id, ticket.number, ticket.serviceID, counter,
                                     now.timeIntervalSince1970])
    }

    public func queueEvents(after id: Int64, limit: Int) async throws -> [QueueEvent] {
        try await database.pool.read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM queue_event WHERE id > ? ORDER BY id LIMIT ?"),
                             arguments: [id, limit]).map(QueueEvent.init(row:))
        }
    }

    public func lastQueueEventID() async throws -> Int64 {
        // The table's own counter (AUTOINCREMENT's), not max(id): the sweep may have deleted every row.
        try await database.pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'queue_event'") ?? 0
        }
    }
}
