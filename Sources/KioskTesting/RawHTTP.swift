import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A deliberately small HTTP/1.1 client over a blocking socket, for tests that must talk to a
/// real listening server (start-up, shutdown, a process under test) without an HTTP library.
public enum RawHTTP {
    public struct Reply: Sendable {
        public var status: Int
        public var headers: [String: String]
        public var body: String
    }

    /// `send` on a thread of its own, for async tests whose server runs in the same process: a
    /// blocking socket must not hold one of the few threads the server's handlers need.
    public static func sendOffPool(port: Int, method: String = "GET", path: String, body: String? = nil,
                                   headers: [String: String] = [:]) async -> Reply? {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(returning: send(port: port, method: method, path: path, body: body, headers: headers))
            }
        }
    }

    /// Sends one request and reads until the server closes; nil when nothing accepts the connection.
    public static func send(port: Int, method: String = "GET", path: String, body: String? = nil,
                            headers: [String: String] = [:]) -> Reply? {
        var request = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { request += "\(name): \(value)\r\n" }
        if let body { request += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n" }
        request += "\r\n" + (body ?? "")
        return exchange(port: port, parts: [Array(request.utf8)], pause: 0, timeoutSeconds: 15)?.reply
    }

    /// A GET's status, the time until the first byte of the answer arrived and until the server
    /// closed, and the size of the body: what a client waiting for audio feels.
    public struct Timing: Sendable {
        public var status: Int
        public var firstByte: Duration
        public var complete: Duration
        public var bodyBytes: Int
    }

    public static func timeGET(port: Int, path: String) -> Timing? {
        let request = Array("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        guard let fd = connected(port: port) else { return nil }
        defer { close(fd) }
        let clock = ContinuousClock()
        let started = clock.now
        guard Glibc.send(fd, request, request.count, Int32(MSG_NOSIGNAL)) == request.count else { return nil }
        var received: [UInt8] = []
        var firstByte: Duration?
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = read(fd, &buffer, buffer.count)
            guard count > 0 else { break }
            if firstByte == nil { firstByte = clock.now - started }
            received += buffer[0..<count]
        }
        let complete = clock.now - started
        guard let firstByte, let split = received.firstRange(of: Array("\r\n\r\n".utf8)),
              let reply = parse(Array(received[..<split.upperBound])) else { return nil }
        return Timing(status: reply.status, firstByte: firstByte, complete: complete, bodyBytes: received.count - split.upperBound)
    }

    /// What a slow or misbehaving client got: the answer (nil when the server closed without
    /// one), how long after connecting its first byte arrived and how long until the server
    /// closed the connection. The client reads while it pauses between writes, so both times
    /// are when the server acted, not when the client stopped writing.
    public struct Exchange: Sendable {
        public var reply: Reply?
        public var answeredAfter: TimeInterval?
        public var closedAfter: TimeInterval
    }

    /// Writes `parts` one after another with `pause` between them (a client that trickles its
    /// request), then reads until the server closes. Writing stops when the server has closed.
    /// Runs on a thread of its own, like `sendOffPool`, which connects after `delay`.
    public static func trickle(port: Int, parts: [[UInt8]], pause: TimeInterval, connectingAfter delay: TimeInterval = 0) async -> Exchange? {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                if delay > 0 { Thread.sleep(forTimeInterval: delay) }
                continuation.resume(returning: exchange(port: port, parts: parts, pause: pause, timeoutSeconds: 30))
            }
        }
    }

    /// A client that has asked and does not read until told to (`read`): meanwhile what the
    /// server answers piles up on the server's side, as with a client that walked away without
    /// closing, or one whose reading is paced.
    public final class Unread: Sendable {
        let fd: Int32
        let started = Date()
        private let received = Mutex<Received?>(nil)

        /// Connects with a receive buffer of `receiveBuffer` bytes (small: little of the answer
        /// fits on this side) and writes `request` whole; nil when nothing accepts the connection.
        init?(port: Int, request: [UInt8], receiveBuffer: Int32) {
            guard let fd = connected(port: port, receiveBuffer: receiveBuffer) else { return nil }
            guard Glibc.send(fd, request, request.count, Int32(MSG_NOSIGNAL)) == request.count else {
                close(fd)
                return nil
            }
            self.fd = fd
        }

        deinit { close(fd) }

        /// Reads, on a thread of its own and pausing `pause` after each read of up to 4 KiB, until
        /// the server closes (or 15 s pass without a byte); a later call returns what the first read.
        public func read(pausing pause: TimeInterval = 0) async -> Received {
            await withCheckedContinuation { continuation in
                Thread.detachNewThread { [self] in
                    continuation.resume(returning: received.withLock { received in
                        if let received { return received }
                        var timeout = timeval(tv_sec: 15, tv_usec: 0)
                        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                        var reader = Reader(fd: fd, started: started)
                        reader.readUntilClosed(pausing: pause)
                        received = Received(bytes: reader.received.count, closedAfter: reader.closedAfter ?? 0)
                        return received!
                    })
                }
            }
        }
    }

    /// What an `Unread` client got once it read: how many bytes, and how long after connecting
    /// the server had closed (or the read failed or timed out).
    public struct Received: Sendable {
        public var bytes: Int
        public var closedAfter: TimeInterval
    }

    /// Connects and sends `request` on a thread of its own, then leaves the answer unread.
    public static func ask(port: Int, request: [UInt8], receiveBuffer: Int32 = 4096) async -> Unread? {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: Unread(port: port, request: request, receiveBuffer: receiveBuffer)) }
        }
    }

    /// A socket connected to `port` on loopback, or nil. `receiveBuffer` (bytes) is set before
    /// connecting, so that it bounds the window the server sees.
    static func connected(port: Int, receiveBuffer: Int32? = nil) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        if var size = receiveBuffer { setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size)) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
        guard connected else {
            close(fd)
            return nil
        }
        return fd
    }

    /// Connects, writes `parts` with `pause` between them, reads until the server closes (or
    /// `timeoutSeconds` pass without a byte: a test that hangs tells nobody what went wrong).
    static func exchange(port: Int, parts: [[UInt8]], pause: TimeInterval, timeoutSeconds: Int) -> Exchange? {
        guard let fd = connected(port: port) else { return nil }
        defer { close(fd) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var reader = Reader(fd: fd)
        for (index, part) in parts.enumerated() {
            if index > 0 {
                reader.read(for: pause)
                if reader.closedAfter != nil { break }
            }
            // MSG_NOSIGNAL: a server that already closed must not kill the test with SIGPIPE.
            guard Glibc.send(fd, part, part.count, Int32(MSG_NOSIGNAL)) == part.count else { break }
        }
        reader.readUntilClosed()
        return Exchange(reply: parse(reader.received), answeredAfter: reader.answeredAfter, closedAfter: reader.closedAfter ?? 0)
    }

    /// What arrived on a connection and when, timed from its opening.
    struct Reader {
        let fd: Int32
        let started: Date
        var received: [UInt8] = []
        var answeredAfter: TimeInterval?
        /// When the server closed (or the read failed, or timed out): nil while open.
        var closedAfter: TimeInterval?
        private var buffer = [UInt8](repeating: 0, count: 4096)

        init(fd: Int32, started: Date = Date()) {
            self.fd = fd
            self.started = started
        }

        /// Reads what arrives within `seconds` (a pause between writes), or until the server closes.
        mutating func read(for seconds: TimeInterval) {
            let until = Date(timeIntervalSinceNow: seconds)
            while closedAfter == nil {
                let remaining = until.timeIntervalSinceNow
                guard remaining > 0 else { return }
                var ready = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                guard poll(&ready, 1, Int32((remaining * 1000).rounded(.up))) > 0 else { continue }
                readOnce()
            }
        }

        mutating func readUntilClosed(pausing pause: TimeInterval = 0) {
            while closedAfter == nil {
                readOnce()
                if pause > 0 { Thread.sleep(forTimeInterval: pause) }
            }
        }

        private mutating func readOnce() {
            let count = Glibc.read(fd, &buffer, buffer.count)
            let now = Date().timeIntervalSince(started)
            guard count > 0 else {
                closedAfter = now
                return
            }
            if answeredAfter == nil { answeredAfter = now }
            received += buffer[0..<count]
        }
    }

    static func parse(_ bytes: [UInt8]) -> Reply? {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let split = text.range(of: "\r\n\r\n") else { return nil }
        let lines = text[..<split.lowerBound].components(separatedBy: "\r\n")
        guard let statusLine = lines.first, let status = Int(statusLine.split(separator: " ").dropFirst().first ?? "") else { return nil }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = String(text[split.upperBound...])
        if headers["transfer-encoding"] == "chunked" { body = dechunk(body) }
        return Reply(status: status, headers: headers, body: body)
    }

    static func dechunk(_ text: String) -> String {
        var rest = Substring(text)
        var out = ""
        while let lineEnd = rest.range(of: "\r\n"), let size = Int(rest[..<lineEnd.lowerBound], radix: 16), size > 0 {
            let start = lineEnd.upperBound
            let utf8 = rest[start...].utf8
            let end = utf8.index(utf8.startIndex, offsetBy: size)
            out += String(rest[start..<end])
            rest = rest[end...].dropFirst(2)
        }
        return out
    }
}
