import IDCard
import KioskTesting
import Testing
import USBTransport

/// The real libusb code path against the ID card reader emulated by
/// `Devices/simulators/usb/reader.py` (0400:c35a, OUT 0x02, IN 0x81).
@Suite(
    .enabled(if: USBEmulator.reader != nil, "needs the emulated reader: Devices/simulators/usb/run-under-umockdev.sh"),
    .serialized, .timeLimit(.minutes(1)))
struct ReaderTests {
    static let out: UInt8 = 0x02
    static let `in`: UInt8 = 0x81

    let emulator: USBEmulator

    init() throws {
        emulator = try #require(USBEmulator.reader)
    }

    func openReader() async throws -> USBDeviceHandle {
        let reader = try await USBContext().open(vendorID: 0x0400, productID: 0xC35A)
        try await reader.claimInterface(0)
        return reader
    }

    /// Sends `command` and reads until one whole response frame has arrived.
    func exchange(_ command: Command, with reader: USBDeviceHandle) async throws -> ResponseFrame? {
        try await reader.bulkWrite(command.frame, endpoint: Self.out, timeout: .seconds(1))
        var decoder = FrameDecoder()
        while true {
            let bytes = try await reader.bulkRead(endpoint: Self.in, maxLength: 4096, timeout: .seconds(1))
            if let first = decoder.feed(bytes).first { return try first.get() }
        }
    }

    @Test func enumerationSeesTheReader() async throws {
        try await emulator.reset()
        let devices = try await USBContext().enumerate()
        #expect(devices.contains(USBDeviceInfo(
            id: USBDeviceID(vendorID: 0x0400, productID: 0xC35A, bus: 2, address: 1),
            manufacturer: "Kiosk Test", product: "ID Card Reader", serialNumber: "SAM0001", interfaceClasses: [0: 0xFF])))
    }

    @Test func findSelectAndReadACard() async throws {
        try await emulator.reset()
        let reader = try await openReader()
        #expect(try await exchange(.findCard, with: reader)?.status == .cardFound)
        #expect(try await exchange(.selectCard, with: reader)?.status == .success)
        let read = try #require(try await exchange(.readTextAndPhoto, with: reader))
        #expect(read.status == .success)
        #expect(read.encoded().count == 1295)
        let card = try CardData(readResponse: read.data)
        #expect(card.text.documentNumber == "110105194912310011")
        #expect(card.photo == (0..<1024).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        #expect(emulator.capture == Command.findCard.frame + Command.selectCard.frame + Command.readTextAndPhoto.frame)
    }

    @Test func noCardOnTheReader() async throws {
        try await emulator.reset(.init(card: false))
        let reader = try await openReader()
        #expect(try await exchange(.findCard, with: reader)?.status == .findCardFailed)
        #expect(try await exchange(.selectCard, with: reader)?.status == .selectCardFailed)
    }

    @Test func aReaderThatDoesNotAnswerTimesOut() async throws {
        try await emulator.reset(.init(silent: true))
        let reader = try await openReader()
        let error = await #expect(throws: USBError.self) { try await exchange(.samStatus, with: reader) }
        #expect(error?.code == "timeout")
    }
}
