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

    /// `kiosk_book`'s call for `citizen` (hashed with the fixture's district key) at the fixture's
    /// now, as `bookInOneCall` makes it, with the citizen's rows as `seen` and, if given, `code`.
    static func call(_ store: PostgresBookingStore, _ slot: Slot, _ citizen: ResidentIDNumber, key: String, seen: CitizenBookings,
                     code: BookingCode? = nil) throws -> BookCall {
        let now = BookingStoreFixture.now
        let idHash = HMACIDHasher(key: BookingStoreFixture.keys.district!).hash(citizen)
        var booking = NewBookingIdentity().booking(of: BookedPlace(slot), maskedIDNumber: citizen.masked, at: now)
        if let code {
            booking = .made(id: booking.id, code: code, slotID: booking.slotID, serviceID: booking.serviceID, date: booking.date,
                            start: booking.start, end: booking.end, maskedIDNumber: booking.maskedIDNumber, at: now)
        }
        return BookCall(request: try IdempotentRequest(.book(slot, idHash: idHash), key: key), answer: StoredAnswers.encode(booking),
                        booking: booking, capacity: slot.capacity, idHash: idHash,
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
            #expect(try await store.callOnce(try Self.call(store, slot, citizen, key: "b2", seen: seen)) == .citizenChanged(actual))
        }
        #expect(try await fixture.taken(slot) == 0)
        #expect(try await fixture.count("SELECT count(*) FROM idempotency_key WHERE key = 'b2'") == 0)
        #expect(try await store.callOnce(try Self.call(store, slot, citizen, key: "b2", seen: actual)) == .booked)
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
        #expect(try await store.callOnce(try Self.call(store, slot, other, key: "b2", seen: empty, code: first.code)) == .codeTaken)
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

/// What `PostgresBookingStore` relies on in `kiosk_hold` and `kiosk_confirm` (v25), the citizens'
/// own path in one call each.
@Suite("District store: holds and confirmations in one statement", .privatePostgres)
struct PostgresHoldFunctionsTests {
    let now = BookingStoreFixture.now

    static func idHash(_ citizen: ResidentIDNumber) -> Data { HMACIDHasher(key: BookingStoreFixture.keys.district!).hash(citizen) }

    func holdCall(_ store: PostgresBookingStore, _ slot: Slot, _ citizen: ResidentIDNumber, key: String,
                  seen: [CitizenBookings.Booked]) throws -> HoldCall {
        let idHash = Self.idHash(citizen)
        let hold = store.rules.hold(id: UUID().uuidString, of: slot, now: now)
        return HoldCall(request: try IdempotentRequest(.hold(slot, idHash: idHash), key: key), answer: StoredAnswers.encode(hold),
                        hold: hold, slot: slot, idHash: idHash, horizon: store.rules.eligibilityHorizon(now: now), seen: seen, now: now)
    }

    func confirmCall(_ store: PostgresBookingStore, _ holdID: String, _ citizen: ResidentIDNumber, key: String,
                     judged: ConfirmCall.Judged, identity: NewBookingIdentity = NewBookingIdentity()) throws -> ConfirmCall {
        let idHash = Self.idHash(citizen)
        return ConfirmCall(request: try IdempotentRequest(.confirm(holdID: holdID, idHash: idHash), key: key), holdID: holdID,
                           idHash: idHash, horizon: store.rules.eligibilityHorizon(now: now), judged: judged, identity: identity,
                           maskedIDNumber: citizen.masked, now: now)
    }

    /// A hold is written only on the bookings the rules judged; otherwise the function answers
    /// them and writes nothing (no hold, no place, no key, the citizen's earlier hold kept).
    @Test func itHoldsOnlyOnTheBookingsTheRulesJudged() async throws {
        let fixture = try await BookingStoreFixture(.postgres, policy: BookingPolicy(maxActivePerService: 3, maxActiveTotal: 3))
        let store = try #require(fixture.bookings as? PostgresBookingStore)
        let citizen = try BookingStoreFixture.citizen()
        let booked = try await store.book(try fixture.slot("2026-12-02 09:00"), idNumber: citizen, idempotencyKey: "b1", now: now)
        let earlier = try await store.hold(try fixture.slot("2026-12-02 10:00"), idNumber: citizen, idempotencyKey: "h1", now: now)
        let slot = try fixture.slot("2026-12-03 09:00")
        let actual: [CitizenBookings.Booked] = [.init(serviceID: booked.serviceID, status: .confirmed, start: booked.start)]
        for seen in [[], [.init(serviceID: booked.serviceID, status: .noShow, start: booked.start)], actual + actual] {
            let outcome = try await store.callOnce(try holdCall(store, slot, citizen, key: "h2", seen: seen), codeTaken: .codeTaken,
                                                   BookCall.Outcome.init)
            #expect(outcome == .citizenChanged(CitizenBookings(bookings: actual, heldServiceIDs: ["hukou"])))
        }
        #expect(try await fixture.occupied(slot, at: now) == 0)
        #expect(try await fixture.count("SELECT count(*) FROM idempotency_key WHERE key = 'h2'") == 0)
        #expect(try await fixture.count("SELECT count(*) FROM booking_hold WHERE id = '\(earlier.id)'") == 1)
        let call = try holdCall(store, slot, citizen, key: "h2", seen: actual)
        #expect(try await store.callOnce(call, codeTaken: .codeTaken, BookCall.Outcome.init) == .held)
        #expect(try await fixture.count("SELECT count(*) FROM booking_hold") == 1)
        #expect(try await fixture.occupied(slot, at: now) == 1)
        #expect(try await store.callOnce(call, codeTaken: .codeTaken, BookCall.Outcome.init)
                == .answered(call.request.operation, call.request.fingerprint, call.answer))
    }

    /// A confirmation is written only on the hold and the citizen the rules judged: any other
    /// (nothing judged, another expiry, a booking the first call did not assume, an expired hold,
    /// someone else's) is answered with what was read, and nothing is written.
    @Test func itConfirmsOnlyTheHoldTheRulesJudged() async throws {
        let fixture = try await BookingStoreFixture(.postgres, policy: BookingPolicy(maxActivePerService: 3, maxActiveTotal: 3))
        let store = try #require(fixture.bookings as? PostgresBookingStore)
        let citizen = try BookingStoreFixture.citizen(), other = try BookingStoreFixture.citizen(sequence: 2)
        let slot = try fixture.slot("2026-12-03 09:00")
        let hold = try await store.hold(slot, idNumber: citizen, idempotencyKey: "h1", now: now)
        let held = HeldPlace(place: BookedPlace(slot), expiresAt: hold.expiresAt)
        let newcomer = CitizenBookings(bookings: [], heldServiceIDs: [])
        for judged in [ConfirmCall.Judged.nothing, .hold(HeldPlace(place: held.place, expiresAt: now), newcomer)] {
            let outcome = try await store.callOnce(try confirmCall(store, hold.id, citizen, key: "c1", judged: judged),
                                                   codeTaken: .codeTaken, ConfirmCall.Outcome.init)
            #expect(outcome == .changed(held, newcomer))
        }
        let stranger = try await store.callOnce(try confirmCall(store, hold.id, other, key: "c1", judged: .anyLiveHold),
                                                codeTaken: .codeTaken, ConfirmCall.Outcome.init)
        #expect(stranger == .changed(nil, newcomer))
        let booked = try await store.book(try fixture.slot("2026-12-02 09:00"), idNumber: citizen, idempotencyKey: "b1", now: now)
        let withBooking = CitizenBookings(bookings: [.init(serviceID: booked.serviceID, status: .confirmed, start: booked.start)],
                                          heldServiceIDs: [])
        for judged in [ConfirmCall.Judged.anyLiveHold, .hold(held, newcomer)] {
            let outcome = try await store.callOnce(try confirmCall(store, hold.id, citizen, key: "c1", judged: judged),
                                                   codeTaken: .codeTaken, ConfirmCall.Outcome.init)
            #expect(outcome == .changed(held, withBooking))
        }
        let late = try confirmCall(store, hold.id, citizen, key: "c1", judged: .hold(held, withBooking))
        let expired = ConfirmCall(request: late.request, holdID: hold.id, idHash: late.idHash, horizon: late.horizon,
                                  judged: late.judged, identity: late.identity, maskedIDNumber: late.maskedIDNumber, now: hold.expiresAt)
        #expect(try await store.callOnce(expired, codeTaken: .codeTaken, ConfirmCall.Outcome.init) == .changed(held, withBooking))
        #expect(try await fixture.count("SELECT count(*) FROM idempotency_key WHERE key = 'c1'") == 0)
        #expect(try await fixture.count("SELECT count(*) FROM booking") == 1)
        #expect(try await fixture.taken(slot) == 0)
        #expect(try await fixture.occupied(slot, at: now) == 1)

        let identity = NewBookingIdentity()
        let call = try confirmCall(store, hold.id, citizen, key: "c1", judged: .hold(held, withBooking), identity: identity)
        let expected = identity.booking(of: held.place, maskedIDNumber: citizen.masked, at: now)
        #expect(try await store.callOnce(call, codeTaken: .codeTaken, ConfirmCall.Outcome.init) == .booked(StoredAnswers.encode(expected)))
        #expect(try await store.lookup(code: expected.code, idNumber: citizen) == expected)
        #expect(try await fixture.taken(slot) == 1)
        #expect(try await fixture.occupied(slot, at: now) == 1)
        #expect(try await fixture.count("SELECT count(*) FROM booking_hold") == 0)
    }

    /// `kiosk_answer_double` writes a double as `AnswerWriter` does.
    @Test func theFunctionsWriteDoublesAsTheAnswerWriterDoes() async throws {
        let fixture = try await BookingStoreFixture(.postgres)
        let store = try #require(fixture.postgres).store
        for value in [0, -0.0, 1, -1.5, 1_796_083_200, 1_796_083_200.25, 0.1, -1e-300, 1.7976931348623157e308, 5e-324] {
            let written = try await store.withConnection { c in
                try await c.query("SELECT kiosk_answer_double(\(value))", logger: store.logger).collect().first?.decode(Data.self)
            }
            #expect(written == AnswerWriter.piece { $0.add(value) }, "\(value)")
        }
    }
}
