import Foundation
@testable import Hosting
@testable import KioskApp
import KioskCore
@testable import KioskServer
import KioskTesting
import NIOCore
import NIOPosix
import Testing

/// systemd's notification protocol, against a real unix datagram socket the test listens on.
@Suite("Service manager notifications")
struct ServiceManagerTests {
    @Test func assignmentsGoAsOneDatagramToTheSocketNamedByNotifySocket() async throws {
        let directory = try ScratchDirectory(prefix: "kiosk-notify")
        let listener = try DatagramListener(directory: directory.path)
        let notifier = try #require(ServiceManagerNotifier(environment: ["NOTIFY_SOCKET": listener.address]))
        #expect(notifier.send(["READY=1", ServiceManagerNotifier.status("ready at http://127.0.0.1:8080")]))
        let datagram = await listener.receiveOffPool(timeout: 5)
        #expect(datagram.map { String(decoding: $0, as: UTF8.self) } == "READY=1\nSTATUS=ready at http://127.0.0.1:8080")
    }

    @Test func anAbstractSocketIsReachedToo() async throws {
        let directory = try ScratchDirectory(prefix: "kiosk-notify")
        let listener = try DatagramListener(directory: directory.path, abstract: true)
        #expect(listener.address.hasPrefix("@"))
        let notifier = try #require(ServiceManagerNotifier(environment: ["NOTIFY_SOCKET": listener.address]))
        #expect(notifier.send(["WATCHDOG=1"]))
        #expect(await listener.receiveOffPool(timeout: 5) == Array("WATCHDOG=1".utf8))
    }

    @Test func withoutAServiceManagerThereIsNoNotifier() {
        #expect(ServiceManagerNotifier(environment: [:]) == nil)
        #expect(ServiceManagerNotifier(environment: ["NOTIFY_SOCKET": ""]) == nil)
        #expect(ServiceManagerNotifier(environment: ["NOTIFY_SOCKET": "relative/socket"]) == nil)
        #expect(ServiceManagerNotifier(environment: ["NOTIFY_SOCKET": "vsock:2:1234"]) == nil)
    }

    @Test func theWatchdogIsFedAtHalfItsIntervalWhenItIsOurs() {
        #expect(ServiceManagerNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "30000000"], processID: 7) == .seconds(15))
        #expect(ServiceManagerNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "7"], processID: 7)
            == .seconds(15))
        #expect(ServiceManagerNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "8"], processID: 7) == nil)
        #expect(ServiceManagerNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "0"], processID: 7) == nil)
        #expect(ServiceManagerNotifier.watchdogInterval(environment: [:], processID: 7) == nil)
    }

    @Test func aStatusIsOneLine() {
        #expect(ServiceManagerNotifier.status("a\nb") == "STATUS=a b")
    }

    /// A loop stuck in a handler never runs the probe, so the next one withholds the ping.
    @Test func aBlockedEventLoopIsUnhealthyUntilItRunsAgain() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        /// Each loop runs its tasks in order: once a task queued now has run, every probe queued before it has.
        func everyLoopCaughtUp() async throws {
            for loop in group.makeIterator() { try await loop.submit {}.get() }
        }
        let loops = EventLoopResponsiveness(group)
        #expect(loops.probe())
        try await everyLoopCaughtUp()
        #expect(loops.probe())
        try await everyLoopCaughtUp()
        let release = DispatchSemaphore(value: 0)
        group.any().execute { release.wait() }
        // The previous call's probe was answered before the block; this one's waits behind it.
        _ = loops.probe()
        // A watchdog period passes: still no answer from the blocked loop (the time is the test).
        try await Task.sleep(for: .milliseconds(200))
        #expect(!loops.probe())
        release.signal()
        try await everyLoopCaughtUp()
        #expect(loops.probe())
        try await group.shutdownGracefully()
    }

    @Test func theStatusLineSaysWhatIsNotReadyAndWhy() {
        let notReady = ReadinessReport(ready: false, components: [
            .init(name: "database", ready: true, detail: "sqlite, schema version 9"),
            .init(name: "devices", ready: false, reason: .init(zh: "设备未连接：printer-1", en: "devices not connected: printer-1")),
        ])
        #expect(ServiceManagerReports.statusLine(notReady, address: "http://127.0.0.1:8080")
            == "not ready at http://127.0.0.1:8080: devices: devices not connected: printer-1")
        let ready = ReadinessReport(ready: true, components: [
            .init(name: "forms", ready: true, detail: "2 forms", warnings: ["a.yaml:3: bad"]),
        ])
        #expect(ServiceManagerReports.statusLine(ready, address: "http://127.0.0.1:8080")
            == "ready at http://127.0.0.1:8080; 1 warning (see http://127.0.0.1:8080/readyz)")
    }

    /// A terminal without its printer still starts (READY=1): systemd would otherwise kill and
    /// restart it in a loop, and the screen would offer nothing, not even receipts as QR codes.
    /// The database and the forms do hold the start.
    @Test func missingDevicesDoNotHoldTheStart() {
        let checks = [ReadinessCheck("database") { .ready("") }, ReadinessCheck("devices", holdsStartup: false) { .ready("") }]
        let devicesMissing = ReadinessReport(ready: false, components: [
            .init(name: "database", ready: true), .init(name: "devices", ready: false, reason: .init(zh: "没有连接回执打印机", en: "no receipt printer is connected")),
        ])
        #expect(ServiceManagerReports.started(devicesMissing, checks))
        let databaseDown = ReadinessReport(ready: false, components: [
            .init(name: "database", ready: false, reason: .init(zh: "数据库不可用", en: "database unavailable")), .init(name: "devices", ready: true),
        ])
        #expect(!ServiceManagerReports.started(databaseDown, checks))
    }
}
