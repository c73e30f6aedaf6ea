import DeviceKit
import ESCPOS
import KioskCore
import USBTransport

/// A printer on USB through libusb. Opens and claims the profile's interface on first use and
/// again after an unplug; writes a job in chunks and, between chunks, asks the printer for its
/// real-time status (`DLE EOT 1..4` on the IN endpoint), so paper running out mid-job stops the
/// job within one chunk instead of pouring the rest into a printer that cannot print it.
/// Each time it claims the printer it asks who it is (`GS I`), waiting `identityTimeout` for
/// a printer that does not answer before it takes it as one that never does.
public actor USBPrinterConnection: PrinterConnection {
    public nonisolated let address: String
    let context: USBContext
    let vendorID: UInt16
    let productID: UInt16
    let serialNumber: String?
    let match: USBMatch
    let chunkSize: Int
    let writeTimeout: Duration
    let statusTimeout: Duration
    let identityTimeout: Duration
    private var handle: USBDeviceHandle?
    private var identified: PrinterIdentity?

    public init(
        context: USBContext, vendorID: UInt16, productID: UInt16, serialNumber: String?, match: USBMatch,
        chunkSize: Int = 512, writeTimeout: Duration = .seconds(5), statusTimeout: Duration = .seconds(1),
        identityTimeout: Duration = .milliseconds(500)
    ) {
        self.context = context
        self.vendorID = vendorID
        self.productID = productID
        self.serialNumber = serialNumber
        self.match = match
        self.chunkSize = max(chunkSize, 1)
        self.writeTimeout = writeTimeout
        self.statusTimeout = statusTimeout
        self.identityTimeout = identityTimeout
        address = "usb:" + usbID(vendorID) + ":" + usbID(productID)
    }

    public func send(_ bytes: [UInt8], title: String) async throws(DeviceFault) -> DeviceStatus {
        let (handle, initial) = try await connected()
        var status = initial
        if let fault = DeviceFault.blocking(status) { throw fault }
        var offset = 0
        while offset < bytes.count {
            let chunk = Array(bytes[offset..<min(offset + chunkSize, bytes.count)])
            do {
                try await handle.bulkWrite(chunk, endpoint: match.outEndpoint, chunkSize: chunk.count, timeout: writeTimeout)
            } catch {
                throw await fault(for: error, handle: handle, explainTimeout: true)
            }
            offset += chunk.count
            status = try await poll(handle)
            if let fault = DeviceFault.blocking(status) { throw fault }
        }
        return status
    }

    public func status() async throws(DeviceFault) -> DeviceStatus {
        try await connected().status
    }

    public func identity() -> PrinterIdentity? { identified }

    /// Releases the interface (the kernel driver gets it back) and closes the device.
    public func close() async {
        await handle?.close()
        handle = nil
    }

    /// An open printer and its status. A handle kept from earlier may belong to a printer that
    /// was unplugged or power-cycled since: then the printer is opened afresh, once.
    private func connected() async throws(DeviceFault) -> (handle: USBDeviceHandle, status: DeviceStatus) {
        let wasOpen = handle != nil
        let first = try await openHandle()
        do throws(DeviceFault) {
            return (first, try await poll(first))
        } catch where wasOpen && error == .offline {
            let fresh = try await openHandle()
            return (fresh, try await poll(fresh))
        }
    }

    private func openHandle() async throws(DeviceFault) -> USBDeviceHandle {
        if let handle { return handle }
        do throws(USBError) {
            let opened = try await context.open(vendorID: vendorID, productID: productID, serial: serialNumber)
            do {
                try await opened.claimInterface(match.interface)
            } catch {
                await opened.close()
                throw error
            }
            handle = opened
            identified = await identify(opened)
            return opened
        } catch {
            throw Self.fault(for: error)
        }
    }

    /// The printer's `GS I` answers, driven by the ESCPOS sans-IO core. Never fails: a printer
    /// that does not answer (or answers garbage) still prints, and is shown as `unknown`.
    private func identify(_ handle: USBDeviceHandle) async -> PrinterIdentity {
        var query = IdentityQuery()
        var action = query.start()
        while true {
            switch action {
            case .send(let command):
                do {
                    try await handle.bulkWrite(command, endpoint: match.outEndpoint, timeout: identityTimeout)
                } catch {
                    return PrinterIdentity()
                }
                fallthrough
            case .receive:
                do {
                    let bytes = try await handle.bulkRead(endpoint: match.inEndpoint, maxLength: 64, timeout: identityTimeout)
                    action = bytes.isEmpty ? query.timedOut() : query.received(bytes)
                } catch where error.kind == .timeout {
                    action = query.timedOut()
                } catch {
                    return PrinterIdentity()
                }
            case .finished(let identity):
                return identity
            }
        }
    }

    /// One full status poll, driven by the ESCPOS sans-IO core. A reply with stale bytes in
    /// front (a printer that answered a `DLE EOT` inside job data) is read by its last byte.
    private func poll(_ handle: USBDeviceHandle) async throws(DeviceFault) -> DeviceStatus {
        var query = StatusQuery()
        var action = query.start()
        while true {
            switch action {
            case .send(let kind):
                let reply: [UInt8]
                do {
                    try await handle.bulkWrite(kind.command, endpoint: match.outEndpoint, timeout: statusTimeout)
                    reply = try await handle.bulkRead(endpoint: match.inEndpoint, maxLength: 64, timeout: statusTimeout)
                } catch {
                    throw await fault(for: error, handle: handle, explainTimeout: false)
                }
                guard let byte = reply.last else { throw .communicationError }
                action = query.received(byte)
            case .finished(let status):
                if status.unrecoverableError { throw .printerError }
                return DeviceStatus(
                    paper: DeviceStatus.Paper(rawValue: status.paper.rawValue),
                    cover: status.cover == .open ? .open : .closed,
                    cutter: status.cutter == .error ? .error : .ok)
            case .failed:
                throw .communicationError
            }
        }
    }

    /// A write that timed out is explained by the printer's status when it still answers: a
    /// printer out of paper stops taking bytes once its buffer is full.
    private func fault(for error: USBError, handle: USBDeviceHandle, explainTimeout: Bool) async -> DeviceFault {
        if error.kind == .noDevice || error.kind == .io {
            await close()
            return .offline
        }
        if error.kind == .pipe {
            try? await handle.clearHalt(endpoint: error.operation == .bulkRead ? match.inEndpoint : match.outEndpoint)
        }
        if error.kind == .timeout && explainTimeout, let status = try? await poll(handle), let fault = DeviceFault.blocking(status) {
            return fault
        }
        return Self.fault(for: error)
    }

    private static func fault(for error: USBError) -> DeviceFault {
        switch error.kind {
        case .noDevice, .notFound, .closed: .offline
        case .access: .accessDenied
        case .foreignDriver: .notAPrinter
        case .busy: .deviceBusy
        default: .communicationError
        }
    }
}

func usbID(_ value: UInt16) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 4 - digits.count) + digits
}
