import Booking
import Foundation
import KioskTesting
import GRDB
import KioskCore
@testable import Storage

/// A migrated store on a fresh file, a calendar with no published years (weekends off), the
/// standard hall hours, and slots of a five-place service from Tuesday 2026-12-01 08:00.
struct BookingStoreFixture {
    static let shanghai = TimeZone(identifier: "Asia/Shanghai")!

    let scratch: ScratchDirectory
    let path: String
    let store: SQLiteStore
    let bookings: BookingStore
    let generator: SlotGenerator

    init(policy: BookingPolicy = BookingPolicy(), queue: QueuePolicy = QueuePolicy(prefixes: ["hukou": "A", "tax": "B"]),
         scratch: ScratchDirectory? = nil) throws {
        self.scratch = try scratch ?? ScratchDirectory(prefix: "kiosk-bookings")
        self.path = self.scratch.path + "/kiosk.sqlite"
        store = try SQLiteStore(path: self.path)
        try store.migrate()
        bookings = try BookingStore(store: store, policy: policy, queue: queue, timeZone: Self.shanghai)
        generator = SlotGenerator(calendar: try OfficialCalendar(years: []), hours: .standard)
    }

    /// Another process's view of the same file: its own pool and its own store.
    func reopened() throws -> BookingStoreFixture { try BookingStoreFixture(policy: bookings.policy, scratch: scratch) }

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
    }

    /// A valid identity number for a citizen born on `born` (`YYYYMMDD`); `sequence` tells
    /// citizens born on the same day apart.
    static func citizen(born: String = "19800101", sequence: Int = 1) throws -> ResidentIDNumber {
        let first17 = "110105" + born + String(format: "%03d", sequence)
        guard let check = ResidentIDNumber.checkCharacter(forFirst17: first17) else { throw FixtureError.noSuchCitizen }
        return try ResidentIDNumber(first17 + String(check))
    }

    func taken(_ slot: Slot) async throws -> Int {
        try await store.pool.read { db in try Int.fetchOne(db, sql: "SELECT taken FROM slot_capacity WHERE slot_id = ?", arguments: [slot.id]) ?? 0 }
    }

    /// Booked places plus live holds: what a new request competes with at `now`.
    func occupied(_ slot: Slot, at now: Date) async throws -> Int {
        try await store.pool.read { db in
            try Int.fetchOne(db, sql: """
                SELECT (SELECT taken FROM slot_capacity WHERE slot_id = ?)
                     + (SELECT count(*) FROM booking_hold WHERE slot_id = ? AND expires_at > ?)
                """, arguments: [slot.id, slot.id, now.timeIntervalSince1970]) ?? 0
        }
    }

    func count(_ sql: String) async throws -> Int {
        try await store.pool.read { db in try Int.fetchOne(db, sql: sql) ?? 0 }
    }
}
