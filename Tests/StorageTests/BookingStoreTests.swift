import Booking
import Foundation
import GRDB
import KioskCore
import Testing
@testable import Storage

@Suite("HMAC-SHA256 (FIPS 180-4, RFC 4231)")
struct HMACSHA256Tests {
    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    @Test func sha256Vectors() {
        let vectors: [([UInt8], String)] = [
            ([], "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            (Array("abc".utf8), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            (Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8),
             "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
            (Array(repeating: 0x61, count: 55), "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"),
            (Array(repeating: 0x61, count: 56), "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"),
            (Array(repeating: 0x61, count: 64), "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"),
            (Array(repeating: 0x61, count: 1_000_000), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
        ]
        for (message, digest) in vectors { #expect(Self.hex(HMACSHA256.sha256(message)) == digest) }
    }

    @Test func rfc4231TestCases() {
        let aa131 = [UInt8](repeating: 0xAA, count: 131)
        let cases: [([UInt8], [UInt8], String)] = [
            ([UInt8](repeating: 0x0B, count: 20), Array("Hi There".utf8),
             "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
            (Array("Jefe".utf8), Array("what do ya want for nothing?".utf8),
             "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
            ([UInt8](repeating: 0xAA, count: 20), [UInt8](repeating: 0xDD, count: 50),
             "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
            (Array(1...25), [UInt8](repeating: 0xCD, count: 50),
             "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
            (aa131, Array("Test Using Larger Than Block-Size Key - Hash Key First".utf8),
             "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
            (aa131, Array("This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.".utf8),
             "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"),
        ]
        for (key, message, mac) in cases {
            #expect(Self.hex(HMACSHA256.authenticationCode(for: message, key: key)) == mac)
        }
    }
}

@Suite("Booking store: holds, bookings, rules", .privatePostgres)
struct BookingStoreTests {
    let now = BookingStoreFixture.now

    @Test func identityNumbersAreStoredOnlyKeyedAndMasked() async throws {
        let fixture = try await BookingStoreFixture()
        let citizen = try BookingStoreFixture.citizen()
        let booking = try await fixture.bookings.book(try fixture.slot("2026-12-02 09:00"), idNumber: citizen,
                                                      idempotencyKey: "k1", now: now)
        #expect(booking.maskedIDNumber == citizen.masked)
        let (storedSecret, storedHash) = try await fixture.store.pool.read { db in
            (try Data.fetchOne(db, sql: "SELECT secret FROM installation"), try Data.fetchOne(db, sql: "SELECT id_hash FROM booking"))
        }
        let secret = try #require(storedSecret)
        let hash = try #require(storedHash)
        #expect(hash == Data(HMACSHA256.authenticationCode(for: Array(citizen.value.utf8), key: Array(secret))))
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
