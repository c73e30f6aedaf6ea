import DeviceKit
import Foundation
import KioskTesting
import Secrets
import GRDB
import Testing
@testable import Storage

/// A migrated database with the device tables, on a fresh file that can be reopened.
struct DeviceStoreFixture {
    let scratch: ScratchDirectory
    let path: String
    /// The terminal's keys, the same at every restart.
    let keys = TerminalKeys.random()

    init() throws {
        scratch = try ScratchDirectory(prefix: "kiosk-devices")
        path = scratch.path + "/kiosk.sqlite"
    }

    /// Opens (and migrates) the file, as a restarted kiosk does.
    func open(now: @escaping @Sendable () -> Date = { Date() }) throws -> DeviceStore {
        let store = try SQLiteStore(path: path, keys: keys)
        try store.migrate()
        return DeviceStore(store: store, now: now)
    }

    static func job(_ id: UUID = UUID(), device: String = "printer-1", createdAt: Date) -> StoredPrintJob {
        StoredPrintJob(
            id: id, deviceID: device, templateID: "filing-receipt", reference: "A20260315-000123",
            bytes: [0x1B, 0x40, 0x41, 0x0A, 0x00, 0xFF], lines: 1, characters: 1, cuts: 0, state: "queued",
            failureReason: nil, attempts: 0, createdAt: createdAt, updatedAt: createdAt)
    }
}

@Suite struct DeviceStoreStatisticsTests {
    let fixture: DeviceStoreFixture

    init() throws { fixture = try DeviceStoreFixture() }
    static let names = ["paperCuts", "receiptLinesPrinted"]

    @Test func countersAddUpAndSurviveARestart() async throws {
        let start = Date(timeIntervalSince1970: 1_773_500_000)
        let store = try fixture.open(now: { start })
        try await store.add(["receiptLinesPrinted": 21, "paperCuts": 1], deviceID: "printer-1")
        try await store.add(["receiptLinesPrinted": 21, "paperCuts": 1, "jobsPrinted": 1], deviceID: "printer-1")
        try await store.add(["paperCuts": 5], deviceID: "printer-2")

        let reopened = try fixture.open()
        let statistics = try await reopened.statistics(deviceID: "printer-1", names: Self.names)
        #expect(statistics == [
            Statistic(name: "jobsPrinted", value: 1, since: start),
            Statistic(name: "paperCuts", value: 2, since: start),
            Statistic(name: "receiptLinesPrinted", value: 42, since: start),
        ])
        #expect(try await reopened.statistics(deviceID: "printer-2", names: []).map(\.value) == [5])
    }

    @Test func poweredTimeCountsWholeHoursAndKeepsTheRestAcrossARestart() async throws {
        let store = try fixture.open()
        try await store.addPoweredTime(seconds: 3_000, deviceID: "printer-1")
        #expect(try await store.statistics(deviceID: "printer-1", names: ["hoursPowered"]).map(\.value) == [0])

        let reopened = try fixture.open()
        try await reopened.addPoweredTime(seconds: 700, deviceID: "printer-1")
        try await reopened.addPoweredTime(seconds: 7_200, deviceID: "printer-2")
        let statistics = try await reopened.statistics(deviceID: "printer-1", names: ["hoursPowered"])
        // The seconds toward the next hour are bookkeeping, not a counter.
        #expect(statistics.map(\.name) == ["hoursPowered"])
        #expect(statistics.map(\.value) == [1])
        #expect(try await reopened.statistics(deviceID: "printer-2", names: []).map(\.value) == [2])

        // A reset starts the hours again; the 100 seconds kept still count toward the next.
        _ = try await reopened.reset("hoursPowered", deviceID: "printer-1")
        try await reopened.addPoweredTime(seconds: 3_500, deviceID: "printer-1")
        #expect(try await reopened.statistics(deviceID: "printer-1", names: []).map(\.value) == [1])
    }

    @Test func aNeverCountedCounterReadsZeroSinceInstallation() async throws {
        let store = try fixture.open()
        let statistics = try await store.statistics(deviceID: "printer-1", names: Self.names)
        #expect(statistics.map(\.name) == Self.names)
        #expect(statistics.map(\.value) == [0, 0])
        #expect(abs(statistics[0].since.timeIntervalSinceNow) < 3600)
    }

    @Test func resettingOneCounterKeepsTheOthersAndRecordsTheTime() async throws {
        let counted = Date(timeIntervalSince1970: 1_773_500_000)
        let resetAt = Date(timeIntervalSince1970: 1_773_600_000)
        let clock = Clock(counted)
        let store = try fixture.open(now: { clock.now })
        try await store.add(["receiptLinesPrinted": 100, "paperCuts": 4], deviceID: "printer-1")
        clock.now = resetAt
        #expect(try await store.reset("paperCuts", deviceID: "printer-1") == Statistic(name: "paperCuts", value: 0, since: resetAt))
        try await store.add(["paperCuts": 1], deviceID: "printer-1")

        let statistics = try await fixture.open().statistics(deviceID: "printer-1", names: Self.names)
        #expect(statistics == [
            Statistic(name: "paperCuts", value: 1, since: resetAt),
            Statistic(name: "receiptLinesPrinted", value: 100, since: counted),
        ])
    }

    final class Clock: @unchecked Sendable {
        private let lock = NSLock()
        private var value: Date
        init(_ value: Date) { self.value = value }
        var now: Date {
            get { lock.withLock { value } }
            set { lock.withLock { value = newValue } }
        }
    }
}

@Suite struct DeviceStorePrintJobTests {
    let fixture: DeviceStoreFixture

    init() throws { fixture = try DeviceStoreFixture() }
    let created = Date(timeIntervalSince1970: 1_773_500_000)

    @Test func aJobMovesFromQueuedToPrintedAndKeepsItsBytes() async throws {
        let store = try fixture.open()
        let job = DeviceStoreFixture.job(createdAt: created)
        try await store.insertPrintJob(job)
        #expect(try await store.printJob(job.id) == job)
        // A receipt may carry what someone typed: its bytes are sealed in the file.
        let stored = try await store.database.pool.read { db in try Data.fetchOne(db, sql: "SELECT bytes FROM print_job") }
        #expect(stored != nil && stored != Data(job.bytes) && stored?.range(of: Data([0x1B, 0x40, 0x41])) == nil)
        let sent = created.addingTimeInterval(1)
        try await store.updatePrintJob(job.id, state: "sending", failureReason: nil, attempts: 1, at: sent)
        try await store.updatePrintJob(job.id, state: "printed", failureReason: nil, attempts: 1, at: sent)
        var expected = job
        expected.state = "printed"
        expected.attempts = 1
        expected.updatedAt = sent
        #expect(try await fixture.open().printJob(job.id) == expected)
    }

    @Test func aFailedJobKeepsItsReasonAndCanBeSentAgain() async throws {
        let store = try fixture.open()
        let job = DeviceStoreFixture.job(createdAt: created)
        try await store.insertPrintJob(job)
        try await store.updatePrintJob(job.id, state: "failed", failureReason: "paperOut", attempts: 1, at: created)
        let failed = try await store.recentPrintJobs(state: "failed")
        #expect(failed.map(\.id) == [job.id])
        #expect(failed.first?.failureReason == "paperOut")
        try await store.updatePrintJob(job.id, state: "printed", failureReason: nil, attempts: 2, at: created)
        #expect(try await store.recentPrintJobs(state: "failed").isEmpty)
        #expect(try await store.printJob(job.id)?.attempts == 2)
    }

    @Test func theSchemaRefusesAFailureWithoutAReasonAndUnknownStates() async throws {
        let store = try fixture.open()
        let job = DeviceStoreFixture.job(createdAt: created)
        try await store.insertPrintJob(job)
        await #expect(throws: DatabaseError.self) {
            try await store.updatePrintJob(job.id, state: "failed", failureReason: nil, attempts: 1, at: created)
        }
        await #expect(throws: DatabaseError.self) {
            try await store.updatePrintJob(job.id, state: "lost", failureReason: nil, attempts: 1, at: created)
        }
        let missing = await #expect(throws: DeviceStoreError.self) {
            try await store.updatePrintJob(UUID(), state: "printed", failureReason: nil, attempts: 1, at: created)
        }
        #expect(missing?.code == "printJobNotFound")
    }

    @Test func recentJobsAreNewestFirstPerDeviceAndLimited() async throws {
        let store = try fixture.open()
        var ids: [UUID] = []
        for minute in 0..<5 {
            let job = DeviceStoreFixture.job(device: minute == 2 ? "printer-2" : "printer-1",
                                             createdAt: created.addingTimeInterval(Double(minute) * 60))
            try await store.insertPrintJob(job)
            ids.append(job.id)
        }
        #expect(try await store.recentPrintJobs(limit: 10).map(\.id) == ids.reversed())
        #expect(try await store.recentPrintJobs(deviceID: "printer-1", limit: 2).map(\.id) == [ids[4], ids[3]])
        #expect(try await store.recentPrintJobs(deviceID: "printer-2").map(\.id) == [ids[2]])
    }

    /// Retention: a job holds receipt text, so every job past the retention goes, failed ones
    /// too, with the print requests of the same age; newer ones stay.
    @Test func purgingRemovesEveryOldJobAndRequest() async throws {
        let store = try fixture.open()
        let old = DeviceStoreFixture.job(createdAt: created)
        let oldFailed = DeviceStoreFixture.job(createdAt: created)
        let recent = DeviceStoreFixture.job(createdAt: created.addingTimeInterval(86_400 * 30))
        for job in [old, oldFailed, recent] { try await store.insertPrintJob(job) }
        try await store.updatePrintJob(old.id, state: "printed", failureReason: nil, attempts: 1, at: created)
        try await store.updatePrintJob(oldFailed.id, state: "failed", failureReason: "paperOut", attempts: 1, at: created)
        try await store.updatePrintJob(recent.id, state: "printed", failureReason: nil, attempts: 1, at: created)
        for (key, time) in [("old", created), ("recent", created.addingTimeInterval(86_400 * 30))] {
            try await store.recordPrintRequest(.init(key: key, target: "slip:X", jobID: nil, state: "printed",
                                                     failureReason: nil, createdAt: time))
        }
        #expect(try await store.purgePrintJobs(createdBefore: created.addingTimeInterval(86_400)) == 2)
        #expect(Set(try await store.recentPrintJobs().map(\.id)) == [recent.id])
        #expect(try await store.printRequest(key: "old") == nil)
        #expect(try await store.printRequest(key: "recent")?.target == "slip:X")
    }

    @Test func columnsHoldNoPersonalData() async throws {
        let store = try fixture.open()
        let columns = try await store.database.pool.read { db in try db.columns(in: "print_job").map(\.name) }
        #expect(columns == [
            "id", "device_id", "template_id", "reference", "bytes", "lines", "characters", "cuts", "state",
            "failure_reason", "attempts", "created_at", "updated_at",
        ])
    }
}
