import DeviceKit
import Foundation
import KioskTesting
import Logging
import Testing

@Suite("Device manager")
struct DeviceManagerTests {
    @Test func publishesArrivalDepartureAndReturn() async {
        let provider = FakeDeviceProvider([FakeDevice(id: "printer-1")])
        let manager = DeviceManager(providers: [provider], logger: Logger(label: "test"))
        let events = await manager.events.subscribe()
        var iterator = events.makeAsyncIterator()

        #expect(await manager.rescan() == false)
        #expect(await iterator.next() == .stateChanged(deviceID: "printer-1", .idle))

        provider.present = false
        #expect(await manager.rescan() == true)
        #expect(await manager.isOffline("printer-1"))
        #expect(await iterator.next() == .stateChanged(deviceID: "printer-1", .offline))
        #expect(await iterator.next() == .fault(deviceID: "printer-1", .offline))
        // Still listed while offline, so a technician sees what is missing.
        #expect(await manager.devices().map(\.info.id) == ["printer-1"])

        provider.present = true
        #expect(await manager.rescan() == false)
        #expect(await !manager.isOffline("printer-1"))
        #expect(await iterator.next() == .stateChanged(deviceID: "printer-1", .idle))
    }

    @Test func claimsAreExclusive() async throws {
        let device = FakeDevice(id: "p")
        try await device.claim(owner: "session-a")
        await #expect(throws: DeviceFault.claimed(by: "session-a")) { try await device.claim(owner: "session-b") }
        await device.release(owner: "session-b")
        await #expect(throws: DeviceFault.claimed(by: "session-a")) { try await device.claim(owner: "session-b") }
        await device.release(owner: "session-a")
        try await device.claim(owner: "session-b")
    }

    @Test func healthCheckTextNamesFailedSteps() {
        let result = HealthCheckResult(deviceID: "p", level: .internal, steps: [
            .init(name: "status", passed: true, detail: "online"),
            .init(name: "paper", passed: false, detail: "out"),
        ])
        #expect(!result.passed)
        #expect(result.text.en == "check failed: paper: out")
        #expect(result.text.zh == "检查未通过：paper：out")
    }

    @Test func inMemoryStatisticsCountAndReset() async throws {
        let store = InMemoryStatisticsStore()
        await store.add(["jobsPrinted": 2, "paperCuts": 1], deviceID: "p")
        await store.add(["jobsPrinted": 1], deviceID: "p")
        let all = await store.statistics(deviceID: "p", names: StatisticNames.receiptPrinter)
        #expect(all.first { $0.name == "jobsPrinted" }?.value == 3)
        #expect(all.first { $0.name == "paperOutCount" }?.value == 0)
        let reset = await store.reset("jobsPrinted", deviceID: "p")
        #expect(reset.value == 0)
        #expect(await store.statistics(deviceID: "p", names: []).first { $0.name == "jobsPrinted" }?.value == 0)
        #expect(await store.statistics(deviceID: "p", names: []).first { $0.name == "paperCuts" }?.value == 1)
    }
}
