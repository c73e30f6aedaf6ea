import Booking
import Filings
import Foundation
import GRDB

extension Migrations {
    static func registerHelpRequests(_ migrator: inout DatabaseMigrator) {
        // Calls for a member of staff (首问负责) and printed policy sheets, for the desks and the
        // monthly report. Neither holds a citizen's data: terminal, session, screen, staff numbers.
        migrator.registerMigration("v13-help-requests") { db in
            try db.execute(sql: """
                CREATE TABLE help_request (
                    id text PRIMARY KEY,
                    terminal_id text NOT NULL,
                    raised_on text NOT NULL,
                    open integer NOT NULL,
                    document text NOT NULL)
                """)
            // One open call per terminal: pressing the button again cannot add another.
            try db.execute(sql: "CREATE UNIQUE INDEX help_request_one_open ON help_request (terminal_id) WHERE open = 1")
            try db.execute(sql: "CREATE INDEX help_request_raised_on ON help_request (raised_on)")
            try db.execute(sql: """
                CREATE TABLE policy_print (
                    id integer PRIMARY KEY AUTOINCREMENT,
                    policy_id text NOT NULL,
                    terminal_id text NOT NULL,
                    printed_on text NOT NULL)
                """)
            try db.execute(sql: "CREATE INDEX policy_print_printed_on ON policy_print (printed_on)")
        }
    }
}

extension Migrations {
    /// What `kiosk db copy` has put into the district store, so `kiosk serve` refuses district mode
    /// while a call, a print or a filing's lifecycle is left behind (as it does for bookings), and a
    /// key of its own for each print: its row id starts again after a restore or in a file made
    /// anew, and the district took a new print with an id it had copied for that one
    /// (v26-policy-print-copied-key).
    /// `copied` is 1 once the district holds the row, 0 while it does not, NULL for a row recorded
    /// before these marks: whether an earlier copy took it is not known here, and refusing to start
    /// over it would stop every terminal that copied and switched before this upgrade.
    static func registerDistrictCopyMarks(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v20-district-copy-marks") { db in
            try db.execute(sql: "ALTER TABLE help_request ADD COLUMN copied integer DEFAULT 0")
            try db.execute(sql: "UPDATE help_request SET copied = NULL")
            try db.execute(sql: """
                CREATE TABLE policy_print_keyed (
                    id integer PRIMARY KEY AUTOINCREMENT,
                    policy_id text NOT NULL,
                    terminal_id text NOT NULL,
                    printed_on text NOT NULL,
                    print_key text NOT NULL UNIQUE DEFAULT (lower(hex(randomblob(16)))),
                    copied integer DEFAULT 0)
                """)
            // An earlier copy marked these rows with their row id in the district; v26 keys them
            // there as here, with what else the print says, so a row another print took the id
            // of since (after a restore) is told apart unless it is the same sheet on the same day.
            try db.execute(sql: """
                INSERT INTO policy_print_keyed (id, policy_id, terminal_id, printed_on, print_key, copied)
                SELECT id, policy_id, terminal_id, printed_on, id || '/' || policy_id || '/' || printed_on, NULL FROM policy_print
                """)
            try db.execute(sql: "DROP TABLE policy_print")
            try db.execute(sql: "ALTER TABLE policy_print_keyed RENAME TO policy_print")
            try db.execute(sql: "CREATE INDEX policy_print_printed_on ON policy_print (printed_on)")
            // A filing's lifecycle is kept here only on a terminal of its own (in district mode the
            // district keeps it): each new record waits here until a copy puts it into the district.
            // The records from before are not listed, as the calls and prints above.
            try db.execute(sql: "CREATE TABLE lifecycle_not_copied (reference text PRIMARY KEY)")
            try db.execute(sql: """
                CREATE TRIGGER lifecycle_record_not_copied AFTER INSERT ON lifecycle_record
                BEGIN INSERT OR IGNORE INTO lifecycle_not_copied (reference) VALUES (NEW.reference); END
                """)
        }
    }
}

/// Help requests and policy-sheet prints in the terminal's own file; days are the hall's.
public struct HelpRequestStore: HelpRequestLedger {
    let store: SQLiteStore
    let timeZone: TimeZone

    public init(store: SQLiteStore, timeZone: TimeZone) {
        self.store = store
        self.timeZone = timeZone
    }

    public func raise(_ request: HelpRequest) async throws -> (request: HelpRequest, created: Bool) {
        let day = LocalDate(containing: request.raisedAt, in: timeZone).description
        return try await store.pool.write { db in
            if let document = try String.fetchOne(db, sql: "SELECT document FROM help_request WHERE terminal_id = ? AND open = 1",
                                                  arguments: [request.terminalId]) {
                var open = try Self.decode(document)
                open.calledAgain(sessionId: request.sessionId, screen: request.screen, formId: request.formId, stepId: request.stepId)
                try Self.save(db, open)
                return (open, false)
            }
            try db.execute(sql: "INSERT INTO help_request (id, terminal_id, raised_on, open, document) VALUES (?, ?, ?, 1, ?)",
                           arguments: [request.id, request.terminalId, day, try Self.encode(request)])
            return (request, true)
        }
    }

    public func open(terminalId: String?) async throws -> [HelpRequest] {
        try await store.pool.read { db in
            let documents = if let terminalId {
                try String.fetchAll(db, sql: "SELECT document FROM help_request WHERE open = 1 AND terminal_id = ?", arguments: [terminalId])
            } else {
                try String.fetchAll(db, sql: "SELECT document FROM help_request WHERE open = 1")
            }
            return try documents.map(Self.decode).sorted { $0.raisedAt < $1.raisedAt }
        }
    }

    public func request(_ id: String) async throws -> HelpRequest? {
        try await store.pool.read { db in
            try String.fetchOne(db, sql: "SELECT document FROM help_request WHERE id = ?", arguments: [id]).map(Self.decode)
        }
    }

    public func update(_ id: String, _ change: @escaping @Sendable (inout HelpRequest) throws -> Void) async throws -> HelpRequest {
        try await store.pool.write { db in
            guard let document = try String.fetchOne(db, sql: "SELECT document FROM help_request WHERE id = ?", arguments: [id]) else {
                throw HelpRefusal(.helpRequestNotFound)
            }
            var request = try Self.decode(document)
            try change(&request)
            try Self.save(db, request)
            return request
        }
    }

    /// The calls raised on the days of `month` (the monthly report).
    public func raised(in month: ReportMonth) async throws -> [HelpRequest] {
        try await store.pool.read { db in
            try String.fetchAll(db, sql: "SELECT document FROM help_request WHERE raised_on BETWEEN ? AND ?",
                                arguments: [month.first.description, month.last.description]).map(Self.decode)
        }
    }

    public func recordPolicyPrints(_ policyIds: [String], terminalId: String, at now: Date) async throws {
        let day = LocalDate(containing: now, in: timeZone).description
        try await store.pool.write { db in
            for id in policyIds {
                try db.execute(sql: "INSERT INTO policy_print (policy_id, terminal_id, printed_on) VALUES (?, ?, ?)",
                               arguments: [id, terminalId, day])
            }
        }
    }

    /// Sheets printed on the days of `month`, per policy, most printed first.
    public func policyPrints(in month: ReportMonth) async throws -> [PolicyPrintCount] {
        try await store.pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT policy_id, count(*) FROM policy_print WHERE printed_on BETWEEN ? AND ?
                GROUP BY policy_id ORDER BY count(*) DESC, policy_id
                """, arguments: [month.first.description, month.last.description])
                .map { PolicyPrintCount(policyId: $0[0], prints: $0[1]) }
        }
    }

    /// A call changed since its copy is no longer as the district holds it: `copied` goes back to 0
    /// until `kiosk db copy` carries it (a close) or finds the district's own changes standing.
    static func save(_ db: Database, _ request: HelpRequest) throws {
        try db.execute(sql: "UPDATE help_request SET open = ?, document = ?, copied = 0 WHERE id = ?",
                       arguments: [request.state == .closed ? 0 : 1, try encode(request), request.id])
    }

    public static func encode(_ request: HelpRequest) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(request), as: UTF8.self)
    }

    public static func decode(_ document: String) throws -> HelpRequest {
        try JSONDecoder().decode(HelpRequest.self, from: Data(document.utf8))
    }
}
