import Booking
import Foundation
import KioskCore
import KioskTesting
import Logging
import PostgresNIO
import Storage
@testable import StoragePostgres
import Testing

/// An operation's deadline (`PostgresStore.operationTimeout`) bounds how long the terminal waits,
/// whatever the server does meanwhile.
@Suite("District store: an operation's deadline", .privatePostgres)
struct PostgresDeadlineTests {
    /// A booking waits for its citizen's lock, which another connection (a wedged transaction in
    /// another hall) holds past the deadline: the citizen at the screen learns that the district
    /// store is unavailable at the deadline, not when the lock goes. The booking's statement is
    /// not cancellable; it ends on its own once the lock goes, and commits then.
    @Test func aBookingWaitingForALockIsAnsweredAtTheDeadline() async throws {
        let fixture = try await BookingStoreFixture(.postgres)
        let postgres = try #require(fixture.postgres)
        let hasher = HMACIDHasher(key: BookingStoreFixture.keys.district!)
        let citizen = try BookingStoreFixture.citizen()
        let lockKey = PostgresBookingStore.citizenLockKey(hasher.hash(citizen))
        let slot = try fixture.slot("2026-12-02 09:00")

        // The other hall's transaction: holds the citizen's lock until told to let go, or for 20 s.
        let (held, lockHeld) = AsyncStream<Void>.makeStream()
        let (letGo, release) = AsyncStream<Void>.makeStream()
        let holder = Task {
            try await postgres.store.transaction { c in
                try await c.query("SELECT pg_advisory_xact_lock(\(lockKey))", logger: Logger(label: "test"))
                lockHeld.yield()
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask { for await _ in letGo { return } }
                    group.addTask { try await Task.sleep(for: .seconds(20)) }
                    try await group.next()
                    group.cancelAll()
                }
            }
        }
        defer { holder.cancel() }
        var iterator = held.makeAsyncIterator()
        _ = await iterator.next()

        let terminal = try PostgresStore(url: postgres.url, operationTimeout: .seconds(1), logger: Logger(label: "test"))
        let runner = Task { await terminal.run() }
        defer { runner.cancel() }
        let bookings = PostgresBookingStore(store: terminal, timeZone: BookingStoreFixture.shanghai, hasher: hasher)
        let clock = ContinuousClock()
        let asked = clock.now
        await #expect(throws: DistrictStoreUnavailable.self) {
            try await bookings.book(slot, idNumber: citizen, idempotencyKey: "k1", now: BookingStoreFixture.now)
        }
        let waited = clock.now - asked
        release.yield()
        try await holder.value
        // The lock was held for 20 s unless released: 10 s tells an answer at the deadline from
        // one that waited for the lock, on a loaded machine too.
        #expect(waited < .seconds(10), "answered after \(waited)")

        // The booking went on once the lock went: a retry with its key finds it, not a second place.
        let retried = try await fixture.bookings.book(slot, idNumber: citizen, idempotencyKey: "k1", now: BookingStoreFixture.now)
        #expect(try await fixture.bookings.bookings(of: citizen).map(\.id) == [retried.id])
    }
}
