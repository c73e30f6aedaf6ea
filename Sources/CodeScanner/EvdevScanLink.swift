#if canImport(Glibc)
import Glibc
#endif
import DeviceKit
import KioskCore
import Dispatch

/// A scanner that types like a keyboard, read from its Linux input device (`/dev/input/eventN`)
/// and grabbed (`EVIOCGRAB`): while kiosk holds it, its keystrokes reach no one else, not the
/// screen's browser. Every system call runs on the link's own queue, off the cooperative pool.
public final class EvdevScanLink: ScanLink, @unchecked Sendable {
    /// `_IOW('E', 0x90, int)`.
    static let grab: UInt = 0x4004_4590
    /// `struct input_event` on 64-bit Linux: a 16-byte timeval, type, code (UInt16), value (Int32).
    static let eventSize = 24

    public let path: String
    private let queue: DispatchQueue
    /// Touched only on `queue`.
    private var descriptor: Int32?
    private var decoder = KeyboardScanDecoder()
    private var pending: [UInt8] = []

    private init(path: String, descriptor: Int32, queue: DispatchQueue) {
        self.path = path
        self.descriptor = descriptor
        self.queue = queue
    }

    deinit {
        if let descriptor { _ = Glibc.close(descriptor) }
    }

    /// Opens and grabs the device. A device another program grabbed, or that cannot be grabbed,
    /// is refused: a scanner whose codes also land in the browser is worse than none.
    public static func open(path: String) async throws(DeviceFault) -> EvdevScanLink {
        let queue = DispatchQueue(label: "kiosk.evdev.\(path)")
        let result: Result<Int32, DeviceFault> = await withCheckedContinuation { continuation in
            queue.async {
                let descriptor = Glibc.open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
                guard descriptor >= 0 else {
                    continuation.resume(returning: .failure(openFault(errno)))
                    return
                }
                guard ioctl(descriptor, grab, 1) == 0 else {
                    let code = errno
                    _ = Glibc.close(descriptor)
                    continuation.resume(returning: .failure(code == EBUSY ? .claimed(by: "another program") : .scannerNotGrabbed))
                    return
                }
                continuation.resume(returning: .success(descriptor))
            }
        }
        return EvdevScanLink(path: path, descriptor: try result.get(), queue: queue)
    }

    private static func openFault(_ code: Int32) -> DeviceFault {
        switch code {
        case ENOENT, ENODEV, ENXIO: .offline
        case EACCES, EPERM: .accessDenied
        default: .scannerCommunication
        }
    }

    public func read(timeout: Duration) async throws(DeviceFault) -> [SerialScanFramer.Output] {
        let milliseconds = Int32(clamping: timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        let result: Result<[SerialScanFramer.Output], DeviceFault> = await withCheckedContinuation { continuation in
            queue.async {
                continuation.resume(returning: self.readOnQueue(milliseconds: milliseconds))
            }
        }
        return try result.get()
    }

    private func readOnQueue(milliseconds: Int32) -> Result<[SerialScanFramer.Output], DeviceFault> {
        guard let descriptor else { return .failure(.offline) }
        var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let ready = poll(&poller, 1, milliseconds)
        if ready < 0 { return errno == EINTR ? .success([]) : .failure(.scannerCommunication) }
        if ready == 0 { return .success([]) }
        if poller.revents & Int16(POLLHUP | POLLERR | POLLNVAL) != 0 && poller.revents & Int16(POLLIN) == 0 {
            return .failure(.offline)
        }
        var buffer = [UInt8](repeating: 0, count: Self.eventSize * 64)
        let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
        if count < 0 {
            switch errno {
            case EAGAIN, EINTR: return .success([])
            case ENODEV: return .failure(.offline)
            default: return .failure(.scannerCommunication)
            }
        }
        if count == 0 { return .failure(.offline) }
        pending += buffer.prefix(count)
        var outputs: [SerialScanFramer.Output] = []
        var offset = 0
        while pending.count - offset >= Self.eventSize {
            let event = pending[offset..<offset + Self.eventSize]
            let type = UInt16(event[event.startIndex + 16]) | UInt16(event[event.startIndex + 17]) << 8
            let code = UInt16(event[event.startIndex + 18]) | UInt16(event[event.startIndex + 19]) << 8
            let raw = (20..<24).reduce(UInt32(0)) { $0 | UInt32(event[event.startIndex + $1]) << (8 * UInt32($1 - 20)) }
            if let output = decoder.take(type: type, code: code, value: Int32(bitPattern: raw)) { outputs.append(output) }
            offset += Self.eventSize
        }
        pending.removeFirst(offset)
        return .success(outputs)
    }

    public func close() async {
        await withCheckedContinuation { continuation in
            queue.async {
                if let descriptor = self.descriptor {
                    _ = ioctl(descriptor, Self.grab, 0)
                    _ = Glibc.close(descriptor)
                }
                self.descriptor = nil
                continuation.resume()
            }
        }
    }
}
