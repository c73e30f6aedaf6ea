import DeviceKit
import Foundation
import KioskTesting
import Logging
import Synchronization
import Testing

/// Keeps what the counter hands the store, and lets a test wait until it has counted enough.
final class RecordingStatistics: StatisticsStore {
    private let powered = Mutex<[String: Int64]>([:])
    private let waiting = Mutex<[(deviceID: String, seconds: Int64, continuation: CheckedContinuation<Void, Never>)]>([])

    func seconds(_ deviceID: String) -> Int64 { powered.withLock { $0[deviceID] ?? 0 } }

    /// Returns once `deviceID` has `seconds` of powered time.
    func counted(_ seconds: Int64, deviceID: String) async {
        await withCheckedContinuation { continuation in
            let done = waiting.withLock { waiting in
                guard self.seconds(deviceID) < seconds else { return true }
                waiting.append((deviceID, seconds, continuation))
                return false
            }
            if done { continuation.resume() }
        }
    }

    func add(_ amounts: [String: Int64], deviceID: String) {}
    func statistics(deviceID: String, names: [String]) -> [Statistic] { [] }
    func reset(_ name: String, deviceID: String) -> Statistic { Statistic(name: name, value: 0, since: Date()) }
    func addPoweredTime(seconds: Int64, deviceID: String) {
        let total = powered.withLock { $0[deviceID, default: 0] += seconds; return $0[deviceID, default: 0] }
        let ready = waiting.withLock { waiting in
            let ready = waiting.filter { $0.deviceID == deviceID && $0.seconds <= total }.map(\.continuation)
            waiting.removeAll { $0.deviceID == deviceID && $0.seconds <= total }
            return ready
        }
        for continuation in ready { continuation.resume() }
    }
    func addToday(_ amounts: [String: Int64], deviceID: String) {}
    func dailyCounts(deviceID: String, days: Int) -> [DailyCount] { [] }
}

@Suite("Powered time")
struct PoweredTimeTests {
    @Test func wholeHoursAreCountedAndTheRestKept() {
        #expect(PoweredTime.carry(0, onto: 0) == (0, 0))
        #expect(PoweredTime.carry(3_599, onto: 0) == (0, 3_599))
        #expect(PoweredTime.carry(1, onto: 3_599) == (1, 0))
        #expect(PoweredTime.carry(7_300, onto: 3_000) == (2, 3_100))
        #expect(PoweredTime.carry(-5, onto: -5) == (0, 0))
    }

    func hours(_ store: InMemoryStatisticsStore, _ id: String = "printer-1") async -> Int64? {
        await store.statistics(deviceID: id, names: StatisticNames.receiptPrinter).first { $0.name == "hoursPowered" }?.value
    }

    @Test func connectedDevicesCountTheirPoweredTime() async {
        let provider = FakeDeviceProvider([FakeDevice(id: "printer-1")])
        let manager = DeviceManager(providers: [provider], logger: Logger(label: "test"))
        await manager.rescan()
        let store = InMemoryStatisticsStore()
        let counter = PoweredTimeCounter(manager: manager, statistics: store, logger: Logger(label: "test"))

        await counter.record(elapsed: .seconds(30 * 60))
        #expect(await hours(store) == 0)
        await counter.record(elapsed: .seconds(45 * 60))
        #expect(await hours(store) == 1)

        // Unplugged: its time stops.
        provider.present = false
        await manager.rescan()
        await counter.record(elapsed: .seconds(3 * 3_600))
        #expect(await hours(store) == 1)

        // Back: the quarter hour kept from before still counts.
        provider.present = true
        await manager.rescan()
        await counter.record(elapsed: .seconds(45 * 60))
        #expect(await hours(store) == 2)
    }

    @Test func fractionsOfASecondAddUp() async {
        let provider = FakeDeviceProvider([FakeDevice(id: "printer-1")])
        let manager = DeviceManager(providers: [provider], logger: Logger(label: "test"))
        await manager.rescan()
        let store = RecordingStatistics()
        let counter = PoweredTimeCounter(manager: manager, statistics: store, logger: Logger(label: "test"))
        for _ in 0..<1_000 { await counter.record(elapsed: .milliseconds(250)) }
        #expect(store.seconds("printer-1") == 250)
    }

    @Test func theRunningCounterAddsTheTimeThatPassedAndStopsWhenCancelled() async throws {
        let provider = FakeDeviceProvider([FakeDevice(id: "printer-1")])
        let manager = DeviceManager(providers: [provider], logger: Logger(label: "test"))
        await manager.rescan()
        let store = RecordingStatistics()
        let counter = PoweredTimeCounter(manager: manager, statistics: store, interval: .milliseconds(50), logger: Logger(label: "test"))
        let started = ContinuousClock.now
        let run = Task { try await counter.run() }
        // Waited for rather than slept: on a loaded machine the task may start late.
        await store.counted(2, deviceID: "printer-1")
        run.cancel()
        try await run.value
        let elapsed = ContinuousClock.now - started
        #expect(store.seconds("printer-1") >= 2)
        #expect(Duration.seconds(store.seconds("printer-1")) <= elapsed)
    }
}
