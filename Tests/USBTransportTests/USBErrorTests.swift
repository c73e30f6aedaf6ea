import CLibUSB
import Testing
@testable import USBTransport

@Suite struct USBErrorTests {
    @Test(arguments: [
        (LIBUSB_ERROR_IO, "io", "LIBUSB_ERROR_IO"),
        (LIBUSB_ERROR_INVALID_PARAM, "invalidParameter", "LIBUSB_ERROR_INVALID_PARAM"),
        (LIBUSB_ERROR_ACCESS, "access", "LIBUSB_ERROR_ACCESS"),
        (LIBUSB_ERROR_NO_DEVICE, "noDevice", "LIBUSB_ERROR_NO_DEVICE"),
        (LIBUSB_ERROR_NOT_FOUND, "notFound", "LIBUSB_ERROR_NOT_FOUND"),
        (LIBUSB_ERROR_BUSY, "busy", "LIBUSB_ERROR_BUSY"),
        (LIBUSB_ERROR_TIMEOUT, "timeout", "LIBUSB_ERROR_TIMEOUT"),
        (LIBUSB_ERROR_OVERFLOW, "overflow", "LIBUSB_ERROR_OVERFLOW"),
        (LIBUSB_ERROR_PIPE, "pipe", "LIBUSB_ERROR_PIPE"),
        (LIBUSB_ERROR_INTERRUPTED, "interrupted", "LIBUSB_ERROR_INTERRUPTED"),
        (LIBUSB_ERROR_NO_MEM, "noMemory", "LIBUSB_ERROR_NO_MEM"),
        (LIBUSB_ERROR_NOT_SUPPORTED, "notSupported", "LIBUSB_ERROR_NOT_SUPPORTED"),
        (LIBUSB_ERROR_OTHER, "other", "LIBUSB_ERROR_OTHER"),
    ])
    func everyLibusbErrorHasAStableCode(error: libusb_error, code: String, name: String) {
        let thrown = #expect(throws: USBError.self) {
            try USBError.check(error.rawValue, .bulkWrite, bytesTransferred: 12)
        }
        #expect(thrown?.code == code)
        #expect(thrown?.libusbName == name)
        #expect(thrown?.operation == .bulkWrite)
        #expect(thrown?.bytesTransferred == 12)
    }

    @Test func successPassesCountsThrough() throws {
        #expect(try USBError.check(Int32(0), .bulkRead) == 0)
        #expect(try USBError.check(7, .enumerate) == 7)
    }

    @Test func messagesNameTheErrorAndOperationInBothLanguages() {
        let error = USBError(.timeout, operation: .bulkRead, libusbName: "LIBUSB_ERROR_TIMEOUT", bytesTransferred: 3)
        #expect(error.message.en == "The USB device did not respond in time (LIBUSB_ERROR_TIMEOUT, bulkRead)")
        #expect(error.message.zh == "USB 设备未在规定时间内响应（LIBUSB_ERROR_TIMEOUT, bulkRead）")
        #expect(error.description == "timeout: The USB device did not respond in time (LIBUSB_ERROR_TIMEOUT, bulkRead)")
    }

    @Test func unknownNegativeCodesAreOther() {
        #expect(USBError.Kind(libusbCode: -42) == .other)
    }

    @Test func timeoutsBecomeWholeMillisecondsAndNeverZero() {
        #expect(libusbMilliseconds(.seconds(2)) == 2000)
        #expect(libusbMilliseconds(.microseconds(1500)) == 1)
        #expect(libusbMilliseconds(.milliseconds(250)) == 250)
        #expect(libusbMilliseconds(.zero) == 1)
        #expect(libusbMilliseconds(.seconds(-1)) == 1)
        #expect(libusbMilliseconds(.seconds(Int64.max)) == UInt32.max)
    }

    @Test func rescanReportsDeparturesThenArrivalsInBusOrder() {
        let printer = USBDeviceID(vendorID: 0x0416, productID: 0x5011, bus: 1, address: 4)
        let reader = USBDeviceID(vendorID: 0x0400, productID: 0xC35A, bus: 1, address: 2)
        let other = USBDeviceID(vendorID: 0x04B8, productID: 0x0202, bus: 2, address: 1)
        #expect(USBHotplugEvent.changes(from: [], to: [printer, reader]) == [.init(.arrived, reader), .init(.arrived, printer)])
        #expect(USBHotplugEvent.changes(from: [printer, reader], to: [reader, other]) == [.init(.left, printer), .init(.arrived, other)])
        #expect(USBHotplugEvent.changes(from: [printer], to: [printer]).isEmpty)
    }

    @Test func deviceIDsPrintLikeLsusb() {
        #expect(USBDeviceID(vendorID: 0x0416, productID: 0x5011, bus: 1, address: 12).description == "0416:5011 bus 1 address 12")
    }
}
