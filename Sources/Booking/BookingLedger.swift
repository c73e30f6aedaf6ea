import Foundation
import KioskCore

/// What the terminal's screens and counters ask of wherever appointments, queue tickets and
/// ratings are kept: the terminal's SQLite file, the district's PostgreSQL, or the district
/// with the terminal's outbox behind it. Every mutation takes the request's idempotency key: a
/// retried request gets its first answer.
///
/// Whoever stands at the screen is anonymous until they show an ID card or type an ID number, so
/// everything that takes a place, reveals a booking or changes it names the citizen, and a code
/// alone only finds a booking: it never acts on it.
public protocol BookingLedger: Sendable {
    /// Keeps a place for `idNumber`: one open hold per ID number (a new one replaces it), and it
    /// counts against the citizen's quota like a booking.
    func hold(_ slot: Slot, idNumber: ResidentIDNumber, idempotencyKey: String, now: Date) async throws -> SlotHold
    /// The hold must be `idNumber`'s own.
    func confirm(holdID: String, idNumber: ResidentIDNumber, idempotencyKey: String, now: Date) async throws -> BookingRecord
    func lookup(code: BookingCode, idNumber: ResidentIDNumber) async throws -> BookingRecord
    /// The booking behind a calendar file's URL: its code and its calendar key (`BookingRecord.id`),
    /// which only the booking's holder was given.
    func booking(code: BookingCode, calendarKey: String) async throws -> BookingRecord
    func cancel(code: BookingCode, idNumber: ResidentIDNumber, idempotencyKey: String, now: Date) async throws -> BookingRecord
    func reschedule(code: BookingCode, idNumber: ResidentIDNumber, to slot: Slot, idempotencyKey: String,
                    now: Date) async throws -> BookingRecord
    func placesTaken(slotIDs: [String], now: Date) async throws -> [String: Int]
    /// The booking with `code` whose holder is `holder`: the code finds it, the identity proves it.
    func checkIn(code: BookingCode, holder: CitizenIdentity, idempotencyKey: String, now: Date) async throws -> CheckInResult
    func checkIn(holder: CitizenIdentity, idempotencyKey: String, now: Date) async throws -> CheckInResult
    /// A walk-in ticket. `holder` is whoever showed a card or typed a number (the card's birth
    /// date may make it elderly); `disabilityMarkedByStaff` only ever comes from a staff sign-in.
    func issueTicket(serviceID: String, holder: CitizenIdentity?, disabilityMarkedByStaff: Bool, schedule: DaySchedule,
                     idempotencyKey: String, now: Date) async throws -> TicketReceipt
    func callNext(counter: String, serviceIDs: [String], idempotencyKey: String, now: Date) async throws -> Ticket?
    func recall(ticketID: Int64, idempotencyKey: String, now: Date) async throws -> Ticket
    func markNoShow(ticketID: Int64, idempotencyKey: String, now: Date) async throws -> Ticket
    func finish(ticketID: Int64, idempotencyKey: String, now: Date) async throws -> Ticket
    func transfer(ticketID: Int64, to serviceID: String, idempotencyKey: String, now: Date) async throws -> Ticket
    func waitingTickets(serviceIDs: [String], now: Date) async throws -> [Ticket]
    /// Today's tickets being served now (called, not yet finished) for `serviceIDs`, each with
    /// its counter, the latest call first: the "now serving" of the queue display.
    func servingTickets(serviceIDs: [String], now: Date) async throws -> [Ticket]
    /// Once per finished ticket, by whoever proves they took it.
    func rate(ticketID: Int64, proof: RatingProof, score: Int, reasons: [String], idempotencyKey: String,
              now: Date) async throws -> Rating
}
