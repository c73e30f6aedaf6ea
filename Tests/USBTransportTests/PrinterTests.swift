import ESCPOS
import KioskTesting
import Testing
import USBTransport

/// The real libusb code path against the ESC/POS printer emulated by
/// `Devices/simulators/usb/printer.py` (0416:5011, OUT 0x01, IN 0x81, usblp bound).
@Suite(
    .enabled(if: USBEmulator.printer != nil, "needs the emulated printer: Devices/simulators/usb/run-under-umockdev.sh"),
    .serialized, .timeLimit(.minutes(1)))
struct PrinterTests {
    static let vendorID: UInt16 = 0x0416
    static let productID: UInt16 = 0x5011
    static let out: UInt8 = 0x01
    static let `in`: UInt8 = 0x81

    let emulator: USBEmulator
    let receipt: [UInt8]

    init() throws {
        emulator = try #require(USBEmulator.printer)
        let profile = PrinterProfile(
            id: "generic-80", name: "Generic 80 mm", paperWidthDots: 576,
            columns: .init(fontA: 48, fontB: 64), codePage: .pc437, codePageNumber: 0,
            features: .init(qrCode: true, barcodes: [.code128], cutter: .partial, gb18030: true, rasterImage: true))
        receipt = try ReceiptRenderer.render(standardReceipt, profile: profile)
    }

    /// Opens the printer and claims its interface, as a print job does.
    func openPrinter(_ context: USBContext) async throws -> USBDeviceHandle {
        let printer = try await context.open(vendorID: Self.vendorID, productID: Self.productID)
        try await printer.claimInterface(0)
        return printer
    }

    /// One full real-time status poll (DLE EOT 1..4), driven by the ESCPOS sans-IO core.
    func status(of printer: USBDeviceHandle) async throws -> PrinterStatus? {
        var query = StatusQuery()
        var action = query.start()
        while case .send(let kind) = action {
            try await printer.bulkWrite(kind.command, endpoint: Self.out, timeout: .seconds(1))
            let reply = try await printer.bulkRead(endpoint: Self.in, maxLength: 64, timeout: .seconds(1))
            guard reply.count == 1 else { return nil }
            action = query.received(reply[0])
        }
        guard case .finished(let status) = action else { return nil }
        return status
    }

    @Test func enumerationSeesTheIdsAndStrings() async throws {
        try await emulator.reset()
        let devices = try await USBContext().enumerate()
        let printer = try #require(devices.first { $0.vendorID == Self.vendorID && $0.productID == Self.productID })
        #expect(printer == USBDeviceInfo(
            id: USBDeviceID(vendorID: 0x0416, productID: 0x5011, bus: 1, address: 1),
            manufacturer: "Zjiang", product: "POS-80 Printer", serialNumber: "ZJ20250001", interfaceClasses: [0: 7]))
    }

    @Test func claimDetachesTheKernelDriverAndReleaseGivesItBack() async throws {
        try await emulator.reset()
        let printer = try await openPrinter(USBContext())
        #expect(printer.info.serialNumber == "ZJ20250001")
        try await printer.releaseInterface(0)
        await printer.close()
        #expect(emulator.events == ["detach 0 usblp", "claim 0", "release 0", "attach 0 usblp"])
    }

    @Test func closeReleasesWhatIsStillClaimed() async throws {
        try await emulator.reset()
        let printer = try await openPrinter(USBContext())
        await printer.close()
        await printer.close()
        #expect(emulator.events == ["detach 0 usblp", "claim 0", "release 0", "attach 0 usblp"])
        let error = await #expect(throws: USBError.self) { try await printer.bulkWrite([0x1B, 0x40], endpoint: Self.out) }
        #expect(error?.kind == .closed)
    }

    @Test func openingWithAnotherSerialNumberFindsNothing() async throws {
        try await emulator.reset()
        let error = await #expect(throws: USBError.self) {
            try await USBContext().open(vendorID: Self.vendorID, productID: Self.productID, serial: "OTHER")
        }
        #expect(error?.code == "notFound")
    }

    @Test func aReceiptArrivesByteForByte() async throws {
        try await emulator.reset()
        let printer = try await openPrinter(USBContext())
        try await printer.bulkWrite(receipt, endpoint: Self.out, chunkSize: 256)
        await printer.close()
        #expect(receipt.count > 600)
        #expect(emulator.capture == receipt)
    }

    @Test func statusOfAReadyPrinter() async throws {
        try await emulator.reset()
        let printer = try await openPrinter(USBContext())
        #expect(try await status(of: printer) == PrinterStatus())
        #expect(emulator.events.filter { $0.hasPrefix("status") } == ["status 1", "status 2", "status 3", "status 4"])
    }

    @Test func paperRunsOutInTheMiddleOfAJob() async throws {
        try await emulator.reset(.init(paperOutAfter: 300))
        let printer = try await openPrinter(USBContext())
        let first = Array(receipt[..<256])
        let rest = Array(receipt[256...])
        try await printer.bulkWrite(first, endpoint: Self.out)
        #expect(try await status(of: printer)?.paper == .ok)
        try await printer.bulkWrite(rest, endpoint: Self.out, chunkSize: 256)
        let status = try #require(try await status(of: printer))
        #expect(status.paper == .out)
        #expect(status.online == false)
    }

    @Test func aPrinterOutOfPaperStopsTakingBytesOnceItsBufferIsFull() async throws {
        try await emulator.reset(.init(paperOutAfter: 100, bufferAfterPaperOut: 200))
        let printer = try await openPrinter(USBContext())
        let error = await #expect(throws: USBError.self) {
            try await printer.bulkWrite(receipt, endpoint: Self.out, chunkSize: 100, timeout: .milliseconds(200))
        }
        #expect(error?.code == "timeout")
        #expect(error?.bytesTransferred == 300)
        #expect(emulator.capture == Array(receipt[..<300]))
    }

    @Test func unplugInTheMiddleOfAWriteIsNoDevice() async throws {
        try await emulator.reset(.init(unplugAfter: 600))
        let printer = try await openPrinter(USBContext())
        let error = await #expect(throws: USBError.self) {
            try await printer.bulkWrite(receipt, endpoint: Self.out, chunkSize: 256)
        }
        #expect(error?.code == "noDevice")
        #expect(error?.operation == .bulkWrite)
        #expect(error?.bytesTransferred == 512)
        #expect(emulator.capture == Array(receipt[..<600]))
        let again = await #expect(throws: USBError.self) { try await printer.bulkWrite([0x0A], endpoint: Self.out) }
        #expect(again?.code == "noDevice")
        await printer.close()
    }

    @Test func aPrinterThatDoesNotAnswerTimesOut() async throws {
        try await emulator.reset(.init(silent: true))
        let printer = try await openPrinter(USBContext())
        try await printer.bulkWrite(StatusQueryKind.paperRollSensor.command, endpoint: Self.out)
        let error = await #expect(throws: USBError.self) {
            try await printer.bulkRead(endpoint: Self.in, maxLength: 64, timeout: .milliseconds(200))
        }
        #expect(error?.code == "timeout")
        #expect(error?.libusbName == "LIBUSB_ERROR_TIMEOUT")
        #expect(emulator.events.contains("discard"))
    }

    @Test func aStalledEndpointIsPipeAndCanBeCleared() async throws {
        try await emulator.reset(.init(stall: true))
        let printer = try await openPrinter(USBContext())
        let error = await #expect(throws: USBError.self) { try await printer.bulkWrite([0x1B, 0x40], endpoint: Self.out) }
        #expect(error?.code == "pipe")
        try await printer.clearHalt(endpoint: Self.out)
    }

    @Test func writingToAnInEndpointIsRefusedBeforeLibusb() async throws {
        try await emulator.reset()
        let printer = try await openPrinter(USBContext())
        let error = await #expect(throws: USBError.self) { try await printer.bulkWrite([0x0A], endpoint: Self.in) }
        #expect(error?.code == "invalidParameter")
        #expect(emulator.capture.isEmpty)
    }

    @Test(.enabled(if: USBContext.supportsHotplug))
    func hotplugReportsThePrinterLeavingAndArriving() async throws {
        try await emulator.reset()
        let context = try await USBContext()
        let events = try context.hotplugEvents(vendorID: Self.vendorID, productID: Self.productID)
        let printer = USBDeviceID(vendorID: Self.vendorID, productID: Self.productID, bus: 1, address: 1)
        let seen = try await withThrowingTaskGroup(of: [USBHotplugEvent]?.self) { group in
            group.addTask {
                await context.runEventLoop()
                return nil
            }
            group.addTask {
                var seen: [USBHotplugEvent] = []
                for await event in events {
                    seen.append(event)
                    if seen.count == 1 { try await emulator.reset() }   // unplug, plug in again
                    if seen.count == 3 { break }
                }
                return seen
            }
            let seen = try await group.next()
            group.cancelAll()
            return seen ?? nil
        }
        #expect(seen == [.init(.arrived, printer), .init(.left, printer), .init(.arrived, printer)])
    }

    /// Without the replay of attached devices the first event is the change itself.
    @Test(.enabled(if: USBContext.supportsHotplug))
    func hotplugWithoutEnumerationReportsOnlyChanges() async throws {
        try await emulator.reset()
        let context = try await USBContext()
        let events = try context.hotplugEvents(vendorID: Self.vendorID, productID: Self.productID, enumerate: false)
        let printer = USBDeviceID(vendorID: Self.vendorID, productID: Self.productID, bus: 1, address: 1)
        let seen = try await withThrowingTaskGroup(of: [USBHotplugEvent]?.self) { group in
            group.addTask {
                await context.runEventLoop()
                return nil
            }
            group.addTask {
                var seen: [USBHotplugEvent] = []
                for await event in events {
                    seen.append(event)
                    if seen.count == 2 { break }
                }
                return seen
            }
            try await emulator.reset()   // unplug, plug in again
            let seen = try await group.next()
            group.cancelAll()
            return seen ?? nil
        }
        #expect(seen == [.init(.left, printer), .init(.arrived, printer)])
    }

    @Test func rescanningWithoutEnumerationReportsOnlyChanges() async throws {
        try await emulator.reset(.init(unplugAfter: 1))
        let context = try await USBContext()
        let printer = USBDeviceID(vendorID: Self.vendorID, productID: Self.productID, bus: 1, address: 1)
        let events = context.rescanEvents(every: .milliseconds(20), vendorID: Self.vendorID, enumerate: false)
        // The first scan sees the printer, silently: being silent, it has no event to wait on.
        try await Task.sleep(for: .milliseconds(100))
        let handle = try await openPrinter(context)
        await #expect(throws: USBError.self) { try await handle.bulkWrite([0x1B, 0x40], endpoint: Self.out) }
        await handle.close()
        for await event in events {
            #expect(event == .init(.left, printer))
            break
        }
    }

    @Test func rescanningReportsThePrinterLeavingAndArriving() async throws {
        try await emulator.reset(.init(unplugAfter: 1))
        let context = try await USBContext()
        let printer = USBDeviceID(vendorID: Self.vendorID, productID: Self.productID, bus: 1, address: 1)
        var seen: [USBHotplugEvent] = []
        for await event in context.rescanEvents(every: .milliseconds(20), vendorID: Self.vendorID) {
            seen.append(event)
            if seen.count == 1 {   // pull the cable by writing past the emulator's limit
                let handle = try await openPrinter(context)
                await #expect(throws: USBError.self) { try await handle.bulkWrite([0x1B, 0x40], endpoint: Self.out) }
                await handle.close()
            }
            if seen.count == 2 { try await emulator.reset() }
            if seen.count == 3 { break }
        }
        #expect(seen == [.init(.arrived, printer), .init(.left, printer), .init(.arrived, printer)])
    }
}

/// The receipt a citizen takes home after a self-service filing (as in the ESCPOS tests).
let standardReceipt = Receipt([
    .text("「XX区政务服务中心」", style: .title, alignment: .center),
    .text("自助服务回执", alignment: .center),
    .separator,
    .keyValue(label: "事项", value: "居民身份证换领"),
    .keyValue(label: "受理编号", value: "A20260315-000123"),
    .keyValue(label: "身份证号", value: "110101********1234"),
    .keyValue(label: "办理时间", value: "2026-03-15 10:42"),
    .separator,
    .qrCode("A20260315-000123"),
    .text("扫码查询办理进度", alignment: .center),
    .separator,
    .text("后续步骤：请于5个工作日内凭本回执和身份证原件到3号窗口领取证件；如需邮寄，请拨打12345预约。"),
    .blank,
    .text("感谢您的使用 Thank you", alignment: .center),
    .cut,
])
