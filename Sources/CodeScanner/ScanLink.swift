import DeviceKit
import KioskCore
import SerialTransport

/// How codes reach the scanner device: a serial line or an input device, opened by its
/// provider. `read` returns what completed within `timeout` (often nothing) and throws the
/// fault that ends the link (unplugged: `deviceOffline`).
public protocol ScanLink: Sendable {
    func read(timeout: Duration) async throws(DeviceFault) -> [SerialScanFramer.Output]
    func close() async
}

/// A scanner on a serial line (USB CDC-ACM, `/dev/ttyACM*`): raw 8N1, codes ended by CR/LF.
public actor SerialScanLink: ScanLink {
    let port: SerialPort
    private var framer = SerialScanFramer()

    init(port: SerialPort) {
        self.port = port
    }

    public static func open(path: String, baudRate: Int) async throws(DeviceFault) -> SerialScanLink {
        do {
            return SerialScanLink(port: try await SerialPort.open(path: path, baudRate: baudRate))
        } catch {
            throw DeviceFault(error)
        }
    }

    public func read(timeout: Duration) async throws(DeviceFault) -> [SerialScanFramer.Output] {
        do {
            return framer.take(try await port.read(maxLength: 4096, timeout: timeout))
        } catch {
            throw DeviceFault(error)
        }
    }

    public func close() async { await port.close() }
}

extension DeviceFault {
    /// What a failed system call on the scanner's line means to a technician.
    init(_ error: SerialError) {
        switch error.kind {
        case .notFound, .disconnected, .closed: self = .offline
        case .access: self = .accessDenied
        case .busy: self = .claimed(by: "another process")
        default: self = .scannerCommunication
        }
    }

    /// The scanner's line or input device failed in a way an unplug does not explain.
    public static let scannerCommunication = DeviceFault(
        code: "scannerCommunicationError",
        message: .init(zh: "扫码器通信失败", en: "the code scanner does not respond properly"), action: .reset)

    /// A keyboard-wedge scanner that could not be taken for kiosk alone: its keystrokes would
    /// also reach the screen's browser.
    public static let scannerNotGrabbed = DeviceFault(
        code: "scannerNotExclusive",
        message: .init(zh: "无法独占扫码器，其输入可能进入浏览器", en: "the code scanner could not be taken exclusively; its keystrokes may reach the browser"),
        action: .maintenance)

    /// The external health check waited for a test scan that did not come.
    public static let noTestScan = DeviceFault(
        code: "noTestScan", message: .init(zh: "20 秒内没有扫到码", en: "no code was scanned within 20 s"), action: .retry)

    public static let scannerFaults: [DeviceFault] = [.scannerCommunication, .scannerNotGrabbed, .noTestScan]
}
