import SerialTransport
import USBTransport

/// A reader on libusb bulk endpoints.
public final class USBReaderConnection: ReaderConnection {
    let handle: USBDeviceHandle
    let endpoints: ReaderProfile.USB

    /// Opens the first attached device of the profile (with this serial number, when given)
    /// and claims its interface.
    public static func open(
        context: USBContext, profile: ReaderProfile.USB, serialNumber: String? = nil
    ) async throws(ReaderLinkError) -> USBReaderConnection {
        do throws(USBError) {
            let handle = try await context.open(vendorID: profile.vendorID, productID: profile.productID, serial: serialNumber)
            do throws(USBError) {
                try await handle.claimInterface(profile.interface)
            } catch {
                await handle.close()
                throw error
            }
            return USBReaderConnection(handle: handle, endpoints: profile)
        } catch {
            throw ReaderLinkError(error)
        }
    }

    init(handle: USBDeviceHandle, endpoints: ReaderProfile.USB) {
        self.handle = handle
        self.endpoints = endpoints
    }

    public func write(_ frame: [UInt8], timeout: Duration) async throws(ReaderLinkError) {
        do throws(USBError) {
            try await handle.bulkWrite(frame, endpoint: endpoints.endpointOut, timeout: timeout)
        } catch {
            throw ReaderLinkError(error)
        }
    }

    public func read(timeout: Duration) async throws(ReaderLinkError) -> [UInt8] {
        do throws(USBError) {
            // The longest answer (text, photo and fingerprint) fits in one transfer.
            return try await handle.bulkRead(endpoint: endpoints.endpointIn, maxLength: 4096, timeout: timeout)
        } catch where error.kind == .timeout {
            return []
        } catch {
            throw ReaderLinkError(error)
        }
    }

    public func discardInput() async throws(ReaderLinkError) {
        while try await !read(timeout: .milliseconds(1)).isEmpty {}
    }

    public func close() async {
        await handle.close()
    }
}

/// A reader behind a serial line (a USB-serial bridge at `/dev/ttyUSB*`).
public final class SerialReaderConnection: ReaderConnection {
    let port: SerialPort

    public static func open(path: String, baudRate: Int = 115_200) async throws(ReaderLinkError) -> SerialReaderConnection {
        do throws(SerialError) {
            return SerialReaderConnection(port: try await SerialPort.open(path: path, baudRate: baudRate))
        } catch {
            throw ReaderLinkError(error)
        }
    }

    init(port: SerialPort) {
        self.port = port
    }

    public func write(_ frame: [UInt8], timeout: Duration) async throws(ReaderLinkError) {
        do throws(SerialError) {
            try await port.write(frame, timeout: timeout)
        } catch {
            throw ReaderLinkError(error)
        }
    }

    public func read(timeout: Duration) async throws(ReaderLinkError) -> [UInt8] {
        do throws(SerialError) {
            return try await port.read(maxLength: 4096, timeout: timeout)
        } catch {
            throw ReaderLinkError(error)
        }
    }

    public func discardInput() async throws(ReaderLinkError) {
        do throws(SerialError) {
            try await port.discardInput()
            // A late answer may still be on its way at 115200 baud: let it land, then drop it.
            while try await !port.read(maxLength: 4096, timeout: .milliseconds(20)).isEmpty {}
        } catch {
            throw ReaderLinkError(error)
        }
    }

    public func close() async {
        await port.close()
    }
}
