import Booking
import District
import Filings
import FormEngine
import Foundation
import KioskApp
import KioskCore
import KioskTesting
import Logging
import Secrets
import Storage
import StoragePostgres

/// One terminal process's share of a district load: `clients` concurrent clients, each making
/// `attemptsPerClient` bookings through its own `PostgresBookingStore` connection pool.
public struct DistrictLoad: Codable, Sendable {
    public var worker: Int
    public var clients: Int
    public var attemptsPerClient: Int
    /// Slots of one service from 2026-12-01 08:00 (Beijing), each with `capacity` places.
    public var slots: Int
    public var capacity: Int
    /// Distinct citizens per worker; with `sharedCitizens` every worker books for the same
    /// citizens at once (quotas are then contested across processes).
    public var citizens: Int
    public var sharedCitizens: Bool

    public init(worker: Int, clients: Int, attemptsPerClient: Int, slots: Int, capacity: Int, citizens: Int,
                sharedCitizens: Bool) {
        self.worker = worker
        self.clients = clients
        self.attemptsPerClient = attemptsPerClient
        self.slots = slots
        self.capacity = capacity
        self.citizens = citizens
        self.sharedCitizens = sharedCitizens
    }
}

/// What one worker saw; `seconds` from its first request to its last answer.
public struct DistrictLoadResult: Codable, Sendable, Equatable {
    public var confirmed = 0
    public var slotsFull = 0
    public var refusedByQuota = 0
    public var seconds = 0.0
}

public enum DistrictBenchmarks {
    static let zone = TimeZone(identifier: "Asia/Shanghai")!
    public static var zoneForTests: TimeZone { zone }
    /// The bookings' "now": Tuesday 2026-12-01 08:00 in Beijing.
    public static let now = Date(timeIntervalSince1970: 1_796_083_200)
    public static let serviceID = "district"

    public static func slots(count: Int, capacity: Int) throws -> [Slot] {
        let service = try Service(id: serviceID, nameZH: "区域测试", nameEN: "District bench", durationMinutes: 10,
                                  counters: ["C1"], capacityPerSlot: capacity, horizonDays: 14, minimumNoticeMinutes: 0)
        let today = try LocalDate("2026-12-01")
        return Array(SlotGenerator(calendar: try OfficialCalendar(years: []), hours: .standard)
            .slots(for: service, from: today, through: today.adding(days: 13), now: now).prefix(count))
    }

    /// Distinct valid identity numbers: one birth date per citizen from 1950 on.
    public static func citizen(_ index: Int) throws -> ResidentIDNumber {
        let born = try LocalDate("1950-01-01").adding(days: index).description.replacingOccurrences(of: "-", with: "")
        let first17 = "110105" + born + "002"
        guard let check = ResidentIDNumber.checkCharacter(forFirst17: first17) else {
            throw ResidentIDNumberError(.invalidCharacter)
        }
        return try ResidentIDNumber(first17 + String(check))
    }

    /// The worker of `kiosk district-worker`: runs `load` against the district store at `url`
    /// (already migrated), hashing ID numbers with the district's key, and reports what happened.
    public static func work(url: String, districtKey: SecretKey, load: DistrictLoad) async throws -> DistrictLoadResult {
        let store = try PostgresStore(url: url, operationTimeout: .seconds(60), maximumConnections: load.clients,
                                      logger: Logger(label: "kiosk.bench"))
        return try await store.withRunning {
            let bookings = PostgresBookingStore(store: store, timeZone: zone, hasher: HMACIDHasher(key: districtKey))
            let slots = try slots(count: load.slots, capacity: load.capacity)
            let citizens = try (0..<load.citizens).map { try citizen((load.sharedCitizens ? 0 : load.worker * load.citizens) + $0) }
            // Warm the pool before the clock starts.
            _ = try await bookings.placesTaken(slotIDs: [slots[0].id], now: now)
            let clock = ContinuousClock()
            let start = clock.now
            let outcomes = try await withThrowingTaskGroup(of: DistrictLoadResult.self) { group in
                for client in 0..<load.clients {
                    group.addTask {
                        var result = DistrictLoadResult()
                        for attempt in 0..<load.attemptsPerClient {
                            let index = client * load.attemptsPerClient + attempt
                            let citizen = citizens[index % citizens.count]
                            let key = "w\(load.worker)-c\(client)-a\(attempt)"
                            // Clients of all workers start on different slots, as citizens pick different times.
                            let first = (load.worker * load.clients + client + attempt * 7) % slots.count
                            switch try await book(bookings, citizen, slots: slots, firstSlot: first, key: key) {
                            case .confirmed: result.confirmed += 1
                            case .full: result.slotsFull += 1
                            case .quota: result.refusedByQuota += 1
                            }
                        }
                        return result
                    }
                }
                return try await group.reduce(into: DistrictLoadResult()) { total, one in
                    total.confirmed += one.confirmed
                    total.slotsFull += one.slotsFull
                    total.refusedByQuota += one.refusedByQuota
                }
            }
            var result = outcomes
            let elapsed = clock.now - start
            result.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            return result
        }
    }

    enum Outcome { case confirmed, full, quota }

    /// One client's request: its slot, or the next one with room, as a citizen would pick.
    private static func book(_ store: PostgresBookingStore, _ citizen: ResidentIDNumber, slots: [Slot], firstSlot: Int,
                             key: String) async throws -> Outcome {
        for offset in 0..<slots.count {
            do {
                // One key per slot tried: a key names one request, and another slot is another request.
                _ = try await store.book(slots[(firstSlot + offset) % slots.count], idNumber: citizen,
                                         idempotencyKey: "\(key)-s\(offset)", now: now)
                return .confirmed
            } catch let error as BookingRuleError where error.kind == .slotFull {
                continue
            } catch let error as BookingRuleError where error.kind == .quotaPerServiceExceeded || error.kind == .quotaTotalExceeded {
                return .quota
            }
        }
        return .full
    }
}

extension DistrictBenchmarks {
    static let workers = 4
    static let clientsPerWorker = 16
    static let attemptsPerClient = 40
    static let outboxRecords = 2000

    /// `kiosk-bench district`: a private PostgreSQL (default durability settings) on this
    /// machine; four `kiosk district-worker` processes × 16 clients book through their own
    /// pools, next to pgbench's simple-update run (`-N`, 64 clients) on the same server; then the
    /// drain rate of a terminal's outbox kept through an outage.
    public static func run() -> [Figure] {
        measuredFigures("district") { try await measure() }
    }

    private static func measure() async throws -> [Figure] {
        try await PrivatePostgres.withPrivate(options: "") { cluster in try await measure(on: cluster) }
    }

    private static func measure(on cluster: PrivatePostgres) async throws -> [Figure] {
        let url = try await cluster.createDatabase()
        let database = String(url.split(separator: "/").last!)
        let setup = try PostgresStore(url: url, logger: Logger(label: "kiosk.bench"))
        try await setup.withRunning { _ = try await setup.migrate() }
        // The district's ID key, as every terminal of a district holds it in its key directory.
        let keys = KeyDirectory(path: FileManager.default.temporaryDirectory.appendingPathComponent("kiosk-bench-keys-\(UUID().uuidString)").path,
                                credentials: nil)
        defer { try? FileManager.default.removeItem(atPath: keys.path) }
        try keys.write(.random(), as: KeyDirectory.districtKey)
        let keyFile = keys.location(of: KeyDirectory.districtKey)

        // Four terminal processes, distinct citizens, as many places as requests.
        let total = workers * clientsPerWorker * attemptsPerClient
        let capacity = 40
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let results = try await withThrowingTaskGroup(of: DistrictLoadResult.self) { group in
            for worker in 0..<workers {
                let load = DistrictLoad(worker: worker, clients: clientsPerWorker, attemptsPerClient: attemptsPerClient,
                                        slots: total / capacity, capacity: capacity, citizens: clientsPerWorker * attemptsPerClient,
                                        sharedCitizens: false)
                let json = String(decoding: try JSONEncoder().encode(load), as: UTF8.self)
                group.addTask {
                    let run = try await runProcess(executable, ["district-worker", "--database", url, "--district-key", keyFile,
                                                                "--load", json])
                    guard run.status == 0 else { throw PrivatePostgres.SetupFailure("district-worker: \(run.stderr)") }
                    return try JSONDecoder().decode(DistrictLoadResult.self, from: Data(run.stdout.utf8))
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let confirmed = results.map(\.confirmed).reduce(0, +)
        let seconds = results.map(\.seconds).max() ?? 1
        let miscounted = Int(try await cluster.psql("""
            SELECT count(*) FROM slot_capacity s
            WHERE taken > capacity OR taken != (SELECT count(*) FROM booking b WHERE b.slot_id = s.slot_id AND b.status = 'confirmed')
            """, database: database)) ?? -1

        // pgbench's simple update (-N: one UPDATE, a SELECT and an INSERT per transaction) on the
        // same server, as many clients as the terminals had together.
        try await cluster.psql("CREATE DATABASE pgbench")
        let host = ["-h", cluster.root, "-p", "\(cluster.port)", "-U", "kiosk"]
        try await cluster.run(program: "pgbench", ["-i", "-q", "-s", "10"] + host + ["pgbench"])
        let pgbench = try await cluster.run(program: "pgbench", ["-N", "-c", "\(workers * clientsPerWorker)", "-j", "\(workers)",
                                                                  "-T", "10", "-n"] + host + ["pgbench"])
        let tps = pgbench.split(separator: "\n").first { $0.hasPrefix("tps = ") }
            .flatMap { Double($0.dropFirst("tps = ".count).prefix { $0 == "." || $0.isNumber }) } ?? 0

        let drain = try await drainAfterOutage(cluster, filings: outboxRecords)
        let bookingRate = Double(confirmed) / seconds
        return [
            Figure(name: "district: confirmed bookings, \(workers) kiosk processes × \(clientsPerWorker) clients (\(confirmed) of \(total))",
                   value: bookingRate, unit: "/s"),
            Figure(name: "district: pgbench simple-update (-N), \(workers * clientsPerWorker) clients, same server", value: tps, unit: "tps"),
            Figure(name: "district: booking rate ÷ pgbench -N rate", value: bookingRate / max(tps, 1), unit: ""),
            Figure(name: "district: overbooked or miscounted slots (\(total / capacity) slots of \(capacity))",
                   value: Double(miscounted + (confirmed == total ? 0 : 1)), unit: "", target: "0"),
            Figure(name: "district: outbox drain after an outage (\(outboxRecords) filings)", value: drain, unit: "/s"),
        ]
    }

    /// Filings kept by a terminal while the district store was down, then sent when it returns:
    /// filings per second, 0 when not all of them arrived.
    static func drainAfterOutage(_ cluster: PrivatePostgres, filings outboxRecords: Int) async throws -> Double {
        let url = try await cluster.createDatabase()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kiosk-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let local = try SQLiteStore(path: directory.appendingPathComponent("kiosk.sqlite").path, keys: .random())
        try local.migrate()
        let district = try PostgresStore(url: url, operationTimeout: .seconds(5), logger: Logger(label: "kiosk.bench"))
        return try await district.withRunning {
            _ = try await district.migrate()
            let hasher = HMACIDHasher(key: .random())
            let bookings = PostgresBookingStore(store: district, timeZone: zone, hasher: hasher)
            let filings = PostgresFilingLedger(store: district, lifecycle: FilingLifecycle(calendar: try OfficialCalendar(years: []), timeZone: zone),
                                               districtHasher: { hasher })
            let drainer = OutboxDrainer(outbox: local, district: district, bookings: bookings, filings: filings, terminalID: "BENCH",
                                        hall: "S01", logger: Logger(label: "kiosk.bench"))
            try await cluster.stopServer()
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            for _ in 0..<outboxRecords {
                _ = try await local.recordFilingForDistrict(site: "S01-BENCH", day: "20261201", now: now) { reference in
                    try decoder.decode(Filing.self, from: Data(filingJSON(reference).utf8))
                }
            }
            _ = await drainer.drain()
            try await cluster.startServer()
            let clock = ContinuousClock()
            var start: ContinuousClock.Instant?
            var sent = 0
            // Far beyond today's rate (about 1,500/s), so that only a stuck drain gives up.
            let deadline = clock.now + .seconds(max(120, outboxRecords / 100))
            while sent < outboxRecords, clock.now < deadline {
                let before = clock.now
                let pass = await drainer.drain()
                if pass.sent > 0, start == nil { start = before }
                sent += pass.sent
                if pass.interrupted { try await Task.sleep(for: .milliseconds(100)) }
            }
            guard let start, sent == outboxRecords else { return 0 }
            let elapsed = clock.now - start
            return Double(sent) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        }
    }

    static func filingJSON(_ reference: String) -> String {
        """
        {"formID":"residence-permit","formVersion":1,"reference":"\(reference)",
         "title":{"zh-CN":"居住证","en":"Residence permit"},"department":{"zh-CN":"公安","en":"Police"},
         "timeLimitDays":15,"submittedAt":"2026-12-01T00:00:00Z","answers":{"name":"测试"},
         "materials":[],"deferred":[],"commitments":[],"subFilings":[],"overrides":[]}
        """
    }
}
