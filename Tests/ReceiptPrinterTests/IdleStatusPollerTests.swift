import DeviceKit
import ESCPOS
import KioskTesting
import Logging
import Testing
@testable import ReceiptPrinter

/// Idle polling: a printer that runs out of paper between citizens says so on its own, and the
/// polling never puts a query among a job's bytes.
@Suite struct IdleStatusPollerTests {
    struct OneDevice: DeviceProvider {
        let device: any Device
        func discover() async -> [any Device] { [device] }
    }

    @Test func paperRunningOutWhileIdleIsReportedWithoutAJob() async throws {
        let simulator = SimulatedPrinter()
        let profile = try #require(try shippedProfiles().profile(id: "xprinter-80")).printer
        let printer = await PrinterUnderTest(connection: simulator, profile: profile)
        let manager = DeviceManager(providers: [OneDevice(device: printer.device)], logger: Logger(label: "test"))
        _ = await manager.rescan()
        let poller = IdleStatusPoller(manager: manager, interval: .milliseconds(20))
        let polling = Task { await poller.run() }
        defer { polling.cancel() }

        await simulator.runOutOfPaper()
        // A generous limit: it only bounds a failing run (a loaded machine delays the poll).
        var seen: [DeviceEvent] = []
        while !seen.contains(.fault(deviceID: "printer-test", .paperOut)), let event = await printer.stream.next(within: .seconds(60)) {
            seen.append(event)
        }
        #expect(seen.contains(.fault(deviceID: "printer-test", .paperOut)))
        #expect(seen.contains { if case .statusChanged(_, let status) = $0 { status.paper == .out } else { false } })
        #expect(await printer.device.state() == .error)
        #expect(try await printer.jobs.recentJobs(deviceID: "printer-test", limit: 5).isEmpty)
    }

    @Test func pollingEveryMillisecondNeverEntersAJob() async throws {
        let wire = ExclusivePrintingTests.Wire()
        let profile = try #require(try shippedProfiles().profile(id: "xprinter-80")).printer
        let printer = await PrinterUnderTest(connection: wire, profile: profile)
        let receipt = try #require(try shippedTemplates()["filing-receipt"]).render(data: filingData)
        let manager = DeviceManager(providers: [OneDevice(device: printer.device)], logger: Logger(label: "test"))
        _ = await manager.rescan()
        let polling = Task { await IdleStatusPoller(manager: manager, interval: .milliseconds(1)).run() }
        var jobs: [PrintJob] = []
        for index in 0..<5 {
            jobs.append(try await printer.device.print(receipt, templateID: "filing-receipt", reference: "A\(index)"))
            try await Task.sleep(for: .milliseconds(10))   // idle between citizens: polled
        }
        polling.cancel()
        _ = await polling.value
        #expect(jobs.allSatisfy { $0.state == .printed })
        #expect(wire.overlaps == 0)
        // The wire is the five jobs whole, with status queries only between them.
        var rest = wire.bytes
        var polls = 0
        for job in jobs {
            while rest.starts(with: ExclusivePrintingTests.Wire.poll) {
                rest.removeFirst(ExclusivePrintingTests.Wire.poll.count)
                polls += 1
            }
            #expect(rest.starts(with: job.bytes))
            rest.removeFirst(min(job.bytes.count, rest.count))
        }
        while rest.starts(with: ExclusivePrintingTests.Wire.poll) {
            rest.removeFirst(ExclusivePrintingTests.Wire.poll.count)
            polls += 1
        }
        #expect(rest.isEmpty)
        #expect(polls > 0)   // it did poll, between the jobs
    }
}
