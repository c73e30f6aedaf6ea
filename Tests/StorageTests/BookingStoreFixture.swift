import Booking
import Foundation
import KioskTesting
import Secrets
import GRDB
import KioskCore
import PostgresNIO
@testable import Storage
@testable import StoragePostgres
import Testing

/// The two databases a booking store runs on; the behaviour suites run once per kind.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite
    case postgres

    var testDescription: String { rawValue }
}

/// A migrated store on a fresh database (a file, or a database of its own in the suite's private
/// PostgreSQL), a calendar with no published years (weekends off), the standard hall hours, and
/// slots of a five-place service from Tuesday 2026-12-01 08:00.
struct BookingStoreFixture: Sendable {
    static let shanghai = TimeZone(identifier: "Asia/Shanghai")!

    let kind: StoreKind
    let bookings: any BookingDatabase
    let generator: SlotGenerator
    /// SQLite only: the file and its store.
    let scratch: ScratchDirectory?
    let path: String
    let sqlite: SQLiteStore?
    /// PostgreSQL only: the database's URL and the running client (stopped with the fixture).
    let postgres: PostgresFixture?

    init(_ kind: StoreKind = .sqlite, policy: BookingPolicy = BookingPolicy(),
         queue: QueuePolicy = QueuePolicy(prefixes: ["hukou": "A", "tax": "B"]),
         scratch: ScratchDirectory? = nil, postgresURL: String? = nil) async throws {
        self.kind = kind
        generator = SlotGenerator(calendar: try OfficialCalendar(years: []), hours: .standard)
        switch kind {
        case .sqlite:
            let scratch = try scratch ?? ScratchDirectory(prefix: "kiosk-bookings")
            self.scratch = scratch
            path = scratch.path + "/kiosk.sqlite"
            let store = try SQLiteStore(path: path, keys: Self.keys)
            try store.migrate()
            sqlite = store
            postgres = nil
            bookings = try SQLiteBookingStore(store: store, policy: policy, queue: queue, timeZone: Self.shanghai)
        case .postgres:
            let fixture = try await PostgresFixture(url: postgresURL)
            self.scratch = nil
            path = fixture.url
            sqlite = nil
            postgres = fixture
            bookings = PostgresBookingStore(store: fixture.store, policy: policy, queue: queue, timeZone: Self.shanghai,
                                            hasher: HMACIDHasher(key: Self.keys.district!))
        }
    }

    /// One terminal's keys and its district's, the same for every fixture: a reopened fixture is
    /// the same terminal (or another of the same district).
    static let keys = TerminalKeys(terminal: SecretKey(bytes: [UInt8](repeating: 7, count: 32))!,
                                   district: SecretKey(bytes: [UInt8](repeating: 9, count: 32))!)

    /// The SQLite store, for tests of what only SQLite does.
    var store: SQLiteStore {
        get throws { try #require(sqlite) }
    }

    /// Another terminal's (or process's) view of the same database: its own pool and store.
    func reopened() async throws -> BookingStoreFixture {
        try await BookingStoreFixture(kind, policy: bookings.policy, scratch: scratch, postgresURL: postgres?.url)
    }

    static func beijing(_ text: String) throws -> Date {
        let parts = text.split(separator: " ").map(String.init)
        return try LocalDate(parts[0]).instant(at: LocalTime(parts[1]), in: shanghai)
    }

    /// Tuesday 2026-12-01 08:00 in Beijing.
    static let now = Date(timeIntervalSince1970: 1_796_083_200)

    static func service(_ id: String = "hukou", capacity: Int = 5) throws -> Service {
        try Service(id: id, nameZH: "户籍办理", nameEN: "Household registration", durationMinutes: 30,
                    counters: ["A01"], capacityPerSlot: capacity, horizonDays: 14, minimumNoticeMinutes: 0)
    }

    /// The slot of `service` starting at `start` (Beijing `YYYY-MM-DD HH:MM`).
    func slot(_ start: String, service: Service? = nil) throws -> Slot {
        try Self.slot(start, service: service)
    }

    /// As `slot(_:service:)`, without a fixture (the fixture's generator is this one).
    static func slot(_ start: String, service: Service? = nil) throws -> Slot {
        let generator = SlotGenerator(calendar: try OfficialCalendar(years: []), hours: .standard)
        let service = try service ?? Self.service()
        let startDate = try Self.beijing(start)
        let date = LocalDate(containing: startDate, in: Self.shanghai)
        guard let slot = generator.slots(for: service, from: date, through: date, now: Self.now)
            .first(where: { $0.start == startDate }) else { throw FixtureError.noSuchSlot }
        return slot
    }

    enum FixtureError: Error {
        case noSuchSlot
        case noSuchCitizen
        case noPrivatePostgres
    }

    /// A valid identity number for a citizen born on `born` (`YYYYMMDD`); `sequence` tells
    /// citizens born on the same day apart.
    static func citizen(born: String = "19800101", sequence: Int = 1) throws -> ResidentIDNumber {
        let first17 = "110105" + born + String(format: "%03d", sequence)
        guard let check = ResidentIDNumber.checkCharacter(forFirst17: first17) else { throw FixtureError.noSuchCitizen }
        return try ResidentIDNumber(first17 + String(check))
    }

    /// The slot's booked places: in PostgreSQL, its places held by bookings, once checked that they
    /// agree with the bookings (`SlotPlaces.slotsAmiss`).
    func taken(_ slot: Slot) async throws -> Int {
        switch kind {
        case .sqlite:
            return try await count("SELECT coalesce((SELECT taken FROM slot_capacity WHERE slot_id = '\(slot.id)'), 0)")
        case .postgres:
            #expect(try await count(SlotPlaces.slotsAmiss(where: "s.slot_id = '\(slot.id)'")) == 0, "slot \(slot.id)")
            return try await count(
                "SELECT count(*) FROM slot_place WHERE slot_id = '\(slot.id)' AND holder IS NOT NULL AND held_until IS NULL")
        }
    }

    /// Booked places plus live holds: what a new request competes with at `now`.
    func occupied(_ slot: Slot, at now: Date) async throws -> Int {
        switch kind {
        case .sqlite:
            return try await count("""
                SELECT coalesce((SELECT taken FROM slot_capacity WHERE slot_id = '\(slot.id)'), 0)
                     + (SELECT count(*) FROM booking_hold WHERE slot_id = '\(slot.id)' AND expires_at > \(now.timeIntervalSince1970))
                """)
        case .postgres:
            return try await taken(slot) + count("""
                SELECT count(*) FROM slot_place
                WHERE slot_id = '\(slot.id)' AND holder IS NOT NULL AND held_until > \(now.timeIntervalSince1970)
                """)
        }
    }

    /// Runs a statement written in the SQL both databases speak (or the one `kind` speaks).
    func execute(_ sql: String) async throws {
        if let sqlite {
            try await sqlite.pool.write { db in try db.execute(sql: sql) }
            return
        }
        let postgres = try #require(postgres)
        let store = postgres.store
        try await store.withConnection { connection in
            _ = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: store.logger).collect()
        }
    }

    /// One integer from a query written in the SQL both databases speak.
    func count(_ sql: String) async throws -> Int {
        if let sqlite {
            return try await sqlite.pool.read { db in try Int.fetchOne(db, sql: sql) ?? 0 }
        }
        let postgres = try #require(postgres)
        return try await postgres.count(sql)
    }
}

/// A database of its own in the suite's private PostgreSQL (`PrivatePostgres.current`), migrated,
/// with its client running until the fixture is released.
final class PostgresFixture: Sendable {
    let url: String
    let store: PostgresStore
    private let runner: Task<Void, Never>

    init(url: String? = nil) async throws {
        guard let cluster = PrivatePostgres.current else { throw BookingStoreFixture.FixtureError.noPrivatePostgres }
        let url = if let url { url } else { try await cluster.createDatabase() }
        self.url = url
        // Generous deadlines: every suite migrates its databases at once when the test run starts,
        // and on a loaded machine that takes longer than a terminal's 10 s. Outage behaviour is
        // tested with stores of their own.
        let store = try PostgresStore(url: url, operationTimeout: .seconds(60))
        self.store = store
        runner = Task { await store.run() }
        try await cluster.explainingFailures { try await store.migrate() }
    }

    func count(_ sql: String) async throws -> Int {
        let store = store
        return try await store.withConnection { connection in
            let rows = try await connection.query(PostgresQuery(unsafeSQL: sql), logger: store.logger).collect()
            return try rows.first?.decode(Int.self) ?? 0
        }
    }

    deinit { runner.cancel() }
}

/// Runs a suite inside the process's shared private PostgreSQL (see `PrivatePostgres.shared`).
struct PrivatePostgresTrait: SuiteTrait, TestScoping {
    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        try await PrivatePostgres.withShared { cluster in
            try await PrivatePostgres.$current.withValue(cluster) { try await function() }
        }
    }
}

extension Trait where Self == PrivatePostgresTrait {
    static var privatePostgres: Self { Self() }
}
