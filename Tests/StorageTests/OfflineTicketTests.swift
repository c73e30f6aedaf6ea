import Booking
import Foundation
import GRDB
import KioskCore
import Testing
@testable import Storage

/// A ticket a terminal in district mode issues while its district is unreachable: issued, queued
/// for the district and marked carried in one transaction.
@Suite("Offline tickets in the terminal's file")
struct OfflineTicketTests {
    struct RecordFailed: Error {}

    func issue(_ fixture: BookingStoreFixture, key: String, record: @escaping @Sendable (Ticket) throws -> Data) async throws -> TicketReceipt {
        let bookings = try #require(fixture.bookings as? SQLiteBookingStore)
        return try await bookings.issueOfflineTicket(
            serviceID: "hukou", holder: nil, disabilityMarkedByStaff: false,
            schedule: fixture.generator.schedule(for: try LocalDate("2026-12-01")),
            carriage: .init(terminalID: "T01", record: record), idempotencyKey: key, now: BookingStoreFixture.now.addingTimeInterval(7200))
    }

    func counts(_ store: SQLiteStore) async throws -> (tickets: Int, outbox: Int, keys: Int) {
        try await store.pool.read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM queue_ticket")!, try Int.fetchOne(db, sql: "SELECT count(*) FROM outbox")!,
             try Int.fetchOne(db, sql: "SELECT count(*) FROM idempotency_key")!)
        }
    }

    /// The ticket, its outbox record and its key come together, marked so that neither the ticket
    /// nor its key counts as left for `kiosk db copy`; a retry adds nothing.
    @Test func aTicketItsOutboxRecordAndItsKeyAreKeptTogether() async throws {
        let fixture = try await BookingStoreFixture(.sqlite)
        let store = try fixture.store
        let receipt = try await issue(fixture, key: "walk-in-1") { Data("ticket \($0.number)".utf8) }
        #expect(receipt.ticket.number == "A001")
        let again = try await issue(fixture, key: "walk-in-1") { _ in Data("a retry".utf8) }
        #expect(again.ticket == receipt.ticket)
        #expect(try await counts(store) == (1, 1, 1))
        let pending = try await store.pendingOutbox(limit: 10)
        #expect(pending.map(\.kind) == [.ticket] && pending.map(\.idempotencyKey) == ["ticket:walk-in-1"])
        #expect(pending.map { String(decoding: $0.payload, as: UTF8.self) } == ["ticket A001"])
        let prefix = try await store.pool.read { db in try String.fetchOne(db, sql: "SELECT district_prefix FROM queue_ticket") }
        #expect(prefix == "A@T01")
        #expect(try await store.notCopiedToDistrict() == NotCopiedToDistrict(bookings: 0, helpRequests: 0, policyPrints: 0))
    }

    /// What cannot be queued for the district is not issued: no ticket in the queue, nothing kept
    /// under its key, so the citizen is told at once and a retry issues it afresh.
    @Test func aTicketThatCannotBeQueuedForTheDistrictIsNotIssued() async throws {
        let fixture = try await BookingStoreFixture(.sqlite)
        let store = try fixture.store
        await #expect(throws: RecordFailed.self) { try await issue(fixture, key: "walk-in-1") { _ in throw RecordFailed() } }
        #expect(try await counts(store) == (0, 0, 0))
        let receipt = try await issue(fixture, key: "walk-in-1") { _ in Data("ticket".utf8) }
        #expect(receipt.ticket.number == "A001")
        #expect(try await counts(store) == (1, 1, 1))
    }
}
