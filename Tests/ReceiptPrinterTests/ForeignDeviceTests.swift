import DeviceKit
import KioskTesting
import Logging
import Testing
import USBTransport
@testable import ReceiptPrinter

/// A touch controller that shares a vendor id with receipt printers (STMicro 0483, named by the
/// generic ESC/POS profile), emulated by `Devices/simulators/usb/touchscreen.py` with `usbhid`
/// bound: the terminal must neither take it for a printer nor take it from its driver. The
/// attacker is nobody in particular: a terminal that grabbed its own touch screen would be a
/// kiosk no citizen can use.
@Suite(
    .enabled(if: USBEmulator.touchscreen != nil, "needs the emulated touch controller: Devices/simulators/usb/run-under-umockdev.sh"),
    .serialized, .timeLimit(.minutes(1)))
struct ForeignDeviceTests {
    let emulator: USBEmulator

    init() throws {
        emulator = try #require(USBEmulator.touchscreen)
    }

    func environment() -> PrinterEnvironment {
        PrinterEnvironment(jobs: InMemoryPrintJobStore(), statistics: InMemoryStatisticsStore(), events: EventBus(),
                           logger: Logger(label: "test"))
    }

    @Test func theProviderDoesNotTakeItForAPrinter() async throws {
        try await emulator.reset()
        let devices = await USBPrinterProvider(catalog: try shippedProfiles(), environment: environment()).discover()
        #expect(devices.isEmpty)
        #expect(!emulator.events.contains { $0.hasPrefix("detach") || $0.hasPrefix("claim") })
        #expect(emulator.capture.isEmpty)
    }

    /// Even a printer connection pointed at it (a wrong pin, a bad profile) leaves usbhid bound
    /// and sends nothing.
    @Test func aConnectionAimedAtItLeavesItsDriverBound() async throws {
        try await emulator.reset()
        let generic = try #require(try shippedProfiles().generic?.usb)
        let connection = USBPrinterConnection(
            context: try await USBContext(), vendorID: 0x0483, productID: 0x91D1, serialNumber: nil, match: generic,
            statusTimeout: .milliseconds(200))
        await #expect(throws: DeviceFault.self) { _ = try await connection.status() }
        let fault = await #expect(throws: DeviceFault.self) { _ = try await connection.send([0x1B, 0x40], title: "test") }
        #expect(fault?.code == "notAPrinter")
        await connection.close()
        #expect(!emulator.events.contains { $0.hasPrefix("detach") || $0.hasPrefix("claim") })
        #expect(emulator.capture.isEmpty)
    }
}
