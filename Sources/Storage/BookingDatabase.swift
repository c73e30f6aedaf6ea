import Booking
import Foundation
import KioskCore

/// Everything a booking store does, whichever database keeps it: the terminal's SQLite file
/// (`BookingStore`) or the district's PostgreSQL (`PostgresBookingStore` in StoragePostgres).
/// Both give the same answers to the same calls; one behaviour suite runs against both.
///
/// Methods throw `BookingRuleError` when a rule refuses the request and `StorageError` when the
/// database fails. Times are passed in, never read from a clock.
public protocol BookingDatabase: Sendable {
    var policy: BookingPolicy { get }
    var checkInWindow: CheckInWindow { get }
    var queue: QueuePolicy { get }
    var timeZone: TimeZone { get }

    func hold(_ slot: Slot, idempotencyKey: String, now: Date) async throws -> SlotHold
    func confirm(holdID: String, idNumber: ResidentIDNumber, idempotencyKey: String, now: Date) async throws -> BookingRecord
    func book(_ slot: Slot, idNumber: ResidentIDNumber, idempotencyKey: String, now: Date) async throws -> BookingRecord
    func deleteExpiredHolds(now: Date) async throws -> Int
    func lookup(code: BookingCode, idNumber: ResidentIDNumber) async throws -> BookingRecord
    func booking(code: BookingCode) async throws -> BookingRecord
    func placesTaken(slotIDs: [String], now: Date) async throws -> [String: Int]
    func bookings(of idNumber: ResidentIDNumber) async throws -> [BookingRecord]
    func cancel(code: BookingCode, idNumber: ResidentIDNumber, idempotencyKey: String, now: Date) async throws -> BookingRecord
    func reschedule(code: BookingCode, idNumber: ResidentIDNumber, to slot: Slot, idempotencyKey: String,
                    now: Date) async throws -> BookingRecord
    func markNoShows(now: Date) async throws -> Int
    func sweep(now: Date) async throws -> BookingSweep
    func flagBookingsOnDaysOff(from old: OfficialCalendar, to new: OfficialCalendar, now: Date) async throws -> [BookingRecord]
    func bookingsOnDaysOff() async throws -> [BookingRecord]
    func checkIn(code: BookingCode, idempotencyKey: String, now: Date) async throws -> CheckInResult
    func checkIn(idNumber: ResidentIDNumber, idempotencyKey: String, now: Date) async throws -> CheckInResult
    func issueTicket(serviceID: String, idNumber: ResidentIDNumber?, disabilityMarked: Bool, schedule: DaySchedule,
                     idempotencyKey: String, now: Date) async throws -> TicketReceipt
    func callNext(counter: String, serviceIDs: [String], idempotencyKey: String, now: Date) async throws -> Ticket?
    func recall(ticketID: Int64, idempotencyKey: String, now: Date) async throws -> Ticket
    func markNoShow(ticketID: Int64, idempotencyKey: String, now: Date) async throws -> Ticket
    func finish(ticketID: Int64, idempotencyKey: String, now: Date) async throws -> Ticket
    func transfer(ticketID: Int64, to serviceID: String, idempotencyKey: String, now: Date) async throws -> Ticket
    func waitingTickets(serviceIDs: [String], now: Date) async throws -> [Ticket]
    func rate(ticketID: Int64, score: Int, reasons: [String], idempotencyKey: String, now: Date) async throws -> Rating
    func ratings(serviceID: String, counter: String?) async throws -> [Rating]
}

extension BookingStore: BookingDatabase {}

extension BookingDatabase {
    /// Ratings of a service at every counter, oldest first.
    public func ratings(serviceID: String) async throws -> [Rating] {
        try await ratings(serviceID: serviceID, counter: nil)
    }
}
