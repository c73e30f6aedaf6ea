import CardReader
import CodeScanner
import DeviceKit
import Hosting
import IDCard
import KioskCore
import ReceiptPrinter

/// Every fault the terminal's devices report and every counter they keep, with what each means
/// and what to do. `kiosk devices faults` prints it as Markdown; `docs/DEVICE-FAULTS.md` is that
/// output, and a test fails when the two differ or when a device can report a code not listed here.
public enum DeviceReference {
    public struct Fault: Sendable {
        /// `any device`, `receipt printer`, `ID card reader`.
        public var devices: String
        public var fault: DeviceFault
        /// What a technician does about it.
        public var technician: LocalizedText
    }

    public struct Counter: Sendable {
        public var kind: DeviceKind
        public var name: String
        /// What it counts, and when it moves.
        public var meaning: String
    }

    // MARK: Faults

    public static var faults: [Fault] {
        DeviceFault.common.map { Fault(devices: "any device", fault: $0, technician: guide($0.code)) }
            + DeviceFault.printerFaults.map { Fault(devices: "receipt printer", fault: $0, technician: guide($0.code)) }
            + readerErrors.map { Fault(devices: "ID card reader", fault: DeviceFault($0), technician: guide($0.codeName)) }
            + DeviceFault.scannerFaults.map { Fault(devices: "code scanner", fault: $0, technician: guide($0.code)) }
    }

    /// Every error a reader (its SAM, the card, the line) can report, as `CardReaderDevice` turns
    /// it into a `DeviceFault`.
    static var readerErrors: [ReaderError] {
        SAMStatus.allCases.compactMap(\.error) + [ReaderError(.unknownStatus(0xEE)), ReaderError(.noResponse), ReaderError(.malformedData)]
    }

    /// What a technician does, by fault code. A code without an entry here fails the test that
    /// keeps the page complete.
    static let guides: [String: LocalizedText] = [
        "noTestScan": .init(
            zh: "在 20 秒内用扫码器扫任意一个码再试；扫码器亮灯却无结果时，检查其是否设为每个码后发送回车。",
            en: "Scan any code within 20 s and try again; if the scanner beeps but nothing arrives, check that it sends Enter (CR) after each code."),
        "scannerCommunicationError": .init(
            zh: "拔下扫码器再插上；仍然出错时检查其 USB 线，并确认扫码器设为 USB 虚拟串口（每个码后发送回车）或美式键盘模式（每个码后发送回车键）。",
            en: "Unplug the scanner and plug it in again; if it recurs, check its USB cable and that the scanner is set to USB serial (CR after each code) or US keyboard mode (Enter after each code)."),
        "scannerNotExclusive": .init(
            zh: "另一个程序占用了键盘模式扫码器的输入设备，或系统不允许独占：停止该程序（如桌面的输入法服务），确认 kiosk 用户在 input 组中，然后重新插拔。",
            en: "Another program holds the keyboard-mode scanner's input device, or the system refuses to give it to kiosk alone: stop that program (a desktop input method), check that the kiosk user is in the input group, then replug the scanner."),
        "deviceOffline": .init(
            zh: "检查设备电源和 USB/串口线；kiosk devices list 列出本机识别到的设备，lsusb 显示系统是否看到它；Devices/profiles 中须有与其 USB 编号匹配的配置。",
            en: "Check the device's power and its USB or serial cable; `kiosk devices list` shows what kiosk sees, `lsusb` what the system sees; a profile in Devices/profiles must match its USB ids."),
        "deviceAccessDenied": .init(
            zh: "kiosk 用户无权打开该设备：安装 udev 规则（Devices/udev/，见其 README），把用户加入 kiosk 组（串口为 dialout 组），然后重新插拔设备。日志中的 usb.access、serial.access 即此原因。",
            en: "The kiosk user may not open the device: install the udev rules (Devices/udev/, see its README), add the user to the kiosk group (dialout for a serial port), then replug the device. The log names the transport's cause as `usb.access` or `serial.access`."),
        "deviceClaimed": .init(
            zh: "另一个打印任务或检查正在使用该设备，等待其结束；如一直被占用，重启 kiosk serve。",
            en: "Another job or check holds the device; wait for it to end. If it stays claimed, restart kiosk serve."),
        "paperOut": .init(
            zh: "装入新纸卷（宽度见打印机配置）；失败的回执已保存，可在工作人员界面重新打印。",
            en: "Load a new roll (its width is in the printer's profile); the receipt that failed is kept: reprint it from the staff screen."),
        "coverOpen": .init(
            zh: "关紧纸仓盖直到卡住；若仍显示打开，检查盖子开关。",
            en: "Close the cover until it clicks; if it still reads open, check the cover switch."),
        "cutterError": .init(
            zh: "关闭打印机，清除切刀处卡纸后开机；反复出现则更换切刀（参考 failedPaperCuts 与 paperCuts 计数）。",
            en: "Switch the printer off, clear paper jammed at the cutter, switch on; if it recurs, replace the cutter (compare the failedPaperCuts and paperCuts counters)."),
        "printerError": .init(
            zh: "关闭打印机再开启；反复出现时记下固件版本（kiosk devices list --json）并联系厂家。",
            en: "Switch the printer off and on; if it recurs, note its firmware (`kiosk devices list --json`) and call the vendor."),
        "communicationError": .init(
            zh: "检查数据线和 USB 接口；communicationErrors 计数持续增长说明线缆或供电有问题。",
            en: "Check the cable and the USB port; a growing communicationErrors counter points to the cable or the power supply."),
        "printerStopped": .init(
            zh: "CUPS 队列已停止：用 lpstat -p 查看，再执行 cupsenable 队列名（及 cupsaccept 队列名）；停止原因见 CUPS 错误日志。",
            en: "The CUPS queue is stopped: `lpstat -p`, then `cupsenable QUEUE` (and `cupsaccept QUEUE`); the CUPS error log says why it stopped."),
        "deviceBusy": .init(
            zh: "其他程序占用了打印机接口：解除 usblp 内核驱动（udev 规则会这样做），或停止该程序（如 CUPS 的 USB 后端）。",
            en: "Another program holds the printer's interface: unbind the `usblp` kernel driver (the udev rules do) or stop the other program (a CUPS USB backend)."),
        "notAPrinter": .init(
            zh: "与打印机配置同厂商的另一种 USB 设备（如触摸屏控制器）由其内核驱动使用，kiosk 未动它。若这台确实是打印机，在 Devices/profiles 中写明其 VID:PID。",
            en: "A USB device of a printer profile's vendor (a touch controller, say) is held by its own kernel driver and kiosk left it alone. If it is a printer after all, name its exact VID:PID in Devices/profiles."),
        "printJobNotStored": .init(
            zh: "本机数据库无法保存打印任务：检查 data_dir 的磁盘空间和权限（kiosk db migrate 会报告数据库状态）。",
            en: "The terminal's database could not store the job: check the free space and permissions of data_dir (`kiosk db migrate` reports the database's state)."),
        "printJobNotFound": .init(
            zh: "所请求的打印任务不在该打印机上（已过保留期被删除，或属于另一台打印机）。",
            en: "The job asked for is not on this printer (deleted after its retention period, or another printer's)."),
        "receiptNotRenderable": .init(
            zh: "打印机配置不支持模板中的二维码或条码：在 Devices/profiles 中选用正确的配置，或从模板中去掉该元素。",
            en: "The printer's profile does not support a QR code or barcode the template uses: choose the right profile in Devices/profiles or remove it from the template."),
        "itemEmpty": .init(
            zh: "证件上没有该项（如指纹），无需处理。", en: "The card has no such item (a fingerprint, say); nothing to do."),
        "checksumError": .init(
            zh: "线路干扰：检查数据线；频繁出现时更换数据线。", en: "Noise on the line: check the cable; replace it if this is frequent."),
        "lengthError": .init(
            zh: "线路干扰：检查数据线；频繁出现时更换数据线。", en: "Noise on the line: check the cable; replace it if this is frequent."),
        "commandError": .init(
            zh: "读卡器不认识该命令：断电重启读卡器，并核对配置中的协议与读卡器一致。",
            en: "The reader does not understand the command: power it off and on, and check that its profile's protocol matches the reader."),
        "unauthorised": .init(
            zh: "读卡器拒绝该操作：断电重启读卡器；反复出现请联系厂家。",
            en: "The reader refuses the operation: power it off and on; if it recurs, call the vendor."),
        "unrecognised": .init(
            zh: "读卡器内部错误：断电重启读卡器；反复出现请联系厂家。",
            en: "An internal error of the reader: power it off and on; if it recurs, call the vendor."),
        "cardFailedToAuthenticateSAM": .init(
            zh: "证件认证失败：请群众重新放置证件；若所有证件都失败，安全模块需厂家维修；只有某张证件失败时，由工作人员人工核验。",
            en: "Authentication failed: the citizen places the card again; if every card fails, the security module needs the vendor; if one card fails, staff check it by eye."),
        "samFailedToAuthenticateCard": .init(
            zh: "证件认证失败：请群众重新放置证件；若所有证件都失败，安全模块需厂家维修；只有某张证件失败时，由工作人员人工核验。",
            en: "Authentication failed: the citizen places the card again; if every card fails, the security module needs the vendor; if one card fails, staff check it by eye."),
        "informationCheckError": .init(
            zh: "证件信息校验失败：请重新放置证件；仍失败时由工作人员人工核验证件。",
            en: "The card's data failed its check: place it again; if it still fails, staff check the card by eye."),
        "unknownCardType": .init(
            zh: "不是读卡器支持的证件：请放置居民身份证、居住证或永久居留身份证。",
            en: "Not a card the reader knows: place a resident ID card, a residence permit or a permanent residence card."),
        "readingFailed": .init(
            zh: "读卡时证件移动：请将证件平放、不要移动后重试。", en: "The card moved while it was read: place it flat and still, then try again."),
        "randomNumberFailed": .init(
            zh: "请重新放置证件；反复出现时断电重启读卡器。", en: "Place the card again; if it recurs, power the reader off and on."),
        "samSelfTestFailed": .init(
            zh: "安全模块自检失败：断电重启读卡器；仍失败时读卡器需返厂维修。",
            en: "The security module failed its self-test: power the reader off and on; if it still fails, the reader goes back to the vendor."),
        "samNotAuthorised": .init(
            zh: "安全模块未获授权：联系厂家办理授权。", en: "The security module is not authorised: ask the vendor to have it authorised."),
        "findCardFailed": .init(
            zh: "读卡区没有证件（读卡器等待时的正常应答）；健康检查时请放置测试证件。",
            en: "No card on the reader (the normal answer while it waits); for a health check, place a test card."),
        "selectCardFailed": .init(
            zh: "证件没有放平或已移开：请重新放置证件。", en: "The card is not flat or was taken away: place it again."),
        "unknownStatus": .init(
            zh: "读卡器返回协议未定义的状态：断电重启读卡器，并核对配置。",
            en: "The reader answered with a status the protocol does not define: power it off and on, and check its profile."),
        "noResponse": .init(
            zh: "读卡器无应答：检查数据线和电源，断电重启读卡器。",
            en: "The reader does not answer: check the cable and the power, then power it off and on."),
        "malformedData": .init(
            zh: "证件数据无法解析：请重新放置证件；同一张证件总是失败时由工作人员人工核验。",
            en: "The card's data cannot be decoded: place it again; if one card always fails, staff check it by eye."),
    ]

    static func guide(_ code: String) -> LocalizedText {
        guides[code] ?? LocalizedText(zh: "（缺少说明）", en: "(no guidance written)")
    }

    // MARK: Counters

    public static let counters: [Counter] = [
        .init(kind: .receiptPrinter, name: "receiptLinesPrinted", meaning: "lines of every printed job (feeds before a cut included), test pages included"),
        .init(kind: .receiptPrinter, name: "receiptCharactersPrinted", meaning: "characters of text printed, spaces excluded"),
        .init(kind: .receiptPrinter, name: "paperCuts", meaning: "cuts of every printed job"),
        .init(kind: .receiptPrinter, name: "failedPaperCuts", meaning: "cuts of jobs that failed on `cutterError`"),
        .init(kind: .receiptPrinter, name: "coverOpenCount", meaning: "times the cover was found open"),
        .init(kind: .receiptPrinter, name: "paperOutCount", meaning: "times the paper was found out"),
        .init(kind: .receiptPrinter, name: "paperNearEndCount", meaning: "times the roll was found near its end"),
        .init(kind: .receiptPrinter, name: "communicationErrors", meaning: "exchanges with the printer that failed (`communicationError`)"),
        .init(kind: .receiptPrinter, name: "jobsPrinted", meaning: "jobs printed to the end: receipts, slips, notices, reprints and test pages"),
        .init(kind: .receiptPrinter, name: "jobsFailed", meaning: "jobs that ended in a fault (each kept for a reprint)"),
        .init(kind: .receiptPrinter, name: "hoursPowered", meaning: "whole hours the printer was connected while kiosk ran"),
        .init(kind: .idCardReader, name: "goodReads", meaning: "cards read and decoded"),
        .init(kind: .idCardReader, name: "failedReads", meaning: "reads of a card on the reader that failed"),
        .init(kind: .idCardReader, name: "unreadableCards", meaning: "failed reads whose card could not be read at all (`unknownCardType`, `readingFailed`, `malformedData`)"),
        .init(kind: .idCardReader, name: "samErrors", meaning: "faults the security module reported"),
        .init(kind: .idCardReader, name: "communicationErrors", meaning: "exchanges with the reader that timed out or came back corrupt"),
        .init(kind: .idCardReader, name: "hoursPowered", meaning: "whole hours the reader was connected while kiosk ran"),
        .init(kind: .codeScanner, name: "goodScans", meaning: "codes read (their content is never kept or logged)"),
        .init(kind: .codeScanner, name: "overlongScans", meaning: "codes longer than 2048 characters, dropped (a scanner in the wrong mode, or line noise)"),
        .init(kind: .codeScanner, name: "droppedScans", meaning: "codes dropped as a flood: more than 5 at once, or more than one a second after them"),
        .init(kind: .codeScanner, name: "communicationErrors", meaning: "reads from the scanner's line or input device that failed"),
    ]

    // MARK: The page

    /// `docs/DEVICE-FAULTS.md`.
    public static func markdown() -> String {
        var lines = [
            "# Devices: faults and counters",
            "",
            "Generated from the code by `kiosk devices faults`; do not edit by hand (a test compares this page",
            "with the command's output and fails when a device can report a code missing here).",
            "",
            "Every fault a device reports carries a stable `code`, a message in zh-CN and en, and a recommended",
            "`action`. The fault reaches `/v1/events` (`deviceFault`), a failed print job keeps its code as the",
            "reason, and a health check's failed step says the message and what the action asks (`kiosk diag",
            "health DEVICE`, `POST /v1/devices/{id}/health-checks`).",
            "",
            "| action | shown with the fault (zh-CN / en) | who |",
            "|---|---|---|",
        ]
        for action in [DeviceKit.RecommendedAction.retry, .clear, .maintenance, .reset] {
            let who = switch action {
            case .retry: "anyone: usually passes by itself"
            case .clear: "staff at the terminal"
            case .maintenance: "a technician"
            case .reset: "staff or a technician: restart the device"
            }
            lines.append("| `\(action.rawValue)` | \(action.instructions.zh) / \(action.instructions.en) | \(who) |")
        }
        lines += ["", "## Faults", "", "| code | device | meaning (zh-CN / en) | action | what a technician does |", "|---|---|---|---|---|"]
        var seen: Set<String> = []
        for entry in faults where seen.insert(entry.fault.code).inserted {
            let fault = entry.fault
            lines.append("| `\(fault.code)` | \(entry.devices) | \(fault.message.zh) / \(fault.message.en) | `\(fault.action.rawValue)` | "
                + "\(entry.technician.zh) / \(entry.technician.en) |")
        }
        lines += ["", "## Counters", "",
                  "Kept across restarts in the terminal's database, each resettable on its own (`kiosk diag stats DEVICE",
                  "[--reset NAME]`, `GET /v1/devices/{id}/statistics`, `POST …/statistics/{name}/reset`).", "",
                  "| device | counter | counts |", "|---|---|---|"]
        for counter in counters {
            let device = switch counter.kind {
            case .receiptPrinter: "receipt printer"
            case .idCardReader: "ID card reader"
            case .codeScanner: "code scanner"
            }
            lines.append("| \(device) | `\(counter.name)` | \(counter.meaning) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
