import Booking
import Foundation
import KioskCore

/// Everything a booking store does, whichever database keeps it (what the screens ask, the
/// `BookingLedger`, and the housekeeping and reports behind them): the terminal's SQLite file
/// (`SQLiteBookingStore`) or the district's PostgreSQL (`PostgresBookingStore` in StoragePostgres).
/// Both make every decision through the same `BookingRules` and differ only in their SQL and
/// transactions; one behaviour suite runs against both.
///
/// Methods throw `BookingRuleError` when a rule refuses the request and `StorageError` when the
/// database fails. Times are passed in, never read from a clock.
public protocol BookingDatabase: BookingLedger {
    /// The hall's rules, which make every decision the store writes.
    var rules: BookingRules { get }

    func book(_ slot: Slot, idNumber: ResidentIDNumber, idempotencyKey: String, now: Date) async throws -> BookingRecord
    func deleteExpiredHolds(now: Date) async throws -> Int
    func bookings(of idNumber: ResidentIDNumber) async throws -> [BookingRecord]
    func markNoShows(now: Date) async throws -> Int
    func sweep(now: Date) async throws -> BookingSweep
    func flagBookingsOnDaysOff(from old: OfficialCalendar, to new: OfficialCalendar, now: Date) async throws -> [BookingRecord]
    func bookingsOnDaysOff() async throws -> [BookingRecord]
    func ratings(serviceID: String, counter: String?) async throws -> [Rating]
}

extension BookingDatabase {
    public var policy: BookingPolicy { rules.policy }
    public var checkInWindow: CheckInWindow { rules.checkInWindow }
    public var queue: QueuePolicy { rules.queue }
    public var timeZone: TimeZone { rules.timeZone }

    /// Ratings of a service at every counter, oldest first.
    public func ratings(serviceID: String) async throws -> [Rating] {
        try await ratings(serviceID: serviceID, counter: nil)
    }
}
