import CLibUSB
import KioskCore

/// A failed libusb call. Every libusb return code passes through `USBError.check`, so the
/// same condition always gets the same `code`, whichever call met it.
///
/// It names the libusb error and the operation, and for transfers how many bytes got through
/// before the failure (a printer driver resumes or reprints from there); it never holds the
/// bytes themselves, which may be a citizen's data.
public struct USBError: KioskError, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case io
        case invalidParameter
        case access
        case noDevice
        case notFound
        case busy
        case timeout
        case overflow
        /// The endpoint stalled: the device refused the request.
        case pipe
        case interrupted
        case noMemory
        case notSupported
        case other
        /// The handle was used after `close()`; no libusb call was made.
        case closed
        /// A kernel driver other than the printer's (`usblp`) holds the interface: the device
        /// is someone else's (a touch controller, a keyboard) and is left alone.
        case foreignDriver
    }

    public enum Operation: String, Sendable {
        case initialise, enumerate, open, readString, setAutoDetach, detachKernelDriver, claimInterface, releaseInterface
        case clearHalt, bulkWrite, bulkRead, registerHotplug
    }

    public let kind: Kind
    public let operation: Operation
    /// `LIBUSB_ERROR_TIMEOUT` and so on; nil for `closed`.
    public let libusbName: String?
    public let bytesTransferred: Int
    /// For `foreignDriver`: the kernel driver that holds the interface (`usbhid`).
    public let driver: String?

    public init(_ kind: Kind, operation: Operation, libusbName: String? = nil, bytesTransferred: Int = 0, driver: String? = nil) {
        self.kind = kind
        self.operation = operation
        self.libusbName = libusbName
        self.bytesTransferred = bytesTransferred
        self.driver = driver
    }

    public var code: String { kind.rawValue }

    public var message: LocalizedText {
        let (zh, en) = kind.sentences
        let context = [libusbName, driver, operation.rawValue].compactMap { $0 }.joined(separator: ", ")
        return LocalizedText(zh: "\(zh)（\(context)）", en: "\(en) (\(context))")
    }

    /// The funnel: returns a non-negative `result` (a count or zero) and throws for a libusb
    /// error code.
    @discardableResult
    static func check(
        _ result: some BinaryInteger, _ operation: Operation, bytesTransferred: Int = 0
    ) throws(USBError) -> Int {
        guard result < 0 else { return Int(result) }
        let code = Int32(clamping: result)
        let libusbName = String(cString: libusb_error_name(code))
        throw USBError(Kind(libusbCode: code), operation: operation, libusbName: libusbName, bytesTransferred: bytesTransferred)
    }
}

extension USBError.Kind {
    init(libusbCode code: Int32) {
        self = switch libusb_error(rawValue: code) {
        case LIBUSB_ERROR_IO: .io
        case LIBUSB_ERROR_INVALID_PARAM: .invalidParameter
        case LIBUSB_ERROR_ACCESS: .access
        case LIBUSB_ERROR_NO_DEVICE: .noDevice
        case LIBUSB_ERROR_NOT_FOUND: .notFound
        case LIBUSB_ERROR_BUSY: .busy
        case LIBUSB_ERROR_TIMEOUT: .timeout
        case LIBUSB_ERROR_OVERFLOW: .overflow
        case LIBUSB_ERROR_PIPE: .pipe
        case LIBUSB_ERROR_INTERRUPTED: .interrupted
        case LIBUSB_ERROR_NO_MEM: .noMemory
        case LIBUSB_ERROR_NOT_SUPPORTED: .notSupported
        default: .other
        }
    }

    var sentences: (zh: String, en: String) {
        switch self {
        case .io: ("USB 输入/输出错误", "USB input/output error")
        case .invalidParameter: ("USB 调用参数无效", "Invalid parameter in a USB call")
        case .access: ("没有访问该 USB 设备的权限，请检查 udev 规则和用户组", "No permission to use the USB device; check the udev rules and the user's groups")
        case .noDevice: ("USB 设备已断开", "The USB device is no longer connected")
        case .notFound: ("未找到该 USB 设备或接口", "The USB device or interface was not found")
        case .busy: ("USB 接口正被其他程序或驱动占用", "The USB interface is held by another program or driver")
        case .timeout: ("USB 设备未在规定时间内响应", "The USB device did not respond in time")
        case .overflow: ("USB 设备发送的数据超出了请求的长度", "The USB device sent more data than requested")
        case .pipe: ("USB 端点停止：设备拒绝了请求", "The USB endpoint stalled: the device refused the request")
        case .interrupted: ("USB 调用被中断", "The USB call was interrupted")
        case .noMemory: ("USB 操作内存不足", "Out of memory for a USB operation")
        case .notSupported: ("此平台不支持该 USB 操作", "The USB operation is not supported on this platform")
        case .other: ("未知的 USB 错误", "Unknown USB error")
        case .closed: ("USB 设备句柄已关闭", "The USB device handle is closed")
        case .foreignDriver: ("该 USB 接口由其他内核驱动使用，不是打印机，未作改动",
                              "Another kernel driver holds the USB interface: not a printer, left alone")
        }
    }
}
