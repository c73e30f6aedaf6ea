import Foundation

/// Every key `kiosk.conf` accepts, with its type, default and meaning.
///
/// The list is the single source of truth: the loader rejects keys that are not here, the
/// environment overrides are derived from it (`KIOSK_` + the path upper-cased, dots as
/// underscores), `kiosk config check` prints it, and a test checks that the shipped `kiosk.conf`
/// documents each key with its default.
public struct Setting: Sendable {
    public enum Kind: Sendable, Equatable {
        case string
        case integer(ClosedRange<Int64>)
        case choice([String])
        /// `host:port` or `[v6-host]:port`.
        case address
        /// An address and port, or empty for none.
        case optionalAddress
        /// A directory that must already exist.
        case existingDirectory
        /// A directory kiosk creates when missing; its parent must exist.
        case writableDirectory
        case timeZone
        /// `sqlite`, `sqlite:PATH` or a `postgres://` URL.
        case database
        /// One to three capital letters, the prefix of queue ticket numbers.
        case ticketPrefix
        /// A file that must exist and be readable, or the empty string for none.
        case optionalFile
        /// A directory kiosk creates when missing, or the empty string for the default.
        case optionalDirectory
        /// `usb:VID:PID[:SERIAL]` (hex ids), `cups:QUEUE`, or the empty string for none.
        case printerPin
        /// The `id` of a profile in `devices.dir/profiles`, or the empty string for none.
        case profileID
        /// An array of distinct strings, each one of these (the environment gives them
        /// comma-separated; empty for none).
        case subset([String])
        /// A telephone number as people dial it: digits, with spaces, `-`, `+` and parentheses
        /// (at most 24 characters); `optional` also takes the empty string for none.
        case telephone(optional: Bool)

        var tomlType: String {
            switch self {
            case .integer: "an integer"
            case .subset: "an array of strings"
            default: "a string"
            }
        }
    }

    public let path: String
    public let kind: Kind
    public let defaultValue: TOMLValue
    public let summary: String
    /// Printed as `***` by `kiosk config check`.
    public let isSecret: Bool

    public var environmentVariable: String {
        "KIOSK_" + path.uppercased().replacingOccurrences(of: ".", with: "_")
    }

    init(_ path: String, _ kind: Kind, _ defaultValue: TOMLValue, _ summary: String, secret: Bool = false) {
        self.path = path
        self.kind = kind
        self.defaultValue = defaultValue
        self.summary = summary
        self.isSecret = secret
    }

    public static let all: [Setting] = [
        Setting("listen", .address, .string("127.0.0.1:8080"),
                "address and port the HTTP server listens on; an address off loopback needs [tls]"),
        Setting("tls.certificate_file", .optionalFile, .string(""),
                "PEM certificate (with its chain) served over HTTPS; empty serves plain HTTP, on loopback only"),
        Setting("tls.key_file", .optionalFile, .string(""),
                "PEM private key of that certificate, unencrypted; readable by the kiosk user only"),
        Setting("display.listen", .optionalAddress, .string(""),
                "address and port of the call display's own HTTPS listener (queue feed and display page only); "
                    + "empty: none"),
        Setting("display.certificate_file", .optionalFile, .string(""),
                "PEM certificate (with its chain) of the display listener; required with display.listen"),
        Setting("display.key_file", .optionalFile, .string(""),
                "PEM private key of that certificate, unencrypted; readable by the kiosk user only"),
        Setting("data_dir", .writableDirectory, .string("./var"),
                "directory for the database and other state; created on start"),
        Setting("secrets.dir", .optionalDirectory, .string(""),
                "directory of the terminal's keys (terminal.key, district-id.key), mode 0700, outside data_dir; "
                    + "empty: data_dir/../secrets; systemd credentials ($CREDENTIALS_DIRECTORY) come first"),
        Setting("database", .database, .string("sqlite"),
                "\"sqlite\" (a file in data_dir), \"sqlite:PATH\", or a postgres:// URL (district mode)"),
        Setting("time_zone", .timeZone, .string("Asia/Shanghai"), "IANA time zone of the service hall"),
        Setting("terminal.id", .string, .string("T01"), "identifier of this terminal, unique within the site"),
        Setting("terminal.name", .string, .string("自助服务终端 1"), "name of this terminal shown to technicians"),
        Setting("site.id", .string, .string("S01"), "identifier of the service hall"),
        Setting("site.name", .string, .string("政务服务中心"), "name of the service hall printed on receipts"),
        Setting("site.hotline", .telephone(optional: false), .string("12345"),
                "the hall's hotline, shown (and spoken) when no member of staff takes a call for help in time"),
        Setting("site.appointment_line", .telephone(optional: true), .string(""),
                "the 24-hour appointment line shown beside the hotline; empty shows none"),
        Setting("devices.mode", .choice(["simulated", "usb", "cups"]), .string("simulated"),
                "how devices are reached: simulated, usb (libusb) or cups"),
        Setting("devices.required", .subset(["printer", "idcard"]), .array([.string("printer"), .string("idcard")]),
                "devices /readyz needs: a missing or faulted one makes the terminal not ready"),
        Setting("devices.status_poll_seconds", .integer(1...3600), .integer(10),
                "how often an idle printer is asked for its status (paper, cover)"),
        Setting("devices.heartbeat_seconds", .integer(10...3600), .integer(60),
                "district mode: how often the terminal reports its devices, outbox and last fault to the district store (the fleet view)"),
        Setting("devices.printer", .printerPin, .string(""),
                "the one printer receipts go to: usb:VID:PID[:SERIAL] or cups:QUEUE; empty for the first online one"),
        Setting("devices.printer_profile", .profileID, .string(""),
                "the profile (its id in devices.dir/profiles) forced on the pinned printer; empty: the one its USB ids match"),
        Setting("devices.cups_socket", .string, .string("/run/cups/cups.sock"),
                "the CUPS scheduler's socket (devices.mode = \"cups\")"),
        Setting("devices.dir", .existingDirectory, .string("Devices"), "directory of device profiles"),
        Setting("devices.print_job_retention_days", .integer(1...3650), .integer(30),
                "print jobs (they hold receipt text) older than this are deleted"),
        Setting("forms.dir", .existingDirectory, .string("Forms"), "directory of filing definitions"),
        Setting("log.level", .choice(["trace", "debug", "info", "notice", "warning", "error", "critical"]),
                .string("info"), "lowest level written to the log"),
        Setting("log.format", .choice(["text", "json"]), .string("text"), "text for people, json for collectors"),
        Setting("session.timeout_seconds", .integer(30...3600), .integer(120),
                "a citizen session idle this long ends, and its answers and card data are wiped"),
        Setting("session.warning_seconds", .integer(20...600), .integer(30),
                "the screen warns this long before the session ends (WCAG 2.2.1 asks for 20 s at least)"),
        Setting("session.help_timeout_seconds", .integer(10...3600), .integer(90),
                "a call for staff nobody has taken after this long shows the hotline; the call stays open"),
        Setting("filings.warning_percent", .integer(1...100), .integer(80),
                "黄灯: a filing is nearly overdue once this share of its legal time limit is used"),
        Setting("filings.reminder_working_days", .integer(0...30), .integer(2),
                "容缺 materials appear on the staff desk this many working days before their due date"),
        Setting("filings.follow_up_working_days", .integer(1...60), .integer(15),
                "回访 and 整改 of a 差评 are due this many working days after the rating"),
        Setting("filings.bad_rating_threshold", .integer(1...100), .integer(3),
                "a matter, window or member of staff with this many 差评 within bad_rating_window_days is flagged"),
        Setting("filings.bad_rating_window_days", .integer(1...366), .integer(30),
                "the days in which 差评 are counted for that flag"),
        Setting("filings.retention_grace_days", .integer(0...365), .integer(7),
                "a filing's answers leave the terminal this many days after the district store or a window took it"),
        Setting("filings.sweep_seconds", .integer(1...3600), .integer(60),
                "how often warnings, missed 容缺 due dates and overdue follow-ups are looked for, and answers past retention removed"),
        Setting("limits.sign_in_per_minute", .integer(1...600), .integer(10),
                "staff numbers whose sign-in may fail per minute at this terminal (a number counts once a minute)"),
        Setting("limits.booking_per_minute", .integer(1...6000), .integer(60),
                "holds, bookings, changes and walk-in tickets this terminal accepts per minute"),
        Setting("limits.code_misses_per_minute", .integer(1...600), .integer(10),
                "booking or draft codes (and rating proofs) not found per minute before this terminal refuses more tries for a while"),
        Setting("limits.print_per_minute", .integer(1...600), .integer(6),
                "booking slips and reprints this terminal prints per minute"),
        Setting("limits.help_per_minute", .integer(1...600), .integer(6),
                "presses of the call-staff button this terminal accepts per minute (one call stays open at a time)"),
        Setting("limits.speech_per_minute", .integer(1...6000), .integer(60),
                "screens this terminal reads aloud per minute (each is synthesised)"),
        Setting("http.max_body_bytes", .integer(1024...67_108_864), .integer(1_048_576),
                "largest request body accepted; larger requests get 413"),
        Setting("http.read_timeout_seconds", .integer(1...300), .integer(10),
                "a request must arrive whole within this time, else 408 and the connection closes"),
        Setting("http.write_timeout_seconds", .integer(1...300), .integer(30),
                "a client that takes none of its answer for this long is cut (its connection closes)"),
        Setting("booking.max_active_per_service", .integer(1...100), .integer(1),
                "bookings one ID number may hold for one service that have not taken place yet"),
        Setting("booking.max_active_total", .integer(1...100), .integer(3),
                "the same across all services"),
        Setting("booking.no_show_limit", .integer(1...100), .integer(3),
                "no-shows within no_show_window_days that suspend booking"),
        Setting("booking.no_show_window_days", .integer(1...3650), .integer(90),
                "the period in which no-shows are counted"),
        Setting("booking.ban_days", .integer(0...3650), .integer(30),
                "how long booking stays suspended after the no-show that reached the limit"),
        Setting("booking.change_deadline_minutes", .integer(0...10_080), .integer(60),
                "cancelling and rescheduling close this long before the booked time"),
        Setting("booking.hold_seconds", .integer(10...3600), .integer(300),
                "how long a chosen slot is kept while the citizen confirms"),
        Setting("booking.maintenance_seconds", .integer(1...3600), .integer(30),
                "how often expired holds are deleted and missed appointments marked as no-shows"),
        Setting("check_in.early_minutes", .integer(0...1440), .integer(30),
                "how long before the booked time check-in opens"),
        Setting("check_in.late_minutes", .integer(0...1440), .integer(15),
                "how long after the booked time check-in still gives an appointment ticket; later is a walk-in"),
        Setting("queue.default_prefix", .ticketPrefix, .string("A"),
                "ticket prefix of services not listed in [queue.prefixes]"),
        Setting("queue.elderly_age", .integer(50...120), .integer(65),
                "age in full years, from the ID card, from which a walk-in ticket is in the elderly priority class"),
        Setting("queue.average_service_minutes", .integer(1...480), .integer(10),
                "minutes one ticket takes at one counter, the basis of the estimated wait"),
        Setting("queue.walk_in_cutoff_minutes", .integer(0...720), .integer(0),
                "new walk-in tickets stop this long before closing time; tickets already issued are served after closing"),
    ]

    public static func named(_ path: String) -> Setting? {
        all.first { $0.path == path }
    }
}
