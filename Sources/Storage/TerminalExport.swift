import Filings
import Foundation
import GRDB
import KioskCore
import Secrets

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
        /// The terminal-scoped prefix the district knows it by, once it is there (see `v21-district-copy-queue-marks`).
        public let districtPrefix: String?
        /// Called, served, sent away or transferred here since the district got it (v23).
        public let changedSinceCopy: Bool

        /// This ticket, now in the district store under `prefix`.
        public func copied(as prefix: String) -> CopiedTicket {
            CopiedTicket(id: id, districtPrefix: prefix, state: state, serviceID: serviceID, callCount: callCount)
        }
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
    /// A call for staff as the terminal keeps it (no citizen's data: see `HelpRequest`).
    public struct HelpRequestRow: Sendable {
        public let id, terminalID, raisedOn: String
        public let open: Bool
        public let document: String
    }
    /// A printed policy sheet; `key` is its own (see `v20-district-copy-marks`), which the
    /// district keeps as the mark that it was copied.
    public struct PolicyPrintRow: Sendable {
        public let key, policyID, terminalID, printedOn: String
    }

    public let slots: [SlotRow]
    public let bookings: [BookingRow]
    public let idempotencyKeys: [KeyRow]
    public let tickets: [TicketRow]
    public let ratings: [RatingRow]
    public let filings: [FilingRow]
    /// Each filing's lifecycle (states, clock, 容缺, rating, follow-up) with the events that made
    /// it, the applicant hashed with the district's key and the document no longer sealed, as
    /// the district keeps the records terminals send.
    public let lifecycle: [LifecycleSQL.NewRecord]
    public let helpRequests: [HelpRequestRow]
    public let policyPrints: [PolicyPrintRow]
}

/// A ticket the district store holds, by its id in the terminal's file, as it was copied.
public struct CopiedTicket: Sendable, Equatable {
    public let id: Int64
    /// The terminal-scoped prefix the district holds it under.
    public let districtPrefix: String
    public let state, serviceID: String
    public let callCount: Int
}

/// How many rows of each kind a terminal's file holds that the district store lacks.
public struct NotCopiedToDistrict: Sendable, Equatable {
    public var bookings, helpRequests, policyPrints: Int
    /// Filings whose lifecycle (states, clock, history) the district lacks.
    public var filings: Int
    public var tickets, ratings, idempotencyKeys: Int

    public init(bookings: Int, helpRequests: Int, policyPrints: Int, filings: Int = 0, tickets: Int = 0, ratings: Int = 0,
                idempotencyKeys: Int = 0) {
        self.bookings = bookings
        self.helpRequests = helpRequests
        self.policyPrints = policyPrints
        self.filings = filings
        self.tickets = tickets
        self.ratings = ratings
        self.idempotencyKeys = idempotencyKeys
    }

    public var isEmpty: Bool { self == NotCopiedToDistrict(bookings: 0, helpRequests: 0, policyPrints: 0) }
}

extension Migrations {
    /// What `kiosk db copy` has put into the district store of the queue (v20 marked calls, prints
    /// and lifecycles), so `kiosk serve` refuses district mode while a ticket, a rating or an answer
    /// kept for retries is left behind. `copied` is 1 once the district holds the row (or the outbox
    /// carries it: an offline ticket of a terminal in district mode), 0 while it does not, NULL for
    /// a row recorded before these marks (as in v20). A ticket's `district_prefix` is the
    /// terminal-scoped prefix the district knows it by (`A@T01`), given by its first copy or by
    /// the outbox: a copy after the terminal was renamed finds it under that prefix and does not
    /// add it again under the new name.
    static func registerDistrictCopyQueueMarks(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v21-district-copy-queue-marks") { db in
            for table in ["queue_ticket", "rating", "idempotency_key"] {
                try db.execute(sql: "ALTER TABLE \(table) ADD COLUMN copied integer DEFAULT 0")
                try db.execute(sql: "UPDATE \(table) SET copied = NULL")
            }
            try db.execute(sql: "ALTER TABLE queue_ticket ADD COLUMN district_prefix text")
        }
    }

    /// Which change of a booking the district store holds (its `sequence` when copied): a booking
    /// cancelled, moved or checked in here after its copy is then uncopied again, so the next copy
    /// carries the change and `kiosk serve` refuses district mode until it has (the district would
    /// otherwise keep the place and the citizen's quota of a cancelled booking). NULL for a copy
    /// from before this mark, not counted, as in v20.
    static func registerDistrictCopiedSequence(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v22-district-copied-sequence") { db in
            try db.execute(sql: "ALTER TABLE district_copied ADD COLUMN sequence integer")
        }
    }

    /// A ticket called, served, sent away or transferred here after its copy is uncopied again,
    /// as a booking is (v22): the next copy carries the change, and `kiosk serve` refuses district
    /// mode until it has (the district would otherwise keep the ticket waiting, and staff there
    /// call a citizen already served). Only this terminal's own queue changes a ticket: in
    /// district mode calls are the district's, and its offline tickets are only issued here.
    static func registerTicketChangedSinceCopy(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v23-ticket-changed-since-copy") { db in
            try db.execute(sql: """
                CREATE TRIGGER queue_ticket_changed_since_copy
                AFTER UPDATE OF state, service_id, counter, called_at, call_count ON queue_ticket WHEN OLD.copied = 1
                BEGIN UPDATE queue_ticket SET copied = 0 WHERE id = NEW.id; END
                """)
        }
    }
}

extension SQLiteStore {
    /// Everything to copy, with each booking's ID hash moved from this terminal's key to the
    /// district's (found again from the masked number, see `IDRecovery`): every terminal of a
    /// district then hashes a citizen alike, whatever key it booked with on its own. Filings are
    /// opened; the district store keeps them as it keeps the ones terminals send.
    public func exportForDistrict(districtKey: SecretKey) async throws -> TerminalExport {
        let sealer = sealer
        let terminalKey = keys.idHashing
        let district = HMACIDHasher(key: districtKey)
        return try await pool.read { db in
            var found: [Data: Data] = [:]
            var unmatched = 0
            let lastYear = IDRecovery.currentYear
            let bookings: [TerminalExport.BookingRow] = try Row.fetchAll(db, sql: "SELECT * FROM booking ORDER BY created_at").map {
                let hash: Data = $0["id_hash"], masked: String = $0["id_masked"]
                if found[hash] == nil {
                    found[hash] = IDRecovery.number(hash: hash, masked: masked, key: terminalKey, through: lastYear).map(district.hash)
                }
                if found[hash] == nil { unmatched += 1 }
                return .init(id: $0["id"], code: $0["code"], slotID: $0["slot_id"], serviceID: $0["service_id"], date: $0["date"],
                             start: $0["start"], end: $0["end"], idHash: found[hash] ?? hash, idMasked: masked, status: $0["status"],
                             sequence: $0["sequence"], createdAt: $0["created_at"], updatedAt: $0["updated_at"], onDayOff: $0["on_day_off"])
            }
            guard unmatched == 0 else { throw StorageError.copyRefused(Self.notThisTerminalsKey(unmatched)) }
            func districtHash(_ hash: Data, masked: String?) -> Data? {
                if found[hash] == nil, let masked {
                    found[hash] = IDRecovery.number(hash: hash, masked: masked, key: terminalKey, through: lastYear).map(district.hash)
                }
                return found[hash]
            }
            let events = Dictionary(grouping: try Row.fetchAll(db, sql: "SELECT * FROM lifecycle_event ORDER BY id").map(Self.event),
                                    by: \.reference)
            var unmatchedFilings = 0
            let lifecycle: [LifecycleSQL.NewRecord] = try Row.fetchAll(db, sql: "SELECT reference, document FROM lifecycle_record ORDER BY change_seq")
                .map { row in
                    let reference: String = row["reference"]
                    var record = try LifecycleSQL.decode(try sealer.open(row["document"], context: "lifecycle:" + reference))
                    if let hash = record.idHash {
                        if let moved = districtHash(hash, masked: record.idMasked) { record = record.rehashed(moved) } else { unmatchedFilings += 1 }
                    }
                    return (record: record, document: try LifecycleSQL.encode(record), events: events[reference] ?? [])
                }
            guard unmatchedFilings == 0 else { throw StorageError.copyRefused(Self.filingsNotThisTerminalsKey(unmatchedFilings)) }
            return TerminalExport(
                slots: try Row.fetchAll(db, sql: "SELECT slot_id, service_id, capacity FROM slot_capacity").map {
                    .init(slotID: $0["slot_id"], serviceID: $0["service_id"], capacity: $0["capacity"])
                },
                bookings: bookings,
                idempotencyKeys: try Row.fetchAll(db, sql: "SELECT * FROM idempotency_key").map {
                    .init(key: $0["key"], operation: $0["operation"], fingerprint: $0["fingerprint"], response: $0["response"],
                          createdAt: $0["created_at"])
                },
                tickets: try Row.fetchAll(db, sql: """
                    SELECT *, coalesce(copied = 0 AND district_prefix IS NOT NULL, 0) AS changed_since_copy FROM queue_ticket ORDER BY id
                    """).map {
                    .init(id: $0["id"], date: $0["date"], prefix: $0["prefix"], sequence: $0["sequence"], number: $0["number"],
                          serviceID: $0["service_id"], priority: $0["priority"], queuedAt: $0["queued_at"], state: $0["state"],
                          counter: $0["counter"], calledAt: $0["called_at"], callCount: $0["call_count"], bookingID: $0["booking_id"],
                          districtPrefix: $0["district_prefix"], changedSinceCopy: $0["changed_since_copy"])
                },
                ratings: try Row.fetchAll(db, sql: "SELECT * FROM rating ORDER BY id").map {
                    .init(ticketID: $0["ticket_id"], serviceID: $0["service_id"], counter: $0["counter"], score: $0["score"],
                          reasons: $0["reasons"], createdAt: $0["created_at"])
                },
                filings: try Row.fetchAll(db, sql: "SELECT * FROM filing ORDER BY submittedAt, reference").map {
                    let reference: String = $0["reference"]
                    return .init(reference: reference, formID: $0["formID"], formVersion: $0["formVersion"],
                                 submittedAt: $0["submittedAt"], document: try sealer.open($0["document"], context: "filing:" + reference))
                },
                lifecycle: lifecycle,
                helpRequests: try Row.fetchAll(db, sql: "SELECT * FROM help_request ORDER BY raised_on, id").map {
                    .init(id: $0["id"], terminalID: $0["terminal_id"], raisedOn: $0["raised_on"], open: $0["open"], document: $0["document"])
                },
                policyPrints: try Row.fetchAll(db, sql: "SELECT * FROM policy_print ORDER BY id").map {
                    .init(key: $0["print_key"], policyID: $0["policy_id"], terminalID: $0["terminal_id"], printedOn: $0["printed_on"])
                })
        }
    }

    /// Records that the district store now holds these bookings, calls, prints (by key), filings'
    /// lifecycles, tickets (as copied), ratings (by their ticket's local id) and idempotency keys.
    /// A ticket changed here while the copy ran stays uncopied, for the next copy.
    public func markCopied(bookings: [String: Int], helpRequestIDs: [String], policyPrintKeys: [String], lifecycleReferences: [String],
                           tickets: [CopiedTicket] = [], ratedTicketIDs: [Int64] = [], idempotencyKeys: [String] = [],
                           now: Date) async throws {
        try await pool.write { db in
            for ticket in tickets {
                // The prefix in any case: the district holds the ticket under it from now on.
                try db.execute(sql: """
                    UPDATE queue_ticket SET district_prefix = ?,
                        copied = CASE WHEN state = ? AND service_id = ? AND call_count = ? THEN 1 ELSE 0 END
                    WHERE id = ?
                    """, arguments: [ticket.districtPrefix, ticket.state, ticket.serviceID, ticket.callCount, ticket.id])
            }
            for id in ratedTicketIDs {
                try db.execute(sql: "UPDATE rating SET copied = 1 WHERE ticket_id = ?", arguments: [id])
            }
            for key in idempotencyKeys {
                try db.execute(sql: "UPDATE idempotency_key SET copied = 1 WHERE key = ?", arguments: [key])
            }
            for (id, sequence) in bookings {
                try db.execute(sql: """
                    INSERT INTO district_copied (booking_id, copied_at, sequence) VALUES (?, ?, ?)
                    ON CONFLICT (booking_id) DO UPDATE SET copied_at = excluded.copied_at, sequence = excluded.sequence
                    """, arguments: [id, now.timeIntervalSince1970, sequence])
            }
            for id in helpRequestIDs {
                try db.execute(sql: "UPDATE help_request SET copied = 1 WHERE id = ?", arguments: [id])
            }
            for key in policyPrintKeys {
                try db.execute(sql: "UPDATE policy_print SET copied = 1 WHERE print_key = ?", arguments: [key])
            }
            for reference in lifecycleReferences {
                try db.execute(sql: "DELETE FROM lifecycle_not_copied WHERE reference = ?", arguments: [reference])
            }
        }
    }

    /// What of this file `kiosk db copy` has not put into a district store (a booking changed here
    /// since its copy counts): started in district mode, the terminal would never show it again.
    /// Rows recorded before copies were marked (v20-district-copy-marks, v21-district-copy-queue-marks,
    /// v22-district-copied-sequence) are not counted, a ticket changed since its copy is (v23); nor are
    /// a terminal's offline tickets in district mode, which its outbox carries (`issueOfflineTicket`).
    public func notCopiedToDistrict() async throws -> NotCopiedToDistrict {
        try await pool.read { db in
            let row = try Row.fetchOne(db, sql: """
                SELECT (SELECT count(*) FROM booking b LEFT JOIN district_copied d ON d.booking_id = b.id
                        WHERE d.booking_id IS NULL OR d.sequence < b.sequence),
                       (SELECT count(*) FROM help_request WHERE copied = 0),
                       (SELECT count(*) FROM policy_print WHERE copied = 0),
                       (SELECT count(*) FROM lifecycle_not_copied JOIN lifecycle_record USING (reference)),
                       (SELECT count(*) FROM queue_ticket WHERE copied = 0),
                       (SELECT count(*) FROM rating WHERE copied = 0),
                       (SELECT count(*) FROM idempotency_key WHERE copied = 0)
                """)!
            return NotCopiedToDistrict(bookings: row[0], helpRequests: row[1], policyPrints: row[2], filings: row[3], tickets: row[4],
                                       ratings: row[5], idempotencyKeys: row[6])
        }
    }

    /// One row of `lifecycle_event`, as `LifecycleSQL.save` wrote it.
    static func event(_ row: Row) throws -> LifecycleEvent {
        let codes: String = row["codes"]
        guard let kind = LifecycleEvent.Kind(rawValue: row["kind"]) else { throw LifecycleRefusal(.invalidRecord) }
        return LifecycleEvent(reference: row["reference"], part: row["part"], version: row["version"], kind: kind,
                              from: (row["from_state"] as String?).flatMap(FilingState.init(rawValue:)),
                              to: (row["to_state"] as String?).flatMap(FilingState.init(rawValue:)),
                              actor: try LifecycleActor(kind: row["actor_kind"], id: row["actor_id"]),
                              at: Date(timeIntervalSince1970: row["at"]),
                              codes: codes.isEmpty ? [] : codes.split(separator: ",", omittingEmptySubsequences: false).map(String.init))
    }

    static func filingsNotThisTerminalsKey(_ count: Int) -> LocalizedText {
        .init(zh: "有 \(count) 件办件的申请人身份证号哈希不是用本机 terminal.key 生成的，无法转换为区域密钥；未复制任何数据",
              en: "\(count) filings' applicants are not hashed with this terminal's terminal.key, so they cannot be moved to the "
                + "district's key; nothing was copied")
    }

    static func notThisTerminalsKey(_ count: Int) -> LocalizedText {
        .init(zh: "有 \(count) 条预约的身份证号哈希不是用本机 terminal.key 生成的，无法转换为区域密钥；未复制任何数据",
              en: "\(count) bookings are not hashed with this terminal's terminal.key, so they cannot be moved to the district's key; "
                + "nothing was copied")
    }
}
