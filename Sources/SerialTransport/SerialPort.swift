#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch

/// An open serial line (a USB-serial bridge at `/dev/ttyUSB*`, or any tty) in raw mode, 8N1.
///
/// Every system call runs on the port's own serial queue, never on Swift's cooperative pool:
/// `poll(2)` waits up to a whole timeout. The descriptor is touched only on that queue, which
/// is what makes the class `@unchecked Sendable`.
public final class SerialPort: @unchecked Sendable {
    public let path: String
    private let queue: DispatchQueue
    private var descriptor: Int32?

    private init(path: String, descriptor: Int32, queue: DispatchQueue) {
        self.path = path
        self.descriptor = descriptor
        self.queue = queue
    }

    deinit {
        if let descriptor { _ = systemClose(descriptor) }
    }

    /// Opens `path` without becoming its controlling terminal, sets raw 8N1 at `baudRate`
    /// (no flow control, modem lines ignored) and drops whatever was waiting in the buffers.
    public static func open(path: String, baudRate: Int = 115_200) async throws(SerialError) -> SerialPort {
        let queue = DispatchQueue(label: "kiosk.serial.\(path)")
        let descriptor = try await run(on: queue) { () throws(SerialError) -> Int32 in
            let descriptor = Int32(try SerialError.check(systemOpen(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC), .open))
            do throws(SerialError) {
                try configure(descriptor, baudRate: baudRate)
            } catch {
                _ = systemClose(descriptor)
                throw error
            }
            return descriptor
        }
        return SerialPort(path: path, descriptor: descriptor, queue: queue)
    }

    private static func configure(_ descriptor: Int32, baudRate: Int) throws(SerialError) {
        guard let speed = speed(baudRate) else { throw SerialError(.other, operation: .configure, errnoName: "EINVAL") }
        var attributes = termios()
        try SerialError.check(tcgetattr(descriptor, &attributes), .configure)
        cfmakeraw(&attributes)
        attributes.c_cflag &= ~(tcflag_t(PARENB | CSTOPB | CSIZE) | tcflag_t(CRTSCTS))
        attributes.c_cflag |= tcflag_t(CS8 | CLOCAL | CREAD)
        attributes.c_iflag &= ~tcflag_t(IXON | IXOFF | IXANY)
        try SerialError.check(cfsetispeed(&attributes, speed), .configure)
        try SerialError.check(cfsetospeed(&attributes, speed), .configure)
        try SerialError.check(tcsetattr(descriptor, TCSANOW, &attributes), .configure)
        try SerialError.check(tcflush(descriptor, TCIOFLUSH), .flush)
    }

    private static func speed(_ baudRate: Int) -> speed_t? {
        switch baudRate {
        case 9600: speed_t(B9600)
        case 19_200: speed_t(B19200)
        case 38_400: speed_t(B38400)
        case 57_600: speed_t(B57600)
        case 115_200: speed_t(B115200)
        default: nil
        }
    }

    /// Writes every byte, waiting (up to `timeout` each time) while the output buffer is full.
    public func write(_ bytes: [UInt8], timeout: Duration = .seconds(2)) async throws(SerialError) {
        let milliseconds = Self.milliseconds(timeout)
        try await onQueue(.write) { descriptor throws(SerialError) in
            var written = 0
            while written < bytes.count {
                let result = bytes.withUnsafeBytes { buffer in
                    systemWrite(descriptor, UnsafeRawBufferPointer(rebasing: buffer[written...]))
                }
                if result < 0, errno == EAGAIN || errno == EINTR {
                    guard try Self.wait(descriptor, for: Int16(POLLOUT), milliseconds: milliseconds) else {
                        throw SerialError(.io, operation: .write, errnoName: "ETIMEDOUT")
                    }
                    continue
                }
                written += try SerialError.check(result, .write)
            }
        }
    }

    /// The bytes that arrive within `timeout`, up to `maxLength`: returns as soon as any are
    /// there, and an empty array when none came. A hung-up line throws `disconnected`.
    public func read(maxLength: Int = 4096, timeout: Duration) async throws(SerialError) -> [UInt8] {
        let milliseconds = Self.milliseconds(timeout)
        return try await onQueue(.read) { descriptor throws(SerialError) -> [UInt8] in
            guard try Self.wait(descriptor, for: Int16(POLLIN), milliseconds: milliseconds) else { return [] }
            var buffer = [UInt8](repeating: 0, count: max(1, maxLength))
            let count = buffer.withUnsafeMutableBytes { systemRead(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EAGAIN || errno == EINTR { return [] }
            // Readable with nothing to read: the other end hung up.
            guard try SerialError.check(count, .read) > 0 else { throw SerialError(.disconnected, operation: .read) }
            return Array(buffer.prefix(count))
        }
    }

    /// Drops bytes received but not read yet (a late answer after a timeout).
    public func discardInput() async throws(SerialError) {
        try await onQueue(.flush) { descriptor throws(SerialError) in
            _ = try SerialError.check(tcflush(descriptor, TCIFLUSH), .flush)
        }
    }

    /// Idempotent.
    public func close() async {
        await withCheckedContinuation { continuation in
            queue.async {
                if let descriptor = self.descriptor { _ = systemClose(descriptor) }
                self.descriptor = nil
                continuation.resume()
            }
        }
    }

    /// Whether `events` became ready within the deadline. A hang-up or error counts as ready,
    /// so the following read or write reports it.
    private static func wait(_ descriptor: Int32, for events: Int16, milliseconds: Int32) throws(SerialError) -> Bool {
        var entry = pollfd(fd: descriptor, events: events, revents: 0)
        while true {
            let result = poll(&entry, 1, milliseconds)
            if result < 0, errno == EINTR { continue }
            return try SerialError.check(result, .poll) > 0
        }
    }

    private static func milliseconds(_ duration: Duration) -> Int32 {
        let (seconds, attoseconds) = duration.components
        let total = seconds.multipliedReportingOverflow(by: 1000)
        guard !total.overflow else { return Int32.max }
        return Int32(clamping: max(0, total.partialValue + attoseconds / 1_000_000_000_000_000))
    }

    private func onQueue<T: Sendable>(
        _ operation: SerialError.Operation, _ body: @escaping @Sendable (Int32) throws(SerialError) -> T
    ) async throws(SerialError) -> T {
        try await Self.run(on: queue) { () throws(SerialError) -> T in
            guard let descriptor = self.descriptor else { throw SerialError(.closed, operation: operation) }
            return try body(descriptor)
        }
    }

    private static func run<T: Sendable>(
        on queue: DispatchQueue, _ body: @escaping @Sendable () throws(SerialError) -> T
    ) async throws(SerialError) -> T {
        let result: Result<T, SerialError> = await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: Result(catching: body)) }
        }
        return try result.get()
    }
}

// The class's own `open`, `read`, `write` and `close` shadow the C functions inside it.
private func systemOpen(_ path: String, _ flags: Int32) -> Int32 { open(path, flags) }
private func systemClose(_ descriptor: Int32) -> Int32 { close(descriptor) }
private func systemRead(_ descriptor: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int { read(descriptor, buffer, count) }
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Int { write(descriptor, bytes.baseAddress, bytes.count) }

/// The paths a glob pattern (`/dev/ttyUSB*`, `/dev/ttyACM*`) matches now, sorted; a plain path
/// if it exists: where the serial profiles of readers and scanners look for their devices.
public func existingPaths(matching pattern: String) -> [String] {
    var result = glob_t()
    defer { globfree(&result) }
    guard glob(pattern, 0, nil, &result) == 0 else { return [] }
    return (0..<Int(result.gl_pathc)).compactMap { result.gl_pathv[$0].map { String(cString: $0) } }.sorted()
}
