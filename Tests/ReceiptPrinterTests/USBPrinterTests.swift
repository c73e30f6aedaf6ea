import DeviceKit
import ESCPOS
import KioskTesting
import Logging
import Testing
import USBTransport
@testable import ReceiptPrinter

/// The USB printer through the real libusb code path, against the ESC/POS printer emulated by
/// `Devices/simulators/usb/printer.py` (0416:5011, "ZJ20250001").
@Suite(
    .enabled(if: USBEmulator.printer != nil, "needs the emulated printer: Devices/simulators/usb/run-under-umockdev.sh"),
    .serialized, .timeLimit(.minutes(1)))
struct USBPrinterTests {
    static let poll: [UInt8] = [0x10, 0x04, 0x01, 0x10, 0x04, 0x02, 0x10, 0x04, 0x03, 0x10, 0x04, 0x04]
    static let chunkSize = 256

    let emulator: USBEmulator
    let receipt: Receipt
    let catalog: ProfileCatalog

    init() throws {
        emulator = try #require(USBEmulator.printer)
        receipt = try #require(try shippedTemplates()["filing-receipt"]).render(data: filingData)
        catalog = try shippedProfiles()
    }

    func printer(_ context: USBContext) async throws -> PrinterUnderTest {
        let profile = try #require(catalog.profile(id: "xprinter-80"))
        let match = try #require(profile.usb)
        let connection = USBPrinterConnection(
            context: context, vendorID: 0x0416, productID: 0x5011, serialNumber: "ZJ20250001", match: match,
            chunkSize: Self.chunkSize, writeTimeout: .milliseconds(500), statusTimeout: .milliseconds(500))
        return await PrinterUnderTest(connection: connection, profile: profile.printer)
    }

    /// What the printer receives for a whole job: a status poll, then each chunk followed by one.
    static func wire(_ bytes: [UInt8]) -> [UInt8] {
        stride(from: 0, to: bytes.count, by: chunkSize).reduce(poll) { wire, offset in
            wire + bytes[offset..<min(offset + chunkSize, bytes.count)] + poll
        }
    }

    @Test func theProviderFindsThePrinterByItsProfile() async throws {
        try await emulator.reset()
        let environment = PrinterEnvironment(
            jobs: InMemoryPrintJobStore(), statistics: InMemoryStatisticsStore(), events: EventBus(), logger: Logger(label: "test"))
        let provider = USBPrinterProvider(catalog: catalog, environment: environment)
        let devices = await provider.discover()
        let device = try #require(devices.first as? ReceiptPrinterDevice)
        #expect(device.info == DeviceInfo(
            id: "printer-usb-0416-5011-ZJ20250001", kind: .receiptPrinter, connection: "usb:0416:5011",
            vendor: "Zjiang", model: "POS-80 Printer", serialNumber: "ZJ20250001", profile: "xprinter-80"))
        #expect(try #require(await provider.discover().first as? ReceiptPrinterDevice) === device)
        let check = await device.healthCheck(.internal)
        #expect(check.passed)
        #expect(emulator.capture == Self.poll)
    }

    @Test func aPrintedReceiptArrivesInTheCaptureFile() async throws {
        try await emulator.reset()
        let printer = try await printer(USBContext())
        let job = try await printer.device.print(receipt, templateID: "filing-receipt", reference: "A20260315-000123")
        #expect(job.state == .printed)
        #expect(job.bytes.count > Self.chunkSize * 2)
        let arrived = emulator.capture == Self.wire(job.bytes)   // outside #expect: no receipt in the log
        #expect(arrived)
        #expect(try await printer.counters()["jobsPrinted"] == 1)
    }

    /// A citizen's receipt, a technician's test print, a reprint and status queries from the
    /// device page, all at once: at the printer each job arrives whole (with its own status
    /// polls), and only whole status polls come between jobs.
    @Test func concurrentJobsAndQueriesNeverInterleaveAtThePrinter() async throws {
        try await emulator.reset()
        let printer = try await printer(USBContext())
        let earlier = try await printer.device.print(receipt, templateID: "filing-receipt", reference: "A1")
        try await emulator.reset()
        let (job, check, again, testPrint) = try await printAllAtOnce(printer, receipt, reprinting: earlier)
        #expect(job.state == .printed && again.state == .printed && check.passed)
        let mixedAt = firstMixedByte(emulator.capture, exchanges: [job.bytes, testPrint, earlier.bytes].map(Self.wire), poll: Self.poll)
        #expect(mixedAt == nil)   // an offset only: no receipt bytes in the log
    }

    @Test func paperRunningOutMidJobStopsItAndTheKeptJobReprintsOnceLoaded() async throws {
        try await emulator.reset(.init(paperOutAfter: 300))
        let printer = try await printer(USBContext())
        let failed = try await printer.device.print(receipt, templateID: "filing-receipt", reference: "A20260315-000123")
        #expect(failed.state == .failed(reason: "paperOut"))
        // Stopped at the first poll after the paper ran out, two chunks in, not the whole job;
        // then the device asks once more for the status it reports.
        #expect(failed.bytes.count > Self.chunkSize * 2)
        let stopped = emulator.capture
            == Array(Self.wire(failed.bytes).prefix(Self.poll.count * 3 + Self.chunkSize * 2)) + Self.poll
        #expect(stopped)
        #expect(await printer.device.state() == .error)
        #expect(try await printer.counters()["paperOutCount"] == 1)

        try await emulator.reset()   // a fresh roll: the printer is plugged in again with paper
        let reprinted = try await printer.device.reprint(failed.id)
        #expect(reprinted.state == .printed)
        let arrived = emulator.capture == Self.wire(failed.bytes)
        #expect(arrived)
        #expect(await printer.device.state() == .idle)
    }

    @Test func anUnplugMidJobLeavesTheJobFailedAndReprintable() async throws {
        try await emulator.reset(.init(unplugAfter: 700))
        let printer = try await printer(USBContext())
        let failed = try await printer.device.print(receipt, templateID: "filing-receipt", reference: "A20260315-000123")
        #expect(failed.state == .failed(reason: "deviceOffline"))
        #expect(await printer.device.state() == .offline)
        #expect(await printer.jobs.job(failed.id) == failed)
        #expect(await printer.publishedEvents().contains(.fault(deviceID: "printer-test", .offline)))

        try await emulator.reset()
        let reprinted = try await printer.device.reprint(failed.id)
        #expect(reprinted.state == .printed)
        #expect(reprinted.attempts == 2)
        let arrived = emulator.capture == Self.wire(failed.bytes)
        #expect(arrived)
    }

    func next(_ events: AsyncStream<DeviceEvent>) async -> DeviceEvent? { await events.next(within: .seconds(10)) }

    /// With an hour between periodic rescans, only libusb hotplug can tell the manager that
    /// the printer was unplugged and plugged in again.
    @Test(.enabled(if: USBContext.supportsHotplug))
    func hotplugMakesTheManagerNoticeAnUnplugAndAReplugAtOnce() async throws {
        try await emulator.reset(.init(unplugAfter: 1))
        let context = try await USBContext()
        let environment = PrinterEnvironment(
            jobs: InMemoryPrintJobStore(), statistics: InMemoryStatisticsStore(), events: EventBus(), logger: Logger(label: "test"))
        let manager = DeviceManager(
            providers: [USBPrinterProvider(catalog: catalog, environment: environment, context: context)],
            changeSources: [USBHotplugChanges(context: context, logger: Logger(label: "test"))],
            rescanInterval: .seconds(3600), logger: Logger(label: "test"))
        let events = await manager.events.subscribe()
        let id = "printer-usb-0416-5011-ZJ20250001"
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await context.runEventLoop() }
            group.addTask { try await manager.run() }
            defer { group.cancelAll() }
            #expect(await next(events) == .stateChanged(deviceID: id, .idle))
            let device = try #require(await manager.device(id: id) as? ReceiptPrinterDevice)

            // Writing past the emulator's limit pulls the cable.
            let failed = try await device.print(receipt, templateID: "filing-receipt", reference: "A20260315-000123")
            #expect(failed.state == .failed(reason: "deviceOffline"))
            #expect(await next(events) == .stateChanged(deviceID: id, .offline))
            #expect(await next(events) == .fault(deviceID: id, .offline))
            #expect(await manager.isOffline(id))

            try await emulator.reset()
            guard case .stateChanged(id, _)? = await next(events) else {
                Issue.record("the replugged printer was not found")
                return
            }
            #expect(await !manager.isOffline(id))
            #expect(try #require(await manager.device(id: id) as? ReceiptPrinterDevice) === device)
        }
    }
}
