import Booking
import Foundation
import KioskCore

/// Everything a booking store does, whichever database keeps it (what the screens ask, the
/// `BookingLedger`, and the housekeeping and reports behind them): the terminal's SQLite file
/// (`BookingStore`) or the district's PostgreSQL (`PostgresBookingStore` in StoragePostgres).
/// Both give the same answers to the same calls; one behaviour suite runs against both.
///
/// Methods throw `BookingRuleError` when a rule refuses the request and `StorageError` when the
/// database fails. Times are passed in, never read from a clock.
public protocol BookingDatabase: BookingLedger {
    var policy: BookingPolicy { get }
    var checkInWindow: CheckInWindow { get }
    var queue: QueuePolicy { get }
    var timeZone: TimeZone { get }

    func book(_ slot: Slot, idNumber: ResidentIDNumber, idempotencyKey: String, now: Date) async throws -> BookingRecord
    func deleteExpiredHolds(now: Date) async throws -> Int
    func bookings(of idNumber: ResidentIDNumber) async throws -> [BookingRecord]
    func markNoShows(now: Date) async throws -> Int
    func sweep(now: Date) async throws -> BookingSweep
    func flagBookingsOnDaysOff(from old: OfficialCalendar, to new: OfficialCalendar, now: Date) async throws -> [BookingRecord]
    func bookingsOnDaysOff() async throws -> [BookingRecord]
    func ratings(serviceID: String, counter: String?) async throws -> [Rating]
}

extension BookingStore: BookingDatabase {}

extension BookingDatabase {
    /// Ratings of a service at every counter, oldest first.
    public func ratings(serviceID: String) async throws -> [Rating] {
        try await ratings(serviceID: serviceID, counter: nil)
    }
}
