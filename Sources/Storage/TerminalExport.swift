import Foundation
import GRDB

/// Everything of a terminal's SQLite file that belongs in the district store, read in one
/// snapshot for `kiosk db copy`. Rows keep the columns they have in both schemas.
public struct TerminalExport: Sendable {
    public struct SlotRow: Sendable { public let slotID, serviceID: String; public let capacity: Int }
    public struct BookingRow: Sendable {
        public let id, code, slotID, serviceID, date: String
        public let start, end: Double
        public let idHash: Data
        public let idMasked, status: String
        public let sequence: Int
        public let createdAt, updatedAt: Double
        public let onDayOff: Bool
    }
    public struct KeyRow: Sendable {
        public let key, operation: String
        public let fingerprint, response: Data
        public let createdAt: Double
    }
    public struct TicketRow: Sendable {
        public let id: Int64
        public let date, prefix: String
        public let sequence: Int
        public let number, serviceID, priority: String
        public let queuedAt: Double
        public let state: String
        public let counter: String?
        public let calledAt: Double?
        public let callCount: Int
        public let bookingID: String?
    }
    public struct RatingRow: Sendable {
        public let ticketID: Int64
        public let serviceID, counter: String
        public let score: Int
        public let reasons: String
        public let createdAt: Double
    }
    public struct FilingRow: Sendable {
        public let reference, formID: String
        public let formVersion: Int
        public let submittedAt: Date
        public let document: Data
    }

    /// The key of the terminal's ID-number hashes.
    public let secret: Data
    public let slots: [SlotRow]
    public let bookings: [BookingRow]
    public let idempotencyKeys: [KeyRow]
    public let tickets: [TicketRow]
    public let ratings: [RatingRow]
    public let filings: [FilingRow]
}

extension SQLiteStore {
    public func exportForDistrict() async throws -> TerminalExport {
        try await pool.read { db in
            guard let secret = try Data.fetchOne(db, sql: "SELECT secret FROM installation WHERE id = 1") else {
                throw StorageError.migrationFailed("the installation secret is missing; run kiosk db migrate")
            }
            return TerminalExport(
                secret: secret,
                slots: try Row.fetchAll(db, sql: "SELECT slot_id, service_id, capacity FROM slot_capacity").map {
                    .init(slotID: $0["slot_id"], serviceID: $0["service_id"], capacity: $0["capacity"])
                },
                bookings: try Row.fetchAll(db, sql: "SELECT * FROM booking ORDER BY created_at").map {
                    .init(id: $0["id"], code: $0["code"], slotID: $0["slot_id"], serviceID: $0["service_id"], date: $0["date"],
                          start: $0["start"], end: $0["end"], idHash: $0["id_hash"], idMasked: $0["id_masked"], status: $0["status"],
                          sequence: $0["sequence"], createdAt: $0["created_at"], updatedAt: $0["updated_at"], onDayOff: $0["on_day_off"])
                },
                idempotencyKeys: try Row.fetchAll(db, sql: "SELECT * FROM idempotency_key").map {
                    .init(key: $0["key"], operation: $0["operation"], fingerprint: $0["fingerprint"], response: $0["response"],
                          createdAt: $0["created_at"])
                },
                tickets: try Row.fetchAll(db, sql: "SELECT * FROM queue_ticket ORDER BY id").map {
                    .init(id: $0["id"], date: $0["date"], prefix: $0["prefix"], sequence: $0["sequence"], number: $0["number"],
                          serviceID: $0["service_id"], priority: $0["priority"], queuedAt: $0["queued_at"], state: $0["state"],
                          counter: $0["counter"], calledAt: $0["called_at"], callCount: $0["call_count"], bookingID: $0["booking_id"])
                },
                ratings: try Row.fetchAll(db, sql: "SELECT * FROM rating ORDER BY id").map {
                    .init(ticketID: $0["ticket_id"], serviceID: $0["service_id"], counter: $0["counter"], score: $0["score"],
                          reasons: $0["reasons"], createdAt: $0["created_at"])
                },
                filings: try Row.fetchAll(db, sql: "SELECT * FROM filing ORDER BY submittedAt, reference").map {
                    .init(reference: $0["reference"], formID: $0["formID"], formVersion: $0["formVersion"],
                          submittedAt: $0["submittedAt"], document: $0["document"])
                })
        }
    }
}
