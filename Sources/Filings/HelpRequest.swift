import Foundation
import FormEngine
import KioskCore

/// A citizen's call for a member of staff (请工作人员帮助), raised from the terminal's screen.
///
/// It says which terminal, which session and which screen, never who: nothing a citizen typed or
/// a card said is in it. The first member of staff who takes it becomes responsible for the
/// matter (首问负责); a handover to a named colleague moves the responsibility and keeps the
/// history. Only staff take, hand over and close; the citizen can only ask. Pure: the caller
/// passes the time.
public struct HelpRequest: Sendable, Hashable, Codable {
    public enum State: String, Sendable, Hashable, Codable {
        /// Waiting for a member of staff; it stays open after its deadline passes.
        case open
        case taken
        /// Staff settled it.
        case closed
    }

    public let id: String
    public let terminalId: String
    /// The citizen session on the screen when the call was made; nil on a screen without one.
    public var sessionId: String?
    /// Where the citizen is: one of `HelpRequest.screens`, with the form and step of a session.
    public var screen: String
    public var formId: String?
    public var stepId: String?
    public let raisedAt: Date
    /// When the screen gives the hotline, unless someone has taken it by then.
    public let deadline: Date
    public private(set) var takenAt: Date?
    public private(set) var closedAt: Date?
    public private(set) var closedBy: String?
    /// Who took it and who it was handed to, the current one last.
    public private(set) var responsibility: [Responsibility]

    public init(id: String, terminalId: String, sessionId: String?, screen: String, formId: String? = nil, stepId: String? = nil,
                raisedAt: Date, timeout: TimeInterval) {
        self.id = id
        self.terminalId = terminalId
        self.sessionId = sessionId
        self.screen = screen
        self.formId = formId
        self.stepId = stepId
        self.raisedAt = raisedAt
        deadline = raisedAt.addingTimeInterval(timeout)
        responsibility = []
    }

    public var state: State { closedAt != nil ? .closed : takenAt != nil ? .taken : .open }
    /// The 首问责任人 now.
    public var responsibleStaff: String? { responsibility.last?.staffNumber }
    public var handedOver: Bool { responsibility.count > 1 }

    /// Nobody has taken it and the deadline has passed: the screen shows the hotline.
    public func isOverdue(at now: Date) -> Bool { takenAt == nil && closedAt == nil && now >= deadline }

    /// Seconds from the call to the first member of staff taking it.
    public var secondsToTake: TimeInterval? { takenAt.map { $0.timeIntervalSince(raisedAt) } }

    /// The first member of staff to take it becomes responsible.
    public mutating func take(by staffNumber: String, at now: Date) throws(HelpRefusal) {
        guard closedAt == nil else { throw HelpRefusal(.helpRequestClosed) }
        guard takenAt == nil else { throw HelpRefusal(.helpRequestTaken, responsibleStaff ?? "") }
        takenAt = now
        responsibility = [Responsibility(staffNumber: staffNumber, how: .tookCall, since: now)]
    }

    /// The responsible member of staff (or a supervisor, `byResponsible: false`) hands the
    /// matter to `staffNumber`, who becomes responsible.
    public mutating func handOver(to staffNumber: String, by caller: String, callerMayReassign: Bool, at now: Date) throws(HelpRefusal) {
        guard closedAt == nil else { throw HelpRefusal(.helpRequestClosed) }
        guard let current = responsibleStaff else { throw HelpRefusal(.helpRequestNotTaken) }
        guard caller == current || callerMayReassign else { throw HelpRefusal(.notResponsible, current) }
        guard staffNumber != current else { throw HelpRefusal(.alreadyResponsible, current) }
        responsibility.append(Responsibility(staffNumber: staffNumber, how: .handedOver, from: current, since: now))
    }

    /// Staff settle it; the responsibility stays on the session and the filing.
    public mutating func close(by staffNumber: String, at now: Date) throws(HelpRefusal) {
        guard closedAt == nil else { throw HelpRefusal(.helpRequestClosed) }
        closedAt = now
        closedBy = staffNumber
    }

    /// A citizen who presses the button again while a call is open: the same call, now from
    /// where they are (a new session may have started since).
    public mutating func calledAgain(sessionId: String?, screen: String, formId: String?, stepId: String?) {
        self.sessionId = sessionId
        self.screen = screen
        self.formId = formId
        self.stepId = stepId
    }

    /// The citizen screens a call can come from, as the touch UI names them; anything else is
    /// `other`. A closed list, so the request cannot carry text the citizen chose.
    public static let screens: Set<String> = [
        "home", "session", "card", "policies", "policy-results", "book-service", "book-day", "book-slot", "book-confirm",
        "booking-done", "checkin", "ticket", "lookup", "booking-details", "other",
    ]
}

/// Why a help request command was refused.
public struct HelpRefusal: KioskError, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case helpRequestNotFound, helpRequestTaken, helpRequestNotTaken, helpRequestClosed, notResponsible, alreadyResponsible
        case staffNotFound
    }

    public let kind: Kind
    /// A staff number at most: never a citizen's data.
    public let detail: String

    public init(_ kind: Kind, _ detail: String = "") {
        self.kind = kind
        self.detail = detail
    }

    public var code: String { kind.rawValue }

    public var message: LocalizedText {
        switch kind {
        case .helpRequestNotFound: .init(zh: "找不到该求助", en: "No such help request")
        case .helpRequestTaken: .init(zh: "该求助已由工号 \(detail) 应答", en: "Staff number \(detail) has already taken this help request")
        case .helpRequestNotTaken: .init(zh: "该求助尚无人应答，请先应答", en: "Nobody has taken this help request yet; take it first")
        case .helpRequestClosed: .init(zh: "该求助已办结", en: "This help request is closed")
        case .notResponsible:
            .init(zh: "只有首问责任人（工号 \(detail)）或值班长可以转交", en: "Only the responsible member of staff (\(detail)) or a supervisor can hand it over")
        case .alreadyResponsible: .init(zh: "工号 \(detail) 已是首问责任人", en: "Staff number \(detail) is already responsible")
        case .staffNotFound: .init(zh: "没有该工号的在岗工作人员：\(detail)", en: "No active member of staff with number \(detail)")
        }
    }
}

/// The help-request figures of a month (monthly report): how many calls, how many were taken
/// before the screen gave up and showed the hotline, how long staff took, how many were handed on.
public struct HelpFigures: Sendable, Hashable, Codable {
    public let requests: Int
    public let taken: Int
    public let takenWithinTimeout: Int
    /// Median and 90th percentile of the seconds to take, over the calls taken; nil when none was.
    public let medianSecondsToTake: Double?
    public let p90SecondsToTake: Double?
    public let handedOver: Int

    /// Taken ÷ requests, nil without requests.
    public let answeredShare: Double?

    public init(_ requests: [HelpRequest]) {
        self.requests = requests.count
        let waits = requests.compactMap(\.secondsToTake).sorted()
        taken = waits.count
        takenWithinTimeout = requests.filter { request in request.takenAt.map { $0 <= request.deadline } ?? false }.count
        medianSecondsToTake = Self.percentile(waits, 0.5)
        p90SecondsToTake = Self.percentile(waits, 0.9)
        handedOver = requests.filter(\.handedOver).count
        answeredShare = requests.isEmpty ? nil : Double(taken) / Double(requests.count)
    }

    /// Nearest-rank percentile of sorted values, the median of an even count the mean of the two middle ones.
    static func percentile(_ sorted: [Double], _ p: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        if p == 0.5 {
            let middle = sorted.count / 2
            return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        }
        let rank = Int((p * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }
}

/// Policy fact sheets (明白纸) printed in a month, per policy: the reach the action plan asks to monitor.
public struct PolicyPrintCount: Sendable, Hashable, Codable {
    public let policyId: String
    public let prints: Int

    public init(policyId: String, prints: Int) {
        self.policyId = policyId
        self.prints = prints
    }
}

/// Where help requests and policy-sheet prints are kept: the terminal's own file
/// (`Storage.HelpRequestStore`). Every decision is `HelpRequest`'s; the store keeps one open
/// call per terminal inside its transaction.
public protocol HelpRequestLedger: Sendable {
    /// Stores `request`, or, while the terminal already has a call open, returns that one with
    /// where the citizen is now (`calledAgain`); `created` says which.
    func raise(_ request: HelpRequest) async throws -> (request: HelpRequest, created: Bool)
    /// Calls not closed, oldest first; of one terminal, or of every terminal the file knows.
    func open(terminalId: String?) async throws -> [HelpRequest]
    func request(_ id: String) async throws -> HelpRequest?
    /// Applies `change` to the stored request in one transaction and returns the result.
    func update(_ id: String, _ change: @escaping @Sendable (inout HelpRequest) throws -> Void) async throws -> HelpRequest
    /// Records printed policy sheets, one row per sheet, for the monthly report.
    func recordPolicyPrints(_ policyIds: [String], terminalId: String, at now: Date) async throws
}
