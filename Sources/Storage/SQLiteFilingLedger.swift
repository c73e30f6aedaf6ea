import Booking
import Filings
import FormEngine
import Foundation
import GRDB
import KioskCore
import Secrets

extension Migrations {
    /// The filing lifecycle (issue 16): the same tables as the district store's.
    static func registerLifecycle(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v9-lifecycle") { db in
            for statement in LifecycleSchema.statements(.sqlite) { try db.execute(sql: statement) }
        }
        // The role `supervisor` (督查督办): staff accounts checked their role against a list that
        // did not have it. SQLite cannot change a CHECK in place: the table is made again from its
        // own definition with the longer list, and its rows and indexes moved over (foreign keys
        // are checked once the migration is done).
        migrator.registerMigration("v10-supervisor-role") { db in
            let old = "role IN ('staff', 'technician', 'admin')"
            guard let definition = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'staff_account'"),
                  definition.contains(old) else { throw StorageError.migrationFailed("staff_account has no role check to extend") }
            let indexes = try String.fetchAll(db, sql: """
                SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'staff_account' AND sql IS NOT NULL
                """)
            let renamed = definition.replacingOccurrences(of: old, with: "role IN ('staff', 'technician', 'admin', 'supervisor')")
                .replacingOccurrences(of: "CREATE TABLE \"staff_account\"", with: "CREATE TABLE \"staff_account_next\"")
            try db.execute(sql: renamed)
            try db.execute(sql: "INSERT INTO staff_account_next SELECT * FROM staff_account")
            try db.execute(sql: "DROP TABLE staff_account")
            try db.execute(sql: "ALTER TABLE staff_account_next RENAME TO staff_account")
            for index in indexes { try db.execute(sql: index) }
        }
    }
}

extension Migrations {
    /// The desks' and the monthly report's figures on a million filings (`kiosk bench lifecycle`).
    static func registerLifecycleFigures(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v16-lifecycle-desk-indexes") { db in
            for statement in LifecycleSchema.deskIndexes(.sqlite) { try db.execute(sql: statement) }
        }
        migrator.registerMigration("v17-lifecycle-month-count") { db in
            for statement in MonthlySummary.statements(.sqlite) { try db.execute(sql: statement) }
        }
        migrator.registerMigration("v18-lifecycle-deadline-count") { db in
            for statement in DeadlineSummary.statements(.sqlite) { try db.execute(sql: statement) }
        }
        migrator.registerMigration("v19-lifecycle-unread-indexes") { db in
            for statement in LifecycleSchema.droppingUnreadIndexes { try db.execute(sql: statement) }
        }
    }
}

/// The lifecycle of this terminal's filings in its own SQLite file (a terminal that is not part
/// of a district). Records are sealed like filings; the rows the desks read hold no personal data.
public struct SQLiteFilingLedger: FilingLedger {
    public let store: SQLiteStore
    public let lifecycle: FilingLifecycle

    public init(store: SQLiteStore, lifecycle: FilingLifecycle) {
        self.store = store
        self.lifecycle = lifecycle
    }

    public func idHash(_ idNumber: ResidentIDNumber) async throws -> Data { store.idHasher().hash(idNumber) }

    public func record(_ reference: String) async throws -> FilingRecord? {
        let sealer = store.sealer
        return try await store.pool.read { db in try Self.load(db, reference, sealer: sealer) }
    }

    public func apply(_ command: LifecycleCommand, to reference: String, by actor: LifecycleActor, at now: Date) async throws
        -> LifecycleTransition {
        let sealer = store.sealer
        let lifecycle = lifecycle
        return try await store.pool.write { db in
            guard let record = try Self.load(db, reference, sealer: sealer) else { throw LifecycleRefusal(.filingNotFound) }
            let transition = try lifecycle.apply(command, to: record, by: actor, at: now)
            if !transition.events.isEmpty || transition.record != record {
                try Self.save(db, transition, sealer: sealer, calendar: lifecycle.calendar)
            }
            return transition
        }
    }

    /// Records none of which is stored yet (with the events that made them), in one
    /// transaction of multi-row INSERTs: how `kiosk bench lifecycle` fills a store.
    public func insert(_ transitions: [LifecycleTransition]) async throws {
        let sealer = store.sealer
        let calendar = lifecycle.calendar
        try await store.pool.write { db in
            guard let last = try Self.fetch(db, LifecycleSQL.nextChanges(transitions.count)).first?.first?.int else {
                throw LifecycleRefusal(.invalidRecord)
            }
            let items = try transitions.map { transition in
                (record: transition.record, events: transition.events,
                 document: sealer.seal(try LifecycleSQL.encode(transition.record), context: Self.context(transition.record.reference)))
            }
            for statement in LifecycleSQL.insertMany(items.map { ($0.record, $0.document, $0.events) },
                                                     firstChange: Int64(last - transitions.count + 1), calendar: calendar) {
                try Self.execute(db, statement)
            }
        }
    }

    /// Runs `statements` in one transaction and returns each one's rows: how `kiosk bench
    /// lifecycle` copies filings in bulk (statements of its own, not the lifecycle's).
    public func runInBulk(_ statements: [SQLStatement]) async throws -> [[[SQLValue]]] {
        try await store.pool.write { db in try statements.map { try Self.fetch(db, $0) } }
    }

    public func records(idHash: Data, limit: Int) async throws -> [FilingRecord] {
        let sealer = store.sealer
        return try await store.pool.read { db in
            try Self.fetch(db, LifecycleSQL.records(idHash: idHash, limit: limit)).compactMap { row in
                guard row.count == 2, let reference = row[0].text, let sealed = row[1].data else { return nil }
                return try LifecycleSQL.decode(try sealer.open(sealed, context: Self.context(reference)))
            }
        }
    }

    public func queue(departmentID: String?, states: [FilingState], today: LocalDate, limit: Int) async throws -> [CaseSummary] {
        try await store.pool.read { db in
            LifecycleSQL.queueRows(try Self.fetch(db, LifecycleSQL.queue(departmentID: departmentID, states: states, limit: limit)),
                                   today: today)
        }
    }

    public func reminders(departmentID: String?, today: LocalDate, limit: Int) async throws -> [DeferralItem] {
        try await store.pool.read { db in
            LifecycleSQL.deferralRows(try Self.fetch(db, LifecycleSQL.reminders(departmentID: departmentID, today: today, limit: limit)),
                                      today: today)
        }
    }

    public func supervisionDesk(_ filter: DeskFilter, today: LocalDate, limit: Int) async throws -> SupervisionDesk {
        let rules = lifecycle.rules
        let statements = LifecycleSQL.Desk.statements(filter, today: today, limit: limit, rules: rules, dialect: .sqlite)
        let results = try await store.pool.read { db in try statements.map { try Self.fetch(db, $0) } }
        return LifecycleSQL.Desk.assemble(results, today: today, rules: rules)
    }

    public func monthlyReport(_ month: ReportMonth, filter: DeskFilter, today: LocalDate, generatedAt: Date) async throws
        -> MonthlyReport {
        let statements = LifecycleSQL.Report.all(month, filter: filter, today: today)
        let results = try await store.pool.read { db in try statements.map { try Self.fetch(db, $0) } }
        var report = LifecycleSQL.Report.assemble(results, month: month, filter: filter, today: today, scope: "terminal",
                                                  generatedAt: generatedAt)
        // The terminal's calls for staff and printed policy sheets belong to no department or
        // matter: they are in the whole terminal's report only.
        if filter.departmentID == nil && filter.formID == nil {
            let help = HelpRequestStore(store: store, timeZone: lifecycle.timeZone)
            report.help = HelpFigures(try await help.raised(in: month))
            report.policyPrints = try await help.policyPrints(in: month)
        }
        return report
    }

    public func sweepCandidates(today: LocalDate, limit: Int) async throws -> [String] {
        try await store.pool.read { db in
            try Self.fetch(db, LifecycleSQL.sweepCandidates(today: today, limit: limit)).compactMap { $0.first?.text }
        }
    }

    public func departmentChanges(_ departmentID: String, after cursor: Int64, limit: Int) async throws -> [DepartmentChange] {
        try await store.pool.read { db in
            LifecycleSQL.departmentChangeRows(try Self.fetch(db, LifecycleSQL.departmentChanges(departmentID, after: cursor, limit: limit)))
        }
    }

    /// Read with GRDB's async read, as every other read here: a blocking read would hold a
    /// thread of the cooperative pool (the webhook pusher's departments side by side hung on it).
    public func filing(_ reference: String) async throws -> Filing? {
        let sealer = store.sealer
        return try await store.pool.read { db in try SQLiteStore.filing(db, reference: reference, sealer: sealer) }
    }

    // MARK: In a transaction

    static func context(_ reference: String) -> String { "lifecycle:" + reference }

    static func load(_ db: Database, _ reference: String, sealer: Sealer) throws -> FilingRecord? {
        guard let sealed = try fetch(db, LifecycleSQL.loadRecord(reference, dialect: .sqlite, forUpdate: false)).first?.first?.data
        else { return nil }
        return try LifecycleSQL.decode(try sealer.open(sealed, context: context(reference)))
    }

    /// Saves a transition with the next change number; the record's document is sealed.
    static func save(_ db: Database, _ transition: LifecycleTransition, sealer: Sealer, calendar: OfficialCalendar) throws {
        guard let change = try fetch(db, LifecycleSQL.nextChange).first?.first?.int else { throw LifecycleRefusal(.invalidRecord) }
        let document = sealer.seal(try LifecycleSQL.encode(transition.record), context: context(transition.record.reference))
        for statement in LifecycleSQL.save(transition.record, document: document, events: transition.events, change: Int64(change),
                                           calendar: calendar) {
            try execute(db, statement)
        }
    }

    static func execute(_ db: Database, _ statement: SQLStatement) throws {
        try db.execute(sql: statement.sql, arguments: StatementArguments(statement.arguments.map(\.databaseValue)))
    }

    static func fetch(_ db: Database, _ statement: SQLStatement) throws -> [[SQLValue]] {
        try Row.fetchAll(db, sql: statement.sql, arguments: StatementArguments(statement.arguments.map(\.databaseValue))).map { row in
            (0..<row.count).map { SQLValue(row[$0] as DatabaseValue) }
        }
    }
}

extension SQLValue {
    var databaseValue: DatabaseValue {
        switch self {
        case .text(let text): text.databaseValue
        case .integer(let number): number.databaseValue
        case .real(let number): number.databaseValue
        case .blob(let data): data.databaseValue
        case .null: .null
        }
    }

    init(_ value: DatabaseValue) {
        switch value.storage {
        case .null: self = .null
        case .int64(let number): self = .integer(number)
        case .double(let number): self = .real(number)
        case .string(let text): self = .text(text)
        case .blob(let data): self = .blob(data)
        }
    }
}

extension SQLiteStore {
    /// Records a new filing as `recordFiling` does and opens its lifecycle (`open` makes the
    /// record from the stored filing), in one transaction.
    public func recordFiling(site: String, day: String, build: @escaping @Sendable (String) throws -> Filing,
                             open: @escaping @Sendable (Filing) -> LifecycleTransition, calendar: OfficialCalendar) async throws -> Filing {
        let sealer = sealer
        return try await pool.write { db in
            let filing = try Self.recordFiling(db, site: site, day: day, sealer: sealer, build: build)
            try SQLiteFilingLedger.save(db, open(filing), sealer: sealer, calendar: calendar)
            return filing
        }
    }

    /// Replaces a returned filing with its correction (`build` is given the next version) and
    /// applies the resubmission to its lifecycle, in one transaction; a correction the
    /// lifecycle refuses leaves both as they were.
    public func resubmitFiling(reference: String, build: @escaping @Sendable (Int) throws -> Filing, lifecycle: FilingLifecycle,
                               now: Date) async throws -> Filing {
        let sealer = sealer
        return try await pool.write { db in
            guard let record = try SQLiteFilingLedger.load(db, reference, sealer: sealer) else { throw LifecycleRefusal(.filingNotFound) }
            let filing = try build(record.version + 1)
            let transition = try lifecycle.apply(.resubmit(filing), to: record, by: .citizen, at: now)
            try Self.storeFilingDocument(db, filing, sealer: sealer)
            try SQLiteFilingLedger.save(db, transition, sealer: sealer, calendar: lifecycle.calendar)
            return filing
        }
    }

    /// Stores (or replaces) a filing's sealed document under its reference.
    static func storeFilingDocument(_ db: Database, _ filing: Filing, sealer: Sealer) throws {
        try db.execute(
            sql: """
                INSERT INTO filing (reference, formID, formVersion, submittedAt, document) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (reference) DO UPDATE SET formVersion = excluded.formVersion, submittedAt = excluded.submittedAt,
                    document = excluded.document
                """,
            arguments: [filing.reference, filing.formID, filing.formVersion, filing.submittedAt,
                        sealer.seal(try encoder().encode(filing), context: "filing:" + filing.reference)])
    }
}

extension SQLiteStore {
    /// District mode: a correction kept on the terminal (it replaces the version before it) and
    /// queued for the district, where its lifecycle takes it; one transaction, like a new filing.
    public func recordCorrectionForDistrict(_ filing: Filing, now: Date) async throws {
        let sealer = sealer
        try await pool.write { db in
            try Self.storeFilingDocument(db, filing, sealer: sealer)
            try Self.enqueue(db, .filing, key: "filing:\(filing.reference):v\(filing.filingVersion)",
                             payload: try Self.encoder().encode(filing), sealer: sealer, now: now)
        }
    }

    /// Retention: the answers of every filing taken before `cutoff` leave this file — the filing
    /// document, its outbox copies and its printed papers — leaving no remnant in the file or
    /// its log. Taken means: by the district store (district mode: every outbox copy of it sent),
    /// else by a window (its lifecycle acknowledged: received, accepted or returned). What stays
    /// is the lifecycle record, which names nobody. Returns how many filings were removed.
    @discardableResult
    public func forgetFilings(takenBefore cutoff: Date, districtMode: Bool) throws -> Int {
        let removed = try pool.write { db -> Int in
            var references: [String] = []
            if districtMode {
                var sent: [String: (all: Bool, last: Double)] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT idempotency_key, sent_at FROM outbox WHERE kind = 'filing'") {
                    let key: String = row[0]
                    let reference = String(key.dropFirst("filing:".count).split(separator: ":").first ?? "")
                    let sentAt: Double? = row[1]
                    let previous = sent[reference] ?? (true, 0)
                    sent[reference] = (previous.all && sentAt != nil, max(previous.last, sentAt ?? .infinity))
                }
                references = sent.filter { $0.value.all && $0.value.last < cutoff.timeIntervalSince1970 }.map(\.key).sorted()
                for reference in references {
                    try db.execute(sql: "DELETE FROM outbox WHERE kind = 'filing' AND (idempotency_key = ? OR idempotency_key LIKE ?)",
                                   arguments: ["filing:" + reference, "filing:" + reference + ":v%"])
                }
            } else {
                references = try String.fetchAll(db, sql: """
                    SELECT f.reference FROM filing f JOIN lifecycle_record r ON r.reference = f.reference
                    WHERE r.acknowledged_at IS NOT NULL AND r.acknowledged_at < ?
                    """, arguments: [cutoff.timeIntervalSince1970])
            }
            for reference in references {
                try db.execute(sql: "DELETE FROM filing WHERE reference = ?", arguments: [reference])
                try db.execute(sql: "DELETE FROM print_job WHERE reference = ?", arguments: [reference])
            }
            return references.count
        }
        if removed > 0 { try wipeRemnants() }
        return removed
    }
}
