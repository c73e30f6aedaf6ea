import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// systemd's notification protocol, spoken directly (no libsystemd): each message is one
/// datagram of newline-separated `KEY=value` assignments sent to the AF_UNIX socket named by
/// `$NOTIFY_SOCKET` — a file system path, or `@name` for the abstract namespace.
///
/// The service manager tells the sender apart by its process id, so only the main process of
/// the unit may send (`NotifyAccess=main`): `kiosk serve` itself, never a child.
public struct ServiceManagerNotifier: Sendable {
    /// The socket as `$NOTIFY_SOCKET` names it.
    public let socket: String

    /// Nil when the process was not started by a service manager that listens (no
    /// `$NOTIFY_SOCKET`), or names a socket this client cannot reach (not a unix path).
    public init?(environment: [String: String] = ProcessInfo.processInfo.environment) {
        guard let socket = environment["NOTIFY_SOCKET"], socket.hasPrefix("/") || socket.hasPrefix("@"),
              socket.utf8.count < MemoryLayout.size(ofValue: sockaddr_un().sun_path) else { return nil }
        self.socket = socket
    }

    /// Sends the assignments as one datagram; false when the socket refuses it.
    @discardableResult
    public func send(_ assignments: [String]) -> Bool {
        let message = Array(assignments.joined(separator: "\n").utf8)
        let fd = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        var path = Array(socket.utf8)
        // An abstract address starts with a NUL byte and is exactly as long as its name: no
        // terminating NUL is part of it.
        let isAbstract = path.first == UInt8(ascii: "@")
        if isAbstract { path[0] = 0 }
        withUnsafeMutableBytes(of: &address.sun_path) { bytes in
            bytes.copyBytes(from: path)
        }
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)!
        let length = socklen_t(pathOffset + path.count + (isAbstract ? 0 : 1))
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(fd, message, message.count, Int32(MSG_NOSIGNAL), $0, length)
            }
        }
        return sent == message.count
    }

    /// How often to send `WATCHDOG=1`: half of `$WATCHDOG_USEC`, as systemd asks, when the
    /// unit has a watchdog and it is meant for this process (`$WATCHDOG_PID`, when set, is ours).
    public static func watchdogInterval(environment: [String: String] = ProcessInfo.processInfo.environment,
                                        processID: Int32 = getpid()) -> Duration? {
        guard let text = environment["WATCHDOG_USEC"], let microseconds = Int64(text), microseconds > 0 else { return nil }
        if let pid = environment["WATCHDOG_PID"], Int32(pid) != processID { return nil }
        return .microseconds(microseconds / 2)
    }

    /// A `STATUS=` assignment: one line, since a newline would start the next assignment.
    public static func status(_ text: String) -> String {
        "STATUS=" + text.replacingOccurrences(of: "\n", with: " ")
    }
}
