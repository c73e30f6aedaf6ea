import Booking
import Foundation
import KioskCore
import KioskTesting
import Logging
import Storage
import StoragePostgres
import Synchronization

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
    /// (already migrated) and reports what happened.
    public static func work(url: String, load: DistrictLoad) async throws -> DistrictLoadResult {
        let store = try PostgresStore(url: url, operationTimeout: .seconds(60), maximumConnections: load.clients,
                                      logger: Logger(label: "kiosk.bench"))
        return try await store.withRunning {
            let bookings = PostgresBookingStore(store: store, timeZone: zone)
            let slots = try slots(count: load.slots, capacity: load.capacity)
            let perWorker = load.clients * load.attemptsPerClient
            let citizens = try (0..<load.citizens).map { try citizen((load.sharedCitizens ? 0 : load.worker * load.citizens) + $0) }
            // Warm the pool and the district secret before the clock starts.
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
                            let first = (load.worker * perWorker + index * 7) % slots.count
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
