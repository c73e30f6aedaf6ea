import DeviceKit
import Foundation
import GRDB
import Synchronization
import Testing
@testable import Storage

/// A printer's receipts per day: by the hall's day (Asia/Shanghai, UTC+8), kept across restarts,
/// a year and a month long.
@Suite struct DailyCountTests {
    let fixture: DeviceStoreFixture
    final class Clock: Sendable {
        let now = Mutex(Date(timeIntervalSince1970: 0))
    }
    let clock = Clock()

    init() throws { fixture = try DeviceStoreFixture() }

    func open() throws -> DeviceStore {
        let clock = self.clock
        let store = try fixture.open(now: { clock.now.withLock { $0 } })
        return DeviceStore(store: store.database, now: { clock.now.withLock { $0 } }, timeZone: TimeZone(identifier: "Asia/Shanghai")!)
    }

    func at(_ iso: String) {
        let date = ISO8601DateFormatter().date(from: iso)!
        clock.now.withLock { $0 = date }
    }

    @Test func receiptsCountByTheHallsDayAndSurviveARestart() async throws {
        var store = try open()
        at("2026-11-29T10:00:00Z")   // 18:00 on the 29th in the hall
        try await store.addToday(["receiptsPrinted": 1, "receiptLinesPrinted": 30], deviceID: "printer-1")
        at("2026-11-29T16:30:00Z")   // 00:30 on the 30th in the hall, still the 29th in UTC
        try await store.addToday(["receiptsPrinted": 1, "receiptLinesPrinted": 20], deviceID: "printer-1")
        try await store.addToday(["receiptsPrinted": 1, "receiptLinesPrinted": 25], deviceID: "printer-1")
        try await store.addToday(["receiptsPrinted": 5], deviceID: "printer-2")

        store = try open()   // a restart
        let days = try await store.dailyCounts(deviceID: "printer-1", days: 3)
        #expect(days == [
            DailyCount(day: "2026-11-28", counts: [:]),
            DailyCount(day: "2026-11-29", counts: ["receiptsPrinted": 1, "receiptLinesPrinted": 30]),
            DailyCount(day: "2026-11-30", counts: ["receiptsPrinted": 2, "receiptLinesPrinted": 45]),
        ])
    }

    @Test func daysOlderThanAYearAndAMonthAreDropped() async throws {
        let store = try open()
        at("2025-01-01T02:00:00Z")
        try await store.addToday(["receiptsPrinted": 7], deviceID: "printer-1")
        at("2025-12-01T02:00:00Z")
        try await store.addToday(["receiptsPrinted": 1], deviceID: "printer-1")
        let kept = try await store.database.pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM device_daily_count") }
        #expect(kept == 2, "334 days back are kept")
        at("2026-02-10T02:00:00Z")
        try await store.addToday(["receiptsPrinted": 1], deviceID: "printer-1")
        let days = try await store.dailyCounts(deviceID: "printer-1", days: DailyCounts.keptDays)
        #expect(days.count == DailyCounts.keptDays && days.last?.day == "2026-02-10")
        #expect(days.compactMap { $0.counts["receiptsPrinted"] } == [1, 1], "the day 405 days back is gone")
        let left = try await store.database.pool.read { db in try String.fetchAll(db, sql: "SELECT day FROM device_daily_count ORDER BY day") }
        #expect(left == ["2025-12-01", "2026-02-10"])
    }
}
