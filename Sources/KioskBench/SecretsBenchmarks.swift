import Booking
import Foundation
import Secrets
import Storage

/// What keys cost: how fast `kiosk secrets rotate` (and `kiosk db copy` into a district) moves
/// bookings to a new key. Each booking's number is found again from its hash and masked form
/// (a few thousand birth dates to try) before it is hashed with the new key.
enum SecretsBenchmarks {
    static let bookings = 200

    static func run() -> [Figure] {
        measuredFigures("secrets") { try await measure() }
    }

    private static func measure() async throws -> [Figure] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kiosk-bench-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SQLiteStore(path: directory.appendingPathComponent("kiosk.sqlite").path, keys: .random())
        try store.migrate()
        let slots = try DistrictBenchmarks.slots(count: bookings / 10, capacity: 10)
        let ledger = try SQLiteBookingStore(store: store, timeZone: DistrictBenchmarks.zone)
        for index in 0..<bookings {
            // Birth dates spread over half a century (1950 to 2003).
            _ = try await ledger.book(slots[index / 10], idNumber: try DistrictBenchmarks.citizen(index * 97),
                                      idempotencyKey: "bench-\(index)", now: DistrictBenchmarks.now)
        }
        let clock = ContinuousClock()
        let start = clock.now
        let report = try store.rotate(to: .random(), now: Date())
        let elapsed = clock.now - start
        guard report.bookings == bookings else {
            return [Figure(name: "secrets: failed: re-keyed \(report.bookings) of \(bookings) bookings", value: 0, unit: "")]
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return [Figure(name: "bookings re-keyed per second (kiosk secrets rotate, \(bookings) bookings)",
                       value: Double(bookings) / seconds, unit: "/s")]
    }
}
