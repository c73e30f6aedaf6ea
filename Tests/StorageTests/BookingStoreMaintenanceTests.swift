import Booking
import Foundation
import KioskCore
import Testing
@testable import Storage

@Suite("Booking store: housekeeping sweep", .privatePostgres)
struct BookingStoreMaintenanceTests {
    let now = BookingStoreFixture.now

    func at(_ text: String) throws -> Date { try BookingStoreFixture.beijing(text) }

    @Test(arguments: StoreKind.allCases) func sweepDeletesExpiredHoldsAndMarksNoShowsAtTheEndOfTheWindow(_ kind: StoreKind) async throws {
        let fixture = try await BookingStoreFixture(kind, policy: BookingPolicy(maxActivePerService: 5, maxActiveTotal: 5))
        let citizen = try BookingStoreFixture.citizen()
        let slot = try fixture.slot("2026-12-02 09:00")
        let missed = try await fixture.bookings.book(slot, idNumber: citizen, idempotencyKey: "b1", now: now)
        let cancelled = try await fixture.bookings.book(try fixture.slot("2026-12-02 09:30"), idNumber: citizen,
                                                        idempotencyKey: "b2", now: now)
        _ = try await fixture.bookings.cancel(code: cancelled.code, idNumber: citizen, idempotencyKey: "c2", now: now)
        let later = try await fixture.bookings.book(try fixture.slot("2026-12-02 10:00"), idNumber: citizen,
                                                    idempotencyKey: "b3", now: now)
        let hold = try await fixture.bookings.hold(slot, idNumber: try BookingStoreFixture.citizen(sequence: 2), idempotencyKey: "h1", now: now)

        // Before the hold expires and while the 09:00 window (until 09:15) is open: nothing to do.
        #expect(try await fixture.bookings.sweep(now: hold.expiresAt.addingTimeInterval(-1))
                == BookingSweep(holdsDeleted: 0, noShowsMarked: 0))
        #expect(try await fixture.count("SELECT count(*) FROM booking_hold") == 1)
        #expect(try await fixture.bookings.sweep(now: try at("2026-12-02 09:15").addingTimeInterval(-1))
                == BookingSweep(holdsDeleted: 1, noShowsMarked: 0))
        #expect(try await fixture.count("SELECT count(*) FROM booking_hold") == 0)
        #expect(try await fixture.bookings.sweep(now: try at("2026-12-02 09:15"))
                == BookingSweep(holdsDeleted: 0, noShowsMarked: 1))
        // Idempotent: the second run finds nothing left.
        #expect(try await fixture.bookings.sweep(now: try at("2026-12-02 09:16"))
                == BookingSweep(holdsDeleted: 0, noShowsMarked: 0))
        let statuses = Dictionary(uniqueKeysWithValues: try await fixture.bookings.bookings(of: citizen).map { ($0.id, $0.status) })
        #expect(statuses == [missed.id: .noShow, cancelled.id: .cancelled, later.id: .confirmed])
        // The slot's counter is untouched by a no-show: the place was used, not released.
        #expect(try await fixture.taken(slot) == 1)
    }

    /// The call display's replay log is kept for two days, not for ever, and its numbering goes
    /// on across the deletions (a display's `Last-Event-ID` stays valid).
    @Test(arguments: StoreKind.allCases) func sweepPrunesQueueEventsPastTwoDaysAndKeepsTheirNumbering(_ kind: StoreKind) async throws {
        let fixture = try await BookingStoreFixture(kind)
        let log = try #require(fixture.bookings as? any QueueEventLog)
        func walkIn(_ day: String, _ key: String) async throws {
            _ = try await fixture.bookings.issueTicket(serviceID: "hukou", holder: nil, disabilityMarkedByStaff: false,
                                                       schedule: fixture.generator.schedule(for: try LocalDate(day)),
                                                       idempotencyKey: key, now: try at(day + " 10:00"))
        }
        for key in ["w1", "w2", "w3"] { try await walkIn("2026-12-02", key) }
        try await walkIn("2026-12-04", "w4")
        #expect(try await log.lastQueueEventID() == 4)

        // Exactly two days after the first three: they go, the fourth stays.
        #expect(try await fixture.bookings.sweep(now: try at("2026-12-04 10:00")).queueEventsPruned == 0)
        #expect(try await fixture.bookings.sweep(now: try at("2026-12-04 10:00").addingTimeInterval(1)).queueEventsPruned == 3)
        #expect(try await log.queueEvents(after: 0, limit: 10).map(\.id) == [4])
        // Everything gone: the next event is still numbered after the last one a display saw.
        #expect(try await fixture.bookings.sweep(now: try at("2026-12-07 10:00")).queueEventsPruned == 1)
        #expect(try await log.queueEvents(after: 0, limit: 10).isEmpty)
        #expect(try await log.lastQueueEventID() == 4)
        try await walkIn("2026-12-07", "w5")
        #expect(try await log.queueEvents(after: 4, limit: 10).map(\.id) == [5])
    }

    @Test(arguments: StoreKind.allCases) func sweepsOnTwoConnectionsMarkEachBookingOnce(_ kind: StoreKind) async throws {
        let fixture = try await BookingStoreFixture(kind, policy: BookingPolicy(maxActivePerService: 10, maxActiveTotal: 10))
        for (index, time) in ["09:00", "09:30", "10:00", "10:30"].enumerated() {
            _ = try await fixture.bookings.book(try fixture.slot("2026-12-02 " + time),
                                                idNumber: try BookingStoreFixture.citizen(sequence: index + 1),
                                                idempotencyKey: "b\(index)", now: now)
        }
        let other = try await fixture.reopened()
        let sweepAt = try at("2026-12-02 12:00")
        async let first = fixture.bookings.sweep(now: sweepAt)
        async let second = other.bookings.sweep(now: sweepAt)
        let marked = try await first.noShowsMarked + second.noShowsMarked
        #expect(marked == 4)
        #expect(try await fixture.count("SELECT count(*) FROM booking WHERE status = 'noShow'") == 4)
    }

    @Test(arguments: StoreKind.allCases) func noShowsMarkedBySweepsFeedTheBan(_ kind: StoreKind) async throws {
        let fixture = try await BookingStoreFixture(kind, policy: BookingPolicy(maxActivePerService: 5, maxActiveTotal: 5))
        let citizen = try BookingStoreFixture.citizen()
        for (index, start) in ["2026-12-02 09:00", "2026-12-03 09:00", "2026-12-04 09:00"].enumerated() {
            _ = try await fixture.bookings.book(try fixture.slot(start), idNumber: citizen, idempotencyKey: "b\(index)", now: now)
        }
        for day in ["02", "03", "04"] {
            _ = try await fixture.bookings.sweep(now: try at("2026-12-\(day) 09:20"))
        }
        #expect(try await fixture.bookings.bookings(of: citizen).map(\.status) == [.noShow, .noShow, .noShow])
        await #expect(throws: BookingRuleError(.bannedForNoShows, until: "2027-01-03")) {
            try await fixture.bookings.book(try fixture.slot("2026-12-10 09:00"), idNumber: citizen, idempotencyKey: "b9",
                                            now: try at("2026-12-04 09:30"))
        }
    }

    @Test(arguments: StoreKind.allCases) func aCitizenMarkedNoShowStillChecksInLateThatDayButNotAfter(_ kind: StoreKind) async throws {
        let fixture = try await BookingStoreFixture(kind, policy: BookingPolicy(maxActivePerService: 5, maxActiveTotal: 5))
        let citizen = try BookingStoreFixture.citizen()
        let byCode = try await fixture.bookings.book(try fixture.slot("2026-12-02 09:00"), idNumber: citizen,
                                                     idempotencyKey: "b1", now: now)
        let byCard = try await fixture.bookings.book(try fixture.slot("2026-12-03 09:00"), idNumber: citizen,
                                                     idempotencyKey: "b2", now: now)
        let missed = try await fixture.bookings.book(try fixture.slot("2026-12-04 09:00"), idNumber: citizen,
                                                     idempotencyKey: "b3", now: now)

        #expect(try await fixture.bookings.sweep(now: try at("2026-12-02 10:00")).noShowsMarked == 1)
        let lateByCode = try await fixture.bookings.checkIn(code: byCode.code, holder: .typed(citizen), idempotencyKey: "ci1", now: try at("2026-12-02 10:05"))
        #expect(lateByCode.late && lateByCode.booking.status == .checkedInLate)
        #expect(lateByCode.receipt.ticket.queuedAt == (try at("2026-12-02 10:05")))
        await #expect(throws: BookingRuleError(.bookingNotFound)) {
            try await fixture.bookings.checkIn(holder: .card(citizen), idempotencyKey: "ci2", now: try at("2026-12-02 10:06"))
        }

        #expect(try await fixture.bookings.sweep(now: try at("2026-12-03 10:00")).noShowsMarked == 1)
        let lateByCard = try await fixture.bookings.checkIn(holder: .card(citizen), idempotencyKey: "ci3", now: try at("2026-12-03 10:30"))
        #expect(lateByCard.late && lateByCard.booking.id == byCard.id && lateByCard.booking.status == .checkedInLate)

        // The next day the no-show stands.
        #expect(try await fixture.bookings.sweep(now: try at("2026-12-04 10:00")).noShowsMarked == 1)
        await #expect(throws: BookingRuleError(.bookingNotActive)) {
            try await fixture.bookings.checkIn(code: missed.code, holder: .card(citizen), idempotencyKey: "ci4", now: try at("2026-12-05 08:00"))
        }
        #expect(try await fixture.bookings.bookings(of: citizen).map(\.status) == [.checkedInLate, .checkedInLate, .noShow])
    }
}
