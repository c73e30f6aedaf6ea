#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import KioskCore

/// A failed system call on a serial line. Every return code passes through `SerialError.check`,
/// so one condition always gets the same `code` whichever call met it. It names the call and
/// errno, never the bytes that were on the line (a card's data travels there).
public struct SerialError: KioskError, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// The path does not exist (a USB-serial bridge that was unplugged).
        case notFound
        /// No permission: the user is not in the `dialout` group.
        case access
        /// Another process holds the line.
        case busy
        /// The path is not a terminal.
        case notATerminal
        /// The bridge went away (or the line hung up) while it was open.
        case disconnected
        /// The line took no more bytes within the timeout.
        case io
        case interrupted
        /// The handle was used after `close()`; no system call was made.
        case closed
        case other
    }

    public enum Operation: String, Sendable {
        case open, configure, read, write, poll, flush
    }

    public let kind: Kind
    public let operation: Operation
    /// The errno name (`ENOENT`, ...); nil for `closed`.
    public let errnoName: String?

    public init(_ kind: Kind, operation: Operation, errnoName: String? = nil) {
        self.kind = kind
        self.operation = operation
        self.errnoName = errnoName
    }

    public var code: String { kind.rawValue }

    public var message: LocalizedText {
        let (zh, en) = kind.sentences
        let context = [errnoName, operation.rawValue].compactMap { $0 }.joined(separator: ", ")
        return LocalizedText(zh: "\(zh)（\(context)）", en: "\(en) (\(context))")
    }

    /// The funnel: returns a non-negative `result` and throws for -1, reading `errno` at once
    /// (before anything else can overwrite it).
    @discardableResult
    static func check(_ result: some BinaryInteger, _ operation: Operation) throws(SerialError) -> Int {
        guard result < 0 else { return Int(result) }
        throw SerialError(errno: errno, operation: operation)
    }

    init(errno code: Int32, operation: Operation) {
        self.init(Kind(errno: code), operation: operation, errnoName: Self.name(of: code))
    }

    private static func name(of code: Int32) -> String {
        switch code {
        case ENOENT: "ENOENT"
        case EACCES: "EACCES"
        case EPERM: "EPERM"
        case EBUSY: "EBUSY"
        case ENOTTY: "ENOTTY"
        case ENXIO: "ENXIO"
        case ENODEV: "ENODEV"
        case EIO: "EIO"
        case EINTR: "EINTR"
        case EAGAIN: "EAGAIN"
        case EBADF: "EBADF"
        default: "errno \(code)"
        }
    }
}

extension SerialError.Kind {
    init(errno code: Int32) {
        self = switch code {
        case ENOENT: .notFound
        case EACCES, EPERM: .access
        case EBUSY: .busy
        case ENOTTY: .notATerminal
        // On a tty, EIO is what read and write get after a hang-up.
        case ENXIO, ENODEV, EIO: .disconnected
        case EINTR: .interrupted
        default: .other
        }
    }

    var sentences: (zh: String, en: String) {
        switch self {
        case .notFound: ("未找到串口设备", "The serial device was not found")
        case .access: ("没有访问串口的权限，请检查 dialout 用户组", "No permission to use the serial line; check the dialout group")
        case .busy: ("串口正被其他程序占用", "The serial line is held by another program")
        case .notATerminal: ("该路径不是串口设备", "The path is not a serial device")
        case .disconnected: ("串口设备已断开", "The serial device is no longer connected")
        case .io: ("串口输入/输出错误", "Serial input/output error")
        case .interrupted: ("串口调用被中断", "The serial call was interrupted")
        case .closed: ("串口已关闭", "The serial line is closed")
        case .other: ("未知的串口错误", "Unknown serial error")
        }
    }
}
