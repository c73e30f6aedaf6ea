import CLibUSB
import Dispatch
import Foundation

/// An open USB device. Each handle has its own serial queue: calls on one handle run one at a
/// time and in order, off Swift's cooperative pool; two handles never wait for each other.
///
/// The libusb handle and the set of claimed interfaces are touched only on `queue`, which is
/// what makes the class `@unchecked Sendable`.
public final class USBDeviceHandle: @unchecked Sendable {
    public let info: USBDeviceInfo
    private let context: USBContext   // libusb_exit must wait until every handle is closed
    private let queue: DispatchQueue
    private var handle: OpaquePointer?
    private var claimedInterfaces: Set<UInt8> = []
    /// Interfaces whose `usblp` this handle detached: given back on release and close.
    private var detachedInterfaces: Set<UInt8> = []

    /// The one kernel driver the terminal takes an interface from: the USB printer class
    /// driver. Any other (usbhid of a touch controller that shares a printer's vendor id,
    /// cdc_acm, a storage driver) means the device is not ours to take.
    public static let detachableDriver = "usblp"

    init(context: USBContext, handle: OpaquePointer, info: USBDeviceInfo) {
        self.context = context
        self.handle = handle
        self.info = info
        queue = DispatchQueue(label: "kiosk.usb.device.\(info.id)")
    }

    deinit {
        closeNow()
    }

    /// Claims `interface`. A kernel driver holding it is detached only when it is `usblp`
    /// (given back on release); any other driver throws `foreignDriver` and is left bound.
    public func claimInterface(_ interface: UInt8) async throws(USBError) {
        try await onQueue(.claimInterface) { handle throws(USBError) in
            if let driver = self.kernelDriver(interface) {
                guard driver == Self.detachableDriver else {
                    throw USBError(.foreignDriver, operation: .claimInterface, driver: driver)
                }
                try USBError.check(libusb_detach_kernel_driver(handle, Int32(interface)), .detachKernelDriver)
                self.detachedInterfaces.insert(interface)
            }
            try USBError.check(libusb_claim_interface(handle, Int32(interface)), .claimInterface)
            self.claimedInterfaces.insert(interface)
        }
    }

    /// Releases `interface` and gives `usblp` back when this handle took it.
    public func releaseInterface(_ interface: UInt8) async throws(USBError) {
        try await onQueue(.releaseInterface) { handle throws(USBError) in
            self.claimedInterfaces.remove(interface)
            defer { self.reattach(interface, handle) }
            try USBError.check(libusb_release_interface(handle, Int32(interface)), .releaseInterface)
        }
    }

    /// The name of the kernel driver bound to `interface`, nil when none is (or usbfs, that
    /// is libusb itself). Runs on `queue`.
    private func kernelDriver(_ interface: UInt8) -> String? {
        #if os(Linux)
        let path = String(format: "/dev/bus/usb/%03d/%03d", Int(info.bus), Int(info.address))
        var name = [CChar](repeating: 0, count: 256)
        let result = name.withUnsafeMutableBufferPointer {
            kiosk_usbfs_driver_name(path, UInt32(interface), $0.baseAddress, $0.count)
        }
        guard result == 0 else { return nil }
        let driver = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return driver.isEmpty || driver == "usbfs" ? nil : driver
        #else
        return nil   // no kernel drivers to detach on other platforms
        #endif
    }

    private func reattach(_ interface: UInt8, _ handle: OpaquePointer) {
        guard detachedInterfaces.remove(interface) != nil else { return }
        _ = libusb_attach_kernel_driver(handle, Int32(interface))
    }

    /// Clears a stall (`pipe`) on `endpoint` so transfers can go on.
    public func clearHalt(endpoint: UInt8) async throws(USBError) {
        try await onQueue(.clearHalt) { handle throws(USBError) -> Void in
            try USBError.check(libusb_clear_halt(handle, endpoint), .clearHalt)
        }
    }

    /// Writes `bytes` to the bulk OUT `endpoint` in transfers of at most `chunkSize` bytes,
    /// each with its own `timeout`. On failure the error's `bytesTransferred` says how many
    /// bytes the device took before it.
    public func bulkWrite(
        _ bytes: [UInt8], endpoint: UInt8, chunkSize: Int = 4096, timeout: Duration = .seconds(5)
    ) async throws(USBError) {
        guard endpoint & 0x80 == 0, chunkSize > 0 else {
            throw USBError(.invalidParameter, operation: .bulkWrite, libusbName: "LIBUSB_ERROR_INVALID_PARAM")
        }
        let milliseconds = libusbMilliseconds(timeout)
        try await onQueue(.bulkWrite) { handle throws(USBError) in
            var data = bytes   // libusb takes a mutable pointer even for OUT transfers
            var written = 0
            while written < data.count {
                let length = min(chunkSize, data.count - written)
                var transferred: Int32 = 0
                let result = data.withUnsafeMutableBufferPointer { buffer in
                    libusb_bulk_transfer(
                        handle, endpoint, buffer.baseAddress.map { $0 + written }, Int32(length), &transferred, milliseconds)
                }
                written += Int(transferred)
                try USBError.check(result, .bulkWrite, bytesTransferred: written)
            }
        }
    }

    /// Reads up to `maxLength` bytes from the bulk IN `endpoint`. A timeout after some bytes
    /// arrived returns those bytes; `timeout` is thrown only when nothing came.
    public func bulkRead(endpoint: UInt8, maxLength: Int, timeout: Duration = .seconds(5)) async throws(USBError) -> [UInt8] {
        guard endpoint & 0x80 != 0, maxLength > 0 else {
            throw USBError(.invalidParameter, operation: .bulkRead, libusbName: "LIBUSB_ERROR_INVALID_PARAM")
        }
        let milliseconds = libusbMilliseconds(timeout)
        return try await onQueue(.bulkRead) { handle throws(USBError) in
            var buffer = [UInt8](repeating: 0, count: maxLength)
            var transferred: Int32 = 0
            let result = buffer.withUnsafeMutableBufferPointer {
                libusb_bulk_transfer(handle, endpoint, $0.baseAddress, Int32($0.count), &transferred, milliseconds)
            }
            if !(result == LIBUSB_ERROR_TIMEOUT.rawValue && transferred > 0) {
                try USBError.check(result, .bulkRead, bytesTransferred: Int(transferred))
            }
            return Array(buffer.prefix(Int(transferred)))
        }
    }

    /// Releases claimed interfaces (re-attaching kernel drivers) and closes the device.
    /// Idempotent; errors are moot here, e.g. the device may already be gone.
    public func close() async {
        await withCheckedContinuation { continuation in
            queue.async {
                self.closeNow()
                continuation.resume()
            }
        }
    }

    private func closeNow() {
        guard let handle else { return }
        for interface in claimedInterfaces {
            _ = libusb_release_interface(handle, Int32(interface))
        }
        claimedInterfaces = []
        for interface in detachedInterfaces {
            reattach(interface, handle)
        }
        libusb_close(handle)
        self.handle = nil
    }

    private func onQueue<T: Sendable>(
        _ operation: USBError.Operation, _ body: @escaping @Sendable (OpaquePointer) throws(USBError) -> T
    ) async throws(USBError) -> T {
        try await offPool(queue) { () throws(USBError) -> T in
            guard let handle = self.handle else { throw USBError(.closed, operation: operation) }
            return try body(handle)
        }
    }
}
