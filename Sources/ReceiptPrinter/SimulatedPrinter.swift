import DeviceKit
import ESCPOS

/// A receipt printer in memory, for `kiosk serve` with simulated devices and for tests. It
/// reads the ESC/POS commands the renderer emits to follow the paper: each line feed, feed and
/// image takes paper off the roll, and the roll can be made to run out in the middle of a job.
public actor SimulatedPrinter: PrinterConnection {
    public nonisolated let address = "simulated"

    /// Roll length in text lines (an 80 m roll holds about 20 000 lines at the default spacing).
    public static let fullRoll = 20_000
    /// The near-end sensor trips with about 5 m left.
    public static let nearEndLines = 1_000

    public private(set) var paperLines: Int
    public private(set) var coverOpen = false
    public private(set) var cutterJammed = false
    public private(set) var connected = true
    /// The bytes of the last job, whole or as far as it got, for the technician's preview.
    public private(set) var lastReceipt: [UInt8] = []
    public private(set) var cuts = 0
    /// Every byte the printer took in since it was created, parts of failed jobs included.
    public private(set) var bytesAccepted = 0
    /// Jobs sent to it to the end.
    public private(set) var jobsCompleted = 0

    public init(paperLines: Int = SimulatedPrinter.fullRoll) {
        self.paperLines = paperLines
    }

    public func loadPaper(lines: Int = SimulatedPrinter.fullRoll) { paperLines = lines }
    /// Leaves `lines` on the roll: 0 is out of paper now, more runs out mid-job.
    public func runOutOfPaper(afterLines lines: Int = 0) { paperLines = lines }
    public func openCover() { coverOpen = true }
    public func closeCover() { coverOpen = false }
    public func jamCutter(_ jammed: Bool = true) { cutterJammed = jammed }
    public func disconnect() { connected = false }
    public func reconnect() { connected = true }

    /// The simulator answers `GS I` the way a real printer does, so the device page looks the same.
    public func identity() -> PrinterIdentity? {
        PrinterIdentity(manufacturer: "kiosk", model: "Simulated receipt printer", firmware: "simulated")
    }

    public func status() throws(DeviceFault) -> DeviceStatus {
        guard connected else { throw .offline }
        return currentStatus
    }

    private var currentStatus: DeviceStatus {
        DeviceStatus(
            paper: paperLines == 0 ? .out : (paperLines <= Self.nearEndLines ? .nearEnd : .ok),
            cover: coverOpen ? .open : .closed, cutter: cutterJammed ? .error : .ok)
    }

    public func send(_ bytes: [UInt8], title: String) throws(DeviceFault) -> DeviceStatus {
        guard connected else { throw .offline }
        if let fault = DeviceFault.blocking(currentStatus) { throw fault }
        lastReceipt = []
        var reader = CommandReader(bytes)
        while let command = reader.next() {
            if command.lines > paperLines {
                lastReceipt = Array(bytes[..<command.range.lowerBound])
                bytesAccepted += command.range.lowerBound
                paperLines = 0
                throw .paperOut
            }
            if command.isCut && cutterJammed {
                bytesAccepted += command.range.upperBound
                throw .cutterError
            }
            paperLines -= command.lines
            if command.isCut { cuts += 1 }
        }
        lastReceipt = bytes
        bytesAccepted += bytes.count
        jobsCompleted += 1
        return currentStatus
    }
}

/// Splits ESC/POS bytes into commands just far enough to know what each one does to the paper;
/// text bytes pass one by one. Covers what `ESCPOS.ReceiptRenderer` emits.
struct CommandReader {
    struct Command {
        var range: Range<Int>
        var lines: Int
        var isCut: Bool
    }

    /// Lines a native QR code takes at the renderer's default module size.
    static let qrLines = 8
    static let barcodeLines = 4
    static let dotsPerLine = 30

    let bytes: [UInt8]
    var index = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    private func byte(_ offset: Int) -> Int { index + offset < bytes.count ? Int(bytes[index + offset]) : 0 }

    mutating func next() -> Command? {
        guard index < bytes.count else { return nil }
        var length = 1
        var lines = 0
        var isCut = false
        switch (byte(0), byte(1)) {
        case (0x0A, _): lines = 1
        case (0x1B, 0x40), (0x1B, 0x32), (0x1C, 0x26), (0x1C, 0x2E): length = 2
        case (0x1B, 0x64):
            length = 3
            lines = byte(2)
        case (0x1B, _), (0x10, 0x04): length = 3
        case (0x1D, 0x28) where byte(2) == 0x6B:
            length = 5 + byte(3) + byte(4) << 8
            if byte(6) == 0x51 { lines = Self.qrLines }
        case (0x1D, 0x76):
            let widthBytes = byte(4) + byte(5) << 8
            let height = byte(6) + byte(7) << 8
            length = 8 + widthBytes * height
            lines = (height + Self.dotsPerLine - 1) / Self.dotsPerLine
        case (0x1D, 0x6B):
            length = 4 + byte(3)
            lines = Self.barcodeLines
        case (0x1D, 0x56):
            length = byte(2) >= 65 ? 4 : 3
            isCut = true
        case (0x1D, _): length = 3
        default: break
        }
        let range = index..<min(index + length, bytes.count)
        index = range.upperBound
        return Command(range: range, lines: lines, isCut: isCut)
    }
}
