import Booking
import Foundation
import KioskCore
import Testing
@testable import Storage

/// Holds and their confirmations where they could go wrong (the district's are one call each,
/// issue 22): a hold raced by the same citizen's booking in another hall, retried confirmations,
/// someone else's hold, and a refused hold that must leave the citizen's earlier one as it was.
@Suite("Booking store: holds and confirmations across halls and retries", .privatePostgres)
struct BookingStoreHoldTests {
    let now = BookingStoreFixture.now

    /// Sixteen citizens each hold a slot in one hall while booking another slot of the same
    /// service in a second hall, at once (one active booking per service): for each, exactly one
    /// of the two goes through, and a hold that went through is then confirmed.
    @Test(arguments: StoreKind.allCases) func aHoldRacedByTheSameCitizensBookingInAnotherHallLetsOneThrough(_ kind: StoreKind) async throws {
        let hall = try await BookingStoreFixture(kind, policy: BookingPolicy(maxActivePerService: 1, maxActiveTotal: 3))
        let otherHall = try await hall.reopened()
        let citizens = try (1...16).map { try BookingStoreFixture.citizen(sequence: $0) }
        let held = try hall.slot("2026-12-02 09:00", service: try BookingStoreFixture.service(capacity: 16))
        let booked = try hall.slot("2026-12-03 09:00", service: try BookingStoreFixture.service(capacity: 16))
        let outcomes = try await withThrowingTaskGroup(of: (Int, SlotHold?, BookingRecord?).self) { group in
            for (index, citizen) in citizens.enumerated() {
                group.addTask {
                    async let hold = Self.unlessOverQuota {
                        try await hall.bookings.hold(held, idNumber: citizen, idempotencyKey: "h\(index)", now: now)
                    }
                    async let booking = Self.unlessOverQuota {
                        try await otherHall.bookings.book(booked, idNumber: citizen, idempotencyKey: "b\(index)", now: now)
                    }
                    return (index, try await hold, try await booking)
                }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        for (index, hold, booking) in outcomes {
            #expect((hold == nil) != (booking == nil), "citizen \(index): exactly one of the hold and the booking")
            if let hold {
                _ = try await otherHall.bookings.confirm(holdID: hold.id, idNumber: citizens[index], idempotencyKey: "c\(index)", now: now)
            }
        }
        #expect(try await hall.count("SELECT count(*) FROM booking_hold") == 0)
        #expect(try await hall.count("SELECT count(*) FROM booking WHERE status = 'confirmed'") == 16)
        #expect(try await hall.taken(held) + hall.taken(booked) == 16)
        #expect(try await hall.count("SELECT count(*) FROM (SELECT id_hash FROM booking GROUP BY id_hash HAVING count(*) > 1) q") == 0)
    }

    static func unlessOverQuota<T: Sendable>(_ request: () async throws -> T) async throws -> T? {
        do {
            return try await request()
        } catch let error as BookingRuleError where error.kind == .quotaPerServiceExceeded {
            return nil
        }
    }

    /// A confirmation retried with its key, later or at once, answers the first booking and
    /// books nothing more, even once the hold is gone; the key is not another hold's. A hold
    /// retried with its key answers the first hold, even once confirmed.
    @Test(arguments: StoreKind.allCases) func aConfirmationRetriedWithItsKeyAnswersTheFirstBooking(_ kind: StoreKind) async throws {
        let fixture = try await BookingStoreFixture(kind, policy: BookingPolicy(maxActivePerService: 3, maxActiveTotal: 3))
        let otherHall = try await fixture.reopened()
        let citizen = try BookingStoreFixture.citizen()
        let slot = try fixture.slot("2026-12-02 09:00")
        let hold = try await fixture.bookings.hold(slot, idNumber: citizen, idempotencyKey: "h1", now: now)
        let booking = try await fixture.bookings.confirm(holdID: hold.id, idNumber: citizen, idempotencyKey: "c1", now: now)
        #expect(booking.slotID == slot.id && booking.serviceID == slot.serviceID && booking.date == slot.date)
        #expect(booking.start == slot.start && booking.end == slot.end && booking.maskedIDNumber == citizen.masked)
        #expect(booking.status == .confirmed && booking.sequence == 0 && booking.createdAt == now && booking.updatedAt == now)
        #expect(try await fixture.bookings.lookup(code: booking.code, idNumber: citizen) == booking)
        #expect(try await otherHall.bookings.confirm(holdID: hold.id, idNumber: citizen, idempotencyKey: "c1",
                                                     now: now.addingTimeInterval(60)) == booking)
        #expect(try await fixture.bookings.hold(slot, idNumber: citizen, idempotencyKey: "h1", now: now.addingTimeInterval(60)) == hold)
        // Another hold is another request.
        let second = try await fixture.bookings.hold(try fixture.slot("2026-12-02 10:00"), idNumber: citizen, idempotencyKey: "h2", now: now)
        await #expect(throws: BookingRuleError(.idempotencyKeyReused)) {
            try await fixture.bookings.confirm(holdID: second.id, idNumber: citizen, idempotencyKey: "c1", now: now)
        }
        // Eight retries at once, in two halls: one booking.
        let retries = try await withThrowingTaskGroup(of: BookingRecord.self) { group in
            for attempt in 0..<8 {
                let store = (attempt.isMultiple(of: 2) ? fixture : otherHall).bookings
                group.addTask { try await store.confirm(holdID: second.id, idNumber: citizen, idempotencyKey: "c2", now: now) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(retries).count == 1 && retries.first?.slotID == second.slotID)
        #expect(try await fixture.count("SELECT count(*) FROM booking") == 2)
        #expect(try await fixture.taken(slot) == 1)
        #expect(try await fixture.taken(try fixture.slot("2026-12-02 10:00")) == 1)
        #expect(try await fixture.count("SELECT count(*) FROM booking_hold") == 0)
    }

    /// Someone else's hold is no hold of this citizen's: not confirmed, not touched (it still
    /// keeps its place and its holder confirms it), and the refused key stores nothing.
    @Test(arguments: StoreKind.allCases) func aConfirmationOfSomeoneElsesHoldFindsNoHold(_ kind: StoreKind) async throws {
        let fixture = try await BookingStoreFixture(kind)
        let otherHall = try await fixture.reopened()
        let holder = try BookingStoreFixture.citizen(), stranger = try BookingStoreFixture.citizen(sequence: 2)
        let slot = try fixture.slot("2026-12-02 09:00", service: try BookingStoreFixture.service(capacity: 1))
        let hold = try await fixture.bookings.hold(slot, idNumber: holder, idempotencyKey: "h1", now: now)
        for store in [fixture.bookings, otherHall.bookings] {
            await #expect(throws: BookingRuleError(.holdNotFound)) {
                try await store.confirm(holdID: hold.id, idNumber: stranger, idempotencyKey: "s1", now: now)
            }
        }
        #expect(try await fixture.occupied(slot, at: now) == 1)
        #expect(try await fixture.count("SELECT count(*) FROM idempotency_key") == 1)
        await #expect(throws: BookingRuleError(.slotFull)) {
            try await otherHall.bookings.hold(slot, idNumber: stranger, idempotencyKey: "s1", now: now)
        }
        let booking = try await otherHall.bookings.confirm(holdID: hold.id, idNumber: holder, idempotencyKey: "c1", now: now)
        #expect(booking.slotID == slot.id)
        #expect(try await fixture.taken(slot) == 1)
        // The stranger's hold of a confirmed hold's id: still nothing.
        await #expect(throws: BookingRuleError(.holdNotFound)) {
            try await fixture.bookings.confirm(holdID: hold.id, idNumber: stranger, idempotencyKey: "s2", now: now)
        }
    }

    /// A new hold replaces the citizen's earlier one only when it is granted: refused (the slot
    /// full, the quota reached), the earlier hold still keeps its place and is confirmed. The
    /// earlier hold does not compete with the new one for the last place of its own slot.
    @Test(arguments: StoreKind.allCases) func aRefusedHoldLeavesTheEarlierOneAsItWas(_ kind: StoreKind) async throws {
        let fixture = try await BookingStoreFixture(kind, policy: BookingPolicy(maxActivePerService: 1, maxActiveTotal: 3))
        let citizen = try BookingStoreFixture.citizen(), other = try BookingStoreFixture.citizen(sequence: 2)
        let single = try BookingStoreFixture.service(capacity: 1)
        let tax = try BookingStoreFixture.service("tax")
        let last = try fixture.slot("2026-12-02 09:00", service: single)
        let first = try await fixture.bookings.hold(last, idNumber: citizen, idempotencyKey: "h1", now: now)
        let again = try await fixture.bookings.hold(last, idNumber: citizen, idempotencyKey: "h2", now: now.addingTimeInterval(10))
        #expect(again.id != first.id && again.slotID == last.id)
        #expect(try await fixture.count("SELECT count(*) FROM booking_hold") == 1)
        let full = try fixture.slot("2026-12-02 10:00", service: single)
        _ = try await fixture.bookings.book(full, idNumber: other, idempotencyKey: "o1", now: now)
        await #expect(throws: BookingRuleError(.slotFull)) {
            try await fixture.bookings.hold(full, idNumber: citizen, idempotencyKey: "h3", now: now)
        }
        _ = try await fixture.bookings.book(try fixture.slot("2026-12-02 11:00", service: tax), idNumber: citizen, idempotencyKey: "b1", now: now)
        await #expect(throws: BookingRuleError(.quotaPerServiceExceeded)) {
            try await fixture.bookings.hold(try fixture.slot("2026-12-03 11:00", service: tax), idNumber: citizen, idempotencyKey: "h4",
                                            now: now)
        }
        #expect(try await fixture.occupied(last, at: now) == 1)
        #expect(try await fixture.count("SELECT count(*) FROM idempotency_key WHERE key IN ('h3', 'h4')") == 0)
        let booking = try await fixture.bookings.confirm(holdID: again.id, idNumber: citizen, idempotencyKey: "c1", now: now)
        #expect(booking.slotID == last.id)
        await #expect(throws: BookingRuleError(.holdNotFound)) {
            try await fixture.bookings.confirm(holdID: first.id, idNumber: citizen, idempotencyKey: "c2", now: now)
        }
    }
}
