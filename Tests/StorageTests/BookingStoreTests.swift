import Booking
import Crypto
import Foundation
import GRDB
import KioskCore
import Testing
@testable import Storage

@Suite("Booking store: holds, bookings, rules", .privatePostgres)
struct BookingStoreTests {
    let now = BookingStoreFixture.now

    @Test func identityNumbersAreStoredOnlyKeyedAndMasked() async throws {
        let fixture = try await BookingStoreFixture()
        let citizen = try BookingStoreFixture.citizen()
        let booking = try await fixture.bookings.book(try fixture.slot("2026-12-02 09:00"), idNumber: citizen,
                                                      idempotencyKey: "k1", now: now)
        #expect(booking.maskedIDNumber == citizen.masked)
        let (columns, storedHash) = try await fixture.store.pool.read { db in
            (try db.columns(in: "installation").map(\.name), try Data.fetchOne(db, sql: "SELECT id_hash FROM booking"))
        }
        // The key is not in the file: HMAC-SHA256 (swift-crypto) under the key kept outside it.
        #expect(!columns.contains("secret"))
        let hash = try #require(storedHash)
        let key = try fixture.store.keys.idHashing.symmetricKey
        #expect(hash == Data(HMAC<SHA256>.authenticationCode(for: Data(citizen.value.utf8), using: key)))
        try await fixture.store.pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        let file = try Data(contentsOf: URL(fileURLWithPath: fixture.path))
        #expect(file.range(of: Data(citizen.value.utf8)) == nil)
        #expect(file.range(of: Data(citizen.masked.utf8)) != nil)
        #expect(try await fixture.bookings.lookup(code: booking.code, idNumber: citizen) == booking)
        await #expect(throws: BookingRuleError(.bookingNotFound)) {
            try await fixture.bookings.lookup(code: booking.code, idNumber: try BookingStoreFixture.citizen(sequence: 2))
        }
    }

    @Test(arguments: StoreKind.allCases) func holdThenConfirm(_ kind: StoreKind) async throws {
        let fixture = try await BookingStoreFixture(kind)
        let slot = try fixture.slot("2026-12-02 09:00")
        let hold = try await fixture.bookings.hold(slot, idNumber: try BookingStoreFixture.citizen(), idempotencyKey: "h1", now: now)
        #expect(hold.expiresAt == now.addingTimeInterval(300))
        #expect(try await fixture.taken(slot) == 0)
        #expect(try await fixture.occupied(slot, at: now) == 1)
        let booking = try await fixture.bookings.confirm(holdID: hold.id, idNumber: try BookingStoreFixture.citizen(),
                                                         idempotencyKey: "c1", now: now.addingTimeInterval(299))
        #expect(booking.status == .confirmed && booking.sequence == 0 && booking.slotID == slot.id)
        #expect(booking.start == slot.start && booking.date == slot.date && !booking.onDayOff)
        #expect(try BookingCode(booking.code.value) == booking.code)
        #expect(try await fixture.taken(slot) == 1)
        #expect(try await fixture.occupied(slot, at: now) == 1)
        #expect(try await fixture.count("SELECT count(*) FROM booking_hold") == 0)
    }

    @Test(arguments: StoreKind.allCases) func holdsExpireAndFreeTheirPlace(_ kind: StoreKind) async throws {
        let fixture = try await BookingStoreFixture(kind)
        let slot = try fixture.slot("2026-12-02 09:00", service: try BookingStoreFixture.service(capacity: 1))
        let first = try await fixture.bookings.hold(slot, idNumber: try BookingStoreFixture.citizen(), idempotencyKey: "h1", now: now)
        await #expect(throws: BookingRuleError(.slotFull)) {
            try await fixture.bookings.hold(slot, idNumber: try BookingStoreFixture.citizen(sequence: 2), idempotencyKey: "h2",
                                            now: now.addingTimeInterval(299))
        }
        await #expect(throws: BookingRuleError(.slotFull)) {
            try await fixture.bookings.book(slot, idNumber: try BookingStoreFixture.citizen(sequence: 3), idempotencyKey: "b1",
                                            now: now.addingTimeInterval(299))
        }
        await #expect(throws: BookingRuleError(.holdExpired)) {
            try await fixture.bookings.confirm(holdID: first.id, idNumber: try BookingStoreFixture.citizen(),
                                               idempotencyKey: "c1", now: now.addingTimeInterval(300))
        }
        let second = try await fixture.bookings.hold(slot, idNumber: try BookingStoreFixture.citizen(sequence: 2), idempotencyKey: "h3",
                                                     now: now.addingTimeInterval(300))
        #expect(try await fixture.occupied(slot, at: now.addingTimeInterval(300)) == 1)
        #expect(try await fixture.bookings.deleteExpiredHolds(now: second.expiresAt.addingTimeInterval(-1)) == 1)
        await #expect(throws: BookingRuleError(.holdNotFound)) {
            try await fixture.bookings.confirm(holdID: first.id, idNumber: try BookingStoreFixture.citizen(),
                                               idempotencyKey: "c2", now: now.addingTimeInterval(301))
        }
        #expect(try await fixture.occupied(slot, at: second.expiresAt) == 0)
        #expect(try await fixture.bookings.deleteExpiredHolds(now: second.expiresAt) == 1)
        _ = try await fixture.bookings.book(slot, idNumber: try BookingStoreFixture.citizen(), idempotencyKey: "b2",
                                            now: second.expiresAt)
        #expect(try await fixture.taken(slot) == 1)
    }

    @Test(arguments: StoreKind.allCases) func retriesWithTheSameKeyReturnTheFirstAnswer(_ kind: StoreKind) async throws {
        let fixture = try await BookingStoreFixture(kind)
        let slot = try fixture.slot("2026-12-02 09:00")
        let citizen = try BookingStoreFixture.citizen()
        let first = try await fixture.bookings.book(slot, idNumber: citizen, idempotencyKey: "retry-1", now: now)
        let retry = try await fixture.bookings.book(slot, idNumber: citizen, idempotencyKey: "retry-1", now: now.addingTimeInterval(5))
        #expect(retry == first)
        #expect(try await fixture.taken(slot) == 1)
        #expect(try await fixture.count("SELECT count(*) FROM booking") == 1)
        await #expect(throws: BookingRuleError(.idempotencyKeyReused)) {
            try await fixture.bookings.book(try fixture.slot("2026-12-02 09:30"), idNumber: citizen,
                                            idempotencyKey: "retry-1", now: now)
        }
        await #expect(throws: BookingRuleError(.idempotencyKeyReused)) {
            try await fixture.bookings.cancel(code: first.code, idNumber: citizen, idempotencyKey: "retry-1", now: now)
        }
        for key in ["", "has space", String(repeating: "k", count: 129), "键"] {
            await #expect(throws: BookingRuleError(.invalidIdempotencyKey)) {
                try await fixture.bookings.hold(slot, idNumber: citizen, idempotencyKey: key, now: now)
            }
        }
        // A refused request stores nothing: its key can carry the corrected request.
        let other = try BookingStoreFixture.citizen(sequence: 2)
        await #expect(throws: BookingRuleError(.holdNotFound)) {
            try await fixture.bookings.confirm(holdID: "missing", idNumber: other, idempotencyKey: "retry-2", now: now)
        }
        _ = try await fixture.bookings.book(slot, idNumber: other, idempotencyKey: "retry-2", now: now)
    }

    /// A retry is run again and undone when its key turns out to be taken: whether the second
    /// run would succeed (room left) or fail (its own place filled the slot), the first answer
    /// comes back and nothing changes.
    @Test(arguments: StoreKind.allCases) func aRetryIsUndoneWhetherItsSecondRunSucceedsOrFails(_ kind: StoreKind) async throws {
        let fixture = try await BookingStoreFixture(kind, policy: BookingPolicy(maxActivePerService: 3, maxActiveTotal: 3))
        let citizen = try BookingStoreFixture.citizen()
        let roomy = try fixture.slot("2026-12-02 09:00", service: try BookingStoreFixture.service(capacity: 5))
        let first = try await fixture.bookings.book(roomy, idNumber: citizen, idempotencyKey: "again-1", now: now)
        #expect(try await fixture.bookings.book(roomy, idNumber: citizen, idempotencyKey: "again-1", now: now) == first)
        #expect(try await fixture.taken(roomy) == 1)
        let single = try fixture.slot("2026-12-02 10:00", service: try BookingStoreFixture.service(capacity: 1))
        let only = try await fixture.bookings.book(single, idNumber: citizen, idempotencyKey: "again-2", now: now)
        #expect(try await fixture.bookings.book(single, idNumber: citizen, idempotencyKey: "again-2", now: now) == only)
        #expect(try await fixture.taken(single) == 1)
        #expect(try await fixture.count("SELECT count(*) FROM booking") == 2)
        #expect(try await fixture.count("SELECT count(*) FROM idempotency_key") == 2)
    }

    @Test(arguments: StoreKind.allCases) func quotasPerServiceAndInTotal(_ kind: StoreKind) async throws {
        let fixture = try await BookingStoreFixture(kind, policy: BookingPolicy(maxActivePerService: 1, maxActiveTotal: 2))
        let citizen = try BookingStoreFixture.citizen()
        let tax = try BookingStoreFixture.service("tax")
        let first = try await fixture.bookings.book(try fixture.slot("2026-12-02 09:00"), idNumber: citizen, idempotencyKey: "b1", now: now)
        await #expect(throws: BookingRuleError(.quotaPerServiceExceeded)) {
            try await fixture.bookings.book(try fixture.slot("2026-12-03 09:00"), idNumber: citizen, idempotencyKey: "b2", now: now)
        }
        _ = try await fixture.bookings.book(try fixture.slot("2026-12-02 10:00", service: tax), idNumber: citizen, idempotencyKey: "b3", now: now)
        await #expect(throws: BookingRuleError(.quotaTotalExceeded)) {
            try await fixture.bookings.book(try fixture.slot("2026-12-03 10:00", service: try BookingStoreFixture.service("passport")),
                                            idNumber: citizen, idempotencyKey: "b4", now: now)
        }
        // A refused booking took no place.
        #expect(try await fixture.taken(try fixture.slot("2026-12-03 09:00")) == 0)
        _ = try await fixture.bookings.cancel(code: first.code, idNumber: citizen, idempotencyKey: "c1", now: now)
        _ = try await fixture.bookings.book(try fixture.slot("2026-12-03 09:00"), idNumber: citizen, idempotencyKey: "b5", now: now)
        // Another citizen is not affected.
        _ = try await fixture.bookings.book(try fixture.slot("2026-12-03 09:00"), idNumber: try BookingStoreFixture.citizen(sequence: 2),
                                            idempotencyKey: "b6", now: now)
    }

    @Test(arguments: StoreKind.allCases) func threeMissedAppointmentsBanTheCitizen(_ kind: StoreKind) async throws {
        let fixture = try await BookingStoreFixture(kind, policy: BookingPolicy(maxActivePerService: 5, maxActiveTotal: 5))
        let citizen = try BookingStoreFixture.citizen()
        for (index, start) in ["2026-12-02 09:00", "2026-12-03 09:00", "2026-12-04 09:00"].enumerated() {
            _ = try await fixture.bookings.book(try fixture.slot(start), idNumber: citizen, idempotencyKey: "b\(index)", now: now)
        }
        let later = try BookingStoreFixture.beijing("2026-12-04 09:15")
        await #expect(throws: BookingRuleError(.bannedForNoShows, until: "2027-01-03")) {
            try await fixture.bookings.book(try fixture.slot("2026-12-10 09:00"), idNumber: citizen, idempotencyKey: "b9", now: later)
        }
        // One minute earlier the third was still within its check-in window: no ban yet.
        _ = try await fixture.bookings.book(try fixture.slot("2026-12-10 09:00"), idNumber: citizen, idempotencyKey: "b10",
                                            now: later.addingTimeInterval(-60))
        #expect(try await fixture.bookings.markNoShows(now: later) == 3)
        #expect(try await fixture.bookings.bookings(of: citizen).map(\.status) == [.noShow, .noShow, .noShow, .confirmed])
    }

    @Test(arguments: StoreKind.allCases) func cancellationReleasesThePlaceUntilTheDeadline(_ kind: StoreKind) async throws {
        let fixture = try await BookingStoreFixture(kind)
        let slot = try fixture.slot("2026-12-02 09:00", service: try BookingStoreFixture.service(capacity: 1))
        let citizen = try BookingStoreFixture.citizen()
        let booking = try await fixture.bookings.book(slot, idNumber: citizen, idempotencyKey: "b1", now: now)
        await #expect(throws: BookingRuleError(.bookingNotFound)) {
            try await fixture.bookings.cancel(code: booking.code, idNumber: try BookingStoreFixture.citizen(sequence: 2),
                                              idempotencyKey: "c0", now: now)
        }
        await #expect(throws: BookingRuleError(.changeDeadlinePassed)) {
            try await fixture.bookings.cancel(code: booking.code, idNumber: citizen, idempotencyKey: "c1",
                                              now: try BookingStoreFixture.beijing("2026-12-02 08:01"))
        }
        let cancelled = try await fixture.bookings.cancel(code: booking.code, idNumber: citizen, idempotencyKey: "c2",
                                                          now: try BookingStoreFixture.beijing("2026-12-02 08:00"))
        #expect(cancelled.status == .cancelled && cancelled.sequence == 1)
        #expect(try await fixture.taken(slot) == 0)
        await #expect(throws: BookingRuleError(.bookingNotActive)) {
            try await fixture.bookings.cancel(code: booking.code, idNumber: citizen, idempotencyKey: "c3", now: now)
        }
        _ = try await fixture.bookings.book(slot, idNumber: try BookingStoreFixture.citizen(sequence: 2), idempotencyKey: "b2", now: now)
    }

    @Test(arguments: StoreKind.allCases) func reschedulingToAFullSlotChangesNothing(_ kind: StoreKind) async throws {
        let fixture = try await BookingStoreFixture(kind)
        let single = try BookingStoreFixture.service(capacity: 1)
        let from = try fixture.slot("2026-12-02 09:00", service: single)
        let full = try fixture.slot("2026-12-02 09:30", service: single)
        let free = try fixture.slot("2026-12-02 10:00", service: single)
        let citizen = try BookingStoreFixture.citizen()
        let booking = try await fixture.bookings.book(from, idNumber: citizen, idempotencyKey: "b1", now: now)
        _ = try await fixture.bookings.book(full, idNumber: try BookingStoreFixture.citizen(sequence: 2), idempotencyKey: "b2", now: now)
        await #expect(throws: BookingRuleError(.slotFull)) {
            try await fixture.bookings.reschedule(code: booking.code, idNumber: citizen, to: full, idempotencyKey: "r1", now: now)
        }
        #expect(try await fixture.bookings.lookup(code: booking.code, idNumber: citizen) == booking)
        #expect(try await fixture.taken(from) == 1)
        #expect(try await fixture.taken(full) == 1)
        await #expect(throws: BookingRuleError(.rescheduleToOtherService)) {
            try await fixture.bookings.reschedule(code: booking.code, idNumber: citizen,
                                                  to: try fixture.slot("2026-12-02 10:00", service: try BookingStoreFixture.service("tax")),
                                                  idempotencyKey: "r2", now: now)
        }
        let moved = try await fixture.bookings.reschedule(code: booking.code, idNumber: citizen, to: free, idempotencyKey: "r3", now: now)
        #expect(moved.slotID == free.id && moved.start == free.start && moved.sequence == 1 && moved.code == booking.code)
        #expect(try await fixture.taken(from) == 0)
        #expect(try await fixture.taken(free) == 1)
    }

    @Test(arguments: StoreKind.allCases) func importedHolidayFlagsBookingsOnTheNewDayOff(_ kind: StoreKind) async throws {
        let fixture = try await BookingStoreFixture(kind)
        let citizen = try BookingStoreFixture.citizen()
        let onThursday = try await fixture.bookings.book(try fixture.slot("2026-12-03 09:00"), idNumber: citizen, idempotencyKey: "b1", now: now)
        let onFriday = try await fixture.bookings.book(try fixture.slot("2026-12-04 09:00", service: try BookingStoreFixture.service("tax")),
                                                       idNumber: citizen, idempotencyKey: "b2", now: now)
        let imported = try OfficialCalendar(years: [HolidayYear(year: 2026, papers: [], entries: [
            HolidayYear.Entry(date: try LocalDate("2026-12-03"), name: "test", isOffDay: true),
        ])])
        let flagged = try await fixture.bookings.flagBookingsOnDaysOff(from: fixture.generator.calendar, to: imported, now: now)
        #expect(flagged.map(\.id) == [onThursday.id])
        #expect(flagged.map(\.onDayOff) == [true])
        #expect(try await fixture.bookings.lookup(code: onThursday.code, idNumber: citizen).onDayOff)
        #expect(try await !fixture.bookings.lookup(code: onFriday.code, idNumber: citizen).onDayOff)
        #expect(try await fixture.bookings.bookingsOnDaysOff().map(\.id) == [onThursday.id])
        let checkIn = try await fixture.bookings.checkIn(code: onThursday.code, holder: .card(citizen), idempotencyKey: "ci",
                                                         now: try BookingStoreFixture.beijing("2026-12-03 08:45"))
        #expect(checkIn.booking.onDayOff)
    }
}
