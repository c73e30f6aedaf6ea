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
    /// What the printer is asked each time it is claimed: GS I 66 (manufacturer), 67 (model), 65 (firmware).
    static let identify: [UInt8] = [0x1D, 0x49, 0x42, 0x1D, 0x49, 0x43, 0x1D, 0x49, 0x41]
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
            chunkSize: Self.chunkSize, writeTimeout: .milliseconds(500), statusTimeout: .milliseconds(500),
            identityTimeout: .milliseconds(200))
        return await PrinterUnderTest(connection: connection, profile: profile.printer)
    }

    /// What a freshly claimed printer receives for a whole job: who it is, a status poll, then
    /// each chunk followed by one.
    static func wire(_ bytes: [UInt8]) -> [UInt8] {
        identify + exchange(bytes)
    }

    /// A job on a printer claimed before: a status poll, then each chunk followed by one.
    static func exchange(_ bytes: [UInt8]) -> [UInt8] {
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
        #expect(emulator.capture == Self.identify + Self.poll)
    }

    /// Claiming the printer asks it who it is (GS I); the device info shows its answers beside
    /// the USB descriptors' and the profile's capabilities.
    @Test func theClaimedPrinterTellsItsFirmwareAndTheInfoItsCapabilities() async throws {
        try await emulator.reset()
        let printer = try await printer(USBContext())
        #expect(await printer.device.currentInfo().reported == nil, "not asked before the printer is claimed")
        _ = await printer.device.status()
        let info = await printer.device.currentInfo()
        #expect(info.reported == ReportedIdentity(manufacturer: "Zjiang", model: "POS-80C", firmware: "ZJ-1.07"))
        #expect(info.firmware == "ZJ-1.07")
        #expect(info.capabilities == DeviceCapabilities(
            paperWidthDots: 576, paperWidthMillimetres: 80, columns: 48, cutter: "partial", qrCode: true,
            barcodes: ["code128", "code39", "ean13"], codePage: "pc437", chineseText: true, rasterImage: true))
        #expect(emulator.events.contains("identity 65") && emulator.events.contains("identity 66") && emulator.events.contains("identity 67"))
    }

    /// A clone that ignores GS I costs one identity timeout at claim time, is then not asked
    /// the rest, prints as usual, and is shown as unknown.
    @Test func aPrinterThatDoesNotAnswerGSIStillPrintsAndIsUnknown() async throws {
        try await emulator.reset(.init(noIdentity: true))
        let printer = try await printer(USBContext())
        let job = try await printer.device.print(receipt, templateID: "filing-receipt", reference: "A20260315-000123")
        #expect(job.state == .printed)
        let arrived = emulator.capture == Array(Self.identify.prefix(3)) + Self.exchange(job.bytes)
        #expect(arrived)
        let info = await printer.device.currentInfo()
        #expect(info.reported == ReportedIdentity())
        #expect(info.reported?.firmware == "unknown")
        #expect(info.firmware == nil)
        #expect(await printer.device.state() == .idle)
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
        // The printer was replugged: the first exchange claims it again and asks who it is.
        let capture = emulator.capture
        #expect(Array(capture.prefix(Self.identify.count)) == Self.identify)
        let mixedAt = firstMixedByte(
            Array(capture.dropFirst(Self.identify.count)), exchanges: [job.bytes, testPrint, earlier.bytes].map(Self.exchange), poll: Self.poll)
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
            == Array(Self.wire(failed.bytes).prefix(Self.identify.count + Self.poll.count * 3 + Self.chunkSize * 2)) + Self.poll
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

    /// `devices.printer_profile`: the forced profile replaces the one the printer's ids match,
    /// and makes a printer no profile names the terminal's (with the printer class's endpoints).
    @Test func aForcedProfileReplacesTheMatchAndFindsAPrinterNoProfileNames() async throws {
        try await emulator.reset()
        let environment = PrinterEnvironment(
            jobs: InMemoryPrintJobStore(), statistics: InMemoryStatisticsStore(), events: EventBus(), logger: Logger(label: "test"))
        let pinned = PrinterAddress.usb(vendorID: 0x0416, productID: 0x5011, serial: "ZJ20250001")
        let forced = try ForcedProfile("xprinter-58", on: pinned, catalog: catalog, directory: "profiles")
        let device = try #require(await USBPrinterProvider(catalog: catalog, environment: environment, forced: forced)
            .discover().first as? ReceiptPrinterDevice)
        #expect(device.info.profile == "xprinter-58")
        #expect(device.profile.paperWidthDots == 384)
        #expect(await device.currentInfo().capabilities?.paperWidthMillimetres == 58)

        // A catalog whose only profile names no USB device: nothing is found unless forced.
        let narrow = try #require(catalog.profile(id: "xprinter-58"))
        let unmatched = ProfileCatalog([DeviceProfile(printer: narrow.printer, usb: nil)])
        #expect(await USBPrinterProvider(catalog: unmatched, environment: environment).discover().isEmpty)
        let other = PrinterAddress.usb(vendorID: 0x0416, productID: 0x5011, serial: "ANOTHER")
        #expect(await USBPrinterProvider(
            catalog: unmatched, environment: environment,
            forced: try ForcedProfile("xprinter-58", on: other, catalog: unmatched, directory: "profiles")).discover().isEmpty)
        let found = try #require(await USBPrinterProvider(
            catalog: unmatched, environment: environment,
            forced: try ForcedProfile("xprinter-58", on: pinned, catalog: unmatched, directory: "profiles")).discover().first as? ReceiptPrinterDevice)
        let job = try await found.print(receipt, templateID: "filing-receipt", reference: "A20260315-000123")
        #expect(job.state == .printed)
        #expect(await found.currentInfo().reported?.firmware == "ZJ-1.07")
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
