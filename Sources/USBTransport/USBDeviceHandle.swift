import CLibUSB
import Dispatch

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

    init(context: USBContext, handle: OpaquePointer, info: USBDeviceInfo) {
        self.context = context
        self.handle = handle
        self.info = info
        queue = DispatchQueue(label: "kiosk.usb.device.\(info.id)")
    }

    deinit {
        closeNow()
    }

    /// Claims `interface`, detaching a kernel driver that holds it.
    public func claimInterface(_ interface: UInt8) async throws(USBError) {
        try await onQueue(.claimInterface) { handle throws(USBError) in
            try USBError.check(libusb_claim_interface(handle, Int32(interface)), .claimInterface)
            self.claimedInterfaces.insert(interface)
        }
    }

    /// Releases `interface`; libusb re-attaches the kernel driver it detached.
    public func releaseInterface(_ interface: UInt8) async throws(USBError) {
        try await onQueue(.releaseInterface) { handle throws(USBError) in
            self.claimedInterfaces.remove(interface)
            try USBError.check(libusb_release_interface(handle, Int32(interface)), .releaseInterface)
        }
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
