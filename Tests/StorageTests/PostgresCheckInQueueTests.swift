import Booking
import Foundation
import KioskCore
@testable import StoragePostgres
import Testing

/// Check-ins racing from several terminals into one queue (`kiosk_check_in`): the numbers of a
/// day and prefix stay unique and gapless, and each receipt's ahead count is what the queue will
/// call before the citizen among the tickets there at the check-in (those numbered before it),
/// whatever the classes, minutes and ties of the queue.
@Suite("District store: concurrent check-ins into one queue", .privatePostgres)
struct PostgresCheckInQueueTests {
    /// Beijing `YYYY-MM-DD HH:MM`, or `HH:MM:SS`.
    func at(_ text: String) throws -> Date {
        let seconds = text.split(separator: ":").count == 3 ? Double(text.suffix(2)) : nil
        return try BookingStoreFixture.beijing(seconds == nil ? text : String(text.dropLast(3))).addingTimeInterval(seconds ?? 0)
    }

    /// The sequence of a ticket number of prefix A (`A017` → 17).
    func sequence(_ ticket: Ticket) throws -> Int { try #require(Int(ticket.number.dropFirst())) }

    @Test func concurrentCheckInsGetGaplessNumbersAndTheCountOfWhoIsAhead() async throws {
        let fixture = try await BookingStoreFixture(.postgres)
        let bookings = fixture.bookings
        let day = fixture.generator.schedule(for: try LocalDate("2026-12-02"))
        let now = BookingStoreFixture.now, arrival = try at("2026-12-02 09:44:30")
        let service = try BookingStoreFixture.service(capacity: 8)

        // The queue before: ordinary walk-ins (one in the minute the late check-ins join), an
        // elderly one, a ticket called away, one transferred in from another service (prefix B,
        // queued at its own time), and an appointment checked in early for 10:00.
        for (index, time) in ["09:05", "09:06", "09:44:10"].enumerated() {
            _ = try await bookings.issueTicket(serviceID: "hukou", holder: nil, disabilityMarkedByStaff: false, schedule: day,
                                               idempotencyKey: "w\(index)", now: try at("2026-12-02 " + time))
        }
        _ = try await bookings.issueTicket(serviceID: "hukou", holder: .card(try BookingStoreFixture.citizen(born: "19500101", sequence: 99)),
                                           disabilityMarkedByStaff: false, schedule: day, idempotencyKey: "w-elderly",
                                           now: try at("2026-12-02 09:20"))
        _ = try await bookings.callNext(counter: "A01", serviceIDs: ["hukou"], idempotencyKey: "n0", now: try at("2026-12-02 09:30"))
        _ = try await bookings.issueTicket(serviceID: "tax", holder: nil, disabilityMarkedByStaff: false, schedule: day,
                                           idempotencyKey: "w-tax", now: try at("2026-12-02 09:10"))
        let called = try #require(try await bookings.callNext(counter: "B01", serviceIDs: ["tax"], idempotencyKey: "n1",
                                                                 now: try at("2026-12-02 09:31")))
        _ = try await bookings.transfer(ticketID: called.id, to: "hukou", idempotencyKey: "t0", now: try at("2026-12-02 09:32"))
        let early = try BookingStoreFixture.citizen(sequence: 98)
        let earlyBooking = try await bookings.book(try fixture.slot("2026-12-02 10:00", service: service), idNumber: early,
                                                   idempotencyKey: "b-early", now: now)
        _ = try await bookings.checkIn(code: earlyBooking.code, holder: .typed(early), idempotencyKey: "ci-early",
                                       now: try at("2026-12-02 09:42"))
        let numberedBefore = try await fixture.count("SELECT count(*) FROM queue_ticket WHERE prefix = 'A'")

        // Six citizens each on time for 09:30 and 10:00 (appointments, ties within a minute), and
        // late for 09:00: those born in 1950 by card (elderly), the others by code (ordinary).
        var citizens: [(ResidentIDNumber, BookingRecord, byCard: Bool)] = []
        for (index, (time, born)) in [("09:30", "19800101"), ("10:00", "19800101"), ("09:00", "19500101"), ("09:00", "19800101")]
            .flatMap({ slot in Array(repeating: slot, count: slot.0 == "09:00" ? 3 : 6) }).enumerated() {
            let citizen = try BookingStoreFixture.citizen(born: born, sequence: index + 1)
            let booking = try await bookings.book(try fixture.slot("2026-12-02 " + time, service: service), idNumber: citizen,
                                                  idempotencyKey: "b\(index)", now: now)
            citizens.append((citizen, booking, born == "19500101"))
        }
        let others = [try await fixture.reopened(), try await fixture.reopened()]
        let terminals = [fixture.bookings] + others.map(\.bookings)
        let results = try await withThrowingTaskGroup(of: CheckInResult.self) { group in
            for (index, (citizen, booking, byCard)) in citizens.enumerated() {
                let terminal = terminals[index % terminals.count]
                group.addTask {
                    byCard ? try await terminal.checkIn(holder: .card(citizen), idempotencyKey: "ci\(index)", now: arrival)
                        : try await terminal.checkIn(code: booking.code, holder: .typed(citizen), idempotencyKey: "ci\(index)", now: arrival)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }

        let numbers = try results.map { try sequence($0.receipt.ticket) }
        #expect(numbers.sorted() == Array(numberedBefore + 1...numberedBefore + citizens.count))
        #expect(Set(results.map { $0.receipt.ticket.priority }) == [.appointment, .elderly, .ordinary])
        let waiting = try await bookings.waitingTickets(serviceIDs: ["hukou"], now: arrival)
        let racing = Set(results.map(\.receipt.ticket.id))
        for result in results {
            let ticket = try #require(waiting.first { $0.id == result.receipt.ticket.id })
            let own = try sequence(ticket)
            let there = try waiting.filter { try !racing.contains($0.id) || sequence($0) < own }
            #expect(result.receipt.ahead == there.filter { Ticket.callsBefore($0, ticket) }.count, "\(ticket.number)")
        }
        #expect(try await Self.miscounted(fixture) == 0)
        withExtendedLifetime(others) {}
    }

    /// The counts the check-in adds up (`queue_waiting`) are the waiting tickets' after every kind
    /// of write: issue, call, transfer, finish, no-show, check-in.
    @Test func theWaitingCountsFollowEveryWriteOfATicket() async throws {
        let fixture = try await BookingStoreFixture(.postgres)
        let bookings = fixture.bookings
        let day = fixture.generator.schedule(for: try LocalDate("2026-12-02"))
        for (index, time) in ["09:05", "09:05:30", "09:06", "09:07", "09:08"].enumerated() {
            _ = try await bookings.issueTicket(serviceID: index < 3 ? "hukou" : "tax", holder: nil, disabilityMarkedByStaff: false,
                                               schedule: day, idempotencyKey: "w\(index)", now: try at("2026-12-02 " + time))
        }
        #expect(try await Self.miscounted(fixture) == 0)
        let first = try #require(try await bookings.callNext(counter: "A01", serviceIDs: ["hukou"], idempotencyKey: "n0",
                                                                now: try at("2026-12-02 09:10")))
        let second = try #require(try await bookings.callNext(counter: "B01", serviceIDs: ["tax"], idempotencyKey: "n1",
                                                                 now: try at("2026-12-02 09:11")))
        #expect(try await Self.miscounted(fixture) == 0)
        _ = try await bookings.transfer(ticketID: first.id, to: "tax", idempotencyKey: "t0", now: try at("2026-12-02 09:12"))
        _ = try await bookings.finish(ticketID: second.id, idempotencyKey: "f0", now: try at("2026-12-02 09:13"))
        let third = try #require(try await bookings.callNext(counter: "A01", serviceIDs: ["hukou"], idempotencyKey: "n2",
                                                                now: try at("2026-12-02 09:14")))
        _ = try await bookings.markNoShow(ticketID: third.id, idempotencyKey: "s0", now: try at("2026-12-02 09:15"))
        #expect(try await Self.miscounted(fixture) == 0)
        #expect(try await fixture.count("SELECT sum(waiting)::bigint FROM queue_waiting")
                    == (try await bookings.waitingTickets(serviceIDs: ["hukou", "tax"], now: try at("2026-12-02 09:15")).count))
    }

    /// The counts serve only the day's check-ins: the sweep deletes those of days before
    /// yesterday (yesterday stays for a terminal whose clock is behind at midnight).
    @Test func theSweepKeepsOnlyTheCountsOfYesterdayAndToday() async throws {
        let fixture = try await BookingStoreFixture(.postgres)
        let bookings = fixture.bookings
        for (index, date) in ["2026-11-30", "2026-12-01", "2026-12-02"].enumerated() {
            let day = fixture.generator.schedule(for: try LocalDate(date))
            _ = try await bookings.issueTicket(serviceID: "hukou", holder: nil, disabilityMarkedByStaff: false,
                                               schedule: day, idempotencyKey: "w\(index)", now: try at(date + " 09:05"))
        }
        #expect(try await fixture.count("SELECT count(*) FROM queue_waiting") == 3)
        _ = try await bookings.sweep(now: try at("2026-12-02 09:30"))
        #expect(try await fixture.count("SELECT count(*) FROM queue_waiting WHERE date < '2026-12-01'") == 0)
        #expect(try await fixture.count("SELECT count(*) FROM queue_waiting") == 2)
    }

    /// Rows of `queue_waiting` that differ from a count of the waiting tickets (empty counts aside).
    static func miscounted(_ fixture: BookingStoreFixture) async throws -> Int {
        try await fixture.count("""
            WITH counted AS (SELECT date, service_id, priority, minute, waiting FROM queue_waiting WHERE waiting <> 0),
                 truth AS (SELECT date, service_id, priority, floor(queued_at / 60)::bigint AS minute, count(*) AS waiting
                           FROM queue_ticket WHERE state = '\(TicketState.waiting.rawValue)' GROUP BY 1, 2, 3, 4)
            SELECT count(*) FROM ((SELECT * FROM counted EXCEPT SELECT * FROM truth) UNION ALL
                                  (SELECT * FROM truth EXCEPT SELECT * FROM counted)) AS differing
            """)
    }
}
