import Booking
import Foundation
import KioskCore
import Testing
@testable import Storage
@testable import StoragePostgres

@Suite("Booking store: stored answers across an upgrade, and their retention", .privatePostgres)
struct BookingStoreAnswerTests {
    let now = BookingStoreFixture.now

    /// A retry that reaches a terminal just upgraded finds the answer the previous release
    /// stored, without the version byte: the migration marks it version 0, whose layout the
    /// reader knows. Without the migration it is unreadable.
    @Test(arguments: StoreKind.allCases) func anAnswerStoredBeforeTheVersionByteAnswersItsRetryAfterTheUpgrade(_ kind: StoreKind) async throws {
        let fixture = try await BookingStoreFixture(kind)
        let slot = try fixture.slot("2026-12-02 09:00")
        let citizen = try BookingStoreFixture.citizen()
        let first = try await fixture.bookings.book(slot, idNumber: citizen, idempotencyKey: "upgrade-1", now: now)
        // The row as the previous release wrote it, and its schema without the new migration.
        switch kind {
        case .sqlite:
            try await fixture.execute("UPDATE idempotency_key SET response = substr(response, 2)")
            try await fixture.execute("DELETE FROM grdb_migrations WHERE identifier = 'v12-answer-versions'")
        case .postgres:
            let version = try #require(PostgresMigrations.all.firstIndex { $0.name == "v8-answer-versions" }) + 1
            try await fixture.execute("UPDATE idempotency_key SET response = substring(response from 2)")
            try await fixture.execute("DELETE FROM kiosk_schema_version WHERE version = \(version)")
        }
        await #expect(throws: StorageError.self) {
            try await fixture.bookings.book(slot, idNumber: citizen, idempotencyKey: "upgrade-1", now: now)
        }
        switch kind {
        case .sqlite: try fixture.store.migrate()
        case .postgres: try await #require(fixture.postgres).store.migrate()
        }
        #expect(try await fixture.bookings.book(slot, idNumber: citizen, idempotencyKey: "upgrade-1", now: now) == first)
        #expect(try await fixture.count("SELECT count(*) FROM booking") == 1)
    }

    /// Answers are kept `StoredAnswers.retention`, then the sweep deletes them; the key is then
    /// a new key.
    @Test(arguments: StoreKind.allCases) func answersAreKeptForTheirRetentionThenSwept(_ kind: StoreKind) async throws {
        let fixture = try await BookingStoreFixture(kind, policy: BookingPolicy(maxActivePerService: 5, maxActiveTotal: 5))
        let citizen = try BookingStoreFixture.citizen()
        _ = try await fixture.bookings.book(try fixture.slot("2026-12-02 09:00"), idNumber: citizen, idempotencyKey: "kept", now: now)
        let retentionEnds = now.addingTimeInterval(StoredAnswers.retention)
        #expect(try await fixture.bookings.sweep(now: retentionEnds).answersExpired == 0)
        #expect(try await fixture.count("SELECT count(*) FROM idempotency_key") == 1)
        #expect(try await fixture.bookings.sweep(now: retentionEnds.addingTimeInterval(1)).answersExpired == 1)
        #expect(try await fixture.count("SELECT count(*) FROM idempotency_key") == 0)
        let other = try await fixture.bookings.book(try fixture.slot("2026-12-02 10:00"), idNumber: citizen,
                                                    idempotencyKey: "kept", now: now)
        #expect(other.slotID == (try fixture.slot("2026-12-02 10:00")).id)
    }
}
