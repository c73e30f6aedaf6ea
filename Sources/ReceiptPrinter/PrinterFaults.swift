import DeviceKit
import KioskCore

/// The faults a receipt printer reports, each with what a person should do about it. Codes are
/// stable: a failed print job keeps the code as its reason, and reports count by it.
extension DeviceFault {
    public static let paperOut = DeviceFault(
        code: "paperOut", message: .init(zh: "打印机缺纸，请装入新纸卷", en: "the printer is out of paper; load a new roll"),
        action: .clear)
    public static let coverOpen = DeviceFault(
        code: "coverOpen", message: .init(zh: "打印机纸仓盖未关闭", en: "the printer cover is open"), action: .clear)
    public static let cutterError = DeviceFault(
        code: "cutterError", message: .init(zh: "打印机切刀故障", en: "the printer's cutter has failed"),
        action: .maintenance)
    public static let printerError = DeviceFault(
        code: "printerError", message: .init(zh: "打印机发生不可恢复的错误", en: "the printer reports an unrecoverable error"),
        action: .reset)
    public static let communicationError = DeviceFault(
        code: "communicationError", message: .init(zh: "与打印机通信失败", en: "communication with the printer failed"),
        action: .retry)
    /// A queue the scheduler keeps stopped for no reason the printer gave (a technician paused
    /// it, or a backend failed): nothing prints until someone resumes it.
    public static let printerStopped = DeviceFault(
        code: "printerStopped", message: .init(zh: "打印队列已停止", en: "the print queue is stopped"), action: .maintenance)
    /// Another program (the kernel's `usblp`, a CUPS backend) holds the printer's USB interface.
    public static let deviceBusy = DeviceFault(
        code: "deviceBusy", message: .init(zh: "打印机接口正被其他程序占用", en: "another program holds the printer's interface"),
        action: .maintenance)
    /// A USB device of a profile's vendor that another kernel driver (`usbhid`: a touch
    /// controller) holds: not a printer, and left alone.
    public static let notAPrinter = DeviceFault(
        code: "notAPrinter",
        message: .init(zh: "该 USB 设备由其他内核驱动使用，不是打印机，未作改动",
                       en: "another kernel driver holds this USB device: not a printer, left alone"),
        action: .maintenance)
    public static let jobNotStored = DeviceFault(
        code: "printJobNotStored",
        message: .init(zh: "打印任务无法保存，未打印", en: "the print job could not be stored, so it was not printed"),
        action: .retry)
    public static let jobNotFound = DeviceFault(
        .printJobNotFound, message: .init(zh: "打印任务不存在", en: "no such print job"), action: .clear)
    public static let receiptNotRenderable = DeviceFault(
        code: "receiptNotRenderable",
        message: .init(zh: "回执无法按此打印机排版（二维码或条码不受支持）",
                       en: "the receipt cannot be laid out for this printer (QR code or barcode unsupported)"),
        action: .maintenance)

    /// Every fault a receipt printer reports besides `DeviceFault.common`.
    public static let printerFaults: [DeviceFault] = [
        .paperOut, .coverOpen, .cutterError, .printerError, .communicationError, .printerStopped, .deviceBusy, .notAPrinter,
        .jobNotStored, .jobNotFound, .receiptNotRenderable,
    ]

    /// The printer fault with this code, for a failed job's reason.
    public static func printerFault(code: String) -> DeviceFault? {
        (printerFaults + common).first { $0.code == code }
    }

    /// The fault that keeps a printer in `status` from printing, if any.
    public static func blocking(_ status: DeviceStatus) -> DeviceFault? {
        if status.cover == .open { return .coverOpen }
        if status.paper == .out { return .paperOut }
        if status.cutter == .error { return .cutterError }
        return nil
    }
}

extension DeviceFault.Code {
    /// A reprint asked for a job the printer's store does not have.
    public static let printJobNotFound = DeviceFault.Code(rawValue: "printJobNotFound")
}
