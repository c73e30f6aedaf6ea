import Booking
import Filings
import FormEngine
import Foundation
import KioskCore
import KioskTesting
import Logging
import Secrets
import Storage
import StoragePostgres

/// `kiosk bench lifecycle [--filings N]`: the filing lifecycle's figures (issue 16) on N filings
/// (1,000,000 by default) over twelve months, 40 matters and 8 departments, in the terminal's
/// SQLite file and in a private PostgreSQL (the district store): the staff desk's queue page
/// (< 50 ms), the supervision desk's first page, the monthly report (< 2 s) and the progress
/// look-up by card (< 10 ms).
///
/// Up to 50,000 filings are made by the lifecycle itself (`FilingLifecycle.open` and `apply`:
/// received, returned, accepted, started, completed on time or late, rated, some badly) and
/// written in batches of multi-row INSERTs, each batch one transaction, to both stores at once;
/// the rest are copies of their rows under new references, made by each database (`copy`).
public enum LifecycleBenchmarks {
    public static let defaultFilings = 1_000_000
    static let batch = 5_000
    /// At most this many filings are made by the lifecycle; the rest are copies of them under
    /// new references (`copy`): a debug build on a shared machine makes a few hundred a second.
    static let maxMade = 50_000
    static let departments = 8
    static let matters = 40
    static let zone = TimeZone(identifier: "Asia/Shanghai")!
    /// When the figures are taken: the twelve months of filings end here, and the report is of
    /// the last complete month (November 2026).
    static let now = try! Date("2026-12-01T10:00:00+08:00", strategy: .iso8601)
    static let first = try! Date("2025-12-01T09:00:00+08:00", strategy: .iso8601)
    static let month = try! ReportMonth("2026-11")

    public static func run(filings: Int = defaultFilings) -> [Figure] {
        measuredFigures("lifecycle") { try await measure(filings: max(filings, 1)) }
    }

    /// The official calendar shipped with the project (`Forms/calendar`), as the hall uses it.
    static func calendar() throws -> OfficialCalendar {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Forms/calendar")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }.sorted()
        return try OfficialCalendar(yearFiles: files.compactMap { FileManager.default.contents(atPath: directory.appendingPathComponent($0).path) })
    }

    static func measure(filings: Int) async throws -> [Figure] {
        let lifecycle = FilingLifecycle(calendar: try calendar(), timeZone: zone)
        let scratch = try ScratchDirectory(prefix: "kiosk-bench-lifecycle")
        let keys = TerminalKeys.random()
        let store = try SQLiteStore(path: scratch.path + "/kiosk.sqlite", keys: keys)
        try store.migrate()
        let sqlite = SQLiteFilingLedger(store: store, lifecycle: lifecycle)
        return try await PrivatePostgres.withPrivate { cluster in
            // A batch of five thousand filings takes longer than a terminal's request may on a loaded machine.
            let district = try PostgresStore(url: try await cluster.createDatabase(), operationTimeout: .seconds(600),
                                             logger: Logger(label: "kiosk.bench"))
            return try await district.withRunning {
                _ = try await district.migrate()
                // Both stores hash ID numbers with the same key here, so one generated record suits both.
                let postgres = PostgresFilingLedger(store: district, lifecycle: lifecycle) { HMACIDHasher(key: keys.idHashing) }
                let started = ContinuousClock.now
                let made = min(filings, maxMade)
                var written = 0
                var making = Duration.zero, writing = Duration.zero
                while written < made {
                    var lap = ContinuousClock.now
                    let transitions = try (written..<min(written + batch, made)).map { try filing($0, of: made, lifecycle, keys) }
                    making += ContinuousClock.now - lap
                    lap = ContinuousClock.now
                    async let toSQLite: Void = sqlite.insert(transitions)
                    try await postgres.insert(transitions)
                    try await toSQLite
                    writing += ContinuousClock.now - lap
                    written += transitions.count
                }
                let copies = (filings - 1) / made
                let copying = ContinuousClock.now
                try await copy(copies, of: made, filings: filings, sqlite: sqlite, postgres: postgres)
                let copySeconds = seconds(ContinuousClock.now - copying)
                _ = try await cluster.psql("ANALYZE")
                // Where the filling's time goes, each as filings per second of its own share.
                var figures = [
                    Figure(name: "lifecycle: filings made by the lifecycle (\(made))", value: Double(made) / seconds(making), unit: "/s"),
                    Figure(name: "lifecycle: made filings written to both stores at once", value: Double(made) / seconds(writing), unit: "/s"),
                ]
                if copies > 0 {
                    figures.append(Figure(name: "lifecycle: filings copied in bulk in both stores (\(filings - made))",
                                          value: Double(filings - made) / copySeconds, unit: "/s"))
                }
                figures.append(Figure(name: "lifecycle: the whole fill (\(filings) filings)", value: seconds(ContinuousClock.now - started),
                                      unit: "s"))
                figures += try await figuresOf(sqlite, store: "SQLite", filings: filings, made: made)
                figures += try await figuresOf(postgres, store: "PostgreSQL", filings: filings, made: made)
                return figures
            }
        }
    }

    /// The tables of the lifecycle's rows, each made `copies` more times in both stores: every
    /// row of the made filings again under the reference `REF~k`, with the same dates, states,
    /// departments and matters (so the spread over months and states stays the made one).
    /// A copy's record names no applicant: the look-up by card finds the made filings only.
    static let copiedTables = ["lifecycle_record", "lifecycle_case", "lifecycle_event", "lifecycle_deferral", "lifecycle_commitment",
                               "lifecycle_rating", "lifecycle_followup"]

    static func copy(_ copies: Int, of made: Int, filings: Int, sqlite: SQLiteFilingLedger, postgres: PostgresFilingLedger) async throws {
        guard copies > 0 else { return }
        func columnNames(_ rows: [[SQLValue]]) -> [String] { rows.compactMap { $0.first?.text } }
        var sqliteColumns: [String: [String]] = [:], postgresColumns: [String: [String]] = [:]
        for table in copiedTables {
            sqliteColumns[table] = columnNames(try await sqlite.runInBulk([SQLStatement("SELECT name FROM pragma_table_info(?)", [.text(table)])])[0])
            postgresColumns[table] = columnNames(try await postgres.runInBulk([SQLStatement("""
                SELECT column_name::text FROM information_schema.columns WHERE table_name = ? ORDER BY ordinal_position
                """, [.text(table)])])[0])
        }
        for k in 1...copies {
            // The last copy may be partial: `filings` in all.
            let count = min(made, filings - made * k)
            guard count > 0 else { break }
            let statements = { (columns: [String: [String]]) in
                copiedTables.map { table in
                    let names = (columns[table] ?? []).filter { $0 != "id" }
                    let values = names.map { name in
                        switch name {
                        case "reference": "reference || ?"
                        case "id_hash", "id_masked": "NULL"
                        default: name
                        }
                    }
                    // Made references are `H<hall>-<8 digits>`: the first `count` of them are copied.
                    return SQLStatement("""
                        INSERT INTO \(table) (\(names.joined(separator: ", "))) SELECT \(values.joined(separator: ", ")) FROM \(table)
                        WHERE reference NOT LIKE '%~%' AND substr(reference, 4) < ?
                        """, [.text("~\(k)"), .text(String(format: "%08d", count))])
                }
            }
            let forSQLite = statements(sqliteColumns), forPostgres = statements(postgresColumns)
            async let toSQLite = sqlite.runInBulk(forSQLite)
            _ = try await postgres.runInBulk(forPostgres)
            _ = try await toSQLite
        }
    }

    /// The desks, the report and the look-up, each the median of several runs, in milliseconds.
    static func figuresOf(_ ledger: any FilingLedger, store: String, filings: Int, made: Int) async throws -> [Figure] {
        let today = ledger.lifecycle.day(now)
        let label = "lifecycle \(store) (\(filings) filings)"
        let queue = try await medianMilliseconds(samples: 21) {
            _ = try await ledger.queue(departmentID: "dept3", states: [.submitted, .received], today: today, limit: 100)
            _ = try await ledger.reminders(departmentID: "dept3", today: today, limit: 100)
        }
        let queueAll = try await medianMilliseconds(samples: 21) {
            _ = try await ledger.queue(departmentID: nil, states: [.submitted, .received], today: today, limit: 100)
            _ = try await ledger.reminders(departmentID: nil, today: today, limit: 100)
        }
        let desk = try await medianMilliseconds(samples: 11) {
            _ = try await ledger.supervisionDesk(DeskFilter(), today: today, limit: 50)
        }
        let report = try await medianMilliseconds(samples: 5) {
            _ = try await ledger.monthlyReport(month, filter: DeskFilter(), today: today, generatedAt: now)
        }
        var next = 0
        let applicants = applicantCount(made)
        let lookup = try await medianMilliseconds(samples: 201) {
            next = (next + 7919) % applicants
            let found = try await ledger.records(idHash: try await ledger.idHash(try applicant(next)), limit: 50)
            guard !found.isEmpty else { throw LifecycleRefusal(.filingNotFound) }
        }
        return [
            Figure(name: "\(label): staff desk queue page, one department (GET /v1/desk/queue)", value: queue, unit: "ms", target: "< 50 ms"),
            Figure(name: "\(label): staff desk queue page, all departments", value: queueAll, unit: "ms", target: "< 50 ms"),
            Figure(name: "\(label): supervision desk, first page", value: desk, unit: "ms", target: "< 50 ms"),
            Figure(name: "\(label): monthly report \(month)", value: report, unit: "ms", target: "< 2000 ms"),
            Figure(name: "\(label): progress look-up by card", value: lookup, unit: "ms", target: "< 10 ms"),
        ]
    }

    // MARK: The filings

    /// About five filings per applicant.
    static func applicantCount(_ filings: Int) -> Int { max(1, filings / 5) }

    /// The `index`th applicant: born on one of 1,000 days from 1960, with a sequence number of
    /// their own (GB 11643, check character included).
    static func applicant(_ index: Int) throws -> ResidentIDNumber {
        let born = try LocalDate("1960-01-01").adding(days: index % 1000).description.replacingOccurrences(of: "-", with: "")
        let first17 = "110105" + born + String(format: "%03d", (index / 1000) % 1000)
        guard let check = ResidentIDNumber.checkCharacter(forFirst17: first17) else { throw ResidentIDNumberError(.invalidCharacter) }
        return try ResidentIDNumber(first17 + String(check))
    }

    /// Filing `index` of `count`: its matter, department and hall, submitted at a moment of the
    /// twelve months, taken as far through its lifecycle as its fate and the time allow.
    static func filing(_ index: Int, of count: Int, _ lifecycle: FilingLifecycle, _ keys: TerminalKeys) throws -> LifecycleTransition {
        var random = SplitMixGenerator(state: UInt64(index) &+ 0x9E37_79B9)
        let matter = index % matters
        let department = "dept\(matter % departments)"
        let span = now.timeIntervalSince(first) - 86_400
        let submitted = first.addingTimeInterval(span * Double(index) / Double(count) + Double(random.next() % 28_800))
        let number = try applicant(index % applicantCount(count))
        let reference = "H\(index % 4)-" + String(format: "%08d", index)
        let json = """
            {"formID":"matter-\(matter)","formVersion":1,"reference":"\(reference)","title":{"zh-CN":"事项\(matter)","en":"Matter \(matter)"},
             "department":{"zh-CN":"部门\(matter % departments)","en":"Department \(matter % departments)"},"departmentID":"\(department)",
             "timeLimitDays":\(3 + matter % 10),"afterReturn":"restart","version":1,"submittedAt":"\(submitted.ISO8601Format())",
             "answers":{},"materials":[],"deferred":[],"commitments":[],"subFilings":[],"overrides":[]}
            """
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let filing = try decoder.decode(Filing.self, from: Data(json.utf8))
        let opened = lifecycle.open(filing, hall: "H\(index % 4)", terminal: "T\(index % 16)",
                                    idHash: HMACIDHasher(key: keys.idHashing).hash(number), idMasked: number.masked)
        var record = opened.record
        var events = opened.events
        var at = submitted
        let actor = LifecycleActor.department(department)
        /// One step `hours` after the last, if that is before the figures are taken.
        func step(_ command: LifecycleCommand, after hours: Double, by who: LifecycleActor = actor) throws -> Bool {
            let when = at.addingTimeInterval(hours * 3600)
            guard when < now else { return false }
            let transition = try lifecycle.apply(command, to: record, by: who, at: when)
            record = transition.record
            events += transition.events
            at = when
            return true
        }
        let fate = Int(random.next() % 100)
        let badReason = lifecycle.rules.ratingReasons.first { !$0.requiresNote }.map { [$0.code] } ?? []
        if fate >= 8, try step(.receive(part: nil), after: 2) {
            if fate < 14 {
                _ = try step(.returnFiling(part: nil, reasons: ["materialsIncomplete"], note: "补正"), after: 20)
            } else if try step(.accept(part: nil, window: department), after: 20), fate >= 24, try step(.start(part: nil), after: 4), fate >= 32,
                      try step(.complete(part: nil, outcome: .approved, document: nil, collectAt: nil, note: ""),
                               after: 24 * Double(1 + random.next() % 12)),
                      fate >= 60 {
                // Half the completed filings are rated; one rating in ten is 差评.
                let bad = random.next() % 10 == 0
                _ = try step(.rate(bad ? .dissatisfied : .verySatisfied, reasons: bad ? badReason : [], comment: nil), after: 3,
                             by: .citizen)
            }
        }
        return LifecycleTransition(record: record, events: events)
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// The median of `samples` runs of `body` (after one to warm up), in milliseconds.
    static func medianMilliseconds(samples: Int, _ body: () async throws -> Void) async throws -> Double {
        try await body()
        var times: [Double] = []
        for _ in 0..<samples {
            let start = ContinuousClock.now
            try await body()
            times.append(seconds(ContinuousClock.now - start) * 1000)
        }
        return times.sorted()[times.count / 2]
    }
}
