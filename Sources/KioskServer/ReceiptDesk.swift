import Booking
import FormEngine
import Foundation
import Hummingbird
import KioskCore

/// What became of a receipt: printed, or failed and kept for a reprint. The filing itself is
/// stored before printing starts, so a failed print never loses it.
public struct PrintOutcome: Codable, Sendable, Equatable {
    /// The job's state when the answer was given (a job is answered once it has printed or
    /// failed), or `noPrinter` when there was no printer to send it to.
    public enum State: String, Codable, Sendable, CaseIterable {
        case queued, sending, printed, failed, noPrinter
    }

    public var jobId: String?
    public var state: State
    /// The fault's code when it failed (`paperOut`, `coverOpen`, `deviceOffline`, ...).
    public var reason: String?
    /// The papers in the job, in print order (`filing-receipt`, `deferral-notice`,
    /// `commitment-letter`); only for a filing's papers.
    public var papers: [String]?

    public init(jobId: String?, state: State, reason: String?, papers: [String]? = nil) {
        self.jobId = jobId
        self.state = state
        self.reason = reason
        self.papers = papers
    }

    /// Nothing printed: the terminal has no receipt printer.
    public static let noPrinter = PrintOutcome(jobId: nil, state: .noPrinter, reason: nil)
}

/// Prints receipts on the terminal's receipt printer.
public protocol ReceiptDesk: Sendable {
    /// Prints a submitted filing's papers: its receipt (办件回执), then a 容缺受理告知书 for each
    /// deferred material and a 告知承诺书 for each commitment.
    func printFilingReceipt(_ filing: Filing) async -> PrintOutcome
    /// Prints the 一次性告知书: every material still missing for `matter`, with where to get it.
    func printMaterialsNotice(_ notice: MaterialsNotice, matter: LocalizedText, formID: String) async -> PrintOutcome
    /// Prints the 明白纸 of each policy (`day`, `YYYY-MM-DD`, is printed on them) as one job.
    func printPolicySheets(_ policies: [Policy], on day: String) async -> PrintOutcome
    /// Prints the 预约凭条 of a confirmed booking, stored before it is sent like every receipt; at
    /// most `PrintLimits.slipsPerBooking` per booking, once per `requestKey` (a retry gets the
    /// first answer).
    func printBookingSlip(_ slip: BookingSlip, requestKey: String) async throws(PrintRefused) -> PrintOutcome
    /// Prints a kept job again, at most `PrintLimits.reprintsPerJob` times, once per
    /// `requestKey`; nil when there is no such job. A failed reprint leaves the job as it was.
    func reprint(jobID: String, requestKey: String) async throws(PrintRefused) -> PrintOutcome?
}

/// How much paper the anonymous screen may ask for (the terminal's own limit per minute is
/// `limits.print_per_minute`, applied by `RateLimitMiddleware`).
public struct PrintLimits: Sendable, Equatable {
    public var slipsPerBooking: Int
    public var reprintsPerJob: Int

    public init(slipsPerBooking: Int = 3, reprintsPerJob: Int = 3) {
        self.slipsPerBooking = slipsPerBooking
        self.reprintsPerJob = reprintsPerJob
    }
}

/// Why a slip or a reprint was not printed. Nothing was sent to the printer.
public struct PrintRefused: KioskError, HTTPResponseError, Equatable {
    public enum Kind: String, Sendable {
        /// 409: this booking has had its slips, or this job its reprints.
        case slipLimitReached, reprintLimitReached
        /// 409: the Idempotency-Key was used for another print.
        case idempotencyKeyReused
    }

    public let kind: Kind

    public init(_ kind: Kind) { self.kind = kind }

    public var code: String { kind.rawValue }

    public var status: HTTPResponse.Status { .conflict }

    public var message: LocalizedText {
        switch kind {
        case .slipLimitReached:
            .init(zh: "该预约的凭条打印次数已达上限，请联系工作人员", en: "This booking's slip has been printed as often as allowed; please ask a member of staff.")
        case .reprintLimitReached:
            .init(zh: "该凭条的补打次数已达上限，请联系工作人员", en: "This receipt has been reprinted as often as allowed; please ask a member of staff.")
        case .idempotencyKeyReused:
            .init(zh: "请求标识已用于另一请求", en: "The idempotency key was already used for a different request.")
        }
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        ProblemMiddleware<BasicRequestContext>.response(for: Problem(status: status, code: code, messages: message))
    }
}

/// What a booking slip prints: the booking as the hall's wall clock shows it. The identity
/// number is only the stored masked form.
public struct BookingSlip: Sendable, Equatable {
    /// A wall-clock moment in the hall's zone.
    public struct LocalMoment: Sendable, Equatable {
        public var date: LocalDate
        public var time: LocalTime
    }

    public var hall: String
    public var service: LocalizedText
    public var code: BookingCode
    public var date: LocalDate
    public var start: LocalTime
    public var end: LocalTime
    public var maskedIDNumber: String
    /// When check-in opens, and when it closes (exclusive): from then on, a walk-in ticket.
    public var checkInOpens: LocalMoment
    public var checkInCloses: LocalMoment
    /// An imported holiday schedule made the booked day a day off.
    public var onDayOff: Bool

    public init(_ booking: BookingRecord, service: Service, hall: String, checkInWindow: CheckInWindow, timeZone: TimeZone) {
        func local(_ instant: Date) -> LocalMoment {
            LocalMoment(date: LocalDate(containing: instant, in: timeZone), time: LocalTime(containing: instant, in: timeZone))
        }
        self.hall = hall
        self.service = LocalizedText(zh: service.nameZH, en: service.nameEN)
        self.code = booking.code
        self.date = booking.date
        self.start = local(booking.start).time
        self.end = local(booking.end).time
        self.maskedIDNumber = booking.maskedIDNumber
        self.checkInOpens = local(checkInWindow.opens(forStart: booking.start))
        self.checkInCloses = local(checkInWindow.closes(forStart: booking.start))
        self.onDayOff = booking.onDayOff
    }

    /// `HH:MM`, with its date when a very wide check-in window reaches another day.
    public func text(_ moment: LocalMoment) -> String {
        moment.date == date ? moment.time.description : "\(moment.date) \(moment.time)"
    }

    /// The check-in window, `HH:MM-HH:MM`.
    public var checkInText: String { "\(text(checkInOpens))-\(text(checkInCloses))" }
}
