import Booking
import Filings
import FormEngine
import Foundation
import KioskCore
import Logging
import PostgresNIO
import Storage

/// The lifecycle of the district's filings in its PostgreSQL: a filing made at one hall is
/// accepted, looked up and rated at another. The same statements as the terminal's store
/// (`LifecycleSQL`), with the record read `FOR UPDATE` so two halls acting on one filing take
/// turns, and the change counter's row lock ordering the commits.
public struct PostgresFilingLedger: FilingLedger {
    let database: PostgresStore
    public let lifecycle: FilingLifecycle
    private let keys: DistrictKeys

    /// Keys applicants' ID numbers with the district's key (the same for bookings), resolved on
    /// first use as the booking store does.
    public init(store: PostgresStore, lifecycle: FilingLifecycle, districtHasher: @escaping @Sendable () async throws -> any IDHasher) {
        database = store
        self.lifecycle = lifecycle
        keys = DistrictKeys(resolve: districtHasher)
    }

    var logger: Logger { database.logger }

    public func idHash(_ idNumber: ResidentIDNumber) async throws -> Data {
        do {
            return try await keys.hasher().hash(idNumber)
        } catch let error as any KioskError {
            throw error
        } catch {
            throw PostgresStore.unavailable(error, location: database.location)
        }
    }

    public func record(_ reference: String) async throws -> FilingRecord? {
        try await read { c in try await Self.load(c, reference, forUpdate: false, logger: logger) }
    }

    public func apply(_ command: LifecycleCommand, to reference: String, by actor: LifecycleActor, at now: Date) async throws
        -> LifecycleTransition {
        let lifecycle = lifecycle
        return try await write { c in
            guard let record = try await Self.load(c, reference, forUpdate: true, logger: logger) else {
                throw LifecycleRefusal(.filingNotFound)
            }
            let transition = try lifecycle.apply(command, to: record, by: actor, at: now)
            if !transition.events.isEmpty || transition.record != record {
                try await Self.save(c, transition, calendar: lifecycle.calendar, logger: logger)
            }
            return transition
        }
    }

    /// Records none of which is stored yet (with the events that made them), in one
    /// transaction of multi-row INSERTs: how `kiosk bench lifecycle` fills the district store.
    public func insert(_ transitions: [LifecycleTransition]) async throws {
        let calendar = lifecycle.calendar
        let items = try transitions.map { (record: $0.record, document: try LifecycleSQL.encode($0.record), events: $0.events) }
        try await write { c in
            guard let last = try await Self.fetch(c, LifecycleSQL.nextChanges(items.count), logger: logger).first?.first?.int else {
                throw LifecycleRefusal(.invalidRecord)
            }
            for statement in LifecycleSQL.insertMany(items, firstChange: Int64(last - items.count + 1), calendar: calendar) {
                try await c.query(try Self.query(statement), logger: logger)
            }
        }
    }

    public func records(idHash: Data, limit: Int) async throws -> [FilingRecord] {
        try await read { c in
            try await Self.fetch(c, LifecycleSQL.records(idHash: idHash, limit: limit), logger: logger).compactMap { row in
                try row.last?.data.map { try LifecycleSQL.decode($0) }
            }
        }
    }

    public func queue(departmentID: String?, states: [FilingState], today: LocalDate, limit: Int) async throws -> [CaseSummary] {
        let statement = LifecycleSQL.queue(departmentID: departmentID, states: states, limit: limit)
        return LifecycleSQL.queueRows(try await read { c in try await Self.fetch(c, statement, logger: logger) }, today: today)
    }

    public func reminders(departmentID: String?, today: LocalDate, limit: Int) async throws -> [DeferralItem] {
        let statement = LifecycleSQL.reminders(departmentID: departmentID, today: today, limit: limit)
        return LifecycleSQL.deferralRows(try await read { c in try await Self.fetch(c, statement, logger: logger) }, today: today)
    }

    public func supervisionDesk(_ filter: DeskFilter, today: LocalDate, limit: Int) async throws -> SupervisionDesk {
        let statements = LifecycleSQL.Desk.statements(filter, today: today, limit: limit, rules: lifecycle.rules)
        return LifecycleSQL.Desk.assemble(try await fetchAll(statements), today: today, rules: lifecycle.rules)
    }

    public func monthlyReport(_ month: ReportMonth, filter: DeskFilter, today: LocalDate, generatedAt: Date) async throws
        -> MonthlyReport {
        let results = try await fetchAll(LifecycleSQL.Report.all(month, filter: filter, today: today))
        var report = LifecycleSQL.Report.assemble(results, month: month, filter: filter, today: today, scope: "district",
                                                  generatedAt: generatedAt)
        // As on a terminal: calls for staff and printed policy sheets are in the unfiltered
        // report only, here those of every hall of the district.
        if filter.departmentID == nil && filter.formID == nil {
            report.help = HelpFigures(try await PostgresHelpRequestLedger.raised(in: month, store: database))
            report.policyPrints = try await PostgresHelpRequestLedger.policyPrints(in: month, store: database)
        }
        return report
    }

    public func sweepCandidates(today: LocalDate, limit: Int) async throws -> [String] {
        let statement = LifecycleSQL.sweepCandidates(today: today, limit: limit)
        return try await read { c in try await Self.fetch(c, statement, logger: logger) }.compactMap { $0.first?.text }
    }

    public func departmentChanges(_ departmentID: String, after cursor: Int64, limit: Int) async throws -> [DepartmentChange] {
        let statement = LifecycleSQL.departmentChanges(departmentID, after: cursor, limit: limit)
        return LifecycleSQL.departmentChangeRows(try await read { c in try await Self.fetch(c, statement, logger: logger) })
    }

    public func filing(_ reference: String) async throws -> Filing? {
        let document = try await read { c in
            try await c.query("SELECT document FROM filing WHERE reference = \(reference)", logger: logger)
                .collect().first?.decode(Data.self)
        }
        return try document.map { try Self.filingDecoder.decode(Filing.self, from: $0) }
    }

    /// A filing sent from a terminal's outbox: stored (a correction replaces the version before
    /// it) and its lifecycle opened or resubmitted, in one transaction. A filing the district
    /// already has at this version is left as it is: a resent record changes nothing. True when
    /// it was new.
    @discardableResult
    public func receive(_ filing: Filing, document: Data, terminalID: String, hall: String, applicant: ResidentIDNumber?,
                        at now: Date) async throws -> Bool {
        var applicantHash: Data?
        if let applicant { applicantHash = try await idHash(applicant) }
        let idHash = applicantHash
        let lifecycle = lifecycle
        return try await write { c in
            let stored = try await c.query("SELECT form_version FROM filing WHERE reference = \(filing.reference) FOR UPDATE",
                                           logger: logger).collect().count == 1
            let record = try await Self.load(c, filing.reference, forUpdate: true, logger: logger)
            if let record, record.version >= filing.filingVersion { return false }
            if stored {
                try await c.query("""
                    UPDATE filing SET form_version = \(filing.formVersion), submitted_at = \(filing.submittedAt.timeIntervalSince1970),
                        document = \(document) WHERE reference = \(filing.reference)
                    """, logger: logger)
            } else {
                try await c.query("""
                    INSERT INTO filing (reference, terminal_id, form_id, form_version, submitted_at, document)
                    VALUES (\(filing.reference), \(terminalID), \(filing.formID), \(filing.formVersion),
                            \(filing.submittedAt.timeIntervalSince1970), \(document))
                    """, logger: logger)
            }
            let transition: LifecycleTransition
            if let record {
                transition = try lifecycle.apply(.resubmit(filing), to: record, by: .citizen, at: now)
            } else {
                transition = lifecycle.open(filing, hall: hall, terminal: terminalID, idHash: idHash, idMasked: applicant?.masked)
            }
            try await Self.save(c, transition, calendar: lifecycle.calendar, logger: logger)
            return true
        }
    }

    /// Filings travel as the terminals store them (ISO 8601 instants).
    static var filingDecoder: JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }

    // MARK: Connections

    private func read<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await database.run(inTransaction: false, passing: LifecycleRefusal.self, body)
    }

    private func write<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await database.run(passing: LifecycleRefusal.self, body)
    }

    private func fetchAll(_ statements: [SQLStatement]) async throws -> [[[SQLValue]]] {
        let logger = logger
        return try await read { c in
            var results: [[[SQLValue]]] = []
            for statement in statements { results.append(try await Self.fetch(c, statement, logger: logger)) }
            return results
        }
    }

    static func load(_ c: PostgresConnection, _ reference: String, forUpdate: Bool, logger: Logger) async throws -> FilingRecord? {
        let rows = try await fetch(c, LifecycleSQL.loadRecord(reference, dialect: .postgres, forUpdate: forUpdate), logger: logger)
        return try rows.first?.first?.data.map { try LifecycleSQL.decode($0) }
    }

    static func save(_ c: PostgresConnection, _ transition: LifecycleTransition, calendar: OfficialCalendar, logger: Logger) async throws {
        guard let change = try await fetch(c, LifecycleSQL.nextChange, logger: logger).first?.first?.int else {
            throw LifecycleRefusal(.invalidRecord)
        }
        let document = try LifecycleSQL.encode(transition.record)
        for statement in LifecycleSQL.save(transition.record, document: document, events: transition.events, change: Int64(change),
                                           calendar: calendar) {
            try await c.query(try query(statement), logger: logger)
        }
    }

    static func fetch(_ c: PostgresConnection, _ statement: SQLStatement, logger: Logger) async throws -> [[SQLValue]] {
        try await c.query(try query(statement), logger: logger).collect().map { row in row.map(SQLValue.init) }
    }

    /// `?` placeholders numbered `$1`… (the statements hold no `?` of their own), values bound.
    static func query(_ statement: SQLStatement) throws -> PostgresQuery {
        var sql = ""
        var number = 0
        for character in statement.sql {
            if character == "?" {
                number += 1
                sql += "$\(number)"
            } else {
                sql.append(character)
            }
        }
        var binds = PostgresBindings(capacity: statement.arguments.count)
        for value in statement.arguments {
            switch value {
            case .text(let text): try binds.append(text)
            case .integer(let number): try binds.append(number)
            case .real(let number): try binds.append(number)
            case .blob(let data): try binds.append(data)
            case .null: binds.appendNull()
            }
        }
        return PostgresQuery(unsafeSQL: sql, binds: binds)
    }
}

extension SQLValue {
    init(_ cell: PostgresCell) {
        guard cell.bytes != nil else {
            self = .null
            return
        }
        switch cell.dataType {
        case .int2, .int4, .int8: self = (try? cell.decode(Int64.self)).map(SQLValue.integer) ?? .null
        case .float4, .float8: self = (try? cell.decode(Double.self)).map(SQLValue.real) ?? .null
        case .bytea: self = (try? cell.decode(Data.self)).map(SQLValue.blob) ?? .null
        case .bool: self = (try? cell.decode(Bool.self)).map { .integer($0 ? 1 : 0) } ?? .null
        default: self = (try? cell.decode(String.self)).map(SQLValue.text) ?? .null
        }
    }
}
