import Booking
import Foundation

/// The terminal's effective configuration: `kiosk.conf`, then `KIOSK_*` environment overrides,
/// then the defaults in `Setting.all`. Relative paths are resolved against the directory of the
/// configuration file, so `kiosk --config /etc/kiosk/kiosk.conf` works from any directory.
public struct Configuration: Sendable, Equatable {
    public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
        public var host: String
        public var port: Int

        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

        /// Only this machine can connect: `localhost`, an address in 127.0.0.0/8, or `::1`.
        /// Any other host name counts as reachable from the network, whatever it resolves to now.
        public var isLoopback: Bool {
            if host == "localhost" { return true }
            var v4 = in_addr()
            if inet_pton(AF_INET, host, &v4) == 1 { return UInt32(bigEndian: v4.s_addr) >> 24 == 127 }
            var v6 = in6_addr()
            guard inet_pton(AF_INET6, host, &v6) == 1 else { return false }
            return withUnsafeBytes(of: &v6) { bytes in bytes.dropLast().allSatisfy { $0 == 0 } && bytes.last == 1 }
        }
    }

    /// `[tls]`: the PEM files of the HTTPS listener, both resolved to absolute paths.
    public struct TLSFiles: Sendable, Equatable {
        public var certificateFile: String
        public var keyFile: String

        public init(certificateFile: String, keyFile: String) {
            self.certificateFile = certificateFile
            self.keyFile = keyFile
        }
    }

    public enum Database: Sendable, Equatable {
        case sqlite(path: String)
        case postgres(url: String)
    }

    public enum DeviceMode: String, Sendable { case simulated, usb, cups }
    /// `devices.printer`: a USB printer by its ids (and serial number), or a CUPS queue.
    public enum PrinterPin: Sendable, Equatable {
        case usb(vendorID: UInt16, productID: UInt16, serial: String?)
        case cups(queue: String)

        public init?(_ text: String) {
            let parts = text.split(separator: ":", maxSplits: 3, omittingEmptySubsequences: false).map(String.init)
            switch parts.first {
            case "usb":
                guard parts.count == 3 || parts.count == 4, parts[1].count == 4, parts[2].count == 4,
                      let vendor = UInt16(parts[1], radix: 16), let product = UInt16(parts[2], radix: 16) else { return nil }
                let serial = parts.count == 4 ? parts[3] : nil
                guard serial?.isEmpty != true else { return nil }
                self = .usb(vendorID: vendor, productID: product, serial: serial)
            case "cups":
                let queue = String(text.dropFirst("cups:".count))
                guard !queue.isEmpty, !queue.contains(where: { $0 == "/" || $0 == " " || $0 == "#" }) else { return nil }
                self = .cups(queue: queue)
            default:
                return nil
            }
        }
    }

    /// A kind of device the terminal cannot serve citizens without (`devices.required`).
    public enum RequiredDevice: String, Sendable, CaseIterable { case printer, idcard }
    public enum LogFormat: String, Sendable { case text, json }

    public var listen: ListenAddress
    /// HTTPS when set; nil serves plain HTTP, which the loader allows on loopback only.
    public var tls: TLSFiles?
    public var dataDirectory: String
    /// `[secrets] dir`: where `terminal.key` and `district-id.key` live, never inside `dataDirectory`.
    public var secretsDirectory: String
    public var database: Database
    public var timeZone: TimeZone
    public var terminalID: String
    public var terminalName: String
    public var siteID: String
    public var siteName: String
    public var deviceMode: DeviceMode
    public var devicesDirectory: String
    public var formsDirectory: String
    public var logLevel: String
    public var logFormat: LogFormat
    public var maxBodyBytes: Int
    /// `http.read_timeout_seconds`: how long a request may take to arrive whole.
    public var readTimeoutSeconds: Int
    /// `http.write_timeout_seconds`: how long a client may stop taking an answer before it is cut.
    public var writeTimeoutSeconds: Int
    /// `[hours]`: opening hours, lunch duty, summer timetable, after-hours windows, overrides.
    public var hours: HallHours
    /// `[[services]]`: what citizens can book; none means booking is not offered.
    public var services: [Service]
    /// `[booking]`: quotas, the no-show rule, the change deadline and the hold time.
    public var bookingPolicy: BookingPolicy
    /// `booking.maintenance_seconds`: the period of `BookingMaintenance`.
    public var bookingMaintenanceSeconds: Int
    /// `[check_in]`: how early and how late a booking can be checked in.
    public var checkInWindow: CheckInWindow
    /// `[limits]`: requests per minute this terminal accepts on sign-in, booking and printing,
    /// and the misses it tolerates on code-bearing endpoints.
    public var rateLimits: RateLimits
    /// `devices.print_job_retention_days`: print jobs hold receipt text; older ones are deleted.
    public var printJobRetentionDays: Int
    /// `devices.required`: the kinds of device `/readyz` needs present and without a fault.
    public var requiredDevices: [RequiredDevice]
    /// `devices.status_poll_seconds`: how often an idle printer is asked for its status.
    public var statusPollSeconds: Int
    /// `devices.heartbeat_seconds`: in district mode, how often the terminal reports to the fleet view.
    public var heartbeatSeconds = 60
    /// `devices.cups_socket`: the domain socket of the CUPS scheduler in `cups` mode.
    public var cupsSocket: String
    /// `devices.printer`: the one printer the terminal uses; nil uses the first online one.
    public var printerPin: PrinterPin?
    /// `devices.printer_profile`: the profile id forced on the pinned printer; nil: matched by USB ids.
    public var printerProfile: String? = nil
    /// `[session]`: when an idle citizen session is warned about and ended.
    public var sessionTimeout: SessionTimeout
    /// `[queue]` with `[queue.prefixes]`: ticket prefixes, the elderly age, the wait estimate,
    /// when walk-in tickets stop.
    public var queue: QueuePolicy
    /// `[filings]`: the lifecycle after the terminal (warnings, reminders, follow-ups, retention).
    public var filings: FilingSettings = FilingSettings()
    /// Calls for a member of staff: how long before the screen gives the hotline, and the numbers.
    public var help: HelpSettings = HelpSettings()
    /// `[display]`: the call display's own HTTPS listener on the hall network; nil: none.
    public var display: DisplayListener?

    /// `[display]`: where the call display's listener binds, and its certificate and key.
    public struct DisplayListener: Sendable, Equatable {
        public var listen: ListenAddress
        public var tls: TLSFiles

        public init(listen: ListenAddress, tls: TLSFiles) {
            self.listen = listen
            self.tls = tls
        }
    }

    /// Where each value came from, keyed by setting path, for `kiosk config check`.
    public var sources: [String: ValueSource]
    /// Each setting's effective value, as `kiosk config check` prints it.
    public var values: [String: TOMLValue]
    /// The file it was read from, read again when `kiosk serve` reloads.
    public var file: String?
}

/// Where an effective value came from.
public enum ValueSource: Sendable, Equatable, CustomStringConvertible {
    case defaultValue
    case file(path: String, line: Int)
    case environment(String)

    public var description: String {
        switch self {
        case .defaultValue: "default"
        case .file(let path, let line): "\(path):\(line)"
        case .environment(let name): name
        }
    }
}

/// One thing wrong with the configuration, printed as `FILE:LINE: message`.
public struct ConfigurationProblem: Error, Sendable, Equatable, CustomStringConvertible {
    public let source: ValueSource
    public let message: String

    public var description: String {
        switch source {
        case .file(let path, 0): "\(path): \(message)"
        case .file(let path, let line): "\(path):\(line): \(message)"
        case .environment(let name): "\(name) (environment): \(message)"
        case .defaultValue: message
        }
    }
}

/// All problems found at once, so a technician fixes the file in one pass.
public struct ConfigurationErrors: Error, Sendable, CustomStringConvertible {
    public let problems: [ConfigurationProblem]
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

/// How long a citizen session may sit idle, and how long before its end the screen warns.
public struct SessionTimeout: Sendable, Equatable {
    public var seconds: Int
    public var warningSeconds: Int

    public init(seconds: Int, warningSeconds: Int) {
        self.seconds = seconds
        self.warningSeconds = warningSeconds
    }
}

public struct RateLimits: Sendable, Equatable {
    public var signInPerMinute: Int
    public var bookingPerMinute: Int
    /// Codes not found per minute before code-bearing requests are refused for a while.
    public var codeMissesPerMinute: Int
    /// Booking slips and reprints per minute.
    public var printPerMinute: Int

    /// Presses of the call-staff button per minute.
    public var helpPerMinute = 6
    /// Screens read aloud per minute.
    public var speechPerMinute = 60

    public init(signInPerMinute: Int, bookingPerMinute: Int, codeMissesPerMinute: Int = 10, printPerMinute: Int = 6) {
        self.signInPerMinute = signInPerMinute
        self.bookingPerMinute = bookingPerMinute
        self.codeMissesPerMinute = codeMissesPerMinute
        self.printPerMinute = printPerMinute
    }
}

/// `[filings]`: how the filing lifecycle warns, reminds, follows up and forgets.
public struct FilingSettings: Sendable, Equatable {
    public var warningPercent = 80
    public var reminderWorkingDays = 2
    public var followUpWorkingDays = 15
    public var badRatingThreshold = 3
    public var badRatingWindowDays = 30
    public var retentionGraceDays = 7
    public var sweepSeconds = 60

    public init() {}
}

/// `session.help_timeout_seconds`, `site.hotline`, `site.appointment_line`: what the screen does
/// when a call for staff is not taken in time.
public struct HelpSettings: Sendable, Equatable {
    public var timeoutSeconds = 90
    public var hotline = "12345"
    /// Empty: none shown.
    public var appointmentLine = ""

    public init() {}
}
