import DeviceKit
import Foundation
import Hummingbird
import HummingbirdTesting
import KioskConfig
@testable import KioskApp
@testable import Peripherals
import KioskTesting
import Logging
import Papers
import ReceiptPrinter
import Testing

/// Which printer a citizen's receipt goes to, and where the CUPS printers come from.
@Suite("The printer the receipts go to")
struct PrinterChoiceTests {
    struct Printers: DeviceProvider {
        let devices: [any Device]
        func discover() async -> [any Device] { devices }
    }

    func printer(_ id: String, _ connection: SimulatedPrinter) throws -> ReceiptPrinterDevice {
        let profile = try DeviceProfile.load(contentsOf: TestInstallation.repository.appendingPathComponent("Devices/profiles/xprinter-80.yaml").path)
        return ReceiptPrinterDevice(
            info: DeviceInfo(id: id, kind: .receiptPrinter, connection: connection.address, profile: profile.id),
            profile: profile.printer, connection: connection, jobs: InMemoryPrintJobStore(), statistics: InMemoryStatisticsStore(),
            events: EventBus(), logger: Logger(label: "test"))
    }

    /// With no pin the first *online* printer: an unplugged one listed first is passed over.
    @Test func theFirstOnlinePrinterIsChosenNeverAnOfflineOne() async throws {
        let unplugged = SimulatedPrinter()
        await unplugged.disconnect()
        let first = try printer("printer-a", unplugged)
        let second = try printer("printer-b", SimulatedPrinter())
        _ = await first.status()   // the printer finds out it is gone
        #expect(await first.state() == .offline)
        let manager = DeviceManager(providers: [Printers(devices: [first, second])], logger: Logger(label: "test"))
        _ = await manager.rescan()
        #expect(await PrinterReceiptDesk.firstOnlinePrinter(manager)?.info.id == "printer-b")
        // Only when none is online, the first: its job is kept (failed) for a reprint.
        let alone = DeviceManager(providers: [Printers(devices: [first])], logger: Logger(label: "test"))
        _ = await alone.rescan()
        #expect(await PrinterReceiptDesk.firstOnlinePrinter(alone)?.info.id == "printer-a")
    }

    /// `devices.cups_socket` names the scheduler: here a private cupsd, not the system's; and
    /// `devices.printer = "cups:QUEUE"` keeps only that queue.
    @Test func theCUPSSocketIsConfigurableAndAQueueCanBePinned() async throws {
        let cupsd = try PrivateCUPSD.start(queues: ["receipt", "spare"])
        defer { cupsd.stop() }
        let unpinned = try TestInstallation(config: "[devices]\nmode = \"cups\"\ncups_socket = \"\(cupsd.socketPath)\"\n")
        defer { unpinned.remove() }
        let every = try await KioskApplication.onTestInstallation(unpinned)
        #expect(await every.devices.manager.devices().map(\.info.id).sorted() == ["printer-cups-receipt", "printer-cups-spare"])

        let pinned = try TestInstallation(
            config: "[devices]\nmode = \"cups\"\ncups_socket = \"\(cupsd.socketPath)\"\nprinter = \"cups:spare\"\n")
        defer { pinned.remove() }
        let one = try await KioskApplication.onTestInstallation(pinned)
        #expect(await one.devices.manager.devices().map(\.info.id) == ["printer-cups-spare"])
    }

    @Test func aUSBPinMatchesIdsAndSerial() {
        let printer = DeviceInfo(id: "p", kind: .receiptPrinter, connection: "usb:0416:5011", serialNumber: "ZJ1")
        #expect(PinnedPrinter.matches(printer, .usb(vendorID: 0x0416, productID: 0x5011, serial: nil)))
        #expect(PinnedPrinter.matches(printer, .usb(vendorID: 0x0416, productID: 0x5011, serial: "ZJ1")))
        #expect(!PinnedPrinter.matches(printer, .usb(vendorID: 0x0416, productID: 0x5011, serial: "ZJ2")))
        #expect(!PinnedPrinter.matches(printer, .usb(vendorID: 0x0416, productID: 0x5012, serial: nil)))
        #expect(!PinnedPrinter.matches(printer, .cups(queue: "receipt")))
        // The pin is about printers: the reader stays.
        #expect(PinnedPrinter.matches(DeviceInfo(id: "r", kind: .idCardReader, connection: "usb:0400:c35a"), .cups(queue: "x")))
    }

    @Test func aMalformedPinIsRefusedWithTheForms() throws {
        let base = try TestInstallation()
        defer { base.remove() }
        for bad in ["usb:416:5011", "usb:0416", "usb:0416:5011:", "lpt:1", "cups:", "cups:a/b"] {
            let error = #expect(throws: ConfigurationErrors.self) {
                try ConfigurationLoader.load(text: "[devices]\nprinter = \"\(bad)\"\n", path: base.configPath,
                                             baseDirectory: base.root, environment: [:])
            }
            #expect(error?.description.contains("is not usb:VID:PID, usb:VID:PID:SERIAL") == true, "\(bad)")
        }
        let good = try ConfigurationLoader.load(text: "[devices]\nprinter = \"usb:0416:5011:ZJ20250001\"\n", path: base.configPath,
                                                baseDirectory: base.root, environment: [:])
        #expect(good.printerPin == .usb(vendorID: 0x0416, productID: 0x5011, serial: "ZJ20250001"))
    }
}
