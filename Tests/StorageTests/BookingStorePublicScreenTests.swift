import Booking
import Foundation
import KioskCore
import Testing
@testable import Storage

/// What an anonymous person at the screen could do to other citizens through the store, tried
/// on both databases (issue 14, items 7, 8, 10 and 12): each attack must fail, and the citizen
/// it aimed at must still be served.
@Suite("Booking store: what a stranger at the screen cannot do", .privatePostgres)
struct BookingStorePublicScreenTests {
    let now = BookingStoreFixture.now

    func at(_ text: String) throws -> Date { try BookingStoreFixture.beijing(text) }

    /// Item 8: the code of someone else's booking with a stranger's ID number checks nothing
    /// in, and the holder's own check-in afterwards still works.
    @Test(arguments: StoreKind.allCases) func aCodeWithAnotherIdentityChecksNothingIn(_ kind: StoreKind) async throws {
        let fixture = try await BookingStoreFixture(kind)
        let holder = try BookingStoreFixture.citizen()
        let stranger = try BookingStoreFixture.citizen(sequence: 2)
        let booking = try await fixture.bookings.book(try fixture.slot("2026-12-02 09:30"), idNumber: holder, idempotencyKey: "b1", now: now)
        for (key, identity) in [("x1", CitizenIdentity.typed(stranger)), ("x2", .card(stranger))] {
            await #expect(throws: BookingRuleError(.bookingNotFound)) {
                try await fixture.bookings.checkIn(code: booking.code, holder: identity, idempotencyKey: key, now: try at("2026-12-02 09:10"))
            }
        }
        let checkedIn = try await fixture.bookings.checkIn(code: booking.code, holder: .card(holder), idempotencyKey: "ci",
                                                           now: try at("2026-12-02 09:10"))
        #expect(checkedIn.booking.id == booking.id && checkedIn.booking.status == .checkedIn)
        #expect(try await fixture.count("SELECT count(*) FROM queue_ticket") == 1)
    }

    /// Item 8: the calendar file's key is the booking's, not anyone's guess.
    @Test(arguments: StoreKind.allCases) func theCalendarFileNeedsItsKey(_ kind: StoreKind) async throws {
        let fixture = try await BookingStoreFixture(kind)
        let booking = try await fixture.bookings.book(try fixture.slot("2026-12-02 09:30"), idNumber: try BookingStoreFixture.citizen(),
                                                      idempotencyKey: "b1", now: now)
        #expect(try await fixture.bookings.booking(code: booking.code, calendarKey: booking.id) == booking)
        await #expect(throws: BookingRuleError(.bookingNotFound)) {
            try await fixture.bookings.booking(code: booking.code, calendarKey: UUID().uuidString)
        }
    }

    /// Item 7: a typed ID number with an old birth date is no evidence of age; the card is.
    @Test(arguments: StoreKind.allCases) func onlyTheCardsBirthDateGivesElderlyPriority(_ kind: StoreKind) async throws {
        let fixture = try await BookingStoreFixture(kind)
        let day = fixture.generator.schedule(for: try LocalDate("2026-12-02"))
        let born1940 = try BookingStoreFixture.citizen(born: "19400101")
        let typed = try await fixture.bookings.issueTicket(serviceID: "hukou", holder: .typed(born1940), disabilityMarkedByStaff: false,
                                                           schedule: day, idempotencyKey: "w1", now: try at("2026-12-02 10:00"))
        let carded = try await fixture.bookings.issueTicket(serviceID: "hukou", holder: .card(born1940), disabilityMarkedByStaff: false,
                                                            schedule: day, idempotencyKey: "w2", now: try at("2026-12-02 10:01"))
        #expect(typed.ticket.priority == .ordinary)
        #expect(carded.ticket.priority == .elderly)
        // A late check-in with the typed number is ordinary too.
        _ = try await fixture.bookings.book(try fixture.slot("2026-12-02 09:00"), idNumber: born1940, idempotencyKey: "b1", now: now)
        let late = try await fixture.bookings.checkIn(holder: .typed(born1940), idempotencyKey: "ci", now: try at("2026-12-02 10:30"))
        #expect(late.late && late.receipt.ticket.priority == .ordinary)
    }

    /// Item 10: a hold names its citizen; one open hold per ID number (a new one replaces it),
    /// counted against the quota, and nobody else confirms it.
    @Test(arguments: StoreKind.allCases) func holdsAreOnePerCitizenAndCountAgainstTheQuota(_ kind: StoreKind) async throws {
        let fixture = try await BookingStoreFixture(kind, policy: BookingPolicy(maxActivePerService: 1, maxActiveTotal: 2))
        let citizen = try BookingStoreFixture.citizen()
        let other = try BookingStoreFixture.citizen(sequence: 2)
        // One person holding slot after slot of a day keeps one place at a time.
        var holds: [SlotHold] = []
        for (index, time) in ["09:00", "09:30", "10:00", "10:30", "11:00", "11:30", "13:30", "14:00"].enumerated() {
            let slot = try fixture.slot("2026-12-02 " + time, service: try BookingStoreFixture.service(capacity: 1))
            holds.append(try await fixture.bookings.hold(slot, idNumber: citizen, idempotencyKey: "h\(index)", now: now))
        }
        #expect(try await fixture.count("SELECT count(*) FROM booking_hold") == 1)
        // Everyone else still finds those places free.
        let taken = try fixture.slot("2026-12-02 09:00", service: try BookingStoreFixture.service(capacity: 1))
        let theirs = try await fixture.bookings.hold(taken, idNumber: other, idempotencyKey: "o1", now: now)
        // Someone else's hold is not mine to confirm.
        await #expect(throws: BookingRuleError(.holdNotFound)) {
            try await fixture.bookings.confirm(holdID: theirs.id, idNumber: citizen, idempotencyKey: "c0", now: now)
        }
        // The open hold counts like a booking: a booking of the same service is over the quota.
        await #expect(throws: BookingRuleError(.quotaPerServiceExceeded)) {
            try await fixture.bookings.book(try fixture.slot("2026-12-03 09:00"), idNumber: citizen, idempotencyKey: "b0", now: now)
        }
        let last = try #require(holds.last)
        let booked = try await fixture.bookings.confirm(holdID: last.id, idNumber: citizen, idempotencyKey: "c1", now: now)
        #expect(booked.slotID == last.slotID)
        #expect(try await fixture.bookings.confirm(holdID: theirs.id, idNumber: other, idempotencyKey: "c2", now: now).slotID == taken.id)
        // With a booking of the service, a hold for it is over the quota too.
        await #expect(throws: BookingRuleError(.quotaPerServiceExceeded)) {
            try await fixture.bookings.hold(try fixture.slot("2026-12-03 09:00"), idNumber: citizen, idempotencyKey: "h9", now: now)
        }
    }

    /// Item 12: a ticket is rated only with its rating token or the card it was taken with.
    @Test(arguments: StoreKind.allCases) func onlyTheTicketsTakerRatesIt(_ kind: StoreKind) async throws {
        let fixture = try await BookingStoreFixture(kind)
        let day = fixture.generator.schedule(for: try LocalDate("2026-12-02"))
        let citizen = try BookingStoreFixture.citizen()
        let walkIn = try await fixture.bookings.issueTicket(serviceID: "hukou", holder: nil, disabilityMarkedByStaff: false, schedule: day,
                                                            idempotencyKey: "w1", now: try at("2026-12-02 10:00"))
        let carded = try await fixture.bookings.issueTicket(serviceID: "hukou", holder: .card(citizen), disabilityMarkedByStaff: false,
                                                            schedule: day, idempotencyKey: "w2", now: try at("2026-12-02 10:00"))
        // A retry gets the same token; every ticket has its own.
        let retried = try await fixture.bookings.issueTicket(serviceID: "hukou", holder: nil, disabilityMarkedByStaff: false, schedule: day,
                                                             idempotencyKey: "w1", now: try at("2026-12-02 10:00"))
        let token = try #require(walkIn.ratingToken)
        #expect(retried.ratingToken == token && RatingToken.isWellFormed(token) && carded.ratingToken != token)
        for (index, ticket) in [walkIn, carded].enumerated() {
            _ = try await fixture.bookings.callNext(counter: "A01", serviceIDs: ["hukou"], idempotencyKey: "n\(index)", now: try at("2026-12-02 10:05"))
            _ = try await fixture.bookings.finish(ticketID: ticket.ticket.id, idempotencyKey: "f\(index)", now: try at("2026-12-02 10:06"))
        }
        let guesses: [RatingProof] = [.token(RatingToken.random()), .token(try #require(carded.ratingToken)), .holder(citizen)]
        for (index, guess) in guesses.enumerated() {
            await #expect(throws: BookingRuleError(.ratingNotAllowed)) {
                try await fixture.bookings.rate(ticketID: walkIn.ticket.id, proof: guess, score: 1, reasons: [], idempotencyKey: "g\(index)",
                                                now: try at("2026-12-02 10:10"))
            }
        }
        #expect(try await fixture.count("SELECT count(*) FROM rating") == 0)
        _ = try await fixture.bookings.rate(ticketID: walkIn.ticket.id, proof: .token(token), score: 5, reasons: [], idempotencyKey: "r1",
                                            now: try at("2026-12-02 10:10"))
        await #expect(throws: BookingRuleError(.ratingNotAllowed)) {
            try await fixture.bookings.rate(ticketID: carded.ticket.id, proof: .holder(try BookingStoreFixture.citizen(sequence: 9)), score: 1,
                                            reasons: [], idempotencyKey: "r2", now: try at("2026-12-02 10:10"))
        }
        let byCard = try await fixture.bookings.rate(ticketID: carded.ticket.id, proof: .holder(citizen), score: 4, reasons: [],
                                                     idempotencyKey: "r3", now: try at("2026-12-02 10:10"))
        #expect(byCard.score == 4)
        // The ticket row keeps the token's hash, not the token (the first answer, kept for a
        // retry under its idempotency key, holds it).
        #expect(try await fixture.count("SELECT count(*) FROM queue_ticket WHERE rating_token_hash IS NOT NULL") == 2)
    }
}
