import Booking
import Filings
import FormEngine
import Foundation
import JSONLogic
import KioskCore
import Logging
import NIOCore
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
        try await write { c in try await Self.insert(c, items, calendar: calendar, logger: logger) }
    }

    static func insert(_ c: PostgresConnection, _ items: [LifecycleSQL.NewRecord], calendar: OfficialCalendar,
                               logger: Logger) async throws {
        try await insert(c, NewRowsCopy(items, calendar: calendar), logger: logger)
    }

    /// `copy`'s rows, numbered with change numbers taken now: the transaction only streams bytes.
    static func insert(_ c: PostgresConnection, _ copy: NewRowsCopy, logger: Logger) async throws {
        guard copy.records > 0 else { return }
        guard let last = try await fetch(c, LifecycleSQL.nextChanges(copy.records), logger: logger).first?.first?.int else {
            throw LifecycleRefusal(.invalidRecord)
        }
        // COPY: a multi-row INSERT of hundreds of rows costs the server more to parse and plan
        // than to write.
        let firstChange = Int64(last - copy.records + 1)
        for table in copy.tables {
            try await c.copyFrom(table: table.table, columns: table.columns, logger: logger) { writer in
                try await table.write(to: writer, firstChange: firstChange)
            }
        }
    }

    /// Runs `statements` in one transaction and returns each one's rows: how `kiosk bench
    /// lifecycle` copies filings in bulk (statements of its own, not the lifecycle's).
    public func runInBulk(_ statements: [SQLStatement]) async throws -> [[[SQLValue]]] {
        try await fetchAll(statements, inTransaction: true)
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
        let statements = LifecycleSQL.Desk.statements(filter, today: today, limit: limit, rules: lifecycle.rules, dialect: .postgres)
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
        return try document.map(Self.decodeFiling)
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
        let arrival = Arrival(filing: filing, document: document, idHash: applicantHash)
        let lifecycle = lifecycle
        return try await write { c in
            try await Self.receive(c, arrival, terminalID: terminalID, hall: hall, lifecycle: lifecycle, now: now, logger: logger)
        }
    }

    /// A filing as it arrives: its document and its applicant's keyed ID number.
    struct Arrival: Sendable {
        let filing: Filing
        let document: Data
        let idHash: Data?
    }

    /// Filings sent together from a terminal's outbox (oldest first), received as `receive`
    /// receives each, in one transaction (`prepare`, then `receive(_:at:)`). Returns how many were new.
    @discardableResult
    public func receive(_ filings: [(filing: Filing, document: Data)], terminalID: String, hall: String, at now: Date) async throws -> Int {
        try await receive(try await prepare(filings, terminalID: terminalID, hall: hall), at: now)
    }

    /// Filings to receive together, with the work that needs no database done: each
    /// applicant's keyed ID number, each lifecycle opened and its document encoded, and every
    /// row in COPY's text format, as it will be stored if the district does not have the filing
    /// yet. An outbox prepares its next batch while the district receives the one before.
    public struct PreparedArrivals: Sendable {
        let terminalID: String
        let hall: String
        /// The first arrival of each reference, in order, each with its lifecycle opened.
        let firsts: [(arrival: Arrival, opened: LifecycleSQL.NewRecord)]
        /// A reference seen again in the batch (a filing and its correction): after the firsts, one by one.
        let repeats: [Arrival]
        /// The firsts' filing rows and lifecycle rows, ready to stream when the district has none of them yet.
        let filingRows: NewRowsCopy.Table
        let rows: NewRowsCopy
    }

    public func prepare(_ filings: [(filing: Filing, document: Data)], terminalID: String, hall: String) async throws -> PreparedArrivals {
        var seen = Set<String>()
        var firsts: [(arrival: Arrival, opened: LifecycleSQL.NewRecord)] = []
        var repeats: [Arrival] = []
        firsts.reserveCapacity(filings.count)
        for (filing, document) in filings {
            var applicantHash: Data?
            if let applicant = filing.applicantIDNumber { applicantHash = try await idHash(applicant) }
            let arrival = Arrival(filing: filing, document: document, idHash: applicantHash)
            guard seen.insert(filing.reference).inserted else {
                repeats.append(arrival)
                continue
            }
            let transition = lifecycle.open(filing, hall: hall, terminal: terminalID, idHash: applicantHash,
                                            idMasked: filing.applicantIDNumber?.masked)
            firsts.append((arrival, (transition.record, try LifecycleSQL.encode(transition.record), transition.events)))
        }
        return PreparedArrivals(terminalID: terminalID, hall: hall, firsts: firsts, repeats: repeats,
                                filingRows: Self.filingRows(firsts.map(\.arrival), terminalID: terminalID),
                                rows: NewRowsCopy(firsts.map(\.opened), calendar: lifecycle.calendar))
    }

    /// `prepared` in one transaction: the filings the district has none of (neither the filing
    /// nor its lifecycle) stored by COPY in their order of arrival, their lifecycles opened by
    /// COPY; the others (a correction, a filing sent again, a reference twice in the batch) one by
    /// one after them. A refusal of any rolls back all: the caller sends them one at a time then
    /// (so does a filing another connection stores between the look-up and the COPY: its
    /// reference is then taken). `beforeCommit` runs last in the transaction; its error rolls
    /// it back. Returns how many were new.
    @discardableResult
    public func receive(_ prepared: PreparedArrivals, at now: Date,
                        beforeCommit: @escaping @Sendable () async throws -> Void = {}) async throws -> Int {
        let lifecycle = lifecycle
        let (terminalID, hall) = (prepared.terminalID, prepared.hall)
        return try await write { c in
            let references = prepared.firsts.map(\.arrival.filing.reference)
            let known = Set(try await c.query("""
                SELECT reference FROM filing WHERE reference = ANY(\(references))
                UNION SELECT reference FROM lifecycle_record WHERE reference = ANY(\(references))
                """, logger: logger).collect().map { try $0.decode(String.self) })
            // Usually every filing is new: the rows made before the transaction are streamed.
            let fresh = known.isEmpty ? prepared.firsts : prepared.firsts.filter { !known.contains($0.arrival.filing.reference) }
            let (filingRows, lifecycleRows) = known.isEmpty ? (prepared.filingRows, prepared.rows)
                : (Self.filingRows(fresh.map(\.arrival), terminalID: terminalID),
                   NewRowsCopy(fresh.map(\.opened), calendar: lifecycle.calendar))
            if !fresh.isEmpty {
                try await c.copyFrom(table: filingRows.table, columns: filingRows.columns, logger: logger) { writer in
                    try await filingRows.write(to: writer, firstChange: 0)
                }
            }
            try await Self.insert(c, lifecycleRows, logger: logger)
            var new = fresh.count
            for (arrival, _) in prepared.firsts where known.contains(arrival.filing.reference) {
                if try await Self.receive(c, arrival, terminalID: terminalID, hall: hall, lifecycle: lifecycle, now: now, logger: logger) {
                    new += 1
                }
            }
            for arrival in prepared.repeats {
                if try await Self.receive(c, arrival, terminalID: terminalID, hall: hall, lifecycle: lifecycle, now: now, logger: logger) {
                    new += 1
                }
            }
            try await beforeCommit()
            return new
        }
    }

    /// The `filing` rows of `arrivals` (none of whose references repeats), in their order: the
    /// order `arrival` numbers them in.
    static func filingRows(_ arrivals: [Arrival], terminalID: String) -> NewRowsCopy.Table {
        NewRowsCopy.Table(table: "filing", columns: ["reference", "terminal_id", "form_id", "form_version", "submitted_at", "document"],
                          rows: arrivals.map { arrival in
                              [.text(arrival.filing.reference), .text(terminalID), .text(arrival.filing.formID),
                               .integer(Int64(arrival.filing.formVersion)), .real(arrival.filing.submittedAt.timeIntervalSince1970),
                               .blob(arrival.document)]
                          })
    }

    private static func receive(_ c: PostgresConnection, _ arrival: Arrival, terminalID: String, hall: String, lifecycle: FilingLifecycle,
                                now: Date, logger: Logger) async throws -> Bool {
        let filing = arrival.filing
        let document = arrival.document
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
            transition = lifecycle.open(filing, hall: hall, terminal: terminalID, idHash: arrival.idHash,
                                        idMasked: filing.applicantIDNumber?.masked)
        }
        try await Self.save(c, transition, calendar: lifecycle.calendar, logger: logger)
        return true
    }

    /// A filing as a terminal's outbox sends it: read by `JSONValueDecoder`, and by
    /// `filingDecoder` should that refuse it (duplicate keys, say, which `JSONDecoder` lets pass),
    /// so that every document the district read before it still reads.
    public static func decodeFiling(_ document: Data) throws -> Filing {
        if let filing = try? JSONValueDecoder().decode(Filing.self, from: document) { return filing }
        return try filingDecoder.decode(Filing.self, from: document)
    }

    /// Filings travel as the terminals store them (ISO 8601 instants).
    public static var filingDecoder: JSONDecoder {
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

    private func fetchAll(_ statements: [SQLStatement], inTransaction: Bool = false) async throws -> [[[SQLValue]]] {
        let logger = logger
        return try await database.run(inTransaction: inTransaction, passing: LifecycleRefusal.self) { c in
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

/// The rows `LifecycleSQL.newRows` gives for records none of which is stored yet, in COPY's
/// text format, made before the transaction that stores them: only their change numbers are
/// known inside it (`LifecycleSQL.nextChanges`), so each row's `change_seq` is left as a hole
/// filled when the bytes are streamed.
struct NewRowsCopy: Sendable {
    struct Table: Sendable {
        let table: String
        let columns: [String]
        /// The rows without their change numbers.
        let text: ByteBuffer
        /// Where each change number goes in `text` (ascending), and its record's position in the batch.
        let holes: [(at: Int, record: Int64)]

        /// `rows` in COPY's text format, but for the column `hole`'s integers: each is a
        /// record's position, its change number filled in by `write`.
        init(table: String, columns: [String], rows: [[SQLValue]], hole: String? = nil) {
            self.table = table
            self.columns = columns
            let holeColumn = hole.flatMap(columns.firstIndex(of:))
            var text = ByteBuffer()
            var holes: [(at: Int, record: Int64)] = []
            for row in rows {
                CopyText.append(row, to: &text, hole: holeColumn) { record, at in holes.append((at, record)) }
            }
            self.text = text
            self.holes = holes
        }

        /// The rows with the change numbers `firstChange + record`, in writes of about 1 MiB.
        func write(to writer: PostgresCopyFromWriter, firstChange: Int64) async throws {
            var buffer = ByteBuffer()
            buffer.reserveCapacity(min(text.readableBytes + holes.count * 20, (1 << 20) + (1 << 16)))
            var from = text.readerIndex
            for hole in holes {
                var piece = text.getSlice(at: from, length: hole.at - from)!
                buffer.writeBuffer(&piece)
                buffer.writeString(String(firstChange + hole.record))
                from = hole.at
                if buffer.readableBytes >= 1 << 20 {
                    try await writer.write(buffer)
                    buffer.clear()
                }
            }
            var rest = text.getSlice(at: from, length: text.writerIndex - from)!
            buffer.writeBuffer(&rest)
            if buffer.readableBytes > 0 { try await writer.write(buffer) }
        }
    }

    /// How many records (change numbers) the rows need.
    let records: Int
    let tables: [Table]

    init(_ items: [LifecycleSQL.NewRecord], calendar: OfficialCalendar) {
        records = items.count
        // Numbered from 0: each row's change number is its record's position in `items`.
        tables = LifecycleSQL.newRows(items, firstChange: 0, calendar: calendar).map { table in
            Table(table: table.table, columns: table.columns, rows: table.rows, hole: "change_seq")
        }
    }
}

/// Rows in the text format of `COPY … FROM STDIN`: values separated by tabs, rows ended by a
/// newline, NULL as `\N`; a backslash, tab, newline or carriage return in a text escaped with a
/// backslash; bytes as a `bytea` in hex (`\\x…`, its backslash escaped too); numbers as the
/// server reads them back exactly (Swift's shortest round-trip form of a Double).
enum CopyText {
    /// The column `hole` (an integer) is not written: `skipped` is told its value and where it would be.
    static func append(_ row: [SQLValue], to buffer: inout ByteBuffer, hole: Int? = nil,
                       skipped: (_ value: Int64, _ at: Int) -> Void = { _, _ in }) {
        for (index, value) in row.enumerated() {
            if index > 0 { buffer.writeInteger(UInt8(ascii: "\t")) }
            if index == hole, case .integer(let number) = value {
                skipped(number, buffer.writerIndex)
                continue
            }
            switch value {
            case .null: buffer.writeStaticString("\\N")
            case .integer(let number): buffer.writeString(String(number))
            case .real(let number): buffer.writeString(number.description)
            case .text(let text): appendEscaped(text, to: &buffer)
            case .blob(let bytes):
                buffer.writeStaticString("\\\\x")
                buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: bytes.count * 2) { out in
                    // Over the raw bytes: `Data`'s iterator cost more than the digits.
                    bytes.withUnsafeBytes { input in
                        let digits = hexDigits.utf8Start
                        var index = 0
                        for byte in input {
                            out[index] = digits[Int(byte >> 4)]
                            out[index + 1] = digits[Int(byte & 0x0F)]
                            index += 2
                        }
                        return index
                    }
                }
            }
        }
        buffer.writeInteger(UInt8(ascii: "\n"))
    }

    static let hexDigits: StaticString = "0123456789abcdef"

    private static func needsEscape(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
    }

    private static func appendEscaped(_ text: String, to buffer: inout ByteBuffer) {
        guard text.utf8.contains(where: needsEscape) else {
            buffer.writeString(text)
            return
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
            case UInt8(ascii: "\t"): buffer.writeStaticString("\\t")
            case UInt8(ascii: "\n"): buffer.writeStaticString("\\n")
            case UInt8(ascii: "\r"): buffer.writeStaticString("\\r")
            default: buffer.writeInteger(byte)
            }
        }
    }
}
