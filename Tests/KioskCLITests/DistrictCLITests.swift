import Booking
import Foundation
import KioskBench
import KioskTesting
import Storage
import StoragePostgres
import Testing

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

func cluster() throws -> PrivatePostgres {
    guard let cluster = PrivatePostgres.current else { throw PrivatePostgres.SetupFailure("no private PostgreSQL in scope") }
    return cluster
}

@Suite("kiosk in district mode (private PostgreSQL)", .privatePostgres)
struct DistrictCLITests {
    @Test func databaseMigrateMigratesTheTerminalAndTheDistrictStore() async throws {
        let url = try await cluster().createDatabase()
        let installation = try TestInstallation(config: "database = \"\(url)\"")
        defer { installation.remove() }
        let first = try await offPool { try KioskProcess.run(["db", "migrate"], in: installation.root) }
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout == """
            schema version \(SQLiteStore.knownSchemaVersion) (was 0)
            district schema version \(PostgresStore.knownSchemaVersion) (was 0)

            """)
        let second = try await offPool { try KioskProcess.run(["db", "migrate"], in: installation.root) }
        #expect(second.stdout.hasSuffix("district schema version \(PostgresStore.knownSchemaVersion) (up to date)\n"))
        let versions = try await cluster().psql("SELECT string_agg(version::text, ',' ORDER BY version) FROM kiosk_schema_version",
                                                database: String(url.split(separator: "/").last!))
        #expect(versions == (1...PostgresStore.knownSchemaVersion).map(String.init).joined(separator: ","))
    }

    @Test func aDistrictSchemaFromANewerKioskIsRefused() async throws {
        let url = try await cluster().createDatabase()
        let database = String(url.split(separator: "/").last!)
        let installation = try TestInstallation(config: "database = \"\(url)\"")
        defer { installation.remove() }
        _ = try await offPool { try KioskProcess.run(["db", "migrate"], in: installation.root) }
        try await cluster().psql("INSERT INTO kiosk_schema_version (version, name) VALUES (99, 'v99-future')", database: database)
        let result = try await offPool { try KioskProcess.run(["db", "migrate"], in: installation.root) }
        #expect(result.status == 1)
        #expect(result.stderr.hasSuffix("[databaseSchemaTooNew]\n"))
    }
}

@Suite("Terminals booking at once against one district store", .privatePostgres)
struct DistrictConcurrencyTests {
    /// Four `kiosk` processes, each with eight clients and a connection pool of its own, book
    /// the same 4 five-place slots for the same 24 citizens at once (quota: one active booking
    /// per citizen and service). Only PostgreSQL stands between them.
    @Test func fourTerminalProcessesNeitherOverbookNorBreachAQuota() async throws {
        let url = try await cluster().createDatabase()
        let database = String(url.split(separator: "/").last!)
        let installation = try TestInstallation(config: "database = \"\(url)\"")
        defer { installation.remove() }
        let migrated = try await offPool { try KioskProcess.run(["db", "migrate"], in: installation.root) }
        try #require(migrated.status == 0, "\(migrated.stderr)")

        let workers = 4
        let loads = (0..<workers).map {
            DistrictLoad(worker: $0, clients: 8, attemptsPerClient: 4, slots: 4, capacity: 5, citizens: 24, sharedCitizens: true)
        }
        let results = try await withThrowingTaskGroup(of: DistrictLoadResult.self) { group in
            for load in loads {
                let json = String(decoding: try JSONEncoder().encode(load), as: UTF8.self)
                group.addTask {
                    let run = try await offPool {
                        try KioskProcess.run(["district-worker", "--database", url, "--load", json], in: installation.root)
                    }
                    guard run.status == 0 else { throw PrivatePostgres.SetupFailure("worker failed: \(run.stderr)") }
                    return try JSONDecoder().decode(DistrictLoadResult.self, from: Data(run.stdout.utf8))
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let confirmed = results.map(\.confirmed).reduce(0, +)
        // 20 places, 24 citizens who each may hold one: every place is taken, once.
        #expect(confirmed == 20)
        #expect(results.map { $0.confirmed + $0.slotsFull + $0.refusedByQuota }.reduce(0, +) == workers * 8 * 4)
        #expect(results.map(\.refusedByQuota).reduce(0, +) > 0, "the load must contest quotas across processes")
        let cluster = try cluster()
        #expect(try await cluster.psql("SELECT count(*) FROM booking WHERE status = 'confirmed'", database: database) == "\(confirmed)")
        let miscounted = try await cluster.psql("""
            SELECT count(*) FROM slot_capacity s
            WHERE taken > capacity OR taken != (SELECT count(*) FROM booking b WHERE b.slot_id = s.slot_id AND b.status = 'confirmed')
            """, database: database)
        #expect(miscounted == "0")
        let overQuota = try await cluster.psql("""
            SELECT count(*) FROM (SELECT id_hash FROM booking WHERE status = 'confirmed' GROUP BY id_hash HAVING count(*) > 1) q
            """, database: database)
        #expect(overQuota == "0")
    }
}

@Suite("kiosk db copy into the district store", .privatePostgres)
struct DistrictCopyTests {
    @Test func aTerminalsBookingsMoveOnceAndStayFoundByIDNumber() async throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        #expect(try await offPool { try KioskProcess.run(["db", "migrate"], in: installation.root) }.status == 0)
        let path = installation.dataDirectory + "/kiosk.sqlite"
        let store = try SQLiteStore(path: path)
        let bookings = try SQLiteBookingStore(store: store, timeZone: DistrictBenchmarks.zoneForTests)
        let slots = try DistrictBenchmarks.slots(count: 2, capacity: 3)
        var records: [BookingRecord] = []
        for index in 0..<3 {
            records.append(try await bookings.book(slots[index % 2], idNumber: try DistrictBenchmarks.citizen(index),
                                                   idempotencyKey: "b\(index)", now: DistrictBenchmarks.now))
        }
        _ = try await bookings.cancel(code: records[2].code, idNumber: try DistrictBenchmarks.citizen(2), idempotencyKey: "c2",
                                      now: DistrictBenchmarks.now)

        let url = try await cluster().createDatabase()
        let database = String(url.split(separator: "/").last!)
        let arguments = ["db", "copy", "--from", "sqlite:" + path, "--to", url, "--terminal", "T09"]
        let first = try await offPool { try KioskProcess.run(arguments, in: installation.root) }
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains(": 3 bookings, 0 tickets, 0 ratings, 0 filings, 4 idempotency keys; the district now keys"))
        let again = try await offPool { try KioskProcess.run(arguments, in: installation.root) }
        #expect(again.stdout.contains(": 0 bookings, 0 tickets, 0 ratings, 0 filings, 0 idempotency keys"))
        #expect(try await cluster().psql("SELECT string_agg(taken::text, ',' ORDER BY slot_id) FROM slot_capacity", database: database) == "1,1")

        // The district finds the citizen by ID number (same keyed hash) and holds the quota.
        let district = try PostgresStore(url: url)
        let firstBooking = records[0]
        try await district.withRunning {
            let moved = PostgresBookingStore(store: district, timeZone: DistrictBenchmarks.zoneForTests)
            let found = try await moved.lookup(code: firstBooking.code, idNumber: try DistrictBenchmarks.citizen(0))
            #expect(found == firstBooking)
            await #expect(throws: BookingRuleError(.quotaPerServiceExceeded)) {
                try await moved.book(slots[1], idNumber: try DistrictBenchmarks.citizen(0), idempotencyKey: "again", now: DistrictBenchmarks.now)
            }
        }
    }
}

@Suite("kiosk diag district", .privatePostgres)
struct DistrictDiagnosticsCLITests {
    @Test func showsTheDistrictStoreAndTheOutbox() async throws {
        let url = try await cluster().createDatabase()
        let installation = try TestInstallation(config: "database = \"\(url)\"")
        defer { installation.remove() }
        #expect(try await offPool { try KioskProcess.run(["db", "migrate"], in: installation.root) }.status == 0)
        let result = try await offPool { try KioskProcess.run(["diag", "district"], in: installation.root) }
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains(": ready, schema version \(PostgresStore.knownSchemaVersion)\n"))
        #expect(result.stdout.hasSuffix("outbox: 0 pending, 0 sent, 0 refused by the district\n"))
        let unreachable = try TestInstallation(config: "database = \"postgres://kiosk@127.0.0.1:\(try ListeningSocket.freePort())/kiosk\"")
        defer { unreachable.remove() }
        let down = try await offPool { try KioskProcess.run(["diag", "district"], in: unreachable.root) }
        #expect(down.stdout.contains(": unreachable ("))
    }
}
