import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A unix datagram socket the test listens on, standing where systemd's notification socket
/// or journald's socket would: the code under test sends to it exactly as it would to them.
public final class DatagramListener: Sendable {
    /// The socket's address as `$NOTIFY_SOCKET` names it: a path, or `@name` when abstract.
    public let address: String
    private let fd: Int32

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// A socket file `name` in `directory`, or with `abstract`, a name in the abstract namespace.
    public init(directory: String, name: String = "notify.socket", abstract: Bool = false) throws {
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        var bytes = abstract ? [0] + Array("kiosk-test-\(UUID().uuidString)".utf8) : Array((directory + "/" + name).utf8)
        address = abstract ? "@" + String(decoding: bytes.dropFirst(), as: UTF8.self) : directory + "/" + name
        var socketAddress = sockaddr_un()
        socketAddress.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &socketAddress.sun_path) { $0.copyBytes(from: bytes) }
        if !abstract { bytes.append(0) }
        let length = socklen_t(MemoryLayout<sockaddr_un>.offset(of: \.sun_path)! + bytes.count)
        let bound = withUnsafePointer(to: &socketAddress) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else {
            close(fd)
            throw Failure(description: "bind \(address): \(String(cString: strerror(errno)))")
        }
    }

    deinit {
        close(fd)
        if address.hasPrefix("/") { unlink(address) }
    }

    /// The next datagram, or nil when none arrives within `timeout` seconds. Blocks the
    /// calling thread: call it off the cooperative pool (`receiveOffPool`).
    public func receive(timeout: Double) -> [UInt8]? {
        var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&poller, 1, Int32(timeout * 1000)) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 256 * 1024)
        let count = recv(fd, &buffer, buffer.count, 0)
        return count >= 0 ? Array(buffer[0..<count]) : nil
    }

    public func receiveOffPool(timeout: Double) async -> [UInt8]? {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: self.receive(timeout: timeout)) }
        }
    }
}
