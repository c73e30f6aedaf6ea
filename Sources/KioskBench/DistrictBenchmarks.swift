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
    /// When the timed part starts (after each client's first request), the same instant for
    /// every worker of a run; nil: at once.
    public var startAt: Date?
    /// Each booking confirmed is then moved to the next slot with room and checked in by code at
    /// its start (`kiosk-bench district-changes`); nil or false: bookings only.
    public var changes: Bool?
    /// Each place is held, then the hold confirmed, as the citizens' HTTP path does
    /// (`kiosk-bench district-holds`); nil or false: booked in one request.
    public var holds: Bool?

    public init(worker: Int, clients: Int, attemptsPerClient: Int, slots: Int, capacity: Int, citizens: Int,
                sharedCitizens: Bool, startAt: Date? = nil, changes: Bool? = nil, holds: Bool? = nil) {
        self.worker = worker
        self.clients = clients
        self.attemptsPerClient = attemptsPerClient
        self.slots = slots
        self.capacity = capacity
        self.citizens = citizens
        self.sharedCitizens = sharedCitizens
        self.startAt = startAt
        self.changes = changes
        self.holds = holds
    }
}

/// What one worker saw: its outcomes, all requests counted; of the timed part (every request but
/// each client's first) the bookings confirmed, when it started and its `seconds` to the last
/// answer, and the latencies of each citizen's request by operation (a booking's from the first
/// slot tried to the answer).
public struct DistrictLoadResult: Codable, Sendable, Equatable {
    public var confirmed = 0
    public var slotsFull = 0
    public var refusedByQuota = 0
    /// With `DistrictLoad.holds`: holds found replaced when confirmed, by the same citizen's newer
    /// hold (from another process, with `sharedCitizens`).
    public var holdsReplaced = 0
    public var timedConfirmed = 0
    /// Requests a booking took after its first, all and of the timed part: its reschedules and
    /// check-in (`DistrictLoad.changes`), or the confirmation of its hold (`DistrictLoad.holds`).
    public var changes = 0
    public var timedChanges = 0
    public var started = Date(timeIntervalSince1970: 0)
    public var seconds = 0.0
    public var latencies = Latencies()

    /// Each request's latency, by operation.
    public struct Latencies: Codable, Sendable, Equatable {
        public var bookings: [Duration] = []
        public var reschedules: [Duration] = []
        public var checkIns: [Duration] = []
        /// With `DistrictLoad.holds`, a hold's (from the first slot tried to the answer) and its confirmation's.
        public var holds: [Duration] = []
        public var confirmations: [Duration] = []

        var all: [Duration] { bookings + reschedules + checkIns + holds + confirmations }

        static func += (lhs: inout Latencies, rhs: Latencies) {
            lhs.bookings += rhs.bookings
            lhs.reschedules += rhs.reschedules
            lhs.checkIns += rhs.checkIns
            lhs.holds += rhs.holds
            lhs.confirmations += rhs.confirmations
        }
    }

    mutating func add(_ other: DistrictLoadResult) {
        confirmed += other.confirmed
        slotsFull += other.slotsFull
        refusedByQuota += other.refusedByQuota
        holdsReplaced += other.holdsReplaced
        changes += other.changes
        latencies += other.latencies
    }
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
    ///
    /// As pgbench connects every client before its clock starts, each client's first request is
    /// made before the timed part, all at once: it opens the pool's connections, prepares the
    /// statements on them and has each server process compile the booking function. The timed
    /// part then starts at `load.startAt` (when given), so that every worker is timed together.
    public static func work(url: String, districtKey: SecretKey, load: DistrictLoad) async throws -> DistrictLoadResult {
        let store = try PostgresStore(url: url, operationTimeout: .seconds(60), maximumConnections: load.clients,
                                      logger: Logger(label: "kiosk.bench"))
        return try await store.withRunning {
            let bookings = PostgresBookingStore(store: store, timeZone: zone, hasher: HMACIDHasher(key: districtKey))
            let slots = try slots(count: load.slots, capacity: load.capacity)
            let citizens = try (0..<load.citizens).map { try citizen((load.sharedCitizens ? 0 : load.worker * load.citizens) + $0) }
            /// Client `client`'s `attempts`, each timed.
            func attempts(_ attempts: Range<Int>, of client: Int) async throws -> DistrictLoadResult {
                let clock = ContinuousClock()
                var result = DistrictLoadResult()
                for attempt in attempts {
                    let index = client * load.attemptsPerClient + attempt
                    let citizen = citizens[index % citizens.count]
                    let key = "w\(load.worker)-c\(client)-a\(attempt)"
                    // Clients of all workers start on different slots, as citizens pick different times.
                    let first = (load.worker * load.clients + client + attempt * 7) % slots.count
                    let asked = clock.now
                    let outcome: Outcome<BookingRecord>
                    if load.holds == true {
                        outcome = try await holdAndConfirm(bookings, citizen, slots: slots, firstSlot: first, key: key,
                                                           latencies: &result.latencies)
                    } else {
                        outcome = try await book(bookings, citizen, slots: slots, firstSlot: first, key: key)
                        result.latencies.bookings.append(clock.now - asked)
                    }
                    switch outcome {
                    case .granted(let booking):
                        result.confirmed += 1
                        if load.holds == true { result.changes += 1 }
                        if load.changes == true {
                            let latencies = try await moveAndCheckIn(bookings, booking, citizen, slots: slots, key: key)
                            result.changes += latencies.reschedules.count + latencies.checkIns.count
                            result.latencies += latencies
                        }
                    case .full: result.slotsFull += 1
                    case .quota: result.refusedByQuota += 1
                    case .replaced: result.holdsReplaced += 1
                    }
                }
                return result
            }
            /// Every client's attempts `range` at once, added up.
            func allClients(_ range: Range<Int>) async throws -> DistrictLoadResult {
                try await withThrowingTaskGroup(of: DistrictLoadResult.self) { group in
                    for client in 0..<load.clients { group.addTask { try await attempts(range, of: client) } }
                    return try await group.reduce(into: DistrictLoadResult()) { $0.add($1) }
                }
            }
            let firstTimed = min(1, load.attemptsPerClient)
            let warmUp = try await allClients(0..<firstTimed)
            if let startAt = load.startAt, startAt > Date() {
                try await Task.sleep(for: .seconds(startAt.timeIntervalSinceNow))
            }
            let started = Date()
            var result = try await allClients(firstTimed..<load.attemptsPerClient)
            let finished = Date()
            result.timedConfirmed = result.confirmed
            result.timedChanges = result.changes
            result.started = started
            result.seconds = finished.timeIntervalSince(started)
            let timedLatencies = result.latencies
            result.add(warmUp)
            result.latencies = timedLatencies
            return result
        }
    }

    /// One client's request: its slot, or the next one with room, as a citizen would pick.
    private static func book(_ store: PostgresBookingStore, _ citizen: ResidentIDNumber, slots: [Slot], firstSlot: Int,
                             key: String) async throws -> Outcome<BookingRecord> {
        try await firstWithRoom(slots, from: firstSlot) { slot, offset in
            // One key per slot tried: a key names one request, and another slot is another request.
            try await store.book(slot, idNumber: citizen, idempotencyKey: "\(key)-s\(offset)", now: now)
        }
    }

    /// One client's hold of its slot (or of the next one with room), then its confirmation, as
    /// the citizens' HTTP path makes them: each request's latency.
    private static func holdAndConfirm(_ store: PostgresBookingStore, _ citizen: ResidentIDNumber, slots: [Slot], firstSlot: Int,
                                       key: String, latencies: inout DistrictLoadResult.Latencies) async throws -> Outcome<BookingRecord> {
        let clock = ContinuousClock()
        let asked = clock.now
        let held = try await firstWithRoom(slots, from: firstSlot) { slot, offset in
            try await store.hold(slot, idNumber: citizen, idempotencyKey: "\(key)-h\(offset)", now: now)
        }
        latencies.holds.append(clock.now - asked)
        switch held {
        case .granted(let hold):
            let confirming = clock.now
            defer { latencies.confirmations.append(clock.now - confirming) }
            do {
                return .granted(try await store.confirm(holdID: hold.id, idNumber: citizen, idempotencyKey: "\(key)-c", now: now))
            } catch let error as BookingRuleError where error.kind == .holdNotFound {
                return .replaced
            }
        case .full: return .full
        case .quota: return .quota
        case .replaced: return .replaced
        }
    }

    /// `replaced`: a hold found replaced when confirmed.
    enum Outcome<Answer> { case granted(Answer), full, quota, replaced }

    /// `request` (of a slot, and which one it is after the first) of a client's slot, or of the
    /// next one with room, as a citizen would pick.
    private static func firstWithRoom<Answer>(_ slots: [Slot], from firstSlot: Int,
                                              _ request: (Slot, Int) async throws -> Answer) async throws -> Outcome<Answer> {
        for offset in 0..<slots.count {
            do {
                return .granted(try await request(slots[(firstSlot + offset) % slots.count], offset))
            } catch let error as BookingRuleError where error.kind == .slotFull {
                continue
            } catch let error as BookingRuleError where error.kind == .quotaPerServiceExceeded || error.kind == .quotaTotalExceeded {
                return .quota
            }
        }
        return .full
    }

    /// `booking` moved to the next slot with room (until the change deadline refuses), then
    /// checked in by code at its start, as a citizen would: each request's latency.
    private static func moveAndCheckIn(_ store: PostgresBookingStore, _ booking: BookingRecord, _ citizen: ResidentIDNumber,
                                       slots: [Slot], key: String) async throws -> DistrictLoadResult.Latencies {
        let clock = ContinuousClock()
        var latencies = DistrictLoadResult.Latencies()
        var kept = booking
        let from = slots.firstIndex { $0.id == booking.slotID } ?? 0
        for offset in 1..<slots.count {
            let asked = clock.now
            do {
                kept = try await store.reschedule(code: booking.code, idNumber: citizen, to: slots[(from + offset) % slots.count],
                                                  idempotencyKey: "\(key)-r\(offset)", now: now)
                latencies.reschedules.append(clock.now - asked)
                break
            } catch let error as BookingRuleError where error.kind == .slotFull {
                latencies.reschedules.append(clock.now - asked)
            } catch is BookingRuleError {
                latencies.reschedules.append(clock.now - asked)
                break
            }
        }
        let asked = clock.now
        _ = try await store.checkIn(code: booking.code, holder: .typed(citizen), idempotencyKey: "\(key)-ci", now: kept.start)
        latencies.checkIns.append(clock.now - asked)
        return latencies
    }
}

extension DistrictBenchmarks {
    static let workers = 4
    static let clientsPerWorker = 16
    /// About as long as pgbench's 10 s at the spread load's rate, so that the figure is the
    /// steady rate: each client's requests go to one server process of its own, and its first
    /// ones cost more (its catalog caches filled, the booking function's statements planned for
    /// each call until the plan cache keeps a generic plan, after the fifth). With 160 (4 s)
    /// that start was a large share of the timed part: 400 booked 16 % faster (2,735 → 3,166
    /// bookings/s, means of three interleaved runs each).
    static let attemptsPerClient = 400
    /// Time for the workers to start, connect and make their first requests before the clock.
    static let startDelay: TimeInterval = 3
    static let outboxRecords = 2000

    /// `kiosk-bench district`: a private PostgreSQL (default durability settings) on this
    /// machine; four `kiosk district-worker` processes × 16 clients book through their own
    /// pools, next to pgbench's simple-update run (`-N`, 64 clients) on the same server: once
    /// spread over 64 slots (citizens pick different times), once with every client on 4 hot
    /// slots (the opening of popular appointments); then the drain rate of a terminal's outbox
    /// kept through an outage.
    public static func run() -> [Figure] {
        measuredFigures("district") { try await measure() }
    }

    /// `kiosk-bench district-changes`: as `district`'s spread load, each booking then moved to
    /// the next slot with room and checked in by code (three requests per citizen, twice the
    /// places), next to pgbench on the same server.
    public static func runChanges() -> [Figure] {
        measuredFigures("district-changes") { try await measure(.changes, placesPerRequest: 2) }
    }

    /// `kiosk-bench district-holds`: as `district`'s spread load, each place held, then the hold
    /// confirmed (two requests per citizen, the citizens' own HTTP path), next to pgbench on the same server.
    public static func runHolds() -> [Figure] {
        measuredFigures("district-holds") { try await measure(.holds, placesPerRequest: 1) }
    }

    /// A variant of the spread load (`placesPerRequest` places of 64 slots for each request), next to pgbench.
    private static func measure(_ mode: LoadRun.Mode, placesPerRequest: Int) async throws -> [Figure] {
        try await PrivatePostgres.withPrivate(options: "") { cluster in
            let keyFile = try districtKeyFile()
            defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: keyFile).deletingLastPathComponent().path) }
            let total = workers * clientsPerWorker * attemptsPerClient
            let before = try await pgbench(cluster, over: .tcp, initialise: true)
            let run = try await book(on: cluster, keyFile: keyFile, slots: 64, capacity: placesPerRequest * total / 64, mode: mode)
            let peers = PgbenchRates(before: before, after: try await pgbench(cluster, over: .tcp),
                                     unixSocket: try await pgbench(cluster, over: .unixSocket))
            return peers.figures + run.figures(clients: "\(workers) kiosk processes × \(clientsPerWorker) clients", pgbench: peers.after)
                + run.otherRatios(peers)
        }
    }

    /// The district's ID key, as every terminal of a district holds it in its key directory: its file.
    private static func districtKeyFile() throws -> String {
        let keys = KeyDirectory(path: FileManager.default.temporaryDirectory.appendingPathComponent("kiosk-bench-keys-\(UUID().uuidString)").path,
                                credentials: nil)
        try keys.write(.random(), as: KeyDirectory.districtKey)
        return keys.location(of: KeyDirectory.districtKey)
    }

    private static func measure() async throws -> [Figure] {
        try await PrivatePostgres.withPrivate(options: "") { cluster in try await measure(on: cluster) }
    }

    private static func measure(on cluster: PrivatePostgres) async throws -> [Figure] {
        let keyFile = try districtKeyFile()
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: keyFile).deletingLastPathComponent().path) }

        // As many places as requests: in each of 64 slots, or in each of 4.
        let total = workers * clientsPerWorker * attemptsPerClient
        let before = try await pgbench(cluster, over: .tcp, initialise: true)
        let spread = try await book(on: cluster, keyFile: keyFile, slots: 64, capacity: total / 64)
        let hot = try await book(on: cluster, keyFile: keyFile, slots: 4, capacity: total / 4)
        let peers = PgbenchRates(before: before, after: try await pgbench(cluster, over: .tcp),
                                 unixSocket: try await pgbench(cluster, over: .unixSocket))

        let drain = try await drainAfterOutage(cluster, filings: outboxRecords)
        let clients = "\(workers) kiosk processes × \(clientsPerWorker) clients"
        return peers.figures
            + spread.figures(clients: clients, pgbench: peers.after) + spread.otherRatios(peers)
            + hot.figures(clients: clients, pgbench: peers.after) + hot.otherRatios(peers) + [
            Figure(name: "district: outbox drain after an outage (\(outboxRecords) filings)", value: drain, unit: "/s"),
        ]
    }

    /// How pgbench reaches the server. The terminals' processes connect over TCP, as a terminal
    /// reaches its district's server, so pgbench does too for the ratio of record. Over its Unix
    /// socket it skips the TCP stack at both ends (11–26 % more transactions here, median 20 %);
    /// that was the peer of the ratios until stop 32, and it is still printed beside it.
    enum PgbenchTransport {
        case tcp
        case unixSocket
    }

    /// pgbench before the loads and after them, over TCP (after: the rate the ratios divide by),
    /// and after them over its Unix socket.
    struct PgbenchRates {
        let before: Double
        let after: Double
        let unixSocket: Double

        /// The peer's rates: how much it moves within one run, and what TCP costs it.
        var figures: [Figure] {
            let name = "district: pgbench simple-update (-N), \(workers * clientsPerWorker) clients, same server"
            return [Figure(name: name + " over TCP", value: after, unit: "tps"),
                    Figure(name: name + " over TCP, before the loads", value: before, unit: "tps"),
                    Figure(name: name + " over its Unix socket", value: unixSocket, unit: "tps")]
        }
    }

    /// pgbench's simple update (-N: one UPDATE, a SELECT and an INSERT per transaction) on the
    /// same server, as many clients as the terminals had together: its transactions per second.
    /// `initialise`: creates and fills its database first (once per server).
    private static func pgbench(_ cluster: PrivatePostgres, over transport: PgbenchTransport,
                                initialise: Bool = false) async throws -> Double {
        let host = ["-h", transport == .tcp ? "127.0.0.1" : cluster.root, "-p", "\(cluster.port)", "-U", "kiosk"]
        if initialise {
            try await cluster.psql("CREATE DATABASE pgbench")
            try await cluster.run(program: "pgbench", ["-i", "-q", "-s", "10"] + host + ["pgbench"])
        }
        let pgbench = try await cluster.run(program: "pgbench", ["-N", "-c", "\(workers * clientsPerWorker)", "-j", "\(workers)",
                                                                  "-T", "10", "-n"] + host + ["pgbench"])
        return pgbench.split(separator: "\n").first { $0.hasPrefix("tps = ") }
            .flatMap { Double($0.dropFirst("tps = ".count).prefix { $0 == "." || $0.isNumber }) } ?? 0
    }

    /// What one district load did, in a database of its own.
    struct LoadRun {
        let slots: Int
        let capacity: Int
        let confirmed: Int
        let rate: Double
        let latencies: DistrictLoadResult.Latencies
        let miscounted: Int
        /// Other than bookings alone, `rate` counts every request.
        var mode = Mode.bookings

        enum Mode {
            case bookings
            /// Each booking rescheduled and checked in: not every place is booked.
            case changes
            /// Each place held, then the hold confirmed.
            case holds
        }

        var loadName: String {
            let each = switch mode {
            case .bookings: ""
            case .changes: ", each booking rescheduled and checked in"
            case .holds: ", each place held then confirmed"
            }
            return "\(slots) slots of \(capacity)" + each
        }

        /// The ratios to pgbench's other runs, for comparison with the ratio of record: before
        /// the loads, and over its Unix socket (the ratio of record until stop 32).
        func otherRatios(_ peers: PgbenchRates) -> [Figure] {
            let name = "district (\(loadName)): \(mode == .bookings ? "booking" : "request") rate ÷ pgbench -N rate"
            return [Figure(name: name + " before the loads", value: rate / max(peers.before, 1), unit: ""),
                    Figure(name: name + " over its Unix socket", value: rate / max(peers.unixSocket, 1), unit: "")]
        }

        func figures(clients: String, pgbench tps: Double) -> [Figure] {
            let total = slots * capacity
            let load = loadName
            let requests = switch mode {
            case .bookings: "confirmed bookings, \(clients) (\(confirmed) of \(total))"
            case .changes: "bookings, reschedules and check-ins"
            case .holds: "holds and confirmations, \(clients) (\(confirmed) of \(total) places booked)"
            }
            let request = mode == .bookings ? "booking request" : "request"
            let all = latencies.all
            // Each operation's own: a slow one would hide in the mixed median.
            let perOperation = switch mode {
            case .bookings: [(String, [Duration])]()
            case .changes: [("booking", latencies.bookings), ("reschedule", latencies.reschedules), ("check-in", latencies.checkIns)]
            case .holds: [("hold", latencies.holds), ("confirmation", latencies.confirmations)]
            }
            let operations = perOperation.flatMap { operation, latencies in
                [Figure(name: "district (\(load)): \(operation), median", value: SpeechBenchmark.percentile(latencies, 0.5), unit: "ms"),
                 Figure(name: "district (\(load)): \(operation), 99th percentile", value: SpeechBenchmark.percentile(latencies, 0.99),
                        unit: "ms")]
            }
            return [
                Figure(name: "district (\(load)): \(requests)", value: rate, unit: "/s"),
                Figure(name: "district (\(load)): \(mode == .bookings ? "booking" : "request") rate ÷ pgbench -N rate over TCP", value: rate / max(tps, 1),
                       unit: ""),
                Figure(name: "district (\(load)): citizen's \(request), median", value: SpeechBenchmark.percentile(all, 0.5), unit: "ms"),
                Figure(name: "district (\(load)): citizen's \(request), 99th percentile",
                       value: SpeechBenchmark.percentile(all, 0.99), unit: "ms"),
            ] + operations + [
                Figure(name: "district (\(load)): overbooked or miscounted slots",
                       value: Double(miscounted + (mode == .changes || confirmed == total ? 0 : 1)), unit: "", target: "0"),
            ]
        }
    }

    /// Four terminal processes book `slots` × `capacity` places for as many distinct citizens.
    private static func book(on cluster: PrivatePostgres, keyFile: String, slots: Int, capacity: Int,
                             mode: LoadRun.Mode = .bookings) async throws -> LoadRun {
        let url = try await cluster.createDatabase()
        let database = String(url.split(separator: "/").last!)
        let setup = try PostgresStore(url: url, logger: Logger(label: "kiosk.bench"))
        try await setup.withRunning { _ = try await setup.migrate() }
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        let startAt = Date().addingTimeInterval(startDelay)
        let results = try await withThrowingTaskGroup(of: DistrictLoadResult.self) { group in
            for worker in 0..<workers {
                let load = DistrictLoad(worker: worker, clients: clientsPerWorker, attemptsPerClient: attemptsPerClient,
                                        slots: slots, capacity: capacity, citizens: clientsPerWorker * attemptsPerClient,
                                        sharedCitizens: false, startAt: startAt, changes: mode == .changes, holds: mode == .holds)
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
        // From the first worker's start to the last one's end: a late worker lowers the rate.
        let first = results.map(\.started).min() ?? startAt
        let seconds = results.map { $0.started.addingTimeInterval($0.seconds).timeIntervalSince(first) }.max() ?? 1
        let miscounted = Int(try await cluster.psql(SlotPlaces.slotsAmiss(), database: database)) ?? -1
        return LoadRun(slots: slots, capacity: capacity, confirmed: confirmed,
                       rate: Double(results.map { $0.timedConfirmed + $0.timedChanges }.reduce(0, +)) / seconds,
                       latencies: results.reduce(into: DistrictLoadResult.Latencies()) { $0 += $1.latencies }, miscounted: miscounted,
                       mode: mode)
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
            // In one transaction: the fill is not what is measured.
            try await local.recordFilingsForDistrict(outboxRecords, site: "S01-BENCH", day: "20261201", now: now) { reference in
                try decoder.decode(Filing.self, from: Data(filingJSON(reference).utf8))
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
