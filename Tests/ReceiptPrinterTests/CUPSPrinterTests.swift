import CUPSTransport
import DeviceKit
import ESCPOS
import KioskTesting
import Logging
import Testing
@testable import ReceiptPrinter

/// The CUPS printer against a private cupsd whose capture backend keeps every job's bytes.
@Suite(.serialized, .privateCUPSD)
struct CUPSPrinterTests {
    let cupsd: PrivateCUPSD
    let transport: CUPSTransport
    let profile: DeviceProfile
    let receipt: Receipt

    init() throws {
        guard let cupsd = PrivateCUPSD.current else { throw PrivateCUPSD.SetupFailure("no private cupsd in scope") }
        self.cupsd = cupsd
        transport = CUPSTransport(server: .socket(path: cupsd.socketPath))
        profile = try #require(try shippedProfiles().generic)
        receipt = try #require(try shippedTemplates()["filing-receipt"]).render(data: filingData)
    }

    func printer(_ queue: String) async -> PrinterUnderTest {
        await PrinterUnderTest(
            connection: CUPSPrinterConnection(transport: transport, queue: queue, jobTimeout: .seconds(30)),
            profile: profile.printer, id: "printer-cups-\(queue)")
    }

    @Test func theProviderMakesOneDevicePerQueueAndKeepsThem() async throws {
        let environment = PrinterEnvironment(
            jobs: InMemoryPrintJobStore(), statistics: InMemoryStatisticsStore(), events: EventBus(), logger: Logger(label: "test"))
        let provider = CUPSPrinterProvider(transport: transport, profile: profile, environment: environment)
        let devices = await provider.discover()
        #expect(devices.map(\.info.id).sorted() == ["printer-cups-paper-out", "printer-cups-receipt"])
        let receiptPrinter = try #require(devices.first { $0.info.id == "printer-cups-receipt" })
        #expect(receiptPrinter.info == DeviceInfo(
            id: "printer-cups-receipt", kind: .receiptPrinter, connection: "cups:receipt", model: "Local Raw Printer",
            profile: "generic-escpos"))
        let again = await provider.discover()
        #expect(again.compactMap { $0 as? ReceiptPrinterDevice }.contains { $0 === (receiptPrinter as? ReceiptPrinterDevice) })
        #expect(await receiptPrinter.healthCheck(.internal).passed)
    }

    @Test func aReceiptArrivesByteForByte() async throws {
        let printer = await printer("receipt")
        let job = try await printer.device.print(receipt, templateID: "filing-receipt", reference: "A20260315-000123")
        #expect(job.state == .printed)
        let arrived = cupsd.captured("receipt") == job.bytes   // compared outside #expect: no receipt in the log
        #expect(arrived)
        #expect(try await printer.counters()["jobsPrinted"] == 1)
        #expect(await printer.device.state() == .idle)
    }

    @Test func aQueueStoppedForPaperFailsTheJobKeepsItAndReprintsItWhenResumed() async throws {
        try cupsd.setFailMode("media-empty", for: "paper-out")
        let printer = await printer("paper-out")
        let failed = try await printer.device.print(receipt, templateID: "filing-receipt", reference: "A20260315-000124")
        #expect(failed.state == .failed(reason: "paperOut"))
        #expect(await printer.jobs.job(failed.id) == failed)
        #expect(cupsd.captured("paper-out") == nil)
        #expect(await printer.device.state() == .error)
        #expect(await printer.device.status().paper == .out)
        #expect(try await printer.counters()["paperOutCount"] == 1)
        #expect(await printer.publishedEvents().contains(.fault(deviceID: "printer-cups-paper-out", .paperOut)))

        // The failed job was canceled in CUPS: resuming the queue does not print it behind
        // the kiosk's back; the kiosk's reprint does.
        try cupsd.setFailMode(nil, for: "paper-out")
        try cupsd.resume("paper-out")
        let reprinted = try await printer.device.reprint(failed.id)
        #expect(reprinted.state == .printed)
        let arrived = cupsd.captured("paper-out") == failed.bytes
        #expect(arrived)
    }

    @Test func aMissingQueueIsOffline() async throws {
        let printer = await printer("gone")
        let job = try await printer.device.print(receipt, templateID: "filing-receipt", reference: "A1")
        #expect(job.state == .failed(reason: "deviceOffline"))
        #expect(await printer.device.state() == .offline)
    }
}
