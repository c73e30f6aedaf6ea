import Booking
import Foundation
import KioskCore
import PostgresNIO
@testable import Storage
@testable import StoragePostgres
import Testing

/// What `PostgresBookingStore` relies on in `kiosk_reschedule` and `kiosk_check_in`, the district's
/// one-statement changes of a booking (the behaviour suites hold them to the same rules as SQLite's
/// store): each writes only the rows the rules judged, or answers 'changed' and writes nothing.
@Suite("District store: reschedules and check-ins in one statement", .privatePostgres)
struct PostgresChangeFunctionsTests {
    let now = BookingStoreFixture.now

    func at(_ text: String) throws -> Date { try BookingStoreFixture.beijing(text) }

    func idHash(_ citizen: ResidentIDNumber) -> Data { HMACIDHasher(key: BookingStoreFixture.keys.district!).hash(citizen) }

    func reschedule(_ store: PostgresBookingStore, _ seen: BookingRecord, to slot: Slot, key: String) async throws -> String {
        let request = try IdempotentRequest(.reschedule(code: seen.code, idHash: Data(), to: slot), key: key)
        let moves = seen.slotID != slot.id
        let call = RescheduleCall(request: request, answer: StoredAnswers.encode(moves ? seen.rescheduled(to: slot, at: now) : seen),
                                  seen: seen, moves: moves, slot: slot, lockKey: 1, now: now)
        return try await store.executeOnce(call) { rows in try #require(rows.first).0 }
    }

    func version(_ booking: BookingRecord, status: BookingStatus? = nil, sequence: Int? = nil, onDayOff: Bool? = nil) -> BookingRecord {
        BookingRecord(id: booking.id, code: booking.code, slotID: booking.slotID, serviceID: booking.serviceID, date: booking.date,
                      start: booking.start, end: booking.end, maskedIDNumber: booking.maskedIDNumber, status: status ?? booking.status,
                      sequence: sequence ?? booking.sequence, createdAt: booking.createdAt, updatedAt: booking.updatedAt,
                      onDayOff: onDayOff ?? booking.onDayOff)
    }

    /// A reschedule judged on a booking that has changed since writes nothing (no place taken or
    /// freed, no key) and answers 'changed'; the store then reads the booking again and judges it anew.
    @Test func aRescheduleWritesOnlyTheBookingItJudged() async throws {
        let fixture = try await BookingStoreFixture(.postgres)
        let store = try #require(fixture.bookings as? PostgresBookingStore)
        let citizen = try BookingStoreFixture.citizen()
        let from = try fixture.slot("2026-12-02 09:00"), to = try fixture.slot("2026-12-02 10:00")
        let booking = try await store.book(from, idNumber: citizen, idempotencyKey: "b1", now: now)
        for stale in [version(booking, status: .checkedIn), version(booking, sequence: 1), version(booking, onDayOff: true)] {
            #expect(try await reschedule(store, stale, to: to, key: "r1") == "changed")
        }
        #expect(try await fixture.taken(from) == 1)
        #expect(try await fixture.taken(to) == 0)
        #expect(try await fixture.count("SELECT count(*) FROM idempotency_key WHERE key = 'r1'") == 0)
        #expect(try await store.lookup(code: booking.code, idNumber: citizen) == booking)

        // Another terminal moves the booking between this store's read and its call (the first
        // judgement below is of the booking as read before): the call answers 'changed', and the
        // store's second read and judgement move the booking from where it is now.
        let elsewhere = try fixture.slot("2026-12-02 11:00")
        let other = try await fixture.reopened()
        _ = try await other.bookings.reschedule(code: booking.code, idNumber: citizen, to: elsewhere, idempotencyKey: "r0", now: now)
        let request = try IdempotentRequest(.reschedule(code: booking.code, idHash: idHash(citizen), to: to), key: "r2")
        var judged: [BookingRecord] = []
        let moved = try await store.change(request, reading: BookingAndAnswer(code: booking.code, idHash: idHash(citizen), key: "r2")) {
            (found: [BookingRecord]) -> (RescheduleCall, BookingRecord?) in
            let seen = judged.isEmpty ? booking : try #require(found.first)
            judged.append(seen)
            let moves = try store.rules.checkReschedule(seen, to: to, now: now)
            let answer = seen.rescheduled(to: to, at: now)
            return (RescheduleCall(request: request, answer: StoredAnswers.encode(answer), seen: seen, moves: moves, slot: to,
                                   lockKey: PostgresBookingStore.citizenLockKey(idHash(citizen)), now: now), answer)
        }
        #expect(judged.map(\.slotID) == [from.id, elsewhere.id])
        #expect(moved.slotID == to.id && moved.sequence == 2)
        #expect(try await store.lookup(code: booking.code, idNumber: citizen) == moved)
        for (slot, places) in [(from, 0), (elsewhere, 0), (to, 1)] { #expect(try await fixture.taken(slot) == places) }
    }

    /// A reschedule to a slot with no place left answers 'full' and leaves the booking, both
    /// slots and the key as they were.
    @Test func aRescheduleToAFullSlotLeavesTheOldBooking() async throws {
        let fixture = try await BookingStoreFixture(.postgres)
        let store = try #require(fixture.bookings as? PostgresBookingStore)
        let single = try BookingStoreFixture.service(capacity: 1)
        let from = try fixture.slot("2026-12-02 09:00", service: single), full = try fixture.slot("2026-12-02 09:30", service: single)
        let citizen = try BookingStoreFixture.citizen()
        let booking = try await store.book(from, idNumber: citizen, idempotencyKey: "b1", now: now)
        _ = try await store.hold(full, idNumber: try BookingStoreFixture.citizen(sequence: 2), idempotencyKey: "h1", now: now)
        #expect(try await reschedule(store, booking, to: full, key: "r1") == "full")
        #expect(try await fixture.taken(from) == 1)
        #expect(try await fixture.taken(full) == 0)
        #expect(try await fixture.count("SELECT count(*) FROM idempotency_key WHERE key = 'r1'") == 0)
        #expect(try await store.lookup(code: booking.code, idNumber: citizen) == booking)
    }

    /// A retry with the key gets the first answer, whatever the booking has become since: also
    /// for a reschedule to the slot the booking had, which wrote nothing but its key.
    @Test func aReplayedRescheduleAnswersWhatTheFirstDid() async throws {
        let fixture = try await BookingStoreFixture(.postgres)
        let store = try #require(fixture.bookings as? PostgresBookingStore)
        let citizen = try BookingStoreFixture.citizen()
        let from = try fixture.slot("2026-12-02 09:00"), to = try fixture.slot("2026-12-02 10:00")
        let booking = try await store.book(from, idNumber: citizen, idempotencyKey: "b1", now: now)
        let unchanged = try await store.reschedule(code: booking.code, idNumber: citizen, to: from, idempotencyKey: "same", now: now)
        #expect(unchanged == booking)
        #expect(try await fixture.count("SELECT count(*) FROM idempotency_key WHERE key = 'same' AND response IS NOT NULL") == 1)
        let moved = try await store.reschedule(code: booking.code, idNumber: citizen, to: to, idempotencyKey: "move", now: now)
        #expect(moved.slotID == to.id && moved.sequence == 1)
        #expect(try await fixture.taken(from) == 0)
        #expect(try await fixture.taken(to) == 1)
        let cancelled = try await store.cancel(code: booking.code, idNumber: citizen, idempotencyKey: "c1", now: now)
        #expect(try await store.reschedule(code: booking.code, idNumber: citizen, to: from, idempotencyKey: "same", now: now) == unchanged)
        #expect(try await store.reschedule(code: booking.code, idNumber: citizen, to: to, idempotencyKey: "move", now: now) == moved)
        #expect(try await store.lookup(code: booking.code, idNumber: citizen) == cancelled)
        #expect(try await fixture.taken(to) == 0)
        await #expect(throws: BookingRuleError(.idempotencyKeyReused)) {
            try await store.reschedule(code: booking.code, idNumber: citizen, to: to, idempotencyKey: "same", now: now)
        }
    }

    /// Reschedules of one booking racing from several terminals, some crossing back: every place
    /// is counted once, in the slot the booking ends in.
    @Test func racingReschedulesCountEveryPlaceOnce() async throws {
        let fixture = try await BookingStoreFixture(.postgres)
        let citizen = try BookingStoreFixture.citizen()
        let slots = try ["09:00", "09:30", "10:00", "10:30"].map { try fixture.slot("2026-12-02 " + $0) }
        let booking = try await fixture.bookings.book(slots[0], idNumber: citizen, idempotencyKey: "b1", now: now)
        let others = [try await fixture.reopened(), try await fixture.reopened()]
        let terminals = [fixture.bookings] + others.map(\.bookings)
        let moved = try await withThrowingTaskGroup(of: Int.self) { group in
            for attempt in 0..<24 {
                let terminal = terminals[attempt % terminals.count], slot = slots[(attempt * 3 + 1) % slots.count]
                group.addTask {
                    let result = try await terminal.reschedule(code: booking.code, idNumber: citizen, to: slot,
                                                               idempotencyKey: "r\(attempt)", now: now)
                    return result.slotID == slot.id ? 1 : 0
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(moved == 24)
        let final = try await fixture.bookings.lookup(code: booking.code, idNumber: citizen)
        for slot in slots { #expect(try await fixture.taken(slot) == (slot.id == final.slotID ? 1 : 0)) }
        #expect(try await fixture.count("SELECT count(*) FROM slot_place WHERE holder IS NOT NULL") == 1)
    }

    /// A check-in judged on a booking that has changed since, or by card on a day's bookings that
    /// have, writes nothing (no ticket, no event, no key) and answers 'changed'.
    @Test func aCheckInWritesOnlyOnTheBookingsItJudged() async throws {
        let fixture = try await BookingStoreFixture(.postgres)
        let store = try #require(fixture.bookings as? PostgresBookingStore)
        let citizen = try BookingStoreFixture.citizen()
        let first = try await store.book(try fixture.slot("2026-12-02 09:00"), idNumber: citizen, idempotencyKey: "b1", now: now)
        let second = try await store.book(try fixture.slot("2026-12-02 14:00", service: try BookingStoreFixture.service("tax")),
                                          idNumber: citizen, idempotencyKey: "b2", now: now)
        let arrival = try at("2026-12-02 08:50")
        let decision = try store.rules.checkIn(first, holder: .card(citizen), now: arrival)
        let request = try IdempotentRequest(.checkIn(idHash: idHash(citizen), source: .card), key: "ci")
        func checkIn(_ seen: BookingRecord, card: [BookingRecord]?) async throws -> String {
            let call = CheckInCall(request: request, seen: seen, decision: decision, card: card.map { (first.date, $0) },
                                   idHash: idHash(citizen), token: "token", now: arrival)
            return try await store.executeOnce(call) { rows in try #require(rows.first).0 }
        }
        #expect(try await checkIn(version(first, status: .noShow), card: nil) == "changed")
        #expect(try await checkIn(version(first, sequence: 1), card: nil) == "changed")
        #expect(try await checkIn(first, card: [first]) == "changed")
        #expect(try await checkIn(first, card: [first, version(second, sequence: 1)]) == "changed")
        #expect(try await checkIn(first, card: [first, second, second]) == "changed")
        #expect(try await fixture.count("SELECT count(*) FROM queue_ticket") == 0)
        #expect(try await fixture.count("SELECT count(*) FROM queue_event") == 0)
        #expect(try await fixture.count("SELECT count(*) FROM ticket_sequence") == 0)
        #expect(try await fixture.count("SELECT count(*) FROM idempotency_key WHERE key = 'ci'") == 0)
        #expect(try await store.bookings(of: citizen) == [first, second])
        #expect(try await checkIn(first, card: [first, second]) == "done")
        #expect(try await fixture.count("SELECT count(*) FROM queue_ticket WHERE booking_id = '\(first.id)'") == 1)
        #expect(try await checkIn(first, card: [first, second]) == "answered")
    }

    /// The answer the statement stores is the answer the store returns, byte for byte, and a
    /// retry gets it back; who waits ahead is counted in the rules' call order.
    @Test func aCheckInStoresTheAnswerItGivesAndCountsAheadInCallOrder() async throws {
        let fixture = try await BookingStoreFixture(.postgres)
        let store = try #require(fixture.bookings as? PostgresBookingStore)
        let day = fixture.generator.schedule(for: try LocalDate("2026-12-02"))
        // Waiting before the check-in: two ordinary walk-ins, an elderly one, and an appointment at 10:00.
        for (index, time) in ["09:05", "09:40"].enumerated() {
            _ = try await store.issueTicket(serviceID: "hukou", holder: nil, disabilityMarkedByStaff: false, schedule: day,
                                            idempotencyKey: "w\(index)", now: try at("2026-12-02 " + time))
        }
        _ = try await store.issueTicket(serviceID: "hukou", holder: .card(try BookingStoreFixture.citizen(born: "19500101")),
                                        disabilityMarkedByStaff: false, schedule: day, idempotencyKey: "w-elderly",
                                        now: try at("2026-12-02 09:41"))
        let early = try BookingStoreFixture.citizen(sequence: 3)
        let appointment = try await store.book(try fixture.slot("2026-12-02 10:00"), idNumber: early, idempotencyKey: "b0", now: now)
        _ = try await store.checkIn(code: appointment.code, holder: .typed(early), idempotencyKey: "ci0", now: try at("2026-12-02 09:42"))

        // An appointment at 09:30 on time, and a late one at 09:00 that joins the walk-ins.
        let citizen = try BookingStoreFixture.citizen(), late = try BookingStoreFixture.citizen(sequence: 2)
        let onTime = try await store.book(try fixture.slot("2026-12-02 09:30"), idNumber: citizen, idempotencyKey: "b1", now: now)
        let missed = try await store.book(try fixture.slot("2026-12-02 09:00"), idNumber: late, idempotencyKey: "b2", now: now)
        let first = try await store.checkIn(holder: .card(citizen), idempotencyKey: "ci1", now: try at("2026-12-02 09:43"))
        let second = try await store.checkIn(code: missed.code, holder: .typed(late), idempotencyKey: "ci2", now: try at("2026-12-02 09:44"))
        #expect(first.booking == onTime.checkedIn(.checkedIn, at: try at("2026-12-02 09:43")))
        #expect(!first.late && second.late)
        #expect(first.receipt.ticket.number == "A005" && second.receipt.ticket.number == "A006")

        let waiting = try await store.waitingTickets(serviceIDs: ["hukou"], now: try at("2026-12-02 09:45"))
        #expect(waiting.count == 6)
        let secondAhead = BookingRules.ahead(of: second.receipt.ticket.id, inCallOrder: waiting)
        #expect(second.receipt.ahead == secondAhead && secondAhead == 5)
        // The 09:30 appointment is called before everyone.
        #expect(first.receipt.ahead == 0)

        for (key, result) in [("ci1", first), ("ci2", second)] {
            #expect(try await fixture.count("""
                SELECT count(*) FROM idempotency_key WHERE key = '\(key)'
                  AND response = '\\x\(StoredAnswers.encode(result).map { String(format: "%02x", $0) }.joined())'::bytea
                """) == 1)
        }
        #expect(try await store.checkIn(holder: .card(citizen), idempotencyKey: "ci1", now: try at("2026-12-02 10:30")) == first)
        #expect(try await store.checkIn(code: missed.code, holder: .typed(late), idempotencyKey: "ci2", now: try at("2026-12-02 10:30"))
            == second)
    }

    /// The statement numbers tickets as `QueuePolicy.ticketNumber` does, past 999 too, and writes
    /// integers and strings as `AnswerWriter` does.
    @Test func theStatementNumbersAndWritesAsTheRulesAndTheCodecDo() async throws {
        let fixture = try await BookingStoreFixture(.postgres)
        let sequences = Array(1...12) + [99, 100, 101, 998, 999, 1000, 1001, 12_345]
        for sequence in sequences {
            let number = QueuePolicy.ticketNumber(prefix: "B", sequence: sequence)
            #expect(try await fixture.count("SELECT count(*) FROM (SELECT kiosk_ticket_number('B', \(sequence)) AS n) t WHERE n = '\(number)'") == 1)
        }
        for (value, text) in [(0, ""), (1, "A001"), (255, "户籍"), (65_536, "B1000"), (Int(Int32.max) + 7, "x")] {
            let integer = AnswerWriter.piece { $0.add(value) }, string = AnswerWriter.piece { $0.add(text) }
            func hex(_ data: Data) -> String { data.map { String(format: "%02x", $0) }.joined() }
            #expect(try await fixture.count("""
                SELECT count(*) WHERE kiosk_answer_integer(\(value)) = '\\x\(hex(integer))'::bytea
                  AND kiosk_answer_text('\(text)') = '\\x\(hex(string))'::bytea
                """) == 1)
        }
    }
}
