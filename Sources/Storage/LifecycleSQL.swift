import Booking
import Filings
import FormEngine
import Foundation
import KioskCore

/// One value bound to or read from a statement, in the types both databases share.
public enum SQLValue: Sendable, Hashable {
    case text(String)
    case integer(Int64)
    case real(Double)
    case blob(Data)
    case null

    public var text: String? { if case .text(let value) = self { value } else { nil } }
    public var int: Int? {
        switch self {
        case .integer(let value): Int(value)
        case .real(let value): Int(value)
        default: nil
        }
    }
    public var double: Double? {
        switch self {
        case .real(let value): value
        case .integer(let value): Double(value)
        default: nil
        }
    }
    public var data: Data? { if case .blob(let value) = self { value } else { nil } }
    public var date: LocalDate? { text.flatMap { try? LocalDate($0) } }

    init(_ text: String?) { self = text.map(SQLValue.text) ?? .null }
    init(_ number: Int?) { self = number.map { .integer(Int64($0)) } ?? .null }
    init(_ date: LocalDate?) { self = date.map { .text($0.description) } ?? .null }
    init(_ flag: Bool) { self = .integer(flag ? 1 : 0) }
}

/// A statement with `?` placeholders, in the SQL SQLite and PostgreSQL both speak; the
/// PostgreSQL store numbers the placeholders (`$1`…) before sending it.
public struct SQLStatement: Sendable, Hashable {
    public let sql: String
    public let arguments: [SQLValue]

    public init(_ sql: String, _ arguments: [SQLValue] = []) {
        self.sql = sql
        self.arguments = arguments
    }
}

public enum SQLDialect: Sendable {
    case sqlite, postgres
}

/// The tables of the filing lifecycle, the same in the terminal's SQLite file and the
/// district's PostgreSQL: each record as one document (sealed in SQLite) plus the rows the
/// desks, look-ups and reports query. Everything here is SQL; every decision is in `Filings`.
public enum LifecycleSchema {
    public static func statements(_ dialect: SQLDialect) -> [String] {
        let blob = dialect == .sqlite ? "blob" : "bytea"
        let real = "double precision"
        let serial = dialect == .sqlite ? "integer PRIMARY KEY AUTOINCREMENT" : "bigserial PRIMARY KEY"
        let running = "state IN ('accepted', 'inProgress')"
        return [
            // The change sequence: one row, bumped by every saved change in the transaction that
            // saves it. The row lock orders commits, so a reader paging `change_seq` never
            // misses a change committed late with a smaller number (what the department pull needs).
            "CREATE TABLE lifecycle_change (id integer PRIMARY KEY CHECK (id = 1), last bigint NOT NULL)",
            "INSERT INTO lifecycle_change (id, last) VALUES (1, 0)",
            """
            CREATE TABLE lifecycle_record (
                reference text PRIMARY KEY,
                version bigint NOT NULL,
                id_hash \(blob),
                id_masked text,
                submitted_at \(real) NOT NULL,
                acknowledged_at \(real),
                change_seq bigint NOT NULL,
                document \(blob) NOT NULL)
            """,
            "CREATE INDEX lifecycle_record_by_applicant ON lifecycle_record (id_hash, submitted_at)",
            "CREATE INDEX lifecycle_record_by_change ON lifecycle_record (change_seq)",
            """
            CREATE TABLE lifecycle_case (
                reference text NOT NULL,
                part text NOT NULL,
                version bigint NOT NULL,
                form_id text NOT NULL,
                matter_key text NOT NULL,
                matter_zh text NOT NULL,
                matter_en text NOT NULL,
                department_id text NOT NULL,
                department_zh text NOT NULL,
                department_en text NOT NULL,
                hall text NOT NULL,
                terminal text NOT NULL,
                state text NOT NULL,
                submitted_at \(real) NOT NULL,
                first_submitted_on text NOT NULL,
                accepted_on text,
                window_name text,
                staff text,
                due_date text,
                warn_on text,
                provisional bigint NOT NULL,
                returned_on text,
                completed_on text,
                on_time bigint,
                deferred_total bigint NOT NULL,
                deferred_in_time bigint NOT NULL,
                announced text NOT NULL,
                change_seq bigint NOT NULL,
                PRIMARY KEY (reference, part))
            """,
            "CREATE INDEX lifecycle_case_queue ON lifecycle_case (department_id, state, submitted_at)",
            "CREATE INDEX lifecycle_case_queue_all ON lifecycle_case (state, submitted_at)",
            "CREATE INDEX lifecycle_case_deadline ON lifecycle_case (due_date) WHERE \(running)",
            "CREATE INDEX lifecycle_case_deadline_by_department ON lifecycle_case (department_id, due_date) WHERE \(running)",
            "CREATE INDEX lifecycle_case_to_warn ON lifecycle_case (warn_on) WHERE \(running) AND announced = 'none'",
            "CREATE INDEX lifecycle_case_received ON lifecycle_case (first_submitted_on)",
            "CREATE INDEX lifecycle_case_accepted ON lifecycle_case (accepted_on)",
            "CREATE INDEX lifecycle_case_returned ON lifecycle_case (returned_on)",
            "CREATE INDEX lifecycle_case_completed ON lifecycle_case (completed_on, on_time)",
            "CREATE INDEX lifecycle_case_due ON lifecycle_case (due_date)",
            """
            CREATE TABLE lifecycle_event (
                id \(serial),
                change_seq bigint NOT NULL,
                reference text NOT NULL,
                part text,
                version bigint NOT NULL,
                kind text NOT NULL,
                from_state text,
                to_state text,
                actor_kind text NOT NULL,
                actor_id text NOT NULL,
                at \(real) NOT NULL,
                codes text NOT NULL)
            """,
            "CREATE INDEX lifecycle_event_by_reference ON lifecycle_event (reference)",
            "CREATE INDEX lifecycle_event_by_change ON lifecycle_event (change_seq)",
            """
            CREATE TABLE lifecycle_deferral (
                reference text NOT NULL,
                material_id text NOT NULL,
                part text,
                department_id text NOT NULL,
                form_id text NOT NULL,
                hall text NOT NULL,
                name_zh text NOT NULL,
                name_en text NOT NULL,
                due_date text NOT NULL,
                remind_on text NOT NULL,
                state text NOT NULL,
                received_on text,
                PRIMARY KEY (reference, material_id))
            """,
            "CREATE INDEX lifecycle_deferral_awaited ON lifecycle_deferral (remind_on) WHERE state IN ('open', 'handedIn')",
            "CREATE INDEX lifecycle_deferral_due ON lifecycle_deferral (state, due_date)",
            """
            CREATE TABLE lifecycle_commitment (
                reference text NOT NULL,
                material_id text NOT NULL,
                part text,
                department_id text NOT NULL,
                form_id text NOT NULL,
                hall text NOT NULL,
                name_zh text NOT NULL,
                name_en text NOT NULL,
                state text NOT NULL,
                checked_on text,
                PRIMARY KEY (reference, material_id))
            """,
            "CREATE INDEX lifecycle_commitment_state ON lifecycle_commitment (state, checked_on)",
            """
            CREATE TABLE lifecycle_rating (
                reference text PRIMARY KEY,
                department_id text NOT NULL,
                department_zh text NOT NULL,
                department_en text NOT NULL,
                form_id text NOT NULL,
                matter_zh text NOT NULL,
                matter_en text NOT NULL,
                hall text NOT NULL,
                window_name text NOT NULL,
                staff text NOT NULL,
                grade text NOT NULL,
                score bigint NOT NULL,
                rated_on text NOT NULL)
            """,
            "CREATE INDEX lifecycle_rating_by_day ON lifecycle_rating (rated_on)",
            "CREATE INDEX lifecycle_rating_bad ON lifecycle_rating (rated_on) WHERE score <= 2",
            """
            CREATE TABLE lifecycle_followup (
                reference text PRIMARY KEY,
                department_id text NOT NULL,
                department_zh text NOT NULL,
                department_en text NOT NULL,
                form_id text NOT NULL,
                matter_zh text NOT NULL,
                matter_en text NOT NULL,
                hall text NOT NULL,
                grade text NOT NULL,
                opened_on text NOT NULL,
                due_date text NOT NULL,
                callback_on text,
                rectification_on text,
                closed_on text,
                in_time bigint NOT NULL,
                overdue_announced bigint NOT NULL)
            """,
            "CREATE INDEX lifecycle_followup_open ON lifecycle_followup (due_date) WHERE closed_on IS NULL",
            "CREATE INDEX lifecycle_followup_opened ON lifecycle_followup (opened_on)",
        ]
    }
}

extension LifecycleSchema {
    /// Indexes that let the desks stop after their first page on a million filings (`kiosk
    /// bench lifecycle`): the deadline and follow-up lists ordered as they are read (due date,
    /// then reference), so no list sorts every running case to show fifty.
    public static func deskIndexes(_ dialect: SQLDialect) -> [String] {
        let running = "state IN ('accepted', 'inProgress')"
        return [
            "DROP INDEX lifecycle_case_deadline",
            "DROP INDEX lifecycle_case_deadline_by_department",
            "CREATE INDEX lifecycle_case_deadline ON lifecycle_case (due_date, reference) WHERE \(running)",
            "CREATE INDEX lifecycle_case_deadline_by_department ON lifecycle_case (department_id, due_date, reference) WHERE \(running)",
            "DROP INDEX lifecycle_followup_open",
            "CREATE INDEX lifecycle_followup_open ON lifecycle_followup (due_date, reference) WHERE closed_on IS NULL",
        ]
    }
}

extension LifecycleSchema {
    /// Indexes no statement reads, which every new filing still paid for (an outbox's drain
    /// above all): changes are paged from `lifecycle_case` (`departmentChanges`), never from the
    /// records or the events by `change_seq`; the monthly report reads its day columns from
    /// `MonthlySummary`, and only a recount (`fromSummary: false`, what tests compare the
    /// summary with) scans the cases for them. `lifecycle_case_due` stays: the current month's
    /// overdue cases are counted from it.
    public static let unreadIndexes = [
        "lifecycle_record_by_change", "lifecycle_event_by_change",
        "lifecycle_case_received", "lifecycle_case_accepted", "lifecycle_case_returned", "lifecycle_case_completed",
    ]

    public static var droppingUnreadIndexes: [String] { unreadIndexes.map { "DROP INDEX IF EXISTS \($0)" } }
}

/// The statements of the lifecycle store, and what their rows mean.
public enum LifecycleSQL {
    /// The record as the document the stores keep (sealed by the SQLite store).
    public static func encode(_ record: FilingRecord) throws -> Data {
        try LifecycleDocument.encode(record)
    }

    public static func decode(_ document: Data) throws(LifecycleRefusal) -> FilingRecord {
        do {
            return try JSONDecoder.lifecycle.decode(FilingRecord.self, from: document)
        } catch {
            throw LifecycleRefusal(.invalidRecord)
        }
    }

    // MARK: Saving

    /// Takes `count` change numbers at once (`RETURNING last`, the last of them).
    public static func nextChanges(_ count: Int) -> SQLStatement {
        SQLStatement("UPDATE lifecycle_change SET last = last + ? WHERE id = 1 RETURNING last", [.integer(Int64(count))])
    }

    /// A record to store, its document, and the events that made it.
    public typealias NewRecord = (record: FilingRecord, document: Data, events: [LifecycleEvent])

    /// One table's rows of records none of which is stored yet: `columns` named as in `save`'s
    /// INSERT, each row's values in that order.
    public struct NewRows: Sendable {
        public let table: String
        public let columns: [String]
        public var rows: [[SQLValue]]
        /// `save`'s INSERT of one row, whose `VALUES (…)` tuple `insertMany` repeats.
        let sql: String
    }

    /// The rows `save` would write for each of `items` (with changes `firstChange`,
    /// `firstChange + 1`, …), grouped by table in `save`'s order: how a store is filled in bulk
    /// (`kiosk bench lifecycle`) and how filings arrive from an outbox. None is stored yet, so a
    /// case's change number is its record's (every event of a new record has that number).
    public static func newRows(_ items: [NewRecord], firstChange: Int64,
                               calendar: OfficialCalendar) -> [NewRows] {
        var tables: [NewRows] = []
        var position: [String: Int] = [:]
        for (offset, item) in items.enumerated() {
            for statement in save(item.record, document: item.document, events: item.events, change: firstChange + Int64(offset),
                                  calendar: calendar, new: true) where !statement.sql.hasPrefix("DELETE") {
                if let index = position[statement.sql] {
                    tables[index].rows.append(statement.arguments)
                } else if let (table, columns) = insertedColumns(statement.sql) {
                    position[statement.sql] = tables.count
                    tables.append(NewRows(table: table, columns: columns, rows: [statement.arguments], sql: statement.sql))
                }
            }
        }
        return tables
    }

    /// The table and columns of `INSERT INTO table (a, b, …) VALUES …`.
    static func insertedColumns(_ sql: String) -> (String, [String])? {
        guard sql.hasPrefix("INSERT INTO "), let open = sql.firstIndex(of: "("), let close = sql[open...].firstIndex(of: ")") else {
            return nil
        }
        let table = sql[sql.index(sql.startIndex, offsetBy: "INSERT INTO ".count)..<open].trimmingCharacters(in: .whitespaces)
        let columns = sql[sql.index(after: open)..<close].split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        return (table, columns)
    }

    /// Records none of which is stored yet, saved as `save` would save each, each table's rows
    /// in multi-row INSERTs of at most `maxArguments` values (`newRows`).
    public static func insertMany(_ items: [NewRecord], firstChange: Int64,
                                  calendar: OfficialCalendar, maxArguments: Int = 30_000) -> [SQLStatement] {
        var statements: [SQLStatement] = []
        for table in newRows(items, firstChange: firstChange, calendar: calendar) {
            let sql = table.sql
            // `… VALUES (?, …, ?)` possibly followed by `ON CONFLICT …`: the tuple is repeated.
            guard let values = sql.range(of: "VALUES ("), let close = closingParenthesis(in: sql, from: values.upperBound) else { continue }
            let tuple = String(sql[sql.index(values.upperBound, offsetBy: -1)...close])
            let head = String(sql[..<values.lowerBound]) + "VALUES "
            let tail = String(sql[sql.index(after: close)...])
            let group = table.rows
            let perStatement = max(1, maxArguments / max(1, group.first?.count ?? 1))
            for start in stride(from: 0, to: group.count, by: perStatement) {
                let chunk = group[start..<min(start + perStatement, group.count)]
                statements.append(SQLStatement(head + Array(repeating: tuple, count: chunk.count).joined(separator: ", ") + tail,
                                               chunk.flatMap { $0 }))
            }
        }
        return statements
    }

    /// The `)` that closes the `(` just before `start` (the tuple may hold sub-queries).
    static func closingParenthesis(in sql: String, from start: String.Index) -> String.Index? {
        var depth = 1
        var index = start
        while index < sql.endIndex {
            if sql[index] == "(" { depth += 1 }
            if sql[index] == ")" {
                depth -= 1
                if depth == 0 { return index }
            }
            index = sql.index(after: index)
        }
        return nil
    }

    /// Takes the next change sequence number (`RETURNING last`).
    public static let nextChange = SQLStatement("UPDATE lifecycle_change SET last = last + 1 WHERE id = 1 RETURNING last")

    public static func loadRecord(_ reference: String, dialect: SQLDialect, forUpdate: Bool) -> SQLStatement {
        SQLStatement("SELECT document FROM lifecycle_record WHERE reference = ?" + (forUpdate && dialect == .postgres ? " FOR UPDATE" : ""),
                     [.text(reference)])
    }

    /// Everything that saves `record` (whose document is `document`) with change number `change`,
    /// and records its `events`: the document, then each table's rows replaced. A `new` record
    /// (none of its rows stored yet) takes `change` for each case, as the events would give it.
    public static func save(_ record: FilingRecord, document: Data, events: [LifecycleEvent], change: Int64,
                            calendar: OfficialCalendar, new: Bool = false) -> [SQLStatement] {
        let reference = SQLValue.text(record.reference)
        var statements = [
            SQLStatement("""
                INSERT INTO lifecycle_record (reference, version, id_hash, id_masked, submitted_at, acknowledged_at, change_seq, document)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (reference) DO UPDATE SET version = excluded.version, id_hash = excluded.id_hash,
                    acknowledged_at = excluded.acknowledged_at, change_seq = excluded.change_seq, document = excluded.document
                """, [
                    reference, .integer(Int64(record.version)), record.idHash.map(SQLValue.blob) ?? .null, SQLValue(record.idMasked),
                    .real(record.cases.map(\.submittedAt.timeIntervalSince1970).min() ?? 0),
                    record.acknowledgedAt.map { .real($0.timeIntervalSince1970) } ?? .null, .integer(change), .blob(document),
                ]),
        ]
        for table in ["lifecycle_case", "lifecycle_deferral", "lifecycle_commitment", "lifecycle_rating", "lifecycle_followup"] {
            statements.append(SQLStatement("DELETE FROM \(table) WHERE reference = ?", [reference]))
        }
        // The events first: a case's change number is the last change with an event of its own
        // or of the whole filing, so a department's feed shows a bundle again only when its own
        // parts (or the whole) changed, not each time another department's part moves.
        for event in events {
            statements.append(SQLStatement("""
                INSERT INTO lifecycle_event (change_seq, reference, part, version, kind, from_state, to_state, actor_kind, actor_id, at, codes)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [
                    .integer(change), .text(event.reference), SQLValue(event.part), .integer(Int64(event.version)),
                    .text(event.kind.rawValue), SQLValue(event.from?.rawValue), SQLValue(event.to?.rawValue), .text(event.actor.kind),
                    .text(event.actor.id), .real(event.at.timeIntervalSince1970), .text(event.codes.joined(separator: ",")),
                ]))
        }
        let caseChange = new ? "?" : "coalesce((SELECT max(change_seq) FROM lifecycle_event WHERE reference = ? AND (part IS NULL OR part = ?)), ?)"
        for item in record.cases {
            let deferrals = record.deferrals.filter { $0.part == nil || $0.part == item.part }
            statements.append(SQLStatement("""
                INSERT INTO lifecycle_case (reference, part, version, form_id, matter_key, matter_zh, matter_en, department_id,
                    department_zh, department_en, hall, terminal, state, submitted_at, first_submitted_on, accepted_on, window_name,
                    staff, due_date, warn_on, provisional, returned_on, completed_on, on_time, deferred_total, deferred_in_time,
                    announced, change_seq)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, \(caseChange))
                """, [
                    reference, .text(item.part), .integer(Int64(item.version)), .text(record.formID),
                    .text(item.matterKey(formID: record.formID)), .text(item.matter.zh), .text(item.matter.en), .text(item.departmentID),
                    .text(item.department.zh), .text(item.department.en), .text(record.hall), .text(record.terminal),
                    .text(item.state.rawValue), .real(item.submittedAt.timeIntervalSince1970), SQLValue(item.firstSubmittedOn),
                    SQLValue(item.acceptance?.on), SQLValue(item.acceptance?.window), SQLValue(item.acceptance?.by.id),
                    SQLValue(item.clock?.dueDate), SQLValue(item.clock?.warnOn), SQLValue(item.clock?.provisional ?? false),
                    SQLValue(item.lastReturn?.on), SQLValue(item.completion?.on),
                    item.completion.map { SQLValue($0.onTime) } ?? .null,
                    .integer(Int64(deferrals.count)), .integer(Int64(deferrals.filter(\.inTime).count)), .text(item.announced.rawValue),
                ] + (new ? [.integer(change)] : [reference, .text(item.part), .integer(change)])))
        }
        for deferral in record.deferrals {
            statements.append(SQLStatement("""
                INSERT INTO lifecycle_deferral (reference, material_id, part, department_id, form_id, hall, name_zh, name_en, due_date,
                    remind_on, state, received_on)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [
                    reference, .text(deferral.materialID), SQLValue(deferral.part), .text(deferral.departmentID), .text(record.formID),
                    .text(record.hall), .text(deferral.name.zh), .text(deferral.name.en), SQLValue(deferral.dueDate),
                    SQLValue(deferral.remindOn), .text(deferral.state.rawValue), SQLValue(deferral.receivedOn),
                ]))
        }
        for commitment in record.commitments {
            statements.append(SQLStatement("""
                INSERT INTO lifecycle_commitment (reference, material_id, part, department_id, form_id, hall, name_zh, name_en, state,
                    checked_on)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [
                    reference, .text(commitment.materialID), SQLValue(commitment.part), .text(commitment.departmentID),
                    .text(record.formID), .text(record.hall), .text(commitment.name.zh), .text(commitment.name.en),
                    .text(commitment.state.rawValue), SQLValue(commitment.checkedOn),
                ]))
        }
        let matter: [SQLValue] = [
            .text(record.departmentID), .text(record.department.zh), .text(record.department.en), .text(record.formID),
            .text(record.title.zh), .text(record.title.en), .text(record.hall),
        ]
        if let rating = record.rating {
            statements.append(SQLStatement("""
                INSERT INTO lifecycle_rating (reference, department_id, department_zh, department_en, form_id, matter_zh, matter_en, hall,
                    window_name, staff, grade, score, rated_on)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [reference] + matter + [
                    .text(rating.window), .text(rating.staff), .text(rating.grade.rawValue), .integer(Int64(rating.grade.score)),
                    SQLValue(rating.on),
                ]))
        }
        if let followUp = record.followUp, let rating = record.rating {
            statements.append(SQLStatement("""
                INSERT INTO lifecycle_followup (reference, department_id, department_zh, department_en, form_id, matter_zh, matter_en, hall,
                    grade, opened_on, due_date, callback_on, rectification_on, closed_on, in_time, overdue_announced)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [reference] + matter + [
                    .text(rating.grade.rawValue), SQLValue(followUp.openedOn), SQLValue(followUp.dueDate), SQLValue(followUp.callback?.on),
                    SQLValue(followUp.rectification?.on), SQLValue(followUp.closed?.on), SQLValue(followUp.closedInTime),
                    SQLValue(followUp.overdueAnnounced),
                ]))
        }
        return statements
    }

    // MARK: Reading

    /// `reference, document` of the applicant's records, newest first.
    public static func records(idHash: Data, limit: Int) -> SQLStatement {
        SQLStatement("SELECT reference, document FROM lifecycle_record WHERE id_hash = ? ORDER BY submitted_at DESC LIMIT ?",
                     [.blob(idHash), .integer(Int64(limit))])
    }

    static let summaryColumns = """
        reference, part, version, form_id, matter_zh, matter_en, department_id, department_zh, department_en, hall, state,
        submitted_at, accepted_on, due_date, warn_on, provisional, window_name
        """

    static func summary(_ row: [SQLValue], today: LocalDate) -> CaseSummary? {
        guard row.count == 17, let reference = row[0].text, let state = row[10].text.flatMap(FilingState.init(rawValue:)) else { return nil }
        let due = row[13].date
        return CaseSummary(
            reference: reference, part: row[1].text ?? "", version: row[2].int ?? 1, formId: row[3].text ?? "",
            matter: LocalizedText(zh: row[4].text ?? "", en: row[5].text ?? ""), departmentId: row[6].text ?? "",
            department: LocalizedText(zh: row[7].text ?? "", en: row[8].text ?? ""), hall: row[9].text ?? "", state: state,
            submittedAt: Date(timeIntervalSince1970: row[11].double ?? 0), acceptedOn: row[12].date, dueDate: due,
            warning: CaseSummary.warning(state: state, dueDate: due, warnOn: row[14].date, today: today),
            provisional: (row[15].int ?? 0) != 0, window: row[16].text)
    }

    /// `AND column = ?` for each filter given.
    static func filtered(_ filter: DeskFilter, department: String = "department_id", form: String = "form_id",
                         hall: String = "hall") -> (sql: String, arguments: [SQLValue]) {
        var sql = ""
        var arguments: [SQLValue] = []
        for (column, value) in [(department, filter.departmentID), (form, filter.formID), (hall, filter.hall)] {
            guard let value else { continue }
            sql += " AND \(column) = ?"
            arguments.append(.text(value))
        }
        return (sql, arguments)
    }

    /// One ordered range of the queue indexes per state, each cut at `limit`, then merged: a
    /// `state IN (…)` over both would sort every waiting case of the department to show a page.
    public static func queue(departmentID: String?, states: [FilingState], limit: Int) -> SQLStatement {
        let filter = filtered(DeskFilter(departmentID: departmentID))
        let parts = states.enumerated().map { index, _ in
            "SELECT * FROM (SELECT \(summaryColumns) FROM lifecycle_case WHERE state = ?\(filter.sql) ORDER BY submitted_at LIMIT ?) AS s\(index)"
        }
        guard !parts.isEmpty else { return SQLStatement("SELECT \(summaryColumns) FROM lifecycle_case WHERE 0 = 1") }
        return SQLStatement(parts.joined(separator: " UNION ALL ") + " ORDER BY submitted_at LIMIT ?",
                            states.flatMap { [SQLValue.text($0.rawValue)] + filter.arguments + [.integer(Int64(limit))] }
                                + [.integer(Int64(limit))])
    }

    public static func queueRows(_ rows: [[SQLValue]], today: LocalDate) -> [CaseSummary] {
        rows.compactMap { summary($0, today: today) }
    }

    static let deferralColumns = "reference, part, material_id, name_zh, name_en, department_id, hall, due_date, state"

    static func deferral(_ row: [SQLValue], today: LocalDate) -> DeferralItem? {
        guard row.count == 9, let reference = row[0].text, let due = row[7].date,
              let state = row[8].text.flatMap(DeferralFollowUp.State.init(rawValue:)) else { return nil }
        return DeferralItem(reference: reference, part: row[1].text, materialId: row[2].text ?? "",
                            name: LocalizedText(zh: row[3].text ?? "", en: row[4].text ?? ""), departmentId: row[5].text ?? "",
                            hall: row[6].text ?? "", dueDate: due, state: state, today: today)
    }

    public static func reminders(departmentID: String?, today: LocalDate, limit: Int) -> SQLStatement {
        let filter = filtered(DeskFilter(departmentID: departmentID))
        return SQLStatement("""
            SELECT \(deferralColumns) FROM lifecycle_deferral
            WHERE state IN ('open', 'handedIn') AND remind_on <= ?\(filter.sql) ORDER BY due_date LIMIT ?
            """, [.text(today.description)] + filter.arguments + [.integer(Int64(limit))])
    }

    public static func deferralRows(_ rows: [[SQLValue]], today: LocalDate) -> [DeferralItem] {
        rows.compactMap { deferral($0, today: today) }
    }

    // MARK: The supervision desk

    public enum Desk {
        /// The desk's statements, in the order `assemble` reads their rows.
        public static func statements(_ filter: DeskFilter, today: LocalDate, limit: Int, rules: LifecycleRules, dialect: SQLDialect)
            -> [SQLStatement] {
            [
                counts(filter, today: today, dialect: dialect), deadlines(filter, today: today, limit: limit, dialect: dialect),
                badRatings(filter, limit: limit),
                badRatingCounts(filter, since: rules.badRatingWindowStart(today), dialect: dialect), falseCommitments(filter, limit: limit),
                deferralsOverdue(filter, today: today, limit: limit),
            ]
        }

        /// The desk from the rows of `statements`, one list per statement.
        public static func assemble(_ results: [[[SQLValue]]], today: LocalDate, rules: LifecycleRules) -> SupervisionDesk {
            let counts = results[0].first ?? []
            return SupervisionDesk(
                today: today, overdueCount: counts.first?.int ?? 0, nearlyOverdueCount: counts.dropFirst().first?.int ?? 0,
                deadlines: results[1].compactMap { summary($0, today: today) },
                badRatings: results[2].compactMap { followUp($0, today: today) },
                flags: rules.flags(results[3].compactMap(badRatingCount)),
                falseCommitments: results[4].compactMap(commitment),
                deferralsOverdue: results[5].compactMap { deferral($0, today: today) })
        }

        /// Overdue and nearly overdue (one row: the two counts): sums over `DeadlineSummary`.
        /// `fromSummary: false`, or a filter by matter or hall (which the summary does not
        /// keep), counts the cases instead, in two ranges of the deadline index (overdue: due
        /// before today; nearly: due from today on and warned). A clock's warning day is never
        /// after its due date (`LegalClock`), so an overdue case is warned.
        public static func counts(_ filter: DeskFilter, today: LocalDate, dialect: SQLDialect, fromSummary: Bool = true) -> SQLStatement {
            if fromSummary, let summarized = DeadlineSummary.counts(filter, today: today) { return summarized }
            let cases = runningCases(filter, dialect)
            let filter = filtered(filter)
            let day = SQLValue.text(today.description)
            return SQLStatement("""
                SELECT (SELECT count(*) FROM \(cases) WHERE state IN ('accepted', 'inProgress') AND due_date < ?\(filter.sql)),
                       (SELECT count(*) FROM \(cases)
                        WHERE state IN ('accepted', 'inProgress') AND due_date >= ? AND warn_on <= ?\(filter.sql))
                """, [day] + filter.arguments + [day, day] + filter.arguments)
        }

        public static func deadlines(_ filter: DeskFilter, today: LocalDate, limit: Int, dialect: SQLDialect) -> SQLStatement {
            let cases = runningCases(filter, dialect)
            let filter = filtered(filter)
            return SQLStatement("""
                SELECT \(summaryColumns) FROM \(cases)
                WHERE state IN ('accepted', 'inProgress') AND warn_on <= ?\(filter.sql) ORDER BY due_date, reference LIMIT ?
                """, [.text(today.description)] + filter.arguments + [.integer(Int64(limit))])
        }

        /// The running cases, read through the deadline index: SQLite, without statistics,
        /// would rather take every running case through the queue index and sort them.
        static func runningCases(_ filter: DeskFilter, _ dialect: SQLDialect) -> String {
            guard dialect == .sqlite else { return "lifecycle_case" }
            return "lifecycle_case INDEXED BY " + (filter.departmentID == nil ? "lifecycle_case_deadline" : "lifecycle_case_deadline_by_department")
        }

        /// 差评件 whose follow-up is open, the oldest due first.
        public static func badRatings(_ filter: DeskFilter, limit: Int) -> SQLStatement {
            let filter = filtered(filter)
            return SQLStatement("""
                SELECT reference, form_id, department_id, hall, grade, opened_on, due_date, callback_on, rectification_on, closed_on
                FROM lifecycle_followup WHERE closed_on IS NULL\(filter.sql) ORDER BY due_date, reference LIMIT ?
                """, filter.arguments + [.integer(Int64(limit))])
        }

        public static func followUp(_ row: [SQLValue], today: LocalDate) -> FollowUpItem? {
            guard row.count == 10, let reference = row[0].text, let grade = row[4].text.flatMap(RatingGrade.init(rawValue:)),
                  let opened = row[5].date, let due = row[6].date else { return nil }
            return FollowUpItem(reference: reference, formId: row[1].text ?? "", departmentId: row[2].text ?? "", hall: row[3].text ?? "",
                                grade: grade, ratedOn: opened, dueDate: due, callbackOn: row[7].date, rectificationOn: row[8].date,
                                closedOn: row[9].date, today: today)
        }

        /// 差评 counts per matter, window and member of staff since `since`. PostgreSQL reads the
        /// window's bad ratings once for the three groupings (`GROUPING SETS`; three reads, each
        /// of a few thousand rows from the heap, took 40–60 ms at a million filings under load);
        /// SQLite, which has no grouping sets, reads them three times, as fast as one there.
        public static func badRatingCounts(_ filter: DeskFilter, since: LocalDate, dialect: SQLDialect) -> SQLStatement {
            let filter = filtered(filter)
            let arguments = [SQLValue.text(since.description)] + filter.arguments
            if dialect == .postgres {
                // GROUPING(a, b, c) sets a bit for each column not grouped: 3 = by matter, 5 = by window.
                let set = "GROUPING(form_id, window_name, staff)"
                return SQLStatement("""
                    SELECT CASE \(set) WHEN 3 THEN '\(BadRatingFlag.Subject.matter.rawValue)' WHEN 5 THEN '\(BadRatingFlag.Subject.window.rawValue)'
                                ELSE '\(BadRatingFlag.Subject.staff.rawValue)' END,
                           CASE \(set) WHEN 3 THEN form_id WHEN 5 THEN window_name ELSE staff END, count(*)
                    FROM lifecycle_rating WHERE score <= 2 AND rated_on >= ?\(filter.sql)
                    GROUP BY GROUPING SETS ((form_id), (window_name), (staff))
                    """, arguments)
            }
            let select = { (subject: BadRatingFlag.Subject, column: String) in
                "SELECT '\(subject.rawValue)', \(column), count(*) FROM lifecycle_rating WHERE score <= 2 AND rated_on >= ?\(filter.sql) GROUP BY \(column)"
            }
            return SQLStatement(
                [select(.matter, "form_id"), select(.window, "window_name"), select(.staff, "staff")].joined(separator: " UNION ALL "),
                arguments + arguments + arguments)
        }

        public static func badRatingCount(_ row: [SQLValue]) -> BadRatingFlag? {
            guard row.count == 3, let subject = row[0].text.flatMap(BadRatingFlag.Subject.init(rawValue:)), let count = row[2].int
            else { return nil }
            return BadRatingFlag(subject: subject, key: row[1].text ?? "", count: count)
        }

        public static func falseCommitments(_ filter: DeskFilter, limit: Int) -> SQLStatement {
            let filter = filtered(filter)
            return SQLStatement("""
                SELECT reference, material_id, name_zh, name_en, department_id, hall, state, checked_on FROM lifecycle_commitment
                WHERE state = 'falseCommitment'\(filter.sql) ORDER BY checked_on DESC, reference LIMIT ?
                """, filter.arguments + [.integer(Int64(limit))])
        }

        public static func commitment(_ row: [SQLValue]) -> CommitmentItem? {
            guard row.count == 8, let reference = row[0].text, let state = row[6].text.flatMap(CommitmentCheck.State.init(rawValue:))
            else { return nil }
            return CommitmentItem(reference: reference, materialId: row[1].text ?? "", name: LocalizedText(zh: row[2].text ?? "", en: row[3].text ?? ""),
                                  departmentId: row[4].text ?? "", hall: row[5].text ?? "", state: state, checkedOn: row[7].date)
        }

        /// 容缺 materials missed, or awaited past their due date, the latest due first.
        public static func deferralsOverdue(_ filter: DeskFilter, today: LocalDate, limit: Int) -> SQLStatement {
            let filter = filtered(filter)
            return SQLStatement("""
                SELECT \(deferralColumns) FROM lifecycle_deferral
                WHERE (state = 'missed' OR (state IN ('open', 'handedIn') AND due_date < ?))\(filter.sql)
                ORDER BY due_date DESC, reference LIMIT ?
                """, [.text(today.description)] + filter.arguments + [.integer(Int64(limit))])
        }
    }

    // MARK: The department feed

    /// `reference, change_seq` of the department's cases changed after `cursor` (each case
    /// carries the last change with an event of its own or of the whole filing), oldest first.
    public static func departmentChanges(_ departmentID: String, after cursor: Int64, limit: Int) -> SQLStatement {
        SQLStatement("""
            SELECT DISTINCT reference, change_seq FROM lifecycle_case WHERE department_id = ? AND change_seq > ?
            ORDER BY change_seq LIMIT ?
            """, [.text(departmentID), .integer(cursor), .integer(Int64(limit))])
    }

    public static func departmentChangeRows(_ rows: [[SQLValue]]) -> [DepartmentChange] {
        rows.compactMap { row in
            guard row.count == 2, let reference = row[0].text, let change = row[1].int else { return nil }
            return DepartmentChange(reference: reference, change: Int64(change))
        }
    }

    // MARK: The sweep

    public static func sweepCandidates(today: LocalDate, limit: Int) -> SQLStatement {
        let day = SQLValue.text(today.description)
        return SQLStatement("""
            SELECT reference FROM lifecycle_case WHERE state IN ('accepted', 'inProgress') AND announced = 'none' AND warn_on <= ?
            UNION SELECT reference FROM lifecycle_case WHERE state IN ('accepted', 'inProgress') AND due_date < ? AND announced <> 'red'
            UNION SELECT reference FROM lifecycle_deferral WHERE state IN ('open', 'handedIn') AND due_date < ?
            UNION SELECT reference FROM lifecycle_followup WHERE closed_on IS NULL AND due_date < ? AND overdue_announced = 0
            LIMIT ?
            """, [day, day, day, day, .integer(Int64(limit))])
    }

    // MARK: The monthly report

    public enum Report {
        static let caseGroup = "department_id, department_zh, department_en, matter_key, matter_zh, matter_en"
        static let ratingGroup = "department_id, department_zh, department_en, form_id, matter_zh, matter_en"

        /// Every statement of the report: the counts (each with its measure), then the two of the
        /// trend. The case counts come from `MonthlySummary`; `fromSummary: false` counts them from
        /// the cases themselves (what the summary must always equal).
        public static func all(_ month: ReportMonth, filter: DeskFilter, today: LocalDate, fromSummary: Bool = true) -> [SQLStatement] {
            statements(month, filter: filter, today: today, fromSummary: fromSummary).map(\.1)
                + trend(month, filter: filter, fromSummary: fromSummary)
        }

        /// The report from the rows of `all`, one list per statement.
        public static func assemble(_ results: [[[SQLValue]]], month: ReportMonth, filter: DeskFilter, today: LocalDate, scope: String,
                                    generatedAt: Date) -> MonthlyReport {
            let measures = statements(month, filter: filter, today: today).map(\.0)
            let figures = zip(measures, results).flatMap { Report.counts($0, $1) }
            let trendRows = results.suffix(2)
            return MonthlyReport(month: month, scope: scope, generatedAt: generatedAt, counts: figures,
                                 trend: trend(completions: trendRows.first ?? [], badRatings: trendRows.last ?? []))
        }

        /// Each statement with the measure its rows count (`rating` rows carry the grade first).
        public static func statements(_ month: ReportMonth, filter deskFilter: DeskFilter, today: LocalDate, fromSummary: Bool = true)
            -> [(ReportCount.Measure, SQLStatement)] {
            let counted = recounted(month, filter: deskFilter, today: today)
            guard fromSummary else { return counted }
            return counted.map { measure, statement in
                // A month not yet over: its overdue cases depend on today.
                if measure == .overdue && month.last >= today { return (measure, statement) }
                guard MonthlySummary.measures.contains(where: { $0.measure == measure }) else { return (measure, statement) }
                return (measure, MonthlySummary.counts(measure, month: month, filter: deskFilter))
            }
        }

        /// Each statement counting from the cases and ratings themselves.
        static func recounted(_ month: ReportMonth, filter: DeskFilter, today: LocalDate) -> [(ReportCount.Measure, SQLStatement)] {
            let filter = filtered(filter)
            let first = SQLValue.text(month.first.description), last = SQLValue.text(month.last.description)
            func cases(_ condition: String, _ extra: [SQLValue] = []) -> SQLStatement {
                SQLStatement("SELECT \(caseGroup), count(*) FROM lifecycle_case WHERE \(condition)\(filter.sql) GROUP BY \(caseGroup)",
                             [first, last] + extra + filter.arguments)
            }
            // Overdue: due in the month, on a day already past, and not completed by then.
            let lastPast = SQLValue.text(min(month.last, today.adding(days: -1)).description)
            return [
                (.received, cases("first_submitted_on BETWEEN ? AND ?")),
                (.accepted, cases("accepted_on BETWEEN ? AND ?")),
                (.returned, cases("returned_on BETWEEN ? AND ?")),
                (.completed, cases("completed_on BETWEEN ? AND ?")),
                (.completedOnTime, cases("completed_on BETWEEN ? AND ? AND on_time = 1")),
                (.overdue, SQLStatement("""
                    SELECT \(caseGroup), count(*) FROM lifecycle_case
                    WHERE due_date BETWEEN ? AND ? AND (completed_on IS NULL OR completed_on > due_date) AND state <> 'returned'\(filter.sql)
                    GROUP BY \(caseGroup)
                    """, [first, lastPast] + filter.arguments)),
                (.deferredFilings, cases("first_submitted_on BETWEEN ? AND ? AND deferred_total > 0")),
                (.deferredInTime, cases("first_submitted_on BETWEEN ? AND ? AND deferred_total > 0 AND deferred_in_time = deferred_total")),
                (.rating, SQLStatement("""
                    SELECT grade, \(ratingGroup), count(*) FROM lifecycle_rating WHERE rated_on BETWEEN ? AND ?\(filter.sql)
                    GROUP BY grade, \(ratingGroup)
                    """, [first, last] + filter.arguments)),
                (.followUps, SQLStatement("""
                    SELECT \(ratingGroup), count(*) FROM lifecycle_followup WHERE opened_on BETWEEN ? AND ?\(filter.sql) GROUP BY \(ratingGroup)
                    """, [first, last] + filter.arguments)),
                (.followUpsClosedInTime, SQLStatement("""
                    SELECT \(ratingGroup), count(*) FROM lifecycle_followup WHERE opened_on BETWEEN ? AND ? AND in_time = 1\(filter.sql)
                    GROUP BY \(ratingGroup)
                    """, [first, last] + filter.arguments)),
            ]
        }

        public static func counts(_ measure: ReportCount.Measure, _ rows: [[SQLValue]]) -> [ReportCount] {
            rows.compactMap { row in
                var row = row
                var grade: RatingGrade?
                if measure == .rating {
                    guard let first = row.first?.text, let parsed = RatingGrade(rawValue: first) else { return nil }
                    grade = parsed
                    row.removeFirst()
                }
                guard row.count == 7, let count = row[6].int else { return nil }
                return ReportCount(measure: measure, departmentID: row[0].text ?? "",
                                   department: LocalizedText(zh: row[1].text ?? "", en: row[2].text ?? ""), matterKey: row[3].text ?? "",
                                   matter: LocalizedText(zh: row[4].text ?? "", en: row[5].text ?? ""), grade: grade, count: count)
            }
        }

        /// Completions and bad ratings per month over the twelve months ending with `month`.
        public static func trend(_ month: ReportMonth, filter deskFilter: DeskFilter, fromSummary: Bool = true) -> [SQLStatement] {
            let filter = filtered(deskFilter)
            let first = SQLValue.text(month.trailingYear[0].first.description), last = SQLValue.text(month.last.description)
            return [
                fromSummary ? MonthlySummary.completions(month, filter: deskFilter) :
                SQLStatement("""
                    SELECT substr(completed_on, 1, 7), count(*), count(*) FILTER (WHERE on_time = 1) FROM lifecycle_case
                    WHERE completed_on BETWEEN ? AND ?\(filter.sql) GROUP BY substr(completed_on, 1, 7)
                    """, [first, last] + filter.arguments),
                SQLStatement("""
                    SELECT substr(rated_on, 1, 7), count(*) FROM lifecycle_rating
                    WHERE score <= 2 AND rated_on BETWEEN ? AND ?\(filter.sql) GROUP BY substr(rated_on, 1, 7)
                    """, [first, last] + filter.arguments),
            ]
        }

        public static func trend(completions: [[SQLValue]], badRatings: [[SQLValue]]) -> [TrendCount] {
            var bad: [ReportMonth: Int] = [:]
            for row in badRatings {
                if let month = row.first?.text.flatMap({ try? ReportMonth($0) }), let count = row.last?.int { bad[month] = count }
            }
            var trend: [ReportMonth: TrendCount] = [:]
            for row in completions {
                guard row.count == 3, let month = row[0].text.flatMap({ try? ReportMonth($0) }) else { continue }
                trend[month] = TrendCount(month: month, completed: row[1].int ?? 0, onTime: row[2].int ?? 0, badRatings: bad[month] ?? 0)
            }
            for (month, count) in bad where trend[month] == nil {
                trend[month] = TrendCount(month: month, completed: 0, onTime: 0, badRatings: count)
            }
            return Array(trend.values)
        }
    }
}

extension JSONEncoder {
    /// Lifecycle documents: sorted keys; instants as Foundation's seconds, which read back exactly.
    static var lifecycle: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return encoder
    }
}

extension JSONDecoder {
    static var lifecycle: JSONDecoder { JSONDecoder() }
}
