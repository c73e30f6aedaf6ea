import Booking
import Foundation
import KioskCore
import Testing
@testable import Storage

@Suite("Booking store: no overbooking under concurrency", .privatePostgres)
struct BookingStoreConcurrencyTests {
    let now = BookingStoreFixture.now

    /// 64 citizens hold and confirm one five-place slot at once through one store.
    @Test(arguments: StoreKind.allCases) func sixtyFourTasksOnOneStoreConfirmExactlyTheCapacity(_ kind: StoreKind) async throws {
        let fixture = try await BookingStoreFixture(kind)
        let slot = try fixture.slot("2026-12-02 09:00")
        let citizens = try (1...64).map { try BookingStoreFixture.citizen(sequence: $0) }
        let confirmed = await withTaskGroup(of: Bool.self) { group in
            for (index, citizen) in citizens.enumerated() {
                group.addTask {
                    do {
                        let hold = try await fixture.bookings.hold(slot, idNumber: citizen, idempotencyKey: "h\(index)", now: now)
                        _ = try await fixture.bookings.confirm(holdID: hold.id, idNumber: citizen, idempotencyKey: "c\(index)", now: now)
                        return true
                    } catch let error as BookingRuleError where error.kind == .slotFull {
                        return false
                    } catch {
                        Issue.record("unexpected \(error)")
                        return false
                    }
                }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(confirmed == 5)
        #expect(try await fixture.taken(slot) == 5)
        #expect(try await fixture.count("SELECT count(*) FROM booking WHERE status = 'confirmed'") == 5)
    }

    /// The same race through four stores with their own connection pools on one database, as
    /// separate processes (or terminals) would run it: only the database's locking stands between them.
    @Test(arguments: StoreKind.allCases) func sixtyFourRequestsThroughSeparateStoresConfirmExactlyTheCapacity(_ kind: StoreKind) async throws {
        let first = try await BookingStoreFixture(kind)
        var stores = [first]
        for _ in 1..<4 { stores.append(try await first.reopened()) }
        let slot = try first.slot("2026-12-02 09:00")
        let citizens = try (1...64).map { try BookingStoreFixture.citizen(sequence: $0) }
        let confirmed = await withTaskGroup(of: Bool.self) { group in
            for (index, citizen) in citizens.enumerated() {
                let store = stores[index % stores.count].bookings
                group.addTask {
                    do {
                        _ = try await store.book(slot, idNumber: citizen, idempotencyKey: "b\(index)", now: now)
                        return true
                    } catch let error as BookingRuleError where error.kind == .slotFull {
                        return false
                    } catch {
                        Issue.record("unexpected \(error)")
                        return false
                    }
                }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(confirmed == 5)
        #expect(try await first.taken(slot) == 5)
        #expect(try await first.count("SELECT count(*) FROM booking WHERE status = 'confirmed'") == 5)
    }
}
