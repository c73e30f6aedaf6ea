import Booking
import Filings
import Foundation
@testable import KioskBench
import KioskCore
import KioskTesting
import Secrets
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

@Suite("kiosk in district mode (private PostgreSQL)", .privatePostgres, .waitsOffPool)
struct DistrictCLITests {
    @Test func databaseMigrateMigratesTheTerminalAndTheDistrictStore() async throws {
        let url = try await cluster().createDatabase()
        let installation = try TestInstallation(config: "database = \"\(url)\"")
        defer { installation.remove() }
        let first = try await offPool { try KioskProcess.run(["db", "migrate"], in: installation.root) }
        #expect(first.status == 0, "\(first.stderr)")
        let districtKey = try #require(try installation.keys().district, "the first terminal takes the district's key out of the store")
        // No services, the default hours and queue: what kiosk.conf says when it says nothing.
        let defaults = DistrictSettings(services: [], hours: try HallHours(), queue: QueuePolicy())
        #expect(first.stdout == """
            schema version \(SQLiteStore.knownSchemaVersion) (was 0)
            district schema version \(PostgresStore.knownSchemaVersion) (was 0)
            district ID key \(districtKey.fingerprint) taken out of the district store into \(installation.root)/secrets/district-id.key: \
            copy that file to every other terminal of the district and run kiosk secrets import FILE there
            district settings \(defaults.fingerprint) (services, hours, queue) recorded \
            from this terminal: every other terminal of the district must have the same

            """)
        let second = try await offPool { try KioskProcess.run(["db", "migrate"], in: installation.root) }
        #expect(second.stdout.hasSuffix("district schema version \(PostgresStore.knownSchemaVersion) (up to date)\n"
            + "district settings \(defaults.fingerprint) (services, hours, queue): the same as recorded by T01\n"))
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

@Suite("Terminals booking at once against one district store", .privatePostgres, .waitsOffPool)
struct DistrictConcurrencyTests {
    /// Four `kiosk` processes, each with eight clients and a connection pool of its own, book
    /// the same 4 five-place slots for the same 24 citizens at once (quota: one active booking
    /// per citizen and service). Only PostgreSQL stands between them.
    @Test func fourTerminalProcessesNeitherOverbookNorBreachAQuota() async throws {
        try await fourTerminalProcesses(holding: false)
    }

    /// The same through the citizens' own path: each place held, then the hold confirmed. A
    /// citizen's newer hold in another process replaces their older one, whose confirmation then
    /// finds no hold.
    @Test func fourTerminalProcessesHoldingThenConfirmingNeitherOverbookNorBreachAQuota() async throws {
        try await fourTerminalProcesses(holding: true)
    }

    func fourTerminalProcesses(holding: Bool) async throws {
        let url = try await cluster().createDatabase()
        let database = String(url.split(separator: "/").last!)
        let installation = try TestInstallation(config: "database = \"\(url)\"")
        defer { installation.remove() }
        let migrated = try await offPool { try KioskProcess.run(["db", "migrate"], in: installation.root) }
        try #require(migrated.status == 0, "\(migrated.stderr)")

        let workers = 4
        let loads = (0..<workers).map {
            DistrictLoad(worker: $0, clients: 8, attemptsPerClient: 4, slots: 4, capacity: 5, citizens: 24, sharedCitizens: true,
                         holds: holding)
        }
        let results = try await withThrowingTaskGroup(of: DistrictLoadResult.self) { group in
            for load in loads {
                let json = String(decoding: try JSONEncoder().encode(load), as: UTF8.self)
                group.addTask {
                    let run = try await offPool {
                        try KioskProcess.run(["district-worker", "--database", url, "--district-key",
                                              installation.root + "/secrets/district-id.key", "--load", json], in: installation.root,
                                             executable: KioskProcess.built("kiosk-bench"))
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
        #expect(results.map { $0.confirmed + $0.slotsFull + $0.refusedByQuota + $0.holdsReplaced }.reduce(0, +) == workers * 8 * 4)
        #expect(results.map(\.refusedByQuota).reduce(0, +) > 0, "the load must contest quotas across processes")
        let cluster = try cluster()
        #expect(try await cluster.psql("SELECT count(*) FROM booking WHERE status = 'confirmed'", database: database) == "\(confirmed)")
        #expect(try await cluster.psql(SlotPlaces.slotsAmiss(), database: database) == "0")
        #expect(try await cluster.psql("SELECT sum(capacity) FROM slot_capacity", database: database) == "20")
        let overQuota = try await cluster.psql("""
            SELECT count(*) FROM (SELECT id_hash FROM booking WHERE status = 'confirmed' GROUP BY id_hash HAVING count(*) > 1) q
            """, database: database)
        #expect(overQuota == "0")
        // Every hold granted was confirmed or replaced.
        #expect(try await cluster.psql("SELECT count(*) FROM booking_hold", database: database) == "0")
    }
}

@Suite("kiosk db copy into the district store", .privatePostgres, .waitsOffPool)
struct DistrictCopyTests {
    /// Books `citizens` (by index) at a fresh terminal; cancels the last.
    static func terminalWithBookings(_ citizens: [Int], slots: [Slot]) async throws -> (TestInstallation, [BookingRecord]) {
        let installation = try TestInstallation()
        #expect(try await offPool { try KioskProcess.run(["db", "migrate"], in: installation.root) }.status == 0)
        let bookings = try SQLiteBookingStore(store: try installation.store(), timeZone: DistrictBenchmarks.zoneForTests)
        var records: [BookingRecord] = []
        for (index, citizen) in citizens.enumerated() {
            records.append(try await bookings.book(slots[index % 2], idNumber: try DistrictBenchmarks.citizen(citizen),
                                                   idempotencyKey: "b\(citizen)", now: DistrictBenchmarks.now))
        }
        return (installation, records)
    }

    /// Two terminals, each with bookings hashed with its own key, move into one district: the
    /// first takes the district's key out of the store, the second imports it, and both copy.
    /// The district then finds every citizen by ID number with its one key, and a citizen who
    /// booked at both halls holds a quota counted across them.
    @Test func everyTerminalsBookingsMoveOnceAndStayFoundByIDNumber() async throws {
        let slots = try DistrictBenchmarks.slots(count: 2, capacity: 3)
        let (first, firstBookings) = try await Self.terminalWithBookings([0, 1, 2], slots: slots)
        let (second, secondBookings) = try await Self.terminalWithBookings([3, 4], slots: [slots[1], slots[0]])
        defer { first.remove(); second.remove() }
        _ = try await SQLiteBookingStore(store: try first.store(), timeZone: DistrictBenchmarks.zoneForTests)
            .cancel(code: firstBookings[2].code, idNumber: try DistrictBenchmarks.citizen(2), idempotencyKey: "c2", now: DistrictBenchmarks.now)
        #expect(try first.keys().idHashing.fingerprint != second.keys().idHashing.fingerprint)

        let url = try await cluster().createDatabase()
        let database = String(url.split(separator: "/").last!)
        func copy(_ installation: TestInstallation, _ terminal: String) async throws -> KioskProcess.Result {
            try await offPool {
                try KioskProcess.run(["db", "copy", "--from", "sqlite:" + installation.dataDirectory + "/kiosk.sqlite", "--to", url,
                                      "--terminal", terminal], in: installation.root)
            }
        }
        let copied = try await copy(first, "T09")
        #expect(copied.status == 0, "\(copied.stderr)")
        #expect(copied.stdout.contains(":\n  bookings: 3 copied, 0 already there\n  tickets: 0 copied, 0 already there\n"), "\(copied.stdout)")
        #expect(copied.stdout.contains("\n  idempotency keys: 4 copied, 0 already there\n"), "\(copied.stdout)")
        let again = try await copy(first, "T09").stdout
        #expect(again.contains(":\n  bookings: 0 copied, 3 already there\n") && again.contains("\n  idempotency keys: 0 copied, 4 already there\n"),
                "\(again)")
        #expect(try await cluster().psql("SELECT count(*) FROM installation WHERE secret IS NOT NULL", database: database) == "0",
                "the district's key left the store")

        // The second terminal has no copy of the district's key yet: refused, nothing copied.
        let refused = try await copy(second, "T10")
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("copy district-id.key from a terminal of the district and run kiosk secrets import FILE"))
        let imported = try await offPool {
            try KioskProcess.run(["secrets", "import", first.root + "/secrets/district-id.key"], in: second.root)
        }
        #expect(imported.status == 0, "\(imported.stderr)")
        let secondCopy = try await copy(second, "T10")
        #expect(secondCopy.status == 0, "\(secondCopy.stderr)")
        #expect(secondCopy.stdout.contains(":\n  bookings: 2 copied, 0 already there\n"), "\(secondCopy.stdout)")
        #expect(try await cluster().psql("""
            SELECT string_agg((SELECT count(*) FROM slot_place p WHERE p.slot_id = s.slot_id AND p.holder IS NOT NULL)::text, ','
                              ORDER BY s.slot_id) FROM slot_capacity s
            """, database: database) == "2,2")
        #expect(try await cluster().psql(SlotPlaces.slotsAmiss(), database: database) == "0")

        let district = try PostgresStore(url: url)
        let key = try #require(try first.keys().district)
        try await district.withRunning {
            let moved = PostgresBookingStore(store: district, timeZone: DistrictBenchmarks.zoneForTests, hasher: HMACIDHasher(key: key))
            let foundFirst = try await moved.lookup(code: firstBookings[0].code, idNumber: try DistrictBenchmarks.citizen(0))
            #expect(foundFirst == firstBookings[0])
            let foundSecond = try await moved.lookup(code: secondBookings[1].code, idNumber: try DistrictBenchmarks.citizen(4))
            #expect(foundSecond == secondBookings[1])
            await #expect(throws: BookingRuleError(.quotaPerServiceExceeded)) {
                try await moved.book(slots[1], idNumber: try DistrictBenchmarks.citizen(3), idempotencyKey: "again", now: DistrictBenchmarks.now)
            }
        }
    }

    /// A terminal that went on serving alone after its copy: a booking it cancelled and one it moved
    /// since are so in the district after the next copy, where the cancelled one kept its place and
    /// the citizen's quota before; until then they count as not copied (`kiosk serve` refuses
    /// district mode). A booking the district cancelled since (at another hall) stays cancelled.
    @Test func bookingsChangedAtTheTerminalAfterTheirCopyAreChangedInTheDistrict() async throws {
        let zone = DistrictBenchmarks.zoneForTests, now = DistrictBenchmarks.now
        let slots = try DistrictBenchmarks.slots(count: 2, capacity: 3)
        let (terminal, booked) = try await Self.terminalWithBookings([0, 1, 2], slots: slots)   // slots 0, 1, 0
        defer { terminal.remove() }
        let url = try await cluster().createDatabase()
        let database = String(url.split(separator: "/").last!)
        func copy() async throws -> KioskProcess.Result {
            try await offPool {
                try KioskProcess.run(["db", "copy", "--from", "sqlite:" + terminal.dataDirectory + "/kiosk.sqlite", "--to", url,
                                      "--terminal", "T09"], in: terminal.root)
            }
        }
        let first = try await copy()
        #expect(first.status == 0, "\(first.stderr)")
        let local = try SQLiteBookingStore(store: try terminal.store(), timeZone: zone)
        _ = try await local.cancel(code: booked[0].code, idNumber: try DistrictBenchmarks.citizen(0), idempotencyKey: "c0", now: now)
        _ = try await local.reschedule(code: booked[1].code, idNumber: try DistrictBenchmarks.citizen(1), to: slots[0],
                                       idempotencyKey: "r1", now: now)
        let key = try #require(try terminal.keys().district)
        // One store per span: a pool runs once.
        func inTheDistrict(_ body: @Sendable (PostgresBookingStore) async throws -> Void) async throws {
            let district = try PostgresStore(url: url)
            try await district.withRunning { try await body(PostgresBookingStore(store: district, timeZone: zone, hasher: HMACIDHasher(key: key))) }
        }
        try await inTheDistrict { hall in
            _ = try await hall.cancel(code: booked[2].code, idNumber: try DistrictBenchmarks.citizen(2), idempotencyKey: "elsewhere",
                                      now: now)
        }
        #expect(try await terminal.store().notCopiedToDistrict().bookings == 2)

        let again = try await copy()
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("\n2 bookings cancelled, moved or checked in on this terminal since their copy are so in the district store\n"),
                "\(again.stdout)")
        #expect(try await terminal.store().notCopiedToDistrict().bookings == 0)
        #expect(try await cluster().psql("""
            SELECT string_agg((SELECT count(*) FROM slot_place p WHERE p.slot_id = s.slot_id AND p.holder IS NOT NULL)::text, ','
                              ORDER BY s.slot_id) FROM slot_capacity s
            """, database: database) == "1,0")
        #expect(try await cluster().psql(SlotPlaces.slotsAmiss(), database: database) == "0")
        try await inTheDistrict { hall in
            #expect(try await hall.lookup(code: booked[0].code, idNumber: try DistrictBenchmarks.citizen(0)).status == .cancelled)
            #expect(try await hall.lookup(code: booked[1].code, idNumber: try DistrictBenchmarks.citizen(1)).slotID == slots[0].id)
            #expect(try await hall.lookup(code: booked[2].code, idNumber: try DistrictBenchmarks.citizen(2)).status == .cancelled)
            // The citizen whose booking was cancelled at the terminal may book again in the district.
            _ = try await hall.book(slots[1], idNumber: try DistrictBenchmarks.citizen(0), idempotencyKey: "again", now: now)
        }
    }

    /// A terminal switched to district mode with bookings it never copied would lose sight of
    /// them: `kiosk serve` refuses until they are copied.
    @Test func serveRefusesDistrictModeWhileBookingsWereNeverCopied() async throws {
        let slots = try DistrictBenchmarks.slots(count: 2, capacity: 3)
        let (terminal, _) = try await Self.terminalWithBookings([5], slots: slots)
        defer { terminal.remove() }
        let url = try await cluster().createDatabase()
        try terminal.writeConfig("database = \"\(url)\"\n")
        let path = terminal.dataDirectory + "/kiosk.sqlite"
        let refused = try await offPool { try KioskProcess.run(["serve"], in: terminal.root) }
        #expect(refused.status == 1)
        #expect(refused.stderr.hasSuffix("kiosk: \(path) holds 1 bookings and 1 idempotency keys that were never copied to the district store: run "
            + "kiosk db copy --from sqlite:\(path) --to <district store> first [notCopiedToDistrict]\n"))
        let copied = try await offPool { try KioskProcess.run(["db", "copy", "--from", "sqlite:" + path, "--to", url], in: terminal.root) }
        #expect(copied.status == 0, "\(copied.stderr)")
        let server = try await RunningKiosk.start(terminal)
        #expect(await RawHTTP.sendOffPool(port: server.port, path: "/readyz")?.status == 200)
        // The audit log's head goes to the district store at start: an anchor the terminal cannot take back.
        let database = String(url.split(separator: "/").last!)
        var anchors = ""
        _ = try await eventually(every: .milliseconds(100)) {
            anchors = try await cluster().psql("SELECT count(*) FROM audit_anchor WHERE terminal_id = 'T01'", database: database)
            return !anchors.isEmpty && anchors != "0"
        }
        #expect(anchors == "1")
        server.stop()
    }

    /// A terminal that worked alone and then joins a district keeps what happened to its filings:
    /// each record arrives with its states, clock, rating and history, its applicant hashed with
    /// the district's key, so the district's desks count them and the citizen finds them by card.
    /// Before, only the answers were copied and the filings vanished from every desk.
    @Test func filingsKeepTheirLifecycleOnTheDistrictsDesksAndByCard() async throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        #expect(try await offPool { try KioskProcess.run(["db", "migrate"], in: installation.root) }.status == 0)
        let lifecycle = FilingLifecycle(calendar: try LifecycleBenchmarks.calendar(), timeZone: LifecycleBenchmarks.zone)
        let alone = SQLiteFilingLedger(store: try installation.store(), lifecycle: lifecycle)
        let count = 60
        let made = try (0..<count).map { try LifecycleBenchmarks.filing($0, of: count, lifecycle, try installation.keys()) }
        try await alone.insert(made)

        let url = try await cluster().createDatabase()
        func copy() async throws -> KioskProcess.Result {
            try await offPool {
                try KioskProcess.run(["db", "copy", "--from", "sqlite:" + installation.dataDirectory + "/kiosk.sqlite", "--to", url],
                                     in: installation.root)
            }
        }
        #expect(try await installation.store().notCopiedToDistrict().filings == count, "kiosk serve refuses district mode")
        let copied = try await copy()
        #expect(copied.status == 0, "\(copied.stderr)")
        #expect(copied.stdout.contains("\n  filings' lifecycles: \(count) copied, 0 already there\n"), "\(copied.stdout)")
        #expect(try await installation.store().notCopiedToDistrict().isEmpty)
        #expect(try await copy().stdout.contains("\n  filings' lifecycles: 0 copied, \(count) already there\n"), "a second copy adds nothing")

        let key = try #require(try installation.keys().district)
        let districtHash = HMACIDHasher(key: key)
        let district = try PostgresStore(url: url)
        try await district.withRunning {
            let ledger = PostgresFilingLedger(store: district, lifecycle: lifecycle, districtHasher: { districtHash })
            for (index, transition) in made.enumerated() {
                let applicant = try LifecycleBenchmarks.applicant(index % LifecycleBenchmarks.applicantCount(count))
                let there = try await ledger.record(transition.record.reference)
                #expect(there == transition.record.rehashed(districtHash.hash(applicant)), "\(transition.record.reference)")
            }
            let applicant = try LifecycleBenchmarks.applicant(0)
            let byCard = try await ledger.records(idHash: districtHash.hash(applicant), limit: 50)
            #expect(byCard.count == count / LifecycleBenchmarks.applicantCount(count))
            let today = LocalDate(containing: LifecycleBenchmarks.now, in: LifecycleBenchmarks.zone)
            #expect(try await ledger.supervisionDesk(DeskFilter(), today: today, limit: 50)
                    == alone.supervisionDesk(DeskFilter(), today: today, limit: 50))
            let month = try ReportMonth("2026-11")
            let fromDistrict = try await ledger.monthlyReport(month, filter: DeskFilter(), today: today, generatedAt: LifecycleBenchmarks.now)
            let fromTerminal = try await alone.monthlyReport(month, filter: DeskFilter(), today: today, generatedAt: LifecycleBenchmarks.now)
            #expect(fromDistrict.rows == fromTerminal.rows && fromDistrict.totals == fromTerminal.totals && fromDistrict.totals.received > 0)
        }
        let database = String(url.split(separator: "/").last!)
        #expect(try await cluster().psql("SELECT count(*) FROM lifecycle_event", database: database)
                == String(made.map(\.events.count).reduce(0, +)), "every event of every filing's history")
    }
}

@Suite("The district's ID key (private PostgreSQL)", .privatePostgres, .waitsOffPool)
struct DistrictKeyTests {
    /// A new district store makes its key and gives it to the first terminal that starts; read
    /// out of the store at `trace`, it reaches no log line, and the store keeps only its fingerprint.
    @Test func theDistrictKeyLeavesTheStoreWithoutPassingThroughTheLog() async throws {
        let url = try await cluster().createDatabase()
        let database = String(url.split(separator: "/").last!)
        let installation = try TestInstallation(config: "database = \"\(url)\"\n[log]\nlevel = \"trace\"\n")
        defer { installation.remove() }
        let server = try await RunningKiosk.start(installation)
        let log = server.stop()
        #expect(log.contains(" trace ") && log.contains("district store ready"), "the server logged at trace")
        let key = try #require(try installation.keys().district, "the first terminal took the district's key")
        let bytes = key.symmetricKey.withUnsafeBytes { Data($0) }
        for spelling in [bytes.map { String(format: "%02x", $0) }.joined(), bytes.base64EncodedString(),
                         bytes.map { String($0) }.joined(separator: ", "), bytes.map { String($0) }.joined(separator: ",")] {
            #expect(!log.contains(spelling), "the district key in the log")
        }
        #expect(try await cluster().psql("SELECT count(secret) FROM installation", database: database) == "0")
        #expect(try await cluster().psql("SELECT id_key_fingerprint FROM installation", database: database) == key.fingerprint)
    }
}

@Suite("kiosk diag district", .privatePostgres, .waitsOffPool)
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
        #expect(down.status == 1, "a store that does not work is a failure a script sees")
    }

    /// Wrong port, missing database, failed authentication: each named, and exit 1.
    @Test(arguments: [
        ("port", "unreachable (connectionRefused): nothing accepts connections at 127.0.0.1:"),
        ("database", "unreachable (databaseMissing): the district server at 127.0.0.1:"),
        ("user", "unreachable (authenticationFailed): the district database at 127.0.0.1:"),
    ])
    func eachConnectionFailureIsNamedAndFails(wrong: String, says: String) async throws {
        let cluster = try cluster()
        let url = switch wrong {
        case "port": "postgres://kiosk@127.0.0.1:\(try ListeningSocket.freePort())/kiosk"
        case "database": "postgres://kiosk@127.0.0.1:\(cluster.port)/nosuchdb"
        default: "postgres://intruder:secret@127.0.0.1:\(cluster.port)/kiosk"
        }
        let installation = try TestInstallation(config: "database = \"\(url)\"")
        defer { installation.remove() }
        let result = try await offPool { try KioskProcess.run(["diag", "district"], in: installation.root) }
        #expect(result.status == 1)
        #expect(result.stdout.contains(says), "\(result.stdout)")
        #expect(!result.stdout.contains("secret") && !result.stderr.contains("secret"), "the password never shows")
        #expect(result.stderr.contains("district store unreachable"), "the log names it too: \(result.stderr)")
    }
}

@Suite("kiosk diag fleet", .privatePostgres, .waitsOffPool)
struct FleetDiagnosticsCLITests {
    /// The district store's heartbeats as a technician reads them in the shell: the silent
    /// terminal and the one to bring paper to, and the same as JSON.
    @Test func listsTheDistrictsTerminalsWhatIsWrongAndWhatToBring() async throws {
        let url = try await cluster().createDatabase()
        let installation = try TestInstallation(config: "database = \"\(url)\"")
        defer { installation.remove() }
        #expect(try await offPool { try KioskProcess.run(["db", "migrate"], in: installation.root) }.status == 0)
        let store = try PostgresStore(url: url, operationTimeout: .seconds(60), maximumConnections: 1)
        try await store.withRunning {
            let fleet = PostgresFleet(store: store)
            try await fleet.record(TerminalHeartbeat(
                terminalId: "T01", siteId: "hall-a", version: "0.1.0", sentAt: Date(),
                devices: [.init(id: "printer-1", kind: "receiptPrinter", state: "error", fault: "paperOut", paper: "out")],
                outboxPending: 2, outboxRefused: 0, lastError: "paperOut"))
            try await fleet.record(TerminalHeartbeat(
                terminalId: "T09", siteId: "hall-b", version: "0.1.0", sentAt: Date().addingTimeInterval(-600),
                devices: [], outboxPending: 0, outboxRefused: 0, lastError: nil))
        }
        let result = try await offPool { try KioskProcess.run(["diag", "fleet"], in: installation.root) }
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("hall-a/T01 NEEDS A LOOK: last seen "))
        #expect(result.stdout.contains("  wrong: paperOut on printer-1 (receiptPrinter)\n  bring: a paper roll\n"))
        #expect(result.stdout.contains("hall-b/T09 SILENT: last seen "))
        let json = try await offPool { try KioskProcess.run(["diag", "fleet", "--json"], in: installation.root) }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let terminals = try decoder.decode([FleetTerminal].self, from: Data(json.stdout.utf8))
        #expect(terminals.map(\.terminalId) == ["T01", "T09"] && terminals.map(\.silent) == [false, true])
        #expect(terminals.first?.bring == [.paperRoll])
    }
}
