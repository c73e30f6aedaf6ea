import KioskTesting
import Testing
import USBTransport

/// The transport's own rule, against the emulated touch controller (0483:91d1, HID, `usbhid`
/// bound): only `usblp` is ever detached from an interface; any other driver stays.
@Suite(
    .enabled(if: USBEmulator.touchscreen != nil, "needs the emulated touch controller: Devices/simulators/usb/run-under-umockdev.sh"),
    .serialized, .timeLimit(.minutes(1)))
struct ForeignDeviceTests {
    let emulator: USBEmulator

    init() throws {
        emulator = try #require(USBEmulator.touchscreen)
    }

    @Test func enumerationSeesItsHIDInterface() async throws {
        try await emulator.reset()
        let devices = try await USBContext().enumerate()
        let touch = try #require(devices.first { $0.vendorID == 0x0483 && $0.productID == 0x91D1 })
        #expect(touch.interfaceClasses == [0: 3])
    }

    @Test func claimingRefusesToDetachAnotherDriver() async throws {
        try await emulator.reset()
        let handle = try await USBContext().open(vendorID: 0x0483, productID: 0x91D1)
        let error = await #expect(throws: USBError.self) { try await handle.claimInterface(0) }
        #expect(error?.kind == .foreignDriver)
        #expect(error?.driver == "usbhid")
        await handle.close()
        #expect(emulator.events == [])
    }
}
