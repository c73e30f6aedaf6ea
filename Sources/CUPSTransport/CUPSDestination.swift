/// A print queue as the scheduler reports it.
public struct CUPSDestination: Sendable, Hashable {
    public var name: String
    public var isDefault: Bool
    public var state: PrinterState
    /// Raw `printer-state-reasons` keywords (without the meaningless `none`), kept for logs and
    /// the technician page; `status` interprets them.
    public var stateReasons: [String]
    public var isAcceptingJobs: Bool
    public var makeAndModel: String?
    /// Without user name and password: a URI such as `smb://user:secret@host/queue` must not
    /// reach a log or a technician page.
    public var deviceURI: String?

    public var status: PrinterStatus { PrinterStatus(stateReasons: stateReasons) }

    public init(
        name: String, isDefault: Bool, state: PrinterState, stateReasons: [String],
        isAcceptingJobs: Bool, makeAndModel: String?, deviceURI: String?
    ) {
        self.name = name
        self.isDefault = isDefault
        self.state = state
        self.stateReasons = stateReasons
        self.isAcceptingJobs = isAcceptingJobs
        self.makeAndModel = makeAndModel
        self.deviceURI = deviceURI
    }
}

/// `printer-state` (RFC 8011 §5.4.11).
public enum PrinterState: Int32, Sendable, Hashable {
    case idle = 3
    case processing = 4
    case stopped = 5
}

/// `job-state` (RFC 8011 §5.3.7).
public enum JobState: Int32, Sendable, Hashable {
    case pending = 3
    case held = 4
    case processing = 5
    case stopped = 6
    case canceled = 7
    case aborted = 8
    case completed = 9

    /// The scheduler will not touch the job again.
    public var isFinal: Bool {
        switch self {
        case .canceled, .aborted, .completed: true
        case .pending, .held, .processing, .stopped: false
        }
    }
}

/// Drops the user-info part of a URI (`scheme://user:password@host/...`).
func withoutCredentials(_ uri: String) -> String {
    guard let schemeEnd = uri.firstRange(of: "://") else { return uri }
    let authorityStart = schemeEnd.upperBound
    let authorityEnd = uri[authorityStart...].firstIndex(where: { "/?#".contains($0) }) ?? uri.endIndex
    guard let at = uri[authorityStart..<authorityEnd].lastIndex(of: "@") else { return uri }
    return String(uri[..<authorityStart]) + String(uri[uri.index(after: at)...])
}
