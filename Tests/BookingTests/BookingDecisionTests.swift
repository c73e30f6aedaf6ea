import Foundation
import KioskCore
import Testing
@testable import Booking

/// The decisions both booking stores take from `BookingRules`, on plain values: what the
/// stores' behaviour suites check through SQL is decided here.
@Suite("Booking decisions: eligibility, check-in, the counter's guard, ratings")
struct BookingDecisionTests {
    let rules = BookingRules(policy: BookingPolicy(maxActivePerService: 1, maxActiveTotal: 2, noShowLimit: 2),
                             checkInWindow: CheckInWindow(earlyMinutes: 30, lateMinutes: 15),
                             queue: QueuePolicy(prefixes: ["hukou": "A"], defaultPrefix: "B", elderlyAge: 65),
                             timeZone: Fixtures.shanghai)

    static func citizen(born: String) throws -> ResidentIDNumber {
        let first17 = "110105" + born + "001"
        return try ResidentIDNumber(first17 + String(try #require(ResidentIDNumber.checkCharacter(forFirst17: first17))))
    }

    func booking(_ start: String, status: BookingStatus = .confirmed, service: String = "hukou") throws -> BookingRecord {
        let begins = try Fixtures.beijing(start)
        var generator = SystemRandomNumberGenerator()
        return BookingRecord(id: "b-" + start, code: BookingCode.random(using: &generator), slotID: "hukou:" + start,
                             serviceID: service, date: LocalDate(containing: begins, in: Fixtures.shanghai), start: begins,
                             end: begins.addingTimeInterval(1800), maskedIDNumber: "1101**********0011", status: status,
                             sequence: 0, createdAt: begins, updatedAt: begins, onDayOff: false)
    }

    /// A confirmed booking whose window closed counts as missed before any sweep marks it, and a
    /// live hold counts like a booking.
    @Test func eligibilityCountsClosedWindowsAsNoShowsAndHoldsAsBookings() throws {
        let now = try Fixtures.beijing("2026-12-02 12:00")
        let missed = CitizenBookings.Booked(serviceID: "tax", status: .confirmed, start: try Fixtures.beijing("2026-12-02 11:45"))
        let marked = CitizenBookings.Booked(serviceID: "tax", status: .noShow, start: try Fixtures.beijing("2026-11-20 09:00"))
        #expect(throws: BookingRuleError(.bannedForNoShows, until: "2027-01-01")) {
            try rules.checkEligibility(CitizenBookings(bookings: [missed, marked], heldServiceIDs: []), serviceID: "hukou", now: now)
        }
        // Within the window (until 12:00 exclusive) it is still a booking: one of the service's quota.
        let open = CitizenBookings.Booked(serviceID: "hukou", status: .confirmed, start: try Fixtures.beijing("2026-12-02 11:46"))
        #expect(throws: BookingRuleError(.quotaPerServiceExceeded)) {
            try rules.checkEligibility(CitizenBookings(bookings: [open], heldServiceIDs: []), serviceID: "hukou", now: now)
        }
        try rules.checkEligibility(CitizenBookings(bookings: [open], heldServiceIDs: []), serviceID: "tax", now: now)
        #expect(throws: BookingRuleError(.quotaTotalExceeded)) {
            try rules.checkEligibility(CitizenBookings(bookings: [open], heldServiceIDs: ["social"]), serviceID: "tax", now: now)
        }
        #expect(rules.eligibilityHorizon(now: now) == now.addingTimeInterval(-rules.policy.noShowLookback))
        #expect(rules.noShowCutoff(now: now) == now.addingTimeInterval(-15 * 60))
    }

    /// The card checks in today's first booking whose window is open or to come, else the last
    /// one (late); nothing today is `bookingNotFound`.
    @Test func theCardChecksInThePendingBookingElseTheLastOne() throws {
        let morning = try booking("2026-12-02 09:00"), afternoon = try booking("2026-12-02 14:00")
        #expect(try rules.bookingToCheckIn(todays: [morning, afternoon], now: try Fixtures.beijing("2026-12-02 09:10")) == morning)
        #expect(try rules.bookingToCheckIn(todays: [morning, afternoon], now: try Fixtures.beijing("2026-12-02 09:15")) == afternoon)
        #expect(try rules.bookingToCheckIn(todays: [morning, afternoon], now: try Fixtures.beijing("2026-12-02 15:00")) == afternoon)
        #expect(throws: BookingRuleError(.bookingNotFound)) {
            try rules.bookingToCheckIn(todays: [], now: try Fixtures.beijing("2026-12-02 09:00"))
        }
    }

    @Test func checkInOnTimeGivesAnAppointmentTicketAtTheBookedTime() throws {
        let booked = try booking("2026-12-02 09:00")
        let decision = try rules.checkIn(booked, holder: .typed(try Self.citizen(born: "19400101")),
                                         now: try Fixtures.beijing("2026-12-02 08:40"))
        #expect(decision.status == .checkedIn && !decision.late)
        #expect(decision.ticket.priority == .appointment && decision.ticket.queuedAt == booked.start)
        #expect(decision.ticket.bookingID == booked.id && decision.ticket.prefix == "A")
        #expect(decision.ticket.number(sequence: 7) == "A007")
        #expect(throws: BookingRuleError(.checkInTooEarly, until: "2026-12-02 08:30")) {
            try rules.checkIn(booked, holder: .typed(try Self.citizen(born: "19400101")), now: try Fixtures.beijing("2026-12-02 08:29"))
        }
    }

    /// Late is a walk-in ticket queued now; elderly only from the card, and a booking the sweep
    /// marked a no-show still checks in late that day, never another day.
    @Test func lateCheckInIsAWalkInAndOnlyTheCardMakesItElderly() throws {
        let now = try Fixtures.beijing("2026-12-02 10:00")
        let elder = try Self.citizen(born: "19400101")
        let missed = try booking("2026-12-02 09:00", status: .noShow)
        let byCard = try rules.checkIn(missed, holder: .card(elder), now: now)
        #expect(byCard.status == .checkedInLate && byCard.late && byCard.ticket.queuedAt == now)
        #expect(byCard.ticket.priority == .elderly)
        #expect(try rules.checkIn(missed, holder: .typed(elder), now: now).ticket.priority == .ordinary)
        #expect(throws: BookingRuleError(.bookingNotActive)) {
            try rules.checkIn(try booking("2026-12-01 09:00", status: .noShow), holder: .card(elder), now: now)
        }
        #expect(throws: BookingRuleError(.bookingNotActive)) {
            try rules.checkIn(try booking("2026-12-02 09:00", status: .cancelled), holder: .card(elder), now: now)
        }
    }

    @Test func changesOnlyToConfirmedBookingsBeforeTheDeadlineAndWithinTheService() throws {
        let booked = try booking("2026-12-03 09:00")
        let now = try Fixtures.beijing("2026-12-02 09:00")
        try rules.checkCancel(booked, now: now)
        #expect(throws: BookingRuleError(.changeDeadlinePassed)) { try rules.checkCancel(booked, now: try Fixtures.beijing("2026-12-03 08:01")) }
        #expect(throws: BookingRuleError(.bookingNotActive)) { try rules.checkCancel(try booking("2026-12-03 09:00", status: .checkedIn), now: now) }
        let slot = try #require(SlotGenerator(calendar: try OfficialCalendar(years: []), hours: .standard)
            .slots(for: try Fixtures.hukou(noticeMinutes: 0), from: booked.date, through: booked.date, now: now)
            .first { $0.start == booked.start })
        // Another slot moves the booking, its own slot is nothing to do; another service is refused.
        #expect(try rules.checkReschedule(booked, to: slot, now: now))
        let inSlot = BookingRecord.made(id: "b", code: booked.code, slotID: slot.id, serviceID: "hukou", date: slot.date,
                                        start: slot.start, end: slot.end, maskedIDNumber: booked.maskedIDNumber, at: now)
        #expect(try !rules.checkReschedule(inSlot, to: slot, now: now))
        #expect(throws: BookingRuleError(.rescheduleToOtherService)) {
            try rules.checkReschedule(try booking("2026-12-03 09:00", service: "tax"), to: slot, now: now)
        }
    }

    @Test func holdsLiveUntilTheyExpire() throws {
        let now = try Fixtures.beijing("2026-12-02 09:00")
        let place = BookedPlace(slotID: "s", serviceID: "hukou", date: try LocalDate("2026-12-03"), start: now, end: now)
        try rules.checkLive(HeldPlace(place: place, expiresAt: now.addingTimeInterval(1)), now: now)
        #expect(throws: BookingRuleError(.holdExpired)) { try rules.checkLive(HeldPlace(place: place, expiresAt: now), now: now) }
    }

    func ticket(_ state: TicketState, counter: String? = "A01") throws -> Ticket {
        Ticket(id: 4, date: try LocalDate("2026-12-02"), number: "A004", serviceID: "hukou", priority: .ordinary,
               queuedAt: try Fixtures.beijing("2026-12-02 09:00"), state: state, counter: counter, calledAt: nil, callCount: 1,
               bookingID: nil)
    }

    @Test func countersActOnlyOnCalledTicketsAndAheadCountsInCallOrder() throws {
        try BookingRules.checkCounterAction(on: try ticket(.called))
        for state in [TicketState.waiting, .finished, .noShow] {
            #expect(throws: BookingRuleError(.ticketStateInvalid)) { try BookingRules.checkCounterAction(on: try ticket(state)) }
        }
        let waiting = try (1...3).map { id in
            Ticket(id: Int64(id), date: try LocalDate("2026-12-02"), number: "A00\(id)", serviceID: "hukou", priority: .ordinary,
                   queuedAt: try Fixtures.beijing("2026-12-02 09:00"), state: .waiting, counter: nil, calledAt: nil, callCount: 0,
                   bookingID: nil)
        }
        #expect(BookingRules.ahead(of: 3, inCallOrder: waiting) == 2)
        #expect(BookingRules.ahead(of: 1, inCallOrder: waiting) == 0)
    }

    /// Without the proof nothing about the ticket is said (not even its state); with it, once,
    /// after it was served.
    @Test func ratingsNeedTheProofThenAFinishedUnratedTicket() throws {
        let now = try Fixtures.beijing("2026-12-02 10:00")
        #expect(throws: BookingRuleError(.ratingNotAllowed)) {
            try BookingRules.rating(of: try ticket(.waiting), proofMatches: false, alreadyRated: false, score: 5, reasons: [], now: now)
        }
        #expect(throws: BookingRuleError(.ticketStateInvalid)) {
            try BookingRules.rating(of: try ticket(.called), proofMatches: true, alreadyRated: false, score: 5, reasons: [], now: now)
        }
        #expect(throws: BookingRuleError(.ticketStateInvalid)) {
            try BookingRules.rating(of: try ticket(.finished), proofMatches: true, alreadyRated: true, score: 5, reasons: [], now: now)
        }
        let rating = try BookingRules.rating(of: try ticket(.finished), proofMatches: true, alreadyRated: false, score: 4,
                                             reasons: ["slowService"], now: now)
        #expect(rating.counter == "A01" && rating.serviceID == "hukou" && rating.ticketID == 4 && rating.createdAt == now)
    }

    @Test func walkInsAreIssuedWhileTheHallIsOpen() throws {
        let calendar = try OfficialCalendar(years: [])
        let day = try LocalDate("2026-12-02")
        let schedule = HallHours.standard.schedule(for: calendar.day(for: day))
        let ticket = try rules.walkIn(serviceID: "tax", holder: nil, disabilityMarkedByStaff: true, schedule: schedule,
                                      now: try Fixtures.beijing("2026-12-02 10:00"))
        #expect(ticket.priority == .disability && ticket.prefix == "B" && ticket.bookingID == nil)
        #expect(throws: BookingRuleError(.hallClosedForWalkIns)) {
            try rules.walkIn(serviceID: "tax", holder: nil, disabilityMarkedByStaff: false, schedule: schedule,
                             now: try Fixtures.beijing("2026-12-02 07:00"))
        }
    }
}
