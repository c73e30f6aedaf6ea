import DeviceKit
import Foundation
import KioskCore

/// One message of the terminal's event stream (`GET /v1/events`, server-sent events).
///
/// Card messages carry the card type, the masked number and the checks, never the card's data:
/// the stream is for the screen; the data reaches the citizen's session inside the server.
public struct TerminalEvent: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case deviceState, deviceStatus, deviceFault, cardPresented, cardRemoved, cardReadFailed
        /// The citizen session ends in `secondsLeft` unless the citizen continues
        /// (`POST /v1/sessions/{id}/keep-alive`); the screen says so and offers a button.
        case sessionTimeoutWarning
        /// The session ended after inactivity and was wiped; the screen returns to the start.
        case sessionEnded
        /// The queue moved: a ticket was issued (walk-in or check-in), called, called again,
        /// marked absent, finished or sent to another service.
        case ticketIssued, ticketCalled, ticketRecalled, ticketNoShow, ticketFinished, ticketTransferred
        /// A filing's legal clock reached 黄灯 (nearly overdue) or 红灯 (overdue), a 容缺 material's
        /// due date passed, a 差评 follow-up passed its due date: for the staff and supervision desks.
        case filingNearlyOverdue, filingOverdue, deferralMissed, followUpOverdue
        /// A citizen called for a member of staff; staff took the call, handed the matter over,
        /// closed the call; or nobody took it in time and the screen shows the hotline.
        case helpRequested, helpTaken, helpHandedOver, helpClosed, helpTimedOut
        /// A code scanner read a code, for the citizen session open at the screen.
        case scan
    }

    /// A call for staff as the stream shows it: where the citizen is and who answers, never who the citizen is.
    public struct HelpMark: Codable, Sendable, Equatable {
        public var id: String
        public var state: String
        public var screen: String
        public var formId: String?
        public var stepId: String?
        /// The 首问责任人's staff number, once taken.
        public var responsibleStaff: String?
        /// On `helpTimedOut`: the hall's hotline and appointment line.
        public var hotline: String?
        public var appointmentLine: String?

        public init(id: String, state: String, screen: String, formId: String?, stepId: String?, responsibleStaff: String?,
                    hotline: String? = nil, appointmentLine: String? = nil) {
            self.id = id
            self.state = state
            self.screen = screen
            self.formId = formId
            self.stepId = stepId
            self.responsibleStaff = responsibleStaff
            self.hotline = hotline
            self.appointmentLine = appointmentLine
        }
    }

    /// A scanned code as the screen gets it. Only this hall's own formats are passed on (a
    /// receipt's progress code opens its progress look-up; a booking slip's code starts a
    /// check-in that the card completes), each as a handle on its code (`ScannedCodes`), since
    /// the stream is public; anything else is `notOfThisHall`. The text of a scan is never
    /// on the stream, and never logged.
    public struct Scan: Codable, Sendable, Equatable {
        /// `progressCode`, `bookingCode` or `notOfThisHall`.
        public var kind: String
        /// For `bookingCode`: the handle the screen checks in with, never the code.
        public var slip: String?
        /// For `progressCode`: the handle the screen looks the progress up with, never the code.
        public var receipt: String?

        public init(kind: String, slip: String? = nil, receipt: String? = nil) {
            self.kind = kind
            self.slip = slip
            self.receipt = receipt
        }
    }

    /// A filing a lifecycle message is about: its reference and part, never its applicant.
    public struct FilingMark: Codable, Sendable, Equatable {
        public var reference: String
        /// The sub-filing of a bundle; absent for the whole filing.
        public var part: String?
        public var departmentId: String?

        public init(reference: String, part: String?, departmentId: String?) {
            self.reference = reference
            self.part = part
            self.departmentId = departmentId
        }
    }

    /// A queue ticket as the stream shows it: the number a hall display calls, never whose it is.
    public struct QueueTicket: Codable, Sendable, Equatable {
        public var id: Int64
        public var number: String
        public var serviceId: String
        /// `waiting`, `called`, `finished` or `noShow`.
        public var state: String
        public var counter: String?

        public init(id: Int64, number: String, serviceId: String, state: String, counter: String?) {
            self.id = id
            self.number = number
            self.serviceId = serviceId
            self.state = state
            self.counter = counter
        }
    }

    public struct Card: Codable, Sendable, Equatable {
        public var cardType: String
        public var maskedNumber: String
        /// Codes of the checks the card failed (`expired`, `invalidNumber`, ...); empty when fine.
        public var failedChecks: [String]

        public init(cardType: String, maskedNumber: String, failedChecks: [String]) {
            self.cardType = cardType
            self.maskedNumber = maskedNumber
            self.failedChecks = failedChecks
        }
    }

    public var type: Kind
    public var deviceId: String?
    public var state: DeviceState?
    public var status: DeviceStatus?
    public var fault: DeviceFault?
    public var card: Card?
    public var sessionId: String?
    public var secondsLeft: Int?
    public var ticket: QueueTicket?
    public var filing: FilingMark?
    public var help: HelpMark?
    public var scan: Scan?

    public init(type: Kind, deviceId: String? = nil, state: DeviceState? = nil, status: DeviceStatus? = nil,
                fault: DeviceFault? = nil, card: Card? = nil, sessionId: String? = nil, secondsLeft: Int? = nil,
                ticket: QueueTicket? = nil, filing: FilingMark? = nil, help: HelpMark? = nil, scan: Scan? = nil) {
        self.help = help
        self.scan = scan
        self.ticket = ticket
        self.filing = filing
        self.type = type
        self.deviceId = deviceId
        self.state = state
        self.status = status
        self.fault = fault
        self.card = card
        self.sessionId = sessionId
        self.secondsLeft = secondsLeft
    }

    public init(_ tick: CitizenSessions.Tick) {
        switch tick {
        case .warning(let id, let left): self.init(type: .sessionTimeoutWarning, sessionId: id, secondsLeft: left)
        case .ended(let id): self.init(type: .sessionEnded, sessionId: id)
        }
    }

    public init(_ event: DeviceEvent) {
        switch event {
        case .stateChanged(let id, let state): self.init(type: .deviceState, deviceId: id, state: state)
        case .statusChanged(let id, let status): self.init(type: .deviceStatus, deviceId: id, status: status)
        case .fault(let id, let fault): self.init(type: .deviceFault, deviceId: id, fault: fault)
        }
    }
}

/// The card lying on the reader now, as the filing session and booking may use it: its facts
/// (`IDCardFacts`, which prefill the form engine's `idcard.*` fields) and a summary fit for the screen.
/// Forgotten when the card is taken away; a session that copied the facts keeps its copy
/// until it ends.
public actor CardDesk {
    public struct PresentedCard: Sendable {
        public var facts: IDCardFacts
        public var summary: TerminalEvent.Card

        public init(facts: IDCardFacts, summary: TerminalEvent.Card) {
            self.facts = facts
            self.summary = summary
        }
    }

    private var current: PresentedCard?

    public init() {}

    public func present(_ card: PresentedCard) { current = card }
    public func remove() { current = nil }
    public func presented() -> PresentedCard? { current }
}
