import CCUPS
import KioskCore

/// Every failure of the CUPS transport. Messages name the queue and the job number (neither is
/// personal data) and quote the scheduler's own text only after `sanitized` has removed the job
/// title and anything that looks like an identity number; job bytes never reach an error.
public struct CUPSError: KioskError, Equatable {
    public enum Code: String, Sendable, CaseIterable {
        /// The scheduler cannot be reached, or it is too busy to answer.
        case serverUnavailable
        case noSuchDestination
        case noSuchJob
        /// The scheduler refused the job: the queue rejects jobs, the format, or the user.
        case jobRejected
        /// The job ended without printing because of a printer error.
        case jobAborted
        case jobCanceled
        /// The queue stopped (typically a backend reporting a fault), so the job waits: it did
        /// not print and will not until someone resumes the queue.
        case jobNotCompleted
        /// The job was still pending or printing when the caller stopped waiting.
        case timedOut
        /// Any other refusal or protocol failure.
        case requestFailed
    }

    public let kind: Code
    public let message: LocalizedText
    /// The IPP status code (`client-error-not-found` is 0x0406); nil for job outcomes.
    public let ippStatus: Int32?
    /// The queue's `printer-state-reasons` when a job did not complete: `PrinterStatus` tells
    /// the device layer whether the paper ran out or the cover is open.
    public let printerStateReasons: [String]

    public var code: String { kind.rawValue }
    public var printerStatus: PrinterStatus { PrinterStatus(stateReasons: printerStateReasons) }

    init(_ kind: Code, _ message: LocalizedText, ippStatus: Int32? = nil, printerStateReasons: [String] = []) {
        self.kind = kind
        self.message = message
        self.ippStatus = ippStatus
        self.printerStateReasons = printerStateReasons
    }
}

/// What a request was about, so a `client-error-not-found` names the right missing thing.
enum CUPSRequest: Sendable {
    case connect
    case listDestinations
    case destination(String)
    case submit(destination: String)
    case job(Int32)
}

extension CUPSError {
    /// The one funnel: every failed libcups call becomes a `CUPSError` here, from the calling
    /// thread's `cupsLastError()` unless the caller knows better (a failed connect leaves it
    /// untouched). `redacting` lists caller-supplied text (the job title) that must not be
    /// echoed back even if the scheduler quotes it.
    static func failure(
        _ request: CUPSRequest,
        status: ipp_status_t = cupsLastError(),
        serverMessage: String? = cupsLastErrorString().map { String(cString: $0) },
        redacting secrets: [String] = []
    ) -> CUPSError {
        let kind = classify(status, request)
        var text = baseMessage(kind, request)
        if let detail = sanitized(serverMessage, redacting: secrets) {
            text = LocalizedText(zh: "\(text.zh)（CUPS：\(detail)）", en: "\(text.en) (CUPS: \(detail))")
        }
        return CUPSError(kind, text, ippStatus: status.rawValue)
    }

    static func classify(_ status: ipp_status_t, _ request: CUPSRequest) -> Code {
        switch status {
        case IPP_STATUS_ERROR_NOT_FOUND, IPP_STATUS_ERROR_GONE:
            switch request {
            case .job: return .noSuchJob
            case .destination, .submit: return .noSuchDestination
            case .connect, .listDestinations: return .requestFailed
            }
        case IPP_STATUS_ERROR_SERVICE_UNAVAILABLE, IPP_STATUS_ERROR_BUSY, IPP_STATUS_ERROR_TEMPORARY:
            return .serverUnavailable
        case IPP_STATUS_ERROR_NOT_ACCEPTING_JOBS, IPP_STATUS_ERROR_FORBIDDEN,
            IPP_STATUS_ERROR_NOT_AUTHENTICATED, IPP_STATUS_ERROR_NOT_AUTHORIZED,
            IPP_STATUS_ERROR_DOCUMENT_FORMAT_NOT_SUPPORTED, IPP_STATUS_ERROR_NOT_POSSIBLE:
            if case .submit = request { return .jobRejected }
            return .requestFailed
        default:
            if case .connect = request { return .serverUnavailable }
            return .requestFailed
        }
    }

    static func baseMessage(_ kind: Code, _ request: CUPSRequest) -> LocalizedText {
        let queue: String? = switch request {
        case .destination(let name), .submit(let name): name
        case .connect, .listDestinations, .job: nil
        }
        let job: Int32? = if case .job(let id) = request { id } else { nil }
        switch kind {
        case .serverUnavailable:
            return LocalizedText(zh: "无法连接打印服务（CUPS）", en: "the print service (CUPS) cannot be reached")
        case .noSuchDestination:
            return LocalizedText(zh: "打印队列“\(queue ?? "")”不存在", en: "the print queue \"\(queue ?? "")\" does not exist")
        case .noSuchJob:
            return LocalizedText(zh: "打印任务 \(job ?? 0) 不存在", en: "print job \(job ?? 0) does not exist")
        case .jobRejected:
            return LocalizedText(zh: "打印队列“\(queue ?? "")”拒绝了打印任务", en: "the print queue \"\(queue ?? "")\" refused the job")
        default:
            return LocalizedText(zh: "打印服务请求失败", en: "the print service request failed")
        }
    }

    /// How a job that was followed ended, when it did not print.
    static func outcome(_ kind: Code, job: Int32, printerStateReasons reasons: [String]) -> CUPSError {
        let listed = reasons.isEmpty ? "" : " [\(reasons.joined(separator: ", "))]"
        let text: LocalizedText = switch kind {
        case .jobAborted:
            LocalizedText(zh: "打印任务 \(job) 因打印机错误而中止\(listed)", en: "print job \(job) was aborted by a printer error\(listed)")
        case .jobCanceled:
            LocalizedText(zh: "打印任务 \(job) 已被取消\(listed)", en: "print job \(job) was canceled\(listed)")
        case .jobNotCompleted:
            LocalizedText(zh: "打印任务 \(job) 未完成：打印队列已停止\(listed)", en: "print job \(job) did not complete: the print queue stopped\(listed)")
        default:
            LocalizedText(zh: "等待打印任务 \(job) 超时\(listed)", en: "timed out waiting for print job \(job)\(listed)")
        }
        return CUPSError(kind, text, printerStateReasons: reasons)
    }

    /// The scheduler's text as safe to log: the redacted strings removed, runs of six or more
    /// digits (identity or phone numbers a title might carry) masked, control characters
    /// dropped, and at most 160 characters.
    static func sanitized(_ text: String?, redacting secrets: [String]) -> String? {
        guard var text, !text.isEmpty else { return nil }
        for secret in secrets where !secret.isEmpty {
            text = text.replacing(secret, with: "…")
        }
        var result = ""
        var digits = ""
        func flushDigits() {
            result += digits.count >= 6 ? "…" : digits
            digits = ""
        }
        for character in text {
            if character.isASCII, character.isNumber {
                digits.append(character)
                continue
            }
            flushDigits()
            if character.unicodeScalars.allSatisfy({ $0.properties.generalCategory != .control }) {
                result.append(character)
            }
        }
        flushDigits()
        result = String(result.prefix(160))
        return result.isEmpty ? nil : result
    }
}
