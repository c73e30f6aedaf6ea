import Booking
import Foundation
import KioskCore
import KioskTesting
import Logging
import PostgresNIO
@testable import Storage
@testable import StoragePostgres
import Testing

/// A slot's places (the district's `slot_place` rows, v28; the terminal's counter): requests for
/// one slot at once do not wait for each other's commits, the last place is waited for, and a
/// place stays what the rules say through holds, expiries, capacity changes and an upgrade.
@Suite("Booking store: a slot's places", .privatePostgres)
struct SlotPlacesTests {
    let now = BookingStoreFixture.now

    /// Another hall's booking of the slot, in flight (its transaction open until told), while this
    /// hall books the same slot: with places left, the booking goes through before the other
    /// ends; with the last one taken, it waits for the other to end (a 2 s deadline answers).
    /// Until v28 every booking of a slot waited for the one before it to commit.
    @Test(arguments: [5, 2]) func aBookingDoesNotWaitForAnotherOfTheSameSlotUnlessItTakesTheLastPlace(_ places: Int) async throws {
        let fixture = try await BookingStoreFixture(.postgres)
        let postgres = try #require(fixture.postgres)
        let slot = try fixture.slot("2026-12-02 09:00", service: try BookingStoreFixture.service(capacity: places))
        // The slot's first booking makes its places; requests for it meanwhile wait for that one.
        _ = try await fixture.bookings.book(slot, idNumber: try BookingStoreFixture.citizen(sequence: 9), idempotencyKey: "b9", now: now)
        let inFlight = try await InFlightBooking(fixture, slot)
        defer { inFlight.end(committing: false) }

        // A deadline the booking meets unless it waits for the other (which ends only when told).
        let deadline: Duration = places > 2 ? .seconds(20) : .seconds(2)
        let terminal = try PostgresStore(url: postgres.url, operationTimeout: deadline, logger: Logger(label: "test"))
        let runner = Task { await terminal.run() }
        defer { runner.cancel() }
        let hall = PostgresBookingStore(store: terminal, timeZone: BookingStoreFixture.shanghai,
                                        hasher: HMACIDHasher(key: BookingStoreFixture.keys.district!))
        let citizen = try BookingStoreFixture.citizen(sequence: 2)
        if places > 2 {
            _ = try await hall.book(slot, idNumber: citizen, idempotencyKey: "b2", now: now)
            inFlight.end(committing: true)
            try await inFlight.ended()
            #expect(try await fixture.taken(slot) == 3)
        } else {
            await #expect(throws: DistrictStoreUnavailable.self) {
                try await hall.book(slot, idNumber: citizen, idempotencyKey: "b2", now: now)
            }
            inFlight.end(committing: true)
            try await inFlight.ended()
            // The booking that waited ended once the other committed: the slot was full.
            await #expect(throws: BookingRuleError(.slotFull)) {
                try await fixture.bookings.book(slot, idNumber: citizen, idempotencyKey: "b2", now: now)
            }
            #expect(try await fixture.taken(slot) == 2)
        }
    }

    /// The last place, taken by a booking that then fails (its transaction rolls back): the booking
    /// that waited for it gets it.
    @Test func theLastPlaceGivenBackGoesToTheBookingThatWaited() async throws {
        let fixture = try await BookingStoreFixture(.postgres)
        let slot = try fixture.slot("2026-12-02 09:00", service: try BookingStoreFixture.service(capacity: 2))
        _ = try await fixture.bookings.book(slot, idNumber: try BookingStoreFixture.citizen(sequence: 9), idempotencyKey: "b9", now: now)
        let inFlight = try await InFlightBooking(fixture, slot)
        let citizen = try BookingStoreFixture.citizen(sequence: 2)
        let waiting = Task { try await fixture.bookings.book(slot, idNumber: citizen, idempotencyKey: "b2", now: now) }
        try await Task.sleep(for: .milliseconds(500))
        inFlight.end(committing: false)
        try await inFlight.ended()
        #expect(try await waiting.value.slotID == slot.id)
        #expect(try await fixture.bookings.bookings(of: citizen).count == 1)
        #expect(try await fixture.taken(slot) == 2)
    }

    /// A citizen holding a slot's last place holds it again (another screen, a new key): the new
    /// hold takes the place of the one it replaces, and nobody else gets it meanwhile.
    @Test(arguments: StoreKind.allCases) func aCitizenHoldingTheLastPlaceHoldsItAgain(_ kind: StoreKind) async throws {
        let fixture = try await BookingStoreFixture(kind)
        let slot = try fixture.slot("2026-12-02 09:00", service: try BookingStoreFixture.service(capacity: 1))
        let citizen = try BookingStoreFixture.citizen()
        let first = try await fixture.bookings.hold(slot, idNumber: citizen, idempotencyKey: "h1", now: now)
        let again = try await fixture.bookings.hold(slot, idNumber: citizen, idempotencyKey: "h2", now: now)
        #expect(again.id != first.id)
        #expect(try await fixture.occupied(slot, at: now) == 1)
        await #expect(throws: BookingRuleError(.slotFull)) {
            try await fixture.bookings.hold(slot, idNumber: try BookingStoreFixture.citizen(sequence: 2), idempotencyKey: "h3", now: now)
        }
        _ = try await fixture.bookings.confirm(holdID: again.id, idNumber: citizen, idempotencyKey: "c1", now: now)
        #expect(try await fixture.taken(slot) == 1)
        #expect(try await fixture.occupied(slot, at: now) == 1)
    }

    /// An expired hold's place is anybody's before the sweep. A hall whose clock is behind still
    /// takes that hold for live and confirms it: the booking then needs another place, and gets
    /// one only when the slot has one.
    @Test(arguments: StoreKind.allCases) func anExpiredHoldsPlaceIsTakenAndItsLateConfirmationNeedsAnother(_ kind: StoreKind) async throws {
        let fixture = try await BookingStoreFixture(kind)
        let slot = try fixture.slot("2026-12-02 09:00", service: try BookingStoreFixture.service(capacity: 2))
        let holder = try BookingStoreFixture.citizen()
        let hold = try await fixture.bookings.hold(slot, idNumber: holder, idempotencyKey: "h1", now: now)
        let other = try await fixture.bookings.book(slot, idNumber: try BookingStoreFixture.citizen(sequence: 2),
                                                    idempotencyKey: "b1", now: now)
        let expired = hold.expiresAt
        _ = try await fixture.bookings.book(slot, idNumber: try BookingStoreFixture.citizen(sequence: 3), idempotencyKey: "b2", now: expired)
        #expect(try await fixture.taken(slot) == 2)
        let behind = expired.addingTimeInterval(-1)
        await #expect(throws: BookingRuleError(.slotFull)) {
            try await fixture.bookings.confirm(holdID: hold.id, idNumber: holder, idempotencyKey: "c1", now: behind)
        }
        _ = try await fixture.bookings.cancel(code: other.code, idNumber: try BookingStoreFixture.citizen(sequence: 2),
                                              idempotencyKey: "x1", now: now)
        let confirmed = try await fixture.bookings.confirm(holdID: hold.id, idNumber: holder, idempotencyKey: "c2", now: behind)
        #expect(confirmed.slotID == slot.id)
        #expect(try await fixture.taken(slot) == 2)
        await #expect(throws: BookingRuleError(.slotFull)) {
            try await fixture.bookings.book(slot, idNumber: try BookingStoreFixture.citizen(sequence: 4), idempotencyKey: "b3", now: now)
        }
    }

    /// The service's places per slot raised, then lowered below what is taken: a slot gets the
    /// places its service now has, and never fewer than are taken.
    @Test(arguments: StoreKind.allCases) func aSlotsPlacesFollowItsServiceNeverBelowWhatIsTaken(_ kind: StoreKind) async throws {
        let fixture = try await BookingStoreFixture(kind, policy: BookingPolicy(maxActivePerService: 1, maxActiveTotal: 1))
        func slot(_ places: Int) throws -> Slot {
            try fixture.slot("2026-12-02 09:00", service: try BookingStoreFixture.service(capacity: places))
        }
        func book(_ sequence: Int, _ places: Int) async throws -> BookingRecord {
            try await fixture.bookings.book(try slot(places), idNumber: try BookingStoreFixture.citizen(sequence: sequence),
                                            idempotencyKey: "b\(sequence)", now: now)
        }
        let first = try await book(1, 2)
        _ = try await book(2, 2)
        await #expect(throws: BookingRuleError(.slotFull)) { try await book(3, 2) }
        _ = try await book(3, 4)
        _ = try await book(4, 4)
        await #expect(throws: BookingRuleError(.slotFull)) { try await book(5, 4) }
        await #expect(throws: BookingRuleError(.slotFull)) { try await book(5, 1) }
        #expect(try await fixture.taken(try slot(1)) == 4)
        _ = try await fixture.bookings.cancel(code: first.code, idNumber: try BookingStoreFixture.citizen(sequence: 1),
                                              idempotencyKey: "x1", now: now)
        // Three taken, one place now: full.
        await #expect(throws: BookingRuleError(.slotFull)) { try await book(5, 1) }
        #expect(try await fixture.taken(try slot(1)) == 3)
        _ = try await book(5, 4)
    }

    /// The service's places lowered while a booking of the slot is between taking its place and
    /// inserting itself (which checks the slot's row, as the booking's foreign key): neither waits
    /// for the other to give up. The change locked the slot's row against that check, then waited
    /// for the booking's place, and the server broke the deadlock by failing one of them.
    @Test func aCapacityChangeDoesNotDeadlockWithABookingOfTheSlot() async throws {
        let fixture = try await BookingStoreFixture(.postgres)
        let postgres = try #require(fixture.postgres)
        let slot = try fixture.slot("2026-12-02 09:00", service: try BookingStoreFixture.service(capacity: 2))
        _ = try await fixture.bookings.book(slot, idNumber: try BookingStoreFixture.citizen(sequence: 9), idempotencyKey: "b9", now: now)
        let logger = Logger(label: "test")
        let seconds = now.timeIntervalSince1970
        let (placeTaken, tookPlace) = AsyncStream<Void>.makeStream()
        let (insert, mayInsert) = AsyncStream<Void>.makeStream()
        // Transactions by hand: `PostgresStore.transaction` would retry the one the server fails.
        let booking = Task {
            try await postgres.store.withConnection { c in
                try await c.query("BEGIN", logger: logger)
                try await c.query("SELECT kiosk_take_place(\(slot.id), 'in-flight', NULL, \(seconds))", logger: logger).collect()
                tookPlace.yield()
                var go = insert.makeAsyncIterator()
                _ = await go.next()
                try await c.query("""
                    INSERT INTO booking (id, code, slot_id, service_id, date, start, "end", id_hash, id_masked, status, created_at, updated_at)
                    VALUES ('in-flight', 'K1', \(slot.id), 'hukou', '2026-12-02', 0, 0, '\\x00'::bytea, '1****', 'confirmed', 0, 0)
                    """, logger: logger)
                try await c.query("COMMIT", logger: logger)
            }
        }
        var taken = placeTaken.makeAsyncIterator()
        _ = await taken.next()
        // One place for the slot from now: the change waits for the place being taken.
        let change = Task {
            try await postgres.store.withConnection { c in
                try await c.query("BEGIN", logger: logger)
                try await c.query("SELECT kiosk_open_slot(\(slot.id), 'hukou', 1, \(seconds))", logger: logger).collect()
                try await c.query("COMMIT", logger: logger)
            }
        }
        try await Task.sleep(for: .milliseconds(500))
        mayInsert.yield()
        try await booking.value
        try await change.value
        // Both taken places stay; none was free to remove.
        #expect(try await fixture.count("SELECT capacity FROM slot_capacity") == 2)
        #expect(try await fixture.taken(slot) == 2)
    }

    /// A district store at v27 with bookings (one cancelled) and holds (one live, one expired),
    /// upgraded: every booking not cancelled and the live hold have a place, the slot keeps its
    /// capacity, and the hold is confirmed into its own place.
    @Test func anUpgradeGivesEveryBookingAndLiveHoldAPlace() async throws {
        let cluster = try #require(PrivatePostgres.current)
        let url = try await cluster.createDatabase()
        let old = try PostgresStore(url: url, operationTimeout: .seconds(60), logger: Logger(label: "test"))
        let slot: Slot
        let live: SlotHold
        do {
            let runner = Task { await old.run() }
            defer { runner.cancel() }
            _ = try await cluster.explainingFailures { try await old.migrate(through: 27) }
            let bookings = PostgresBookingStore(store: old, timeZone: BookingStoreFixture.shanghai,
                                                hasher: HMACIDHasher(key: BookingStoreFixture.keys.district!))
            slot = try BookingStoreFixture.slot("2026-12-02 09:00", service: try BookingStoreFixture.service(capacity: 4))
            for sequence in 1...3 {
                _ = try await bookings.book(slot, idNumber: try BookingStoreFixture.citizen(sequence: sequence),
                                            idempotencyKey: "b\(sequence)", now: now)
            }
            let cancelled = try await bookings.bookings(of: try BookingStoreFixture.citizen(sequence: 3))[0]
            _ = try await bookings.cancel(code: cancelled.code, idNumber: try BookingStoreFixture.citizen(sequence: 3),
                                          idempotencyKey: "x3", now: now)
            _ = try await bookings.hold(slot, idNumber: try BookingStoreFixture.citizen(sequence: 4), idempotencyKey: "h4",
                                        now: now.addingTimeInterval(-3_600))
            live = try await bookings.hold(slot, idNumber: try BookingStoreFixture.citizen(sequence: 5), idempotencyKey: "h5", now: now)
            // Live when the upgrade runs (the server's clock).
            _ = try await old.transaction { c in
                try await c.query("UPDATE booking_hold SET expires_at = extract(epoch FROM now()) + 600 WHERE id = \(live.id)",
                                  logger: Logger(label: "test"))
            }
        }
        let fixture = try await BookingStoreFixture(.postgres, postgresURL: url)
        #expect(try await fixture.count(SlotPlaces.slotsAmiss()) == 0)
        #expect(try await fixture.count("SELECT capacity FROM slot_capacity") == 4)
        #expect(try await fixture.taken(slot) == 2)
        #expect(try await fixture.count("SELECT count(*) FROM slot_place WHERE held_until IS NOT NULL") == 1)
        _ = try await fixture.bookings.confirm(holdID: live.id, idNumber: try BookingStoreFixture.citizen(sequence: 5),
                                               idempotencyKey: "c5", now: now)
        #expect(try await fixture.taken(slot) == 3)
        _ = try await fixture.bookings.book(slot, idNumber: try BookingStoreFixture.citizen(sequence: 6), idempotencyKey: "b6", now: now)
        await #expect(throws: BookingRuleError(.slotFull)) {
            try await fixture.bookings.book(slot, idNumber: try BookingStoreFixture.citizen(sequence: 7), idempotencyKey: "b7", now: now)
        }
    }
}

/// Another hall's booking of `slot` (by a citizen of its own) in a transaction left open until
/// `end`: its statement has run, its commit (or rollback) waits.
private final class InFlightBooking: Sendable {
    private let finish: AsyncStream<Bool>.Continuation
    private let task: Task<Void, any Error>

    init(_ fixture: BookingStoreFixture, _ slot: Slot) async throws {
        let postgres = try #require(fixture.postgres)
        let store = try #require(fixture.bookings as? PostgresBookingStore)
        let call = try PostgresBookingFunctionsTests.call(store, slot, try BookingStoreFixture.citizen(sequence: 1), key: "in-flight",
                                                          seen: CitizenBookings(bookings: [], heldServiceIDs: []))
        let (started, didStart) = AsyncStream<Void>.makeStream()
        let (finished, finish) = AsyncStream<Bool>.makeStream()
        self.finish = finish
        task = Task {
            try await postgres.store.transaction { c in
                for try await row in try await c.execute(call, logger: Logger(label: "test")) {
                    #expect(try BookCall.Outcome(row) == .booked)
                }
                didStart.yield()
                var ends = finished.makeAsyncIterator()
                guard await ends.next() == true else { throw RolledBack() }
            }
        }
        var iterator = started.makeAsyncIterator()
        _ = await iterator.next()
    }

    func end(committing: Bool) {
        finish.yield(committing)
    }

    /// Waits for the transaction's end; a rollback asked for is no failure.
    func ended() async throws {
        do {
            try await task.value
        } catch is RolledBack {}
    }

    private struct RolledBack: Error {}
}
