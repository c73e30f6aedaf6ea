@testable import DeviceKit
import Foundation
import KioskTesting
import Logging
import Synchronization
import Testing

@Suite("Device manager and hotplug")
struct DeviceChangeTests {
    // Generous limits: they only bound a failing run. In the whole suite on two cores, tasks
    // blocked elsewhere can keep these timers and scans waiting for many seconds.
    func next(_ events: AsyncStream<DeviceEvent>) async -> DeviceEvent? { await events.next(within: .seconds(60)) }

    func waitForScans(_ provider: FakeDeviceProvider, atLeast count: Int) async {
        await provider.scanned(atLeast: count)
    }

    /// With an hour between periodic rescans, only the hotplug signal can find the printer.
    @Test func aHotplugChangeRescansAtOnce() async throws {
        let provider = FakeDeviceProvider([FakeDevice(id: "printer-1")], present: false)
        let source = FakeChangeSource()
        let manager = DeviceManager(
            providers: [provider], changeSources: [source], rescanInterval: .seconds(3600), logger: Logger(label: "test"))
        let events = await manager.events.subscribe()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await manager.run() }
            await waitForScans(provider, atLeast: 1)

            provider.present = true
            source.fire()
            #expect(await next(events) == .stateChanged(deviceID: "printer-1", .idle))

            provider.present = false
            source.fire()
            #expect(await next(events) == .stateChanged(deviceID: "printer-1", .offline))
            #expect(await next(events) == .fault(deviceID: "printer-1", .offline))
            #expect(await manager.isOffline("printer-1"))

            group.cancelAll()
        }
    }

    /// A burst of changes while the manager is busy makes one more scan, not one per change.
    @Test func aBurstOfChangesIsOneRescan() async throws {
        let provider = FakeDeviceProvider([FakeDevice(id: "printer-1")], present: false)
        let source = FakeChangeSource()
        let manager = DeviceManager(
            providers: [provider], changeSources: [source], rescanInterval: .seconds(3600), logger: Logger(label: "test"))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await manager.run() }
            await waitForScans(provider, atLeast: 1)
            // The manager is busy in a scan while the whole burst reaches it.
            let busy = provider.scans + 1
            provider.holdScans()
            source.fire()
            await waitForScans(provider, atLeast: busy)
            for _ in 0..<50 { source.fire() }
            await source.forwarded(atLeast: 51)
            provider.releaseScans()
            await waitForScans(provider, atLeast: busy + 1)
            // What must not happen (a scan per change) has no event to wait for: a quiet moment
            // lets any extra scans show.
            try await Task.sleep(for: .milliseconds(200))
            #expect(provider.scans == busy + 1)
            group.cancelAll()
        }
    }

    /// Where the system has no hotplug the periodic rescan still finds devices.
    @Test func withoutHotplugThePeriodicRescanFindsDevices() async throws {
        let provider = FakeDeviceProvider([FakeDevice(id: "printer-1")], present: false)
        let manager = DeviceManager(
            providers: [provider], changeSources: [FakeChangeSource(supported: false)], rescanInterval: .milliseconds(20),
            logger: Logger(label: "test"))
        let events = await manager.events.subscribe()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await manager.run() }
            await waitForScans(provider, atLeast: 1)
            provider.present = true
            #expect(await next(events) == .stateChanged(deviceID: "printer-1", .idle))
            await waitForScans(provider, atLeast: provider.scans + 2)
            group.cancelAll()
        }
    }

    /// Stopping the manager ends its wait and its sources at once, even mid-hour.
    @Test func cancellingTheManagerEndsItsWaitAndSources() async throws {
        let provider = FakeDeviceProvider([FakeDevice(id: "printer-1")], present: false)
        let manager = DeviceManager(
            providers: [provider], changeSources: [FakeChangeSource()], rescanInterval: .seconds(3600), logger: Logger(label: "test"))
        let run = Task { try await manager.run() }
        await waitForScans(provider, atLeast: 1)
        let cancelled = ContinuousClock.now
        run.cancel()
        try await run.value
        // Far below the hour it would otherwise wait, with room for a loaded CI machine.
        #expect(ContinuousClock.now - cancelled < .seconds(60))
    }

    /// While a device is missing the manager looks again after 1, 2, 4 … seconds, up to the maximum.
    @Test func aMissingDeviceIsLookedForWithBackoff() {
        var waits: [Duration] = []
        var last: Duration?
        for _ in 0..<8 {
            let next = DeviceManager.backoff(after: last, maximum: .seconds(60))
            waits.append(next)
            last = next
        }
        #expect(waits == [1, 2, 4, 8, 16, 32, 60, 60].map { Duration.seconds($0) })
        #expect(DeviceManager.backoff(after: nil, maximum: .milliseconds(200)) == .milliseconds(200))
    }
}

