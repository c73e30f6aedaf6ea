import Foundation

/// What a terminal in district mode tells the district store every minute, for the technicians
/// who look after the district's terminals (`GET /v1/fleet`, `kiosk diag fleet`).
///
/// Only codes and counts: device ids (USB ids and serial numbers, or CUPS queue names), kinds,
/// states, fault codes from the fixed set in docs/DEVICE-FAULTS.md, paper status, the outbox's
/// counts, the code of the last fault. Never a citizen's name, ID number, phone or photo, and
/// never a message text that could carry one.
public struct TerminalHeartbeat: Codable, Sendable, Equatable {
    public struct Device: Codable, Sendable, Equatable {
        public var id: String
        /// `receiptPrinter`, `idCardReader` or `codeScanner`.
        public var kind: String
        /// `closed`, `idle`, `busy`, `error` or `offline`.
        public var state: String
        /// The fault the device is in, while it is in one (`paperOut`, `deviceOffline`, …).
        public var fault: String?
        /// A printer's paper: `ok`, `nearEnd` or `out`.
        public var paper: String?

        public init(id: String, kind: String, state: String, fault: String? = nil, paper: String? = nil) {
            self.id = id
            self.kind = kind
            self.state = state
            self.fault = fault
            self.paper = paper
        }

        /// A required kind of device of which the terminal has none at all (never plugged in,
        /// matched by no profile, a CUPS queue gone): listed under its kind's name, offline,
        /// in the fault `deviceMissing`.
        public static func missing(_ kind: String) -> Device {
            Device(id: kind, kind: kind, state: "offline", fault: "deviceMissing")
        }
    }

    public var terminalId: String
    public var siteId: String
    public var version: String
    /// The terminal's clock when it sent this; the fleet's "last seen".
    public var sentAt: Date
    public var devices: [Device]
    public var outboxPending: Int
    /// Outbox records the district store refused for good (a technician looks at `GET /v1/district`).
    public var outboxRefused: Int
    /// The code of the last fault any device reported since the terminal started.
    public var lastError: String?

    public init(terminalId: String, siteId: String, version: String, sentAt: Date, devices: [Device],
                outboxPending: Int, outboxRefused: Int, lastError: String?) {
        self.terminalId = terminalId
        self.siteId = siteId
        self.version = version
        self.sentAt = sentAt
        self.devices = devices
        self.outboxPending = outboxPending
        self.outboxRefused = outboxRefused
        self.lastError = lastError
    }
}

/// Something a technician takes along to a terminal, derived from what its heartbeat says.
public enum FleetSupply: String, Codable, Sendable, CaseIterable, Comparable {
    case paperRoll, usbCable, cutter, receiptPrinter, idCardReader, codeScanner

    public var label: LocalizedText {
        switch self {
        case .paperRoll: LocalizedText(zh: "热敏纸卷", en: "a paper roll")
        case .usbCable: LocalizedText(zh: "USB 数据线", en: "a USB cable")
        case .cutter: LocalizedText(zh: "打印机切刀", en: "a printer cutter")
        case .receiptPrinter: LocalizedText(zh: "备用打印机", en: "a spare receipt printer")
        case .idCardReader: LocalizedText(zh: "备用身份证读卡器", en: "a new ID card reader")
        case .codeScanner: LocalizedText(zh: "备用扫码器", en: "a spare code scanner")
        }
    }

    public static func < (lhs: FleetSupply, rhs: FleetSupply) -> Bool {
        allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
    }
}

/// One thing wrong with a terminal: a device's fault or paper, the outbox, or its silence.
public struct FleetProblem: Codable, Sendable, Equatable {
    /// A fault code from docs/DEVICE-FAULTS.md, `deviceMissing` (a required device absent
    /// altogether), `paperNearEnd`, `outboxRefused` or `silent`.
    public var code: String
    public var deviceId: String?
    public var deviceKind: String?

    public init(code: String, deviceId: String? = nil, deviceKind: String? = nil) {
        self.code = code
        self.deviceId = deviceId
        self.deviceKind = deviceKind
    }
}

/// A terminal as the fleet view shows it: last seen, what is wrong, what to bring.
public struct FleetTerminal: Codable, Sendable, Equatable {
    public var terminalId: String
    public var siteId: String
    public var version: String
    public var lastSeen: Date
    /// No heartbeat for `Fleet.silenceLimit` or longer: the terminal is off, hung or cut off.
    public var silent: Bool
    public var problems: [FleetProblem]
    public var bring: [FleetSupply]
    public var devices: [TerminalHeartbeat.Device]
    public var outboxPending: Int
    public var outboxRefused: Int
    public var lastError: String?
}

/// The district's terminals as a technician needs them, from their last heartbeats. Pure: the
/// clock is an argument.
public enum Fleet {
    /// A terminal that sent nothing for this long (five heartbeats missed) is shown as silent.
    public static let silenceLimit: TimeInterval = 5 * 60

    /// Every terminal, the silent and the troubled first, then by hall and terminal id.
    public static func view(_ heartbeats: [TerminalHeartbeat], now: Date) -> [FleetTerminal] {
        heartbeats.map { assess($0, now: now) }.sorted {
            let (left, right) = (($0.silent || !$0.problems.isEmpty) ? 0 : 1, ($1.silent || !$1.problems.isEmpty) ? 0 : 1)
            return (left, $0.siteId, $0.terminalId) < (right, $1.siteId, $1.terminalId)
        }
    }

    public static func assess(_ heartbeat: TerminalHeartbeat, now: Date) -> FleetTerminal {
        let silent = now.timeIntervalSince(heartbeat.sentAt) >= silenceLimit
        var problems: [FleetProblem] = silent ? [FleetProblem(code: "silent")] : []
        var bring = Set<FleetSupply>()
        for device in heartbeat.devices {
            if let fault = device.fault {
                problems.append(FleetProblem(code: fault, deviceId: device.id, deviceKind: device.kind))
            }
            if device.paper == "nearEnd", device.fault != "paperOut" {
                problems.append(FleetProblem(code: "paperNearEnd", deviceId: device.id, deviceKind: device.kind))
            }
            bring.formUnion(supplies(kind: device.kind, fault: device.fault, paper: device.paper))
        }
        if heartbeat.outboxRefused > 0 { problems.append(FleetProblem(code: "outboxRefused")) }
        return FleetTerminal(
            terminalId: heartbeat.terminalId, siteId: heartbeat.siteId, version: heartbeat.version, lastSeen: heartbeat.sentAt,
            silent: silent, problems: problems, bring: bring.sorted(), devices: heartbeat.devices,
            outboxPending: heartbeat.outboxPending, outboxRefused: heartbeat.outboxRefused, lastError: heartbeat.lastError)
    }

    /// What to take to a device of `kind` in `fault` with `paper` (docs/DEVICE-FAULTS.md says
    /// what the technician does): paper for an empty or nearly empty roll, a cable where the
    /// line fails, a spare where the device itself fails. Faults fixed on the spot (a cover, a
    /// stopped queue, the udev rules) and those that pass by themselves need nothing.
    public static func supplies(kind: String, fault: String?, paper: String?) -> Set<FleetSupply> {
        var bring = Set<FleetSupply>()
        if paper == "out" || paper == "nearEnd" || fault == "paperOut" { bring.insert(.paperRoll) }
        switch fault {
        case "deviceOffline", "deviceMissing":
            bring.insert(.usbCable)
            if let spare = spare(kind) { bring.insert(spare) }
        case "communicationError", "checksumError", "lengthError", "scannerCommunicationError":
            bring.insert(.usbCable)
        case "cutterError":
            bring.insert(.cutter)
        case "printerError", "samSelfTestFailed", "samNotAuthorised", "unrecognised", "unknownStatus", "noResponse",
             "commandError", "unauthorised":
            if let spare = spare(kind) { bring.insert(spare) }
        default:
            break
        }
        return bring
    }

    static func spare(_ kind: String) -> FleetSupply? {
        switch kind {
        case "receiptPrinter": .receiptPrinter
        case "idCardReader": .idCardReader
        case "codeScanner": .codeScanner
        default: nil
        }
    }
}
