import Booking
import FormEngine
import Foundation
import KioskCore

/// What became of a receipt: printed, or failed and kept for a reprint. The filing itself is
/// stored before printing starts, so a failed print never loses it.
public struct PrintOutcome: Codable, Sendable, Equatable {
    public var jobId: String?
    /// `printed`, `failed` or `noPrinter`.
    public var state: String
    /// The fault's code when it failed (`paperOut`, `coverOpen`, `deviceOffline`, ...).
    public var reason: String?
    /// The papers in the job, in print order (`filing-receipt`, `deferral-notice`,
    /// `commitment-letter`); only for a filing's papers.
    public var papers: [String]?

    public init(jobId: String?, state: String, reason: String?, papers: [String]? = nil) {
        self.jobId = jobId
        self.state = state
        self.reason = reason
        self.papers = papers
    }
}

/// Prints receipts on the terminal's receipt printer.
public protocol ReceiptDesk: Sendable {
    /// Prints a submitted filing's papers: its receipt (办件回执), then a 容缺受理告知书 for each
    /// deferred material and a 告知承诺书 for each commitment.
    func printFilingReceipt(_ filing: Filing) async -> PrintOutcome
    /// Prints the 一次性告知书: every material still missing for `matter`, with where to get it.
    func printMaterialsNotice(_ notice: MaterialsNotice, matter: LocalizedText, formID: String) async -> PrintOutcome
    /// Prints the 预约凭条 of a confirmed booking, stored before it is sent like every receipt.
    func printBookingSlip(_ slip: BookingSlip) async -> PrintOutcome
    /// Prints a kept job again; nil when there is no such job.
    func reprint(jobID: String) async -> PrintOutcome?
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
