import Booking
import Foundation
import KioskCore
import PostgresNIO
@testable import Storage
@testable import StoragePostgres
import Testing

/// What `PostgresBookingStore` relies on in `kiosk_book` and `kiosk_cancel`, the district's
/// one-statement writes (the behaviour suites hold them to the same rules as SQLite's store).
@Suite("District store: bookings and cancellations in one statement", .privatePostgres)
struct PostgresBookingFunctionsTests {
    let now = BookingStoreFixture.now

    func call(_ store: PostgresBookingStore, _ slot: Slot, _ citizen: ResidentIDNumber, key: String, seen: CitizenBookings,
              code: BookingCode? = nil) throws -> BookCall {
        let idHash = HMACIDHasher(key: BookingStoreFixture.keys.district!).hash(citizen)
        var booking = NewBookingIdentity().booking(of: BookedPlace(slot), maskedIDNumber: citizen.masked, at: now)
        if let code {
            booking = .made(id: booking.id, code: code, slotID: booking.slotID, serviceID: booking.serviceID, date: booking.date,
                            start: booking.start, end: booking.end, maskedIDNumber: booking.maskedIDNumber, at: now)
        }
        return BookCall(request: try IdempotentRequest(.book(slot, idHash: idHash), key: key), answer: StoredAnswers.encode(booking),
                        booking: booking, capacity: slot.capacity, idHash: idHash, lockKey: PostgresBookingStore.citizenLockKey(idHash),
                        horizon: store.rules.eligibilityHorizon(now: now), seen: seen, now: now)
    }

    /// The function books only when the citizen's rows are the ones the rules judged; otherwise
    /// it answers them and writes nothing (no place, no key), whichever rows differ.
    @Test func itBooksOnlyOnTheRowsTheRulesJudged() async throws {
        let fixture = try await BookingStoreFixture(.postgres, policy: BookingPolicy(maxActivePerService: 3, maxActiveTotal: 3))
        let store = try #require(fixture.bookings as? PostgresBookingStore)
        let citizen = try BookingStoreFixture.citizen()
        let booked = try await store.book(try fixture.slot("2026-12-02 09:00"), idNumber: citizen, idempotencyKey: "b1", now: now)
        let tax = try fixture.slot("2026-12-02 10:00", service: try BookingStoreFixture.service("tax"))
        _ = try await store.hold(tax, idNumber: citizen, idempotencyKey: "h1", now: now)
        let slot = try fixture.slot("2026-12-03 09:00")
        let actual = CitizenBookings(bookings: [.init(serviceID: booked.serviceID, status: .confirmed, start: booked.start)],
                                     heldServiceIDs: ["tax"])
        let wrong = [
            CitizenBookings(bookings: [], heldServiceIDs: []),
            CitizenBookings(bookings: actual.bookings, heldServiceIDs: []),
            CitizenBookings(bookings: [], heldServiceIDs: ["tax"]),
            CitizenBookings(bookings: [.init(serviceID: booked.serviceID, status: .noShow, start: booked.start)], heldServiceIDs: ["tax"]),
            CitizenBookings(bookings: [.init(serviceID: "tax", status: .confirmed, start: booked.start)], heldServiceIDs: ["hukou"]),
            CitizenBookings(bookings: actual.bookings + actual.bookings, heldServiceIDs: ["tax"]),
        ]
        for seen in wrong {
            #expect(try await store.callOnce(try call(store, slot, citizen, key: "b2", seen: seen)) == .citizenChanged(actual))
        }
        #expect(try await fixture.taken(slot) == 0)
        #expect(try await fixture.count("SELECT count(*) FROM idempotency_key WHERE key = 'b2'") == 0)
        #expect(try await store.callOnce(try call(store, slot, citizen, key: "b2", seen: actual)) == .booked)
        #expect(try await fixture.taken(slot) == 1)
        #expect(try await store.bookings(of: citizen).count == 2)
    }

    /// A code another booking holds fails the whole statement: no place, no key and no booking is
    /// left behind, and the store draws another code.
    @Test func aTakenCodeLeavesNothingBehind() async throws {
        let fixture = try await BookingStoreFixture(.postgres)
        let store = try #require(fixture.bookings as? PostgresBookingStore)
        let first = try await store.book(try fixture.slot("2026-12-02 09:00"), idNumber: try BookingStoreFixture.citizen(),
                                         idempotencyKey: "b1", now: now)
        let slot = try fixture.slot("2026-12-03 09:00")
        let other = try BookingStoreFixture.citizen(sequence: 2)
        let empty = CitizenBookings(bookings: [], heldServiceIDs: [])
        #expect(try await store.callOnce(try call(store, slot, other, key: "b2", seen: empty, code: first.code)) == .codeTaken)
        #expect(try await fixture.taken(slot) == 0)
        #expect(try await fixture.count("SELECT count(*) FROM idempotency_key") == 1)
        #expect(try await fixture.count("SELECT count(*) FROM booking") == 1)
    }

    /// A cancellation judged on a booking that has changed since (checked in, cancelled,
    /// rescheduled, flagged for a day off) writes nothing and answers 'changed'.
    @Test func aCancellationWritesOnlyTheBookingItJudged() async throws {
        let fixture = try await BookingStoreFixture(.postgres)
        let store = try #require(fixture.bookings as? PostgresBookingStore)
        let citizen = try BookingStoreFixture.citizen()
        let slot = try fixture.slot("2026-12-02 09:00")
        let booking = try await store.book(slot, idNumber: citizen, idempotencyKey: "b1", now: now)
        let idHash = HMACIDHasher(key: BookingStoreFixture.keys.district!).hash(citizen)
        let request = try IdempotentRequest(.cancel(code: booking.code, idHash: idHash), key: "c1")
        func cancel(_ seen: BookingRecord) async throws -> String {
            let call = CancelCall(request: request, answer: StoredAnswers.encode(seen.cancelled(at: now)), seen: seen, now: now)
            return try await store.executeOnce(call) { rows in try #require(rows.first).0 }
        }
        let changed = [
            BookingRecord(id: booking.id, code: booking.code, slotID: booking.slotID, serviceID: booking.serviceID, date: booking.date,
                          start: booking.start, end: booking.end, maskedIDNumber: booking.maskedIDNumber, status: .checkedIn,
                          sequence: 0, createdAt: now, updatedAt: now, onDayOff: false),
            booking.cancelled(at: now),
            BookingRecord(id: booking.id, code: booking.code, slotID: booking.slotID, serviceID: booking.serviceID, date: booking.date,
                          start: booking.start, end: booking.end, maskedIDNumber: booking.maskedIDNumber, status: .confirmed,
                          sequence: 1, createdAt: now, updatedAt: now, onDayOff: false),
            BookingRecord(id: booking.id, code: booking.code, slotID: booking.slotID, serviceID: booking.serviceID, date: booking.date,
                          start: booking.start, end: booking.end, maskedIDNumber: booking.maskedIDNumber, status: .confirmed,
                          sequence: 0, createdAt: now, updatedAt: now, onDayOff: true),
        ]
        for seen in changed { #expect(try await cancel(seen) == "changed") }
        #expect(try await fixture.taken(slot) == 1)
        #expect(try await fixture.count("SELECT count(*) FROM idempotency_key WHERE key = 'c1'") == 0)
        #expect(try await cancel(booking) == "done")
        #expect(try await fixture.taken(slot) == 0)
        #expect(try await store.bookings(of: citizen).map(\.status) == [.cancelled])
        // The key now answers with what it stored, whatever the booking it is shown.
        #expect(try await cancel(booking) == "answered")
    }
}
