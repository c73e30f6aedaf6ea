import Booking
import Filings
import FormEngine
import Foundation
import KioskCore
import KioskTesting
import Secrets
@testable import Storage
@testable import StoragePostgres
import Testing

/// A filing lifecycle store on a fresh database (the terminal's SQLite file, or a database of
/// its own in the suite's private PostgreSQL), on the shipped official calendar. Filings enter
/// it the way they do in use: recorded with the terminal's SQLite transaction, or received by
/// the district from a terminal's outbox.
struct FilingLedgerFixture: Sendable {
    static let shanghai = TimeZone(identifier: "Asia/Shanghai")!
    static let calendar = try! CalendarFixture.shipped()
    static let lifecycle = FilingLifecycle(calendar: calendar, rules: LifecycleRules(), timeZone: shanghai)

    let kind: StoreKind
    let ledger: any FilingLedger
    let sqlite: SQLiteStore?
    let postgres: PostgresFixture?
    private let scratch: ScratchDirectory?

    init(_ kind: StoreKind, postgresURL: String? = nil) async throws {
        self.kind = kind
        switch kind {
        case .sqlite:
            let scratch = try ScratchDirectory(prefix: "kiosk-lifecycle")
            let store = try SQLiteStore(path: scratch.path + "/kiosk.sqlite", keys: BookingStoreFixture.keys)
            try store.migrate()
            self.scratch = scratch
            sqlite = store
            postgres = nil
            ledger = SQLiteFilingLedger(store: store, lifecycle: Self.lifecycle)
        case .postgres:
            let fixture = try await PostgresFixture(url: postgresURL)
            scratch = nil
            sqlite = nil
            postgres = fixture
            ledger = Self.district(fixture.store)
        }
    }

    /// The district's ledger on `store`, hashing with the district's key as every hall does.
    static func district(_ store: PostgresStore) -> PostgresFilingLedger {
        PostgresFilingLedger(store: store, lifecycle: lifecycle, districtHasher: { HMACIDHasher(key: BookingStoreFixture.keys.district!) })
    }

    static func at(_ text: String) -> Date {
        let parts = text.split(separator: " ").map(String.init)
        return try! LocalDate(parts[0]).instant(at: LocalTime(parts.count > 1 ? parts[1] : "10:00"), in: shanghai)
    }

    static func day(_ text: String) -> LocalDate { try! LocalDate(text) }

    static func citizen(_ sequence: Int) throws -> ResidentIDNumber { try BookingStoreFixture.citizen(sequence: sequence) }

    /// A filing as a terminal submits it (JSON as the terminals store it), with a 容缺 material due
    /// three working days later and a commitment; `parts` makes it a bundle of those sub-filings.
    static func filing(reference: String, at time: Date, applicant: ResidentIDNumber, form: String = "permit",
                       department: String = "bureau", limit: Int = 5, parts: [(String, String)] = [], version: Int = 1) throws -> Filing {
        let submitted = time.formatted(.iso8601)
        let due = calendar.adding(workingDays: 3, to: LocalDate(containing: time, in: shanghai))
        let subFilings = parts.map { part, departmentID in
            #"{"id":"\#(part)","title":{"zh-CN":"\#(part)事项","en":"\#(part)"},"department":{"zh-CN":"\#(departmentID)局","en":"\#(departmentID)"},"departmentID":"\#(departmentID)","timeLimitDays":\#(limit),"materialIDs":[]}"#
        }.joined(separator: ",")
        let json = """
            {"formID":"\(form)","formVersion":1,"reference":"\(reference)","title":{"zh-CN":"许可","en":"Permit"},
             "department":{"zh-CN":"区某局","en":"District bureau"},"departmentID":"\(department)","timeLimitDays":\(limit),
             "afterReturn":"restart","version":\(version),"submittedAt":"\(submitted)",
             "applicant":{"name":"张三","identifier":"\(applicant.value)","identifierLabel":{"zh-CN":"身份证号","en":"ID number"},"isIDNumber":true},
             "answers":{"name":"张三","number":"\(applicant.value)","mobile":"13812345678"},
             "materials":[{"materialID":"proof","name":{"zh-CN":"证明","en":"Proof"},"status":"deferred"},
                          {"materialID":"residence","name":{"zh-CN":"居住证明","en":"Residence"},"status":"committed"}],
             "deferred":[{"materialID":"proof","name":{"zh-CN":"证明","en":"Proof"},"dueDate":"\(due)",
                          "consequence":{"zh-CN":"逾期退回","en":"Returned"},"maxDays":3,"days":"working","whenMissed":"return"}],
             "commitments":[{"materialID":"residence","name":{"zh-CN":"居住证明","en":"Residence"},
                             "statement":{"zh-CN":"我住这里","en":"I live here"},"verification":{"zh-CN":"核实","en":"Visit"}}],
             "subFilings":[\(subFilings)],"overrides":[]}
            """
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(Filing.self, from: Data(json.utf8))
    }

    /// Files one filing at `hall` on `time`: in SQLite as `kiosk serve` records it, in the
    /// district as the outbox delivers it. Returns its reference.
    @discardableResult
    func file(at time: String, applicant: ResidentIDNumber, hall: String = "S01", form: String = "permit", department: String = "bureau",
              limit: Int = 5, parts: [(String, String)] = []) async throws -> String {
        let instant = Self.at(time)
        let day = LocalDate(containing: instant, in: Self.shanghai).description.replacingOccurrences(of: "-", with: "")
        if let sqlite {
            let lifecycle = Self.lifecycle
            return try await sqlite.recordFiling(site: hall, day: day, build: { reference in
                try Self.filing(reference: reference, at: instant, applicant: applicant, form: form, department: department, limit: limit,
                                parts: parts)
            }, open: { filing in
                lifecycle.open(filing, hall: hall, terminal: "T01", idHash: sqlite.idHasher().hash(applicant), idMasked: applicant.masked)
            }, calendar: Self.calendar).reference
        }
        let reference = "\(hall)-T01-\(day)-\(UUID().uuidString.prefix(8))"
        let filing = try Self.filing(reference: reference, at: instant, applicant: applicant, form: form, department: department,
                                     limit: limit, parts: parts)
        let ledger = try #require(ledger as? PostgresFilingLedger)
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        try await ledger.receive(filing, document: try encoder.encode(filing), terminalID: "T01", hall: hall, applicant: applicant,
                                 at: instant)
        return reference
    }

    @discardableResult
    func apply(_ command: LifecycleCommand, _ reference: String, by actor: LifecycleActor = .window(staff: "W01"), at time: String)
        async throws -> LifecycleTransition {
        try await ledger.apply(command, to: reference, by: actor, at: Self.at(time))
    }

    /// One integer from a query both databases speak.
    func count(_ sql: String) async throws -> Int {
        if let sqlite { return try await sqlite.pool.read { db in try Int.fetchOne(db, sql: sql) ?? 0 } }
        return try await #require(postgres).count(sql)
    }
}

/// The calendar shipped in `Forms/calendar`.
enum CalendarFixture {
    static func shipped() throws -> OfficialCalendar {
        let directory = TestInstallation.repository.appendingPathComponent("Forms/calendar")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }
        return try OfficialCalendar(yearFiles: files.compactMap { FileManager.default.contents(atPath: directory.appendingPathComponent($0).path) })
    }
}

extension FilingLedgerFixture {
    /// Statements of the test's own, in one transaction of the store under test.
    func run(_ statements: [SQLStatement]) async throws -> [[[SQLValue]]] {
        if let ledger = ledger as? SQLiteFilingLedger { return try await ledger.runInBulk(statements) }
        return try await #require(ledger as? PostgresFilingLedger).runInBulk(statements)
    }
}
