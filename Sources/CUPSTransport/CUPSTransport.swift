import CCUPS
import Dispatch

#if canImport(Glibc)
import Glibc
#endif

/// Where a CUPS scheduler listens.
public enum CUPSServer: Sendable, Hashable {
    /// A domain socket, such as Debian's `/run/cups/cups.sock`.
    case socket(path: String)
    case host(String, port: Int = 631)
}

/// Prints raw bytes through one CUPS scheduler and follows the jobs.
///
/// Every call opens its own connection to `server` (a local socket costs well under a
/// millisecond) rather than using libcups's per-thread default server, so a terminal and its
/// tests can talk to different schedulers. libcups blocks, so all calls run on a private serial
/// queue, never on Swift's cooperative pool.
public final class CUPSTransport: Sendable {
    public let server: CUPSServer
    private let requestTimeoutSeconds: Double
    private let queue = DispatchQueue(label: "kiosk.cups")

    /// `requestTimeout` bounds each exchange with the scheduler, so a hung scheduler becomes an
    /// error instead of a job that never returns.
    public init(server: CUPSServer, requestTimeout: Duration = .seconds(15)) {
        self.server = server
        let parts = requestTimeout.components
        requestTimeoutSeconds = Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }

    /// All queues of the scheduler; empty when it has none.
    public func destinations() async throws(CUPSError) -> [CUPSDestination] {
        try await run { http throws(CUPSError) in
            let request = ippNewRequest(IPP_OP_CUPS_GET_PRINTERS)
            addRequestedAttributes(request, Self.printerAttributes)
            // CUPS answers "not found" when there are no queues at all.
            guard let response = try send(request, to: "/", on: http, about: .listDestinations,
                                          notFoundIsEmpty: true)
            else { return [] }
            return response.groups(IPP_TAG_PRINTER).compactMap(Self.destination)
        }
    }

    /// One queue, freshly queried.
    public func destination(named name: String) async throws(CUPSError) -> CUPSDestination {
        try await run { http throws(CUPSError) in try Self.printer(named: name, on: http) }
    }

    /// Sends `bytes` unchanged to the printer (`application/vnd.cups-raw`: no filter touches
    /// them) and returns the job id once the scheduler has spooled the whole document.
    /// `title` never appears in an error, but CUPS shows it in its job list and writes it to its
    /// page log: give a matter or a reference number, never a citizen's name.
    public func submitRaw(destination: String, title: String, bytes: [UInt8]) async throws(CUPSError) -> Int32 {
        guard !bytes.isEmpty else {
            throw CUPSError.failure(.submit(destination: destination), status: IPP_STATUS_ERROR_NOT_POSSIBLE,
                                    serverMessage: "empty document")
        }
        return try await run { http throws(CUPSError) in
            // cupsCreateJob reports a missing queue as an internal error ("No such file or
            // directory"); asking first names the problem.
            _ = try Self.printer(named: destination, on: http)
            let jobID = cupsCreateJob(http, destination, title, 0, nil)
            guard jobID > 0 else {
                throw CUPSError.failure(.submit(destination: destination), redacting: [title])
            }
            // A job created but never finished would sit in the queue waiting for its document.
            func abandon(_ error: CUPSError) -> CUPSError {
                _ = cupsCancelJob2(http, destination, jobID, 1)
                return error
            }
            guard cupsStartDocument(http, destination, jobID, title, CUPS_FORMAT_RAW, 1) == HTTP_STATUS_CONTINUE else {
                throw abandon(CUPSError.failure(.submit(destination: destination), redacting: [title]))
            }
            let written = bytes.withUnsafeBytes { buffer in
                cupsWriteRequestData(http, buffer.baseAddress?.assumingMemoryBound(to: CChar.self), buffer.count)
            }
            guard written == HTTP_STATUS_CONTINUE else {
                throw abandon(CUPSError.failure(.submit(destination: destination), redacting: [title]))
            }
            guard isSuccessful(cupsFinishDocument(http, destination)) else {
                throw abandon(CUPSError.failure(.submit(destination: destination), redacting: [title]))
            }
            return jobID
        }
    }

    public func jobState(_ jobID: Int32) async throws(CUPSError) -> JobState {
        try await run { http throws(CUPSError) in try Self.job(jobID, on: http).state }
    }

    /// Waits until the job completes. Throws `jobAborted`, `jobCanceled`, `jobNotCompleted` (the
    /// queue stopped, typically because the printer reported a fault: the job stays pending
    /// and can be resumed or canceled) or `timedOut`, each carrying the queue's
    /// `printer-state-reasons`; throws `CancellationError` when the task is cancelled.
    public func follow(_ jobID: Int32, timeout: Duration, pollInterval: Duration = .milliseconds(100)) async throws {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while true {
            let (job, printer) = try await run { http throws(CUPSError) in
                let job = try Self.job(jobID, on: http)
                return (job, try Self.printer(named: job.destination, on: http))
            }
            let failure: CUPSError.Code? = switch job.state {
            case .completed: nil
            case .aborted: .jobAborted
            case .canceled: .jobCanceled
            case .stopped: .jobNotCompleted
            case .pending, .held: printer.state == .stopped ? .jobNotCompleted : .timedOut
            case .processing: .timedOut
            }
            guard let failure else { return }
            if failure != .timedOut || ContinuousClock.now >= deadline {
                throw CUPSError.outcome(failure, job: jobID, printerStateReasons: printer.stateReasons)
            }
            try await Task.sleep(for: pollInterval)
        }
    }

    /// Cancels a job that has not finished; the printer may already have some of its bytes.
    public func cancel(_ jobID: Int32) async throws(CUPSError) {
        try await run { http throws(CUPSError) in
            guard isSuccessful(cupsCancelJob2(http, nil, jobID, 0)) else {
                throw CUPSError.failure(.job(jobID))
            }
        }
    }

    // MARK: - On the queue

    private func run<T: Sendable>(
        _ body: @escaping @Sendable (OpaquePointer) throws(CUPSError) -> T
    ) async throws(CUPSError) -> T {
        let server = server
        let timeout = requestTimeoutSeconds
        let result: Result<T, CUPSError> = await withCheckedContinuation { continuation in
            queue.async {
                continuation.resume(returning: Result { () throws(CUPSError) -> T in
                    let http = try Self.connect(server, timeoutSeconds: timeout)
                    defer { httpClose(http) }
                    return try body(http)
                })
            }
        }
        return try result.get()
    }

    private static func connect(_ server: CUPSServer, timeoutSeconds: Double) throws(CUPSError) -> OpaquePointer {
        let (host, port) = switch server {
        case .socket(let path): (path, 0)
        case .host(let name, let port): (name, port)
        }
        guard let http = kiosk_cups_connect(host, Int32(clamping: port), 5000, timeoutSeconds) else {
            let reason = String(cString: strerror(errno))
            throw CUPSError.failure(.connect, status: IPP_STATUS_ERROR_SERVICE_UNAVAILABLE, serverMessage: reason)
        }
        return http
    }

    private static let printerAttributes = [
        "printer-name", "printer-state", "printer-state-reasons", "printer-is-accepting-jobs",
        "printer-make-and-model", "device-uri", "printer-type",
    ]

    private static func printer(named name: String, on http: OpaquePointer) throws(CUPSError) -> CUPSDestination {
        guard isValidQueueName(name) else {
            throw CUPSError.failure(.destination(name), status: IPP_STATUS_ERROR_NOT_FOUND, serverMessage: nil)
        }
        let request = ippNewRequest(IPP_OP_GET_PRINTER_ATTRIBUTES)
        ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_URI, "printer-uri", nil,
                     "ipp://localhost/printers/" + percentEncoded(name))
        addRequestedAttributes(request, printerAttributes)
        let response = try send(request, to: "/", on: http, about: .destination(name))
        guard let attributes = response?.groups(IPP_TAG_PRINTER).first, let destination = destination(attributes) else {
            throw CUPSError.failure(.destination(name), status: IPP_STATUS_ERROR_INTERNAL,
                                    serverMessage: "no printer attributes in the reply")
        }
        return destination
    }

    private static func destination(_ attributes: IPPAttributes) -> CUPSDestination? {
        guard let name = attributes.strings["printer-name"]?.first else { return nil }
        // CUPS_PRINTER_DEFAULT: the scheduler marks its default queue in printer-type.
        let isDefault = (attributes.integers["printer-type"]?.first ?? 0) & 0x20000 != 0
        return CUPSDestination(
            name: name,
            isDefault: isDefault,
            state: attributes.integers["printer-state"]?.first.flatMap(PrinterState.init) ?? .stopped,
            stateReasons: (attributes.strings["printer-state-reasons"] ?? []).filter { $0 != "none" },
            isAcceptingJobs: attributes.booleans["printer-is-accepting-jobs"]?.first ?? false,
            makeAndModel: attributes.strings["printer-make-and-model"]?.first,
            deviceURI: attributes.strings["device-uri"]?.first.map(withoutCredentials))
    }

    private static func job(_ jobID: Int32, on http: OpaquePointer) throws(CUPSError) -> (state: JobState, destination: String) {
        let request = ippNewRequest(IPP_OP_GET_JOB_ATTRIBUTES)
        ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_URI, "job-uri", nil, "ipp://localhost/jobs/\(jobID)")
        addRequestedAttributes(request, ["job-state", "job-printer-uri"])
        let attributes = try send(request, to: "/", on: http, about: .job(jobID))?.groups(IPP_TAG_JOB).first
        guard let rawState = attributes?.integers["job-state"]?.first, let state = JobState(rawValue: rawState),
              let printerURI = attributes?.strings["job-printer-uri"]?.first,
              let destination = printerURI.split(separator: "/").last.map({ percentDecoded(String($0)) })
        else {
            throw CUPSError.failure(.job(jobID), status: IPP_STATUS_ERROR_INTERNAL,
                                    serverMessage: "no job state in the reply")
        }
        return (state, destination)
    }
}

// MARK: - IPP messages

/// One decoded group of an IPP reply (a printer or a job), by value type.
struct IPPAttributes {
    var strings: [String: [String]] = [:]
    var integers: [String: [Int32]] = [:]
    var booleans: [String: [Bool]] = [:]
}

/// Owns an `ipp_t` reply.
final class IPPMessage {
    let pointer: OpaquePointer

    init(_ pointer: OpaquePointer) {
        self.pointer = pointer
    }

    deinit {
        ippDelete(pointer)
    }

    /// The groups tagged `tag`, in order; replies separate consecutive groups with an unnamed
    /// attribute.
    func groups(_ tag: ipp_tag_t) -> [IPPAttributes] {
        var groups: [IPPAttributes] = []
        var current: IPPAttributes?
        var attribute = ippFirstAttribute(pointer)
        while let each = attribute {
            if ippGetGroupTag(each) == tag, let namePointer = ippGetName(each) {
                let name = String(cString: namePointer)
                var group = current ?? IPPAttributes()
                let count = ippGetCount(each)
                switch ippGetValueTag(each) {
                case IPP_TAG_INTEGER, IPP_TAG_ENUM:
                    group.integers[name] = (0..<count).map { ippGetInteger(each, $0) }
                case IPP_TAG_BOOLEAN:
                    group.booleans[name] = (0..<count).map { ippGetBoolean(each, $0) != 0 }
                default:
                    group.strings[name] = (0..<count).compactMap { ippGetString(each, $0, nil).map { String(cString: $0) } }
                }
                current = group
            } else if let group = current {
                groups.append(group)
                current = nil
            }
            attribute = ippNextAttribute(pointer)
        }
        if let group = current { groups.append(group) }
        return groups
    }
}

/// Sends a request (consuming it) and returns the reply, or nil for "not found" when the caller
/// reads that as an empty answer.
private func send(
    _ request: OpaquePointer?, to resource: String, on http: OpaquePointer, about subject: CUPSRequest,
    notFoundIsEmpty: Bool = false
) throws(CUPSError) -> IPPMessage? {
    let reply = cupsDoRequest(http, request, resource).map(IPPMessage.init)
    let status = cupsLastError()
    if notFoundIsEmpty, status == IPP_STATUS_ERROR_NOT_FOUND { return nil }
    guard let reply, isSuccessful(status) else { throw CUPSError.failure(subject, status: status) }
    return reply
}

private func addRequestedAttributes(_ request: OpaquePointer?, _ names: [String]) {
    guard let first = names.first else { return }
    var attribute = ippAddString(request, IPP_TAG_OPERATION, IPP_TAG_KEYWORD, "requested-attributes", nil, first)
    for (index, name) in names.dropFirst().enumerated() {
        ippSetString(request, &attribute, Int32(index + 1), name)
    }
}

/// IPP's successful-ok range (0x0000-0x00ff), including "ok but some attributes ignored".
private func isSuccessful(_ status: ipp_status_t) -> Bool {
    status.rawValue >= 0 && status.rawValue < 0x0100
}

/// The names cupsd accepts for a queue: 1-127 bytes, no spaces, controls, `/ \ ? ' " #`. Checked
/// here so a name never changes the meaning of the URI it is put into.
func isValidQueueName(_ name: String) -> Bool {
    !name.isEmpty && name.utf8.count <= 127
        && name.utf8.allSatisfy { $0 > 0x20 && $0 != 0x7f && !"/\\?'\"#".utf8.contains($0) }
}

private func percentEncoded(_ text: String) -> String {
    var encoded = ""
    for byte in text.utf8 {
        let scalar = Unicode.Scalar(byte)
        if ("0"..."9").contains(scalar) || ("A"..."Z").contains(scalar) || ("a"..."z").contains(scalar)
            || "-._~".unicodeScalars.contains(scalar)
        {
            encoded.unicodeScalars.append(scalar)
        } else {
            let hex = String(byte, radix: 16, uppercase: true)
            encoded += "%" + (hex.count == 1 ? "0" + hex : hex)
        }
    }
    return encoded
}

private func percentDecoded(_ text: String) -> String {
    var bytes: [UInt8] = []
    var utf8 = text.utf8[...]
    while let byte = utf8.popFirst() {
        if byte == UInt8(ascii: "%"), utf8.count >= 2,
           let value = UInt8(String(decoding: utf8.prefix(2), as: UTF8.self), radix: 16)
        {
            bytes.append(value)
            utf8 = utf8.dropFirst(2)
        } else {
            bytes.append(byte)
        }
    }
    return String(decoding: bytes, as: UTF8.self)
}
