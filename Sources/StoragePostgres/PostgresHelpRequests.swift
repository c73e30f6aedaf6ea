import Booking
import Filings
import Foundation
import Logging
import PostgresNIO
import Storage

/// Help requests and policy-sheet prints in the district's PostgreSQL: a call raised at one
/// terminal is seen and taken on every staff console of the same hall (`siteID`), and by exactly
/// one of them (the row is read `FOR UPDATE`, so two takes take turns and the second is refused
/// by `HelpRequest.take`). Another hall's calls are never read. Every decision is `HelpRequest`'s.
public struct PostgresHelpRequestLedger: HelpRequestLedger {
    let database: PostgresStore
    let siteID: String
    let timeZone: TimeZone

    /// The channel the hall's terminals LISTEN on; the payload is `site kind id origin-terminal`.
    public static let channel = "kiosk_help_event"

    public init(store: PostgresStore, siteID: String, timeZone: TimeZone) {
        database = store
        self.siteID = siteID
        self.timeZone = timeZone
    }

    var logger: Logger { database.logger }

    public func raise(_ request: HelpRequest) async throws -> (request: HelpRequest, created: Bool) {
        let day = LocalDate(containing: request.raisedAt, in: timeZone).description
        let document = try HelpRequestStore.encode(request)
        return try await write { [siteID, logger] c in
            // The partial unique index keeps one open call per terminal, also for two presses at once.
            let inserted = try await c.query("""
                INSERT INTO help_request (id, site_id, terminal_id, raised_on, open, document)
                VALUES (\(request.id), \(siteID), \(request.terminalId), \(day), true, \(document))
                ON CONFLICT (site_id, terminal_id) WHERE open DO NOTHING RETURNING id
                """, logger: logger).collect()
            if !inserted.isEmpty { return (request, true) }
            guard let stored = try await c.query("""
                SELECT document FROM help_request WHERE site_id = \(siteID) AND terminal_id = \(request.terminalId) AND open FOR UPDATE
                """, logger: logger).collect().first?.decode(String.self) else {
                throw HelpRefusal(.helpRequestNotFound)
            }
            var open = try HelpRequestStore.decode(stored)
            open.calledAgain(sessionId: request.sessionId, screen: request.screen, formId: request.formId, stepId: request.stepId)
            try await Self.save(c, open, logger: logger)
            return (open, false)
        }
    }

    public func open(terminalId: String?) async throws -> [HelpRequest] {
        try await read { [siteID, logger] c in
            let rows = if let terminalId {
                try await c.query("SELECT document FROM help_request WHERE open AND site_id = \(siteID) AND terminal_id = \(terminalId)",
                                  logger: logger).collect()
            } else {
                try await c.query("SELECT document FROM help_request WHERE open AND site_id = \(siteID)", logger: logger).collect()
            }
            return try rows.map { try HelpRequestStore.decode(try $0.decode(String.self)) }.sorted { $0.raisedAt < $1.raisedAt }
        }
    }

    public func request(_ id: String) async throws -> HelpRequest? {
        try await read { [siteID, logger] c in
            try await c.query("SELECT document FROM help_request WHERE id = \(id) AND site_id = \(siteID)", logger: logger)
                .collect().first.map { try HelpRequestStore.decode(try $0.decode(String.self)) }
        }
    }

    public func update(_ id: String, _ change: @escaping @Sendable (inout HelpRequest) throws -> Void) async throws -> HelpRequest {
        try await write { [siteID, logger] c in
            guard let document = try await c.query(
                "SELECT document FROM help_request WHERE id = \(id) AND site_id = \(siteID) FOR UPDATE", logger: logger
            ).collect().first?.decode(String.self) else {
                throw HelpRefusal(.helpRequestNotFound)
            }
            var request = try HelpRequestStore.decode(document)
            try change(&request)
            try await Self.save(c, request, logger: logger)
            return request
        }
    }

    public func recordPolicyPrints(_ policyIds: [String], terminalId: String, at now: Date) async throws {
        let day = LocalDate(containing: now, in: timeZone).description
        try await write { [siteID, logger] c in
            for id in policyIds {
                try await c.query("""
                    INSERT INTO policy_print (policy_id, site_id, terminal_id, printed_on) VALUES (\(id), \(siteID), \(terminalId), \(day))
                    """, logger: logger)
            }
        }
    }

    /// Tells the hall's other terminals that `kind` happened to the call `id` at `origin`.
    public func tellHall(_ kind: String, id: String, origin: String) async throws {
        let payload = [siteID, kind, id, origin].joined(separator: " ")
        try await write { [logger] c in
            try await c.query("SELECT pg_notify(\(Self.channel), \(payload))", logger: logger)
        }
    }

    /// Calls `started` once listening has begun, then `heard(kind, id, origin)` for every call
    /// event of this hall told by any terminal, until the task is cancelled or the connection
    /// fails (it then throws). Events told while not listening are not replayed: the consoles
    /// read the open calls afresh, and the screen asks for its call at the deadline.
    public func listen(started: @escaping @Sendable () async -> Void = {},
                       _ heard: @escaping @Sendable (_ kind: String, _ id: String, _ origin: String) async -> Void) async throws {
        let siteID = siteID
        try await database.client.withConnection { connection in
            try await connection.listen(on: Self.channel) { notifications in
                await started()
                for try await notification in notifications {
                    let parts = notification.payload.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
                    guard parts.count == 4, parts[0] == siteID else { continue }
                    await heard(parts[1], parts[2], parts[3])
                }
            }
        }
    }

    /// The calls raised on the days of `month` in the whole district (the district's monthly report).
    public static func raised(in month: ReportMonth, store: PostgresStore) async throws -> [HelpRequest] {
        try await store.run(inTransaction: false, passing: HelpRefusal.self) { [logger = store.logger] c in
            try await c.query("""
                SELECT document FROM help_request WHERE raised_on BETWEEN \(month.first.description) AND \(month.last.description)
                """, logger: logger).collect().map { try HelpRequestStore.decode(try $0.decode(String.self)) }
        }
    }

    /// Sheets printed in the district on the days of `month`, per policy, most printed first.
    public static func policyPrints(in month: ReportMonth, store: PostgresStore) async throws -> [PolicyPrintCount] {
        try await store.run(inTransaction: false, passing: HelpRefusal.self) { [logger = store.logger] c in
            try await c.query("""
                SELECT policy_id, count(*) FROM policy_print WHERE printed_on BETWEEN \(month.first.description) AND \(month.last.description)
                GROUP BY policy_id ORDER BY count(*) DESC, policy_id
                """, logger: logger).collect().map { row in
                let (policy, prints) = try row.decode((String, Int64).self)
                return PolicyPrintCount(policyId: policy, prints: Int(prints))
            }
        }
    }

    static func save(_ c: PostgresConnection, _ request: HelpRequest, logger: Logger) async throws {
        let document = try HelpRequestStore.encode(request)
        try await c.query("UPDATE help_request SET open = \(request.state != .closed), document = \(document) WHERE id = \(request.id)",
                          logger: logger)
    }

    private func read<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await database.run(inTransaction: false, passing: HelpRefusal.self, body)
    }

    private func write<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await database.run(passing: HelpRefusal.self, body)
    }
}
