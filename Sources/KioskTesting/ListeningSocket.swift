import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A listening TCP socket on loopback: occupies a port (to test "address in use") or finds one
/// that is free right now.
public struct ListeningSocket: Sendable {
    public let fd: Int32
    public let port: Int

    public struct Failure: Error {}

    public static func open(port: Int = 0) throws -> ListeningSocket {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure() }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && listen(fd, 1) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard ok else {
            Glibc.close(fd)
            throw Failure()
        }
        return ListeningSocket(fd: fd, port: Int(UInt16(bigEndian: address.sin_port)))
    }

    /// A loopback port nothing listens on at this moment.
    public static func freePort() throws -> Int {
        let socket = try open()
        defer { socket.close() }
        return socket.port
    }

    public func close() { Glibc.close(fd) }
}
