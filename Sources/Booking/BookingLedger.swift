import Foundation
import KioskCore

/// What the terminal's screens and counters ask of wherever appointments, queue tickets and
/// ratings are kept: the terminal's SQLite file, the district's PostgreSQL, or the district
/// with the terminal's outbox behind it. Every mutation takes the request's idempotency key: a
/// retried request gets its first answer.
public protocol BookingLedger: Sendable {
    func hold(_ slot: Slot, idempotencyKey: String, now: Date) async throws -> SlotHold
    func confirm(holdID: String, idNumber: ResidentIDNumber, idempotencyKey: String, now: Date) async throws -> BookingRecord
    func lookup(code: BookingCode, idNumber: ResidentIDNumber) async throws -> BookingRecord
    func booking(code: BookingCode) async throws -> BookingRecord
    func cancel(code: BookingCode, idNumber: ResidentIDNumber, idempotencyKey: String, now: Date) async throws -> BookingRecord
    func reschedule(code: BookingCode, idNumber: ResidentIDNumber, to slot: Slot, idempotencyKey: String,
                    now: Date) async throws -> BookingRecord
    func placesTaken(slotIDs: [String], now: Date) async throws -> [String: Int]
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
}
