import Foundation
import KioskCore

/// The device vocabulary technicians know from UnifiedPOS / XFS4IoT.
public enum DeviceKind: String, Codable, Sendable, CaseIterable {
    case receiptPrinter
    case idCardReader
    /// A 2D code scanner (serial CDC-ACM, or a keyboard-mode scanner through evdev).
    case codeScanner
}

/// `closed`: not opened; `idle`: ready; `busy`: a job runs; `error`: needs an action;
/// `offline`: unplugged or unreachable.
public enum DeviceState: String, Codable, Sendable {
    case closed, idle, busy, error, offline
}

/// What a person should do about a fault: `retry` (transient), `clear` (staff can fix it: load
/// paper, close the cover, take the card off), `maintenance` (a technician), `reset` (restart the device).
public enum RecommendedAction: String, Codable, Sendable {
    case retry, clear, maintenance, reset
}

/// What the device says about itself. Fields it does not report stay nil.
public struct DeviceInfo: Codable, Sendable, Equatable {
    public var id: String
    public var kind: DeviceKind
    /// How it is reached: `usb:0416:5011`, `cups:receipt`, `serial:/dev/ttyUSB0`, `simulated`.
    public var connection: String
    public var vendor: String?
    public var model: String?
    public var serialNumber: String?
    public var firmware: String?
    /// The profile in `Devices/profiles/` that matched (or `devices.printer_profile` forced).
    public var profile: String?
    /// What the device answered when asked about itself (a printer's `GS I`); nil until it was
    /// asked, or where the connection cannot ask (a CUPS queue).
    public var reported: ReportedIdentity?
    /// What the profile says the device can do.
    public var capabilities: DeviceCapabilities?

    public init(id: String, kind: DeviceKind, connection: String, vendor: String? = nil, model: String? = nil,
                serialNumber: String? = nil, firmware: String? = nil, profile: String? = nil,
                reported: ReportedIdentity? = nil, capabilities: DeviceCapabilities? = nil) {
        self.id = id
        self.kind = kind
        self.connection = connection
        self.vendor = vendor
        self.model = model
        self.serialNumber = serialNumber
        self.firmware = firmware
        self.profile = profile
        self.reported = reported
        self.capabilities = capabilities
    }
}

/// What a device says about itself when asked, beside what its USB descriptors say: the
/// firmware a technician compares with the vendor's notes. `unknown` where it did not answer.
public struct ReportedIdentity: Codable, Sendable, Equatable {
    public static let unknown = "unknown"

    public var manufacturer: String
    public var model: String
    public var firmware: String

    public init(manufacturer: String? = nil, model: String? = nil, firmware: String? = nil) {
        self.manufacturer = manufacturer ?? Self.unknown
        self.model = model ?? Self.unknown
        self.firmware = firmware ?? Self.unknown
    }
}

/// What a device can do, from its profile (what a technician checks before blaming the
/// printer for a receipt without QR code). Fields of other kinds stay nil.
public struct DeviceCapabilities: Codable, Sendable, Equatable {
    /// Printable width in dots at 203 dpi (576: 80 mm paper, 384: 58 mm).
    public var paperWidthDots: Int?
    /// Paper width in millimetres, from the printable width.
    public var paperWidthMillimetres: Int?
    /// Characters per line in the receipt font.
    public var columns: Int?
    /// `none`, `partial` or `full`.
    public var cutter: String?
    public var qrCode: Bool?
    public var barcodes: [String]?
    public var codePage: String?
    /// Chinese text in GB18030 (else Chinese is printed as an image or left out).
    public var chineseText: Bool?
    public var rasterImage: Bool?

    public init(paperWidthDots: Int? = nil, paperWidthMillimetres: Int? = nil, columns: Int? = nil, cutter: String? = nil,
                qrCode: Bool? = nil, barcodes: [String]? = nil, codePage: String? = nil, chineseText: Bool? = nil,
                rasterImage: Bool? = nil) {
        self.paperWidthDots = paperWidthDots
        self.paperWidthMillimetres = paperWidthMillimetres
        self.columns = columns
        self.cutter = cutter
        self.qrCode = qrCode
        self.barcodes = barcodes
        self.codePage = codePage
        self.chineseText = chineseText
        self.rasterImage = rasterImage
    }
}

/// The status a device reports; each kind fills its own part.
public struct DeviceStatus: Codable, Sendable, Equatable {
    public enum Paper: String, Codable, Sendable { case ok, nearEnd, out }
    public enum Cover: String, Codable, Sendable { case closed, open }
    public enum Cutter: String, Codable, Sendable { case ok, error }
    public enum Card: String, Codable, Sendable { case noCard, cardPresent }
    public enum SAM: String, Codable, Sendable { case ok, error }

    public var paper: Paper?
    public var cover: Cover?
    public var cutter: Cutter?
    public var card: Card?
    public var sam: SAM?

    public init(paper: Paper? = nil, cover: Cover? = nil, cutter: Cutter? = nil, card: Card? = nil, sam: SAM? = nil) {
        self.paper = paper
        self.cover = cover
        self.cutter = cutter
        self.card = card
        self.sam = sam
    }
}

/// A device error: a stable code, both languages, and what to do about it. Never carries the
/// data that was being printed or read.
public struct DeviceFault: KioskError, Codable, Equatable {
    /// A fault's code as code compares it: each device layer declares its codes as static
    /// members (`DeviceFault.Code.printJobNotFound`), so a comparison cannot be misspelt.
    public struct Code: RawRepresentable, Hashable, Sendable {
        public let rawValue: String

        public init(rawValue: String) {
            self.rawValue = rawValue
        }

        public static let deviceClaimed = Code(rawValue: "deviceClaimed")
        public static let deviceOffline = Code(rawValue: "deviceOffline")
        public static let deviceAccessDenied = Code(rawValue: "deviceAccessDenied")
    }

    public let code: String
    public let message: LocalizedText
    public let action: RecommendedAction

    public init(code: String, message: LocalizedText, action: RecommendedAction) {
        self.code = code
        self.message = message
        self.action = action
    }

    public init(_ kind: Code, message: LocalizedText, action: RecommendedAction) {
        self.init(code: kind.rawValue, message: message, action: action)
    }

    /// `code`, typed for comparisons.
    public var kind: Code { Code(rawValue: code) }

    public static func claimed(by owner: String) -> DeviceFault {
        DeviceFault(.deviceClaimed, message: .init(zh: "设备正被 \(owner) 占用", en: "the device is claimed by \(owner)"), action: .retry)
    }

    public static let offline = DeviceFault(
        .deviceOffline, message: .init(zh: "设备未连接", en: "the device is not connected"), action: .maintenance)

    /// The operating system refuses the kiosk user the device (libusb `LIBUSB_ERROR_ACCESS`, a
    /// serial port's `EACCES`): the udev rules are missing or the user is not in their group.
    public static let accessDenied = DeviceFault(
        .deviceAccessDenied,
        message: .init(zh: "没有访问该设备的权限，请检查 udev 规则", en: "no permission to use the device; check the udev rules"),
        action: .maintenance)

    /// The faults any device may report; each kind adds its own (`DeviceFault.printerFaults`,
    /// the reader's `ReaderError`s).
    public static let common: [DeviceFault] = [.offline, .accessDenied, .claimed(by: "…")]
}

/// What happened to a device, as the event stream publishes it.
public enum DeviceEvent: Sendable, Equatable {
    case stateChanged(deviceID: String, DeviceState)
    case statusChanged(deviceID: String, DeviceStatus)
    case fault(deviceID: String, DeviceFault)

    public var deviceID: String {
        switch self {
        case .stateChanged(let id, _), .statusChanged(let id, _), .fault(let id, _): id
        }
    }
}
