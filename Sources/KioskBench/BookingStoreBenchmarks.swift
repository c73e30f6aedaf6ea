import Booking
import Foundation
import GRDB
import KioskCore
import Secrets
import Storage

public enum BookingStoreBenchmarks {
    static let clients = 64
    static let bookingsPerClient = 50
    static let slotCapacity = 40

    static let rounds = 3

    /// Confirmed bookings per second with 64 concurrent clients on one SQLite file, next to
    /// the same file's rate of bare single-row write transactions (same number, same clients,
    /// same WAL, synchronous and `secure_delete` settings), and the overbooked slots found afterwards. Each of
    /// three rounds measures both on a new file; the best of each is reported, because on a
    /// shared machine the best round is the one least disturbed by other processes.
    public static func run() -> [Figure] {
        measuredFigures("booking store") { try await measure() }
    }

    private struct Round {
        var rawRate: Double
        var bookingRate: Double
        var confirmed: Int
        var overbooked: Int
    }

    private static func measure() async throws -> [Figure] {
        var results: [Round] = []
        for _ in 0..<rounds { results.append(try await measureRound()) }
        let total = clients * bookingsPerClient
        let rawRate = results.map(\.rawRate).max() ?? 0
        let bookingRate = results.map(\.bookingRate).max() ?? 0
        let overbooked = results.reduce(0) { $0 + $1.overbooked + ($1.confirmed == total ? 0 : 1) }
        return [
            Figure(name: "booking store: confirmed bookings, \(clients) concurrent clients (\(total) bookings, best of \(rounds))",
                   value: bookingRate, unit: "/s", target: "≥ 0.7 of the raw write rate"),
            Figure(name: "booking store: raw single-row write transactions, same file, same clients (\(total), best of \(rounds))",
                   value: rawRate, unit: "/s"),
            Figure(name: "booking store: booking rate ÷ raw write rate", value: bookingRate / rawRate, unit: "",
                   target: "≥ 0.7"),
            Figure(name: "booking store: overbooked or miscounted slots, all rounds (\(total / slotCapacity) slots of \(slotCapacity))",
                   value: Double(overbooked), unit: "", target: "0"),
        ]
    }

    private static func measureRound() async throws -> Round {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kiosk-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("kiosk.sqlite").path
        let store = try SQLiteStore(path: path, keys: .random())
        try store.migrate()
        let hours = HallHours.standard
        let bookings = try SQLiteBookingStore(store: store, timeZone: hours.timeZone)

        let total = clients * bookingsPerClient
        let service = try Service(id: "bench", nameZH: "测试", nameEN: "Bench", durationMinutes: 10, counters: ["C1"],
                                  capacityPerSlot: slotCapacity, horizonDays: 14, minimumNoticeMinutes: 0)
        let today = try LocalDate("2026-12-01")
        let now = today.instant(at: try LocalTime("08:00"), in: hours.timeZone)
        // Exactly as many places as requests: every slot fills up and clients meet full slots.
        let slots = Array(SlotGenerator(calendar: try OfficialCalendar(years: []), hours: hours)
            .slots(for: service, from: today, through: today.adding(days: 13), now: now)
            .prefix(total / slotCapacity))
        let citizens = try (0..<total).map(citizen)

        // The raw rate: the same file through a pool with SQLiteStore's own configuration
        // (busy timeout, `secure_delete`).
        let raw = try DatabasePool(path: path, configuration: SQLiteStore.configuration())
        try await raw.write { db in try db.execute(sql: "CREATE TABLE bench_raw (id INTEGER PRIMARY KEY, client INTEGER, n INTEGER)") }
        let clock = ContinuousClock()
        let rawStart = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for client in 0..<clients {
                group.addTask {
                    for n in 0..<bookingsPerClient {
                        try await raw.write { db in
                            try db.execute(sql: "INSERT INTO bench_raw (client, n) VALUES (?, ?)", arguments: [client, n])
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        let rawSeconds = seconds(clock.now - rawStart)

        let bookingStart = clock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for client in 0..<clients {
                group.addTask {
                    for attempt in 0..<bookingsPerClient {
                        let index = client * bookingsPerClient + attempt
                        try await book(bookings, citizens[index], slots: slots, firstSlot: (client + attempt * 7) % slots.count,
                                       key: "bench-\(index)", now: now)
                    }
                }
            }
            try await group.waitForAll()
        }
        let bookingSeconds = seconds(clock.now - bookingStart)

        let (confirmed, overbooked) = try await raw.read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM booking WHERE status = 'confirmed'") ?? 0,
             try Int.fetchOne(db, sql: """
                SELECT count(*) FROM slot_capacity s
                WHERE taken > capacity
                   OR taken != (SELECT count(*) FROM booking b WHERE b.slot_id = s.slot_id AND b.status = 'confirmed')
                """) ?? 0)
        }
        try raw.close()
        return Round(rawRate: Double(total) / rawSeconds, bookingRate: Double(confirmed) / bookingSeconds,
                     confirmed: confirmed, overbooked: overbooked)
    }

    /// One client's request: its slot, or the next one with room, as a citizen would pick.
    private static func book(_ store: SQLiteBookingStore, _ citizen: ResidentIDNumber, slots: [Slot], firstSlot: Int,
                             key: String, now: Date) async throws {
        for offset in 0..<slots.count {
            do {
                _ = try await store.book(slots[(firstSlot + offset) % slots.count], idNumber: citizen,
                                         idempotencyKey: key, now: now)
                return
            } catch let error as BookingRuleError where error.kind == .slotFull {
                continue
            }
        }
    }

    /// Distinct valid identity numbers: one birth date per citizen from 1950 on.
    private static func citizen(_ index: Int) throws -> ResidentIDNumber {
        let born = try LocalDate("1950-01-01").adding(days: index).description.replacingOccurrences(of: "-", with: "")
        let first17 = "110105" + born + "001"
        guard let check = ResidentIDNumber.checkCharacter(forFirst17: first17) else {
            throw ResidentIDNumberError(.invalidCharacter)
        }
        return try ResidentIDNumber(first17 + String(check))
    }

    private static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
