/// One `printer-state-reasons` value split into what happened and how bad it is: RFC 8011
/// §5.4.12 appends `-report`, `-warning` or `-error` to the keyword; CUPS also sends bare keywords
/// (`paused`, `offline`, `connecting-to-device`).
public struct PrinterStateReason: Sendable, Hashable {
    public enum Severity: String, Sendable, Hashable {
        case report, warning, error
    }

    public let keyword: String
    public let severity: Severity?

    public init(_ value: String) {
        for severity in [Severity.report, .warning, .error] {
            let suffix = "-" + severity.rawValue
            if value.hasSuffix(suffix), value.count > suffix.count {
                keyword = String(value.dropLast(suffix.count))
                self.severity = severity
                return
            }
        }
        keyword = value
        severity = nil
    }
}

/// What the kiosk needs to know about a receipt printer behind a CUPS queue, in the device
/// vocabulary (paper `ok | nearEnd | out`, cover `closed | open`, online). The device layer maps it
/// onto its own status; this type only interprets CUPS's keywords.
public struct PrinterStatus: Sendable, Hashable {
    public enum Paper: String, Sendable, Hashable {
        case ok, nearEnd, out
    }

    public enum Cover: String, Sendable, Hashable {
        case closed, open
    }

    public var paper: Paper
    public var cover: Cover
    /// False when the printer is unreachable or its queue is stopped (`paused`): either way
    /// nothing sent now will print.
    public var isOnline: Bool
    /// An error none of the other fields explains (a jam, `other`, a vendor fault): a technician
    /// has to look.
    public var hasOtherError: Bool

    public static let ready = PrinterStatus(paper: .ok, cover: .closed, isOnline: true, hasOtherError: false)

    public init(paper: Paper, cover: Cover, isOnline: Bool, hasOtherError: Bool) {
        self.paper = paper
        self.cover = cover
        self.isOnline = isOnline
        self.hasOtherError = hasOtherError
    }

    /// Reads `printer-state-reasons`. The keyword decides, whatever its severity suffix: a
    /// `media-empty-report` still means there is no paper, only that the printer thinks it
    /// harmless to say so.
    public init(stateReasons: [String]) {
        self = .ready
        for reason in stateReasons.map(PrinterStateReason.init) {
            switch reason.keyword {
            case "media-empty", "media-needed":
                paper = .out
            case "media-low":
                if paper == .ok { paper = .nearEnd }
            case "cover-open", "door-open", "interlock-open":
                cover = .open
            case "offline", "shutdown", "paused", "timed-out":
                isOnline = false
            case "other":
                hasOtherError = true
            case "none":
                break
            default:
                if reason.severity == .error { hasOtherError = true }
            }
        }
    }
}
