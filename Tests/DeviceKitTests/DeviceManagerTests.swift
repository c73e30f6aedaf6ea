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

    /// The technician reads what failed and what to do; the zh-CN text has no English in it.
    @Test func healthCheckTextNamesFailedStepsAndWhatToDo() {
        let result = HealthCheckResult(deviceID: "p", level: .internal, steps: [
            .init(name: "status", passed: true, detail: "online", message: .init(zh: "状态：在线", en: "status: online")),
            .failed("connection", .offline, label: .init(zh: "连接", en: "connection")),
            .failed("access", .accessDenied, label: .init(zh: "权限", en: "permission")),
        ])
        #expect(!result.passed)
        #expect(result.text.en == "check failed: connection: the device is not connected; call a technician; "
            + "permission: no permission to use the device; check the udev rules; call a technician")
        #expect(result.text.zh == "检查未通过：连接：设备未连接。请联系维护人员处理；权限：没有访问该设备的权限，请检查 udev 规则。请联系维护人员处理")
        #expect(result.steps[1].detail == "the device is not connected")
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
