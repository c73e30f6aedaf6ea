import Booking
import Foundation
import KioskCore

/// What a desk lists of one case: enough to find it and see how it stands, no applicant.
public struct CaseSummary: Sendable, Hashable, Codable {
    public let reference: String
    public let part: String
    public let version: Int
    public let formId: String
    public let matter: LocalizedText
    public let departmentId: String
    public let department: LocalizedText
    public let hall: String
    public let state: FilingState
    public let submittedAt: Date
    public let acceptedOn: LocalDate?
    public let dueDate: LocalDate?
    public let warning: WarningLevel
    public let provisional: Bool
    public let window: String?

    public init(reference: String, part: String, version: Int, formId: String, matter: LocalizedText, departmentId: String,
                department: LocalizedText, hall: String, state: FilingState, submittedAt: Date, acceptedOn: LocalDate?,
                dueDate: LocalDate?, warning: WarningLevel, provisional: Bool, window: String?) {
        self.reference = reference
        self.part = part
        self.version = version
        self.formId = formId
        self.matter = matter
        self.departmentId = departmentId
        self.department = department
        self.hall = hall
        self.state = state
        self.submittedAt = submittedAt
        self.acceptedOn = acceptedOn
        self.dueDate = dueDate
        self.warning = warning
        self.provisional = provisional
        self.window = window
    }

    /// How a row read from a store stands on `today`: a running clock's level; none otherwise.
    public static func warning(state: FilingState, dueDate: LocalDate?, warnOn: LocalDate?, today: LocalDate) -> WarningLevel {
        guard state.clockRuns, let dueDate, let warnOn else { return .none }
        if today > dueDate { return .red }
        return today >= warnOn ? .yellow : .none
    }
}

/// A 容缺 material on a desk: awaited (a reminder from two working days before its due date)
/// or missed.
public struct DeferralItem: Sendable, Hashable, Codable {
    public let reference: String
    public let part: String?
    public let materialId: String
    public let name: LocalizedText
    public let departmentId: String
    public let hall: String
    public let dueDate: LocalDate
    public let state: DeferralFollowUp.State
    public let overdue: Bool

    public init(reference: String, part: String?, materialId: String, name: LocalizedText, departmentId: String, hall: String,
                dueDate: LocalDate, state: DeferralFollowUp.State, today: LocalDate) {
        self.reference = reference
        self.part = part
        self.materialId = materialId
        self.name = name
        self.departmentId = departmentId
        self.hall = hall
        self.dueDate = dueDate
        self.state = state
        overdue = state == .missed || (state != .received && today > dueDate)
    }
}

/// A 告知承诺 found false (or awaiting its check) on the supervision desk.
public struct CommitmentItem: Sendable, Hashable, Codable {
    public let reference: String
    public let materialId: String
    public let name: LocalizedText
    public let departmentId: String
    public let hall: String
    public let state: CommitmentCheck.State
    public let checkedOn: LocalDate?

    public init(reference: String, materialId: String, name: LocalizedText, departmentId: String, hall: String,
                state: CommitmentCheck.State, checkedOn: LocalDate?) {
        self.reference = reference
        self.materialId = materialId
        self.name = name
        self.departmentId = departmentId
        self.hall = hall
        self.state = state
        self.checkedOn = checkedOn
    }
}

/// A 差评件 on the supervision desk with its follow-up.
public struct FollowUpItem: Sendable, Hashable, Codable {
    public let reference: String
    public let formId: String
    public let departmentId: String
    public let hall: String
    public let grade: RatingGrade
    public let ratedOn: LocalDate
    public let dueDate: LocalDate
    public let callbackOn: LocalDate?
    public let rectificationOn: LocalDate?
    public let closedOn: LocalDate?
    /// Past its due date and not closed: flagged itself.
    public let overdue: Bool

    public init(reference: String, formId: String, departmentId: String, hall: String, grade: RatingGrade, ratedOn: LocalDate,
                dueDate: LocalDate, callbackOn: LocalDate?, rectificationOn: LocalDate?, closedOn: LocalDate?, today: LocalDate) {
        self.reference = reference
        self.formId = formId
        self.departmentId = departmentId
        self.hall = hall
        self.grade = grade
        self.ratedOn = ratedOn
        self.dueDate = dueDate
        self.callbackOn = callbackOn
        self.rectificationOn = rectificationOn
        self.closedOn = closedOn
        overdue = closedOn == nil && today > dueDate
    }
}

/// "Repeatedly badly rated": a matter, a window or a member of staff with at least the
/// configured number of 差评 in the configured days.
public struct BadRatingFlag: Sendable, Hashable, Codable {
    public enum Subject: String, Sendable, Hashable, Codable, CaseIterable {
        case matter, window, staff
    }

    public let subject: Subject
    public let key: String
    public let count: Int

    public init(subject: Subject, key: String, count: Int) {
        self.subject = subject
        self.key = key
        self.count = count
    }
}

extension LifecycleRules {
    /// The first day the window of "repeatedly badly rated" counts from, for `today`.
    public func badRatingWindowStart(_ today: LocalDate) -> LocalDate { today.adding(days: -(badRatingWindowDays - 1)) }

    /// The counts of 差评 per subject in the window that reach the threshold, most first.
    public func flags(_ counts: [BadRatingFlag]) -> [BadRatingFlag] {
        counts.filter { $0.count >= badRatingThreshold && !$0.key.isEmpty }
            .sorted { ($0.count, $1.subject.rawValue, $1.key) > ($1.count, $0.subject.rawValue, $0.key) }
    }
}

/// What narrows a desk: a department, a matter (form id), a hall.
public struct DeskFilter: Sendable, Hashable {
    public var departmentID: String?
    public var formID: String?
    public var hall: String?

    public init(departmentID: String? = nil, formID: String? = nil, hall: String? = nil) {
        self.departmentID = departmentID
        self.formID = formID
        self.hall = hall
    }
}

/// The supervision post's desk (督查督办): overdue and nearly overdue filings, 差评件 with their
/// follow-up, repeatedly badly rated matters, windows and staff, false commitments, 容缺 overdue.
public struct SupervisionDesk: Sendable, Hashable, Codable {
    public let today: LocalDate
    public let overdueCount: Int
    public let nearlyOverdueCount: Int
    /// Red first, then yellow, by due date.
    public let deadlines: [CaseSummary]
    public let badRatings: [FollowUpItem]
    public let flags: [BadRatingFlag]
    public let falseCommitments: [CommitmentItem]
    public let deferralsOverdue: [DeferralItem]

    public init(today: LocalDate, overdueCount: Int, nearlyOverdueCount: Int, deadlines: [CaseSummary], badRatings: [FollowUpItem],
                flags: [BadRatingFlag], falseCommitments: [CommitmentItem], deferralsOverdue: [DeferralItem]) {
        self.today = today
        self.overdueCount = overdueCount
        self.nearlyOverdueCount = nearlyOverdueCount
        self.deadlines = deadlines
        self.badRatings = badRatings
        self.flags = flags
        self.falseCommitments = falseCommitments
        self.deferralsOverdue = deferralsOverdue
    }
}

/// What the citizen sees of their filing at a terminal: state, due dates, what is still to
/// hand in, where to collect. Nothing about anyone else, nothing of the answers.
public struct FilingProgress: Sendable, Hashable, Codable {
    public struct Part: Sendable, Hashable, Codable {
        public let part: String
        public let matter: LocalizedText
        public let department: LocalizedText
        public let state: FilingState
        public let stateText: LocalizedText
        public let dueDate: LocalDate?
        public let provisional: Bool
        public let returnReasons: [ListedReason]
        public let returnNote: String?
        public let outcome: Completion.Outcome?
        public let document: String?
        public let collectAt: String?
    }

    public struct Awaited: Sendable, Hashable, Codable {
        public let materialId: String
        public let name: LocalizedText
        public let dueDate: LocalDate
        /// `open` or `handedIn` (said at a terminal, waiting for staff).
        public let state: DeferralFollowUp.State
    }

    public let reference: String
    public let title: LocalizedText
    public let department: LocalizedText
    public let version: Int
    public let state: FilingState
    public let stateText: LocalizedText
    public let submittedOn: LocalDate
    public let parts: [Part]
    public let awaited: [Awaited]
    /// Returned: the citizen may correct it and submit it again at the terminal.
    public let canCorrect: Bool
    /// Completed and not yet rated.
    public let canRate: Bool
    public let rating: RatingGrade?

    public init(_ record: FilingRecord, rules: LifecycleRules) {
        reference = record.reference
        title = record.title
        department = record.department
        version = record.version
        state = record.state
        stateText = record.state.text
        submittedOn = record.cases.map(\.submittedOn).min() ?? LocalDate(containing: Date(timeIntervalSince1970: 0), in: .gmt)
        parts = record.cases.map { item in
            let returned = item.state == .returned ? item.lastReturn : nil
            return Part(
                part: item.part, matter: item.matter, department: item.department, state: item.state, stateText: item.state.text,
                dueDate: item.clock?.dueDate, provisional: item.clock?.provisional ?? false,
                returnReasons: (returned?.reasons ?? []).map { code in
                    rules.returnReasons.first { $0.code == code } ?? ListedReason(code: code, label: .init(zh: code, en: code))
                },
                returnNote: returned.flatMap { $0.note.isEmpty ? nil : $0.note },
                outcome: item.completion?.outcome, document: item.completion?.document, collectAt: item.completion?.collectAt)
        }
        awaited = record.deferrals.filter(\.isAwaited).map {
            Awaited(materialId: $0.materialID, name: $0.name, dueDate: $0.dueDate, state: $0.state)
        }
        canCorrect = record.cases.contains { $0.state == .returned }
        canRate = record.state.isFinished && record.rating == nil
        rating = record.rating?.grade
    }
}

/// What a filing receipt's QR code holds, so a terminal's scanner (a keyboard wedge typing it
/// into the look-up) finds the filing without the ID number: `P1:<reference>:<token>`. The token
/// is keyed (see the composition root): references are guessable, tokens are not.
public struct ProgressCode: Sendable, Hashable, CustomStringConvertible {
    public let reference: String
    public let token: String

    public init(reference: String, token: String) {
        self.reference = reference
        self.token = token
    }

    /// Parses scanned text (surrounding spaces and a trailing newline are the scanner's).
    public init?(scanned text: String) {
        let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "P1", (1...64).contains(parts[1].utf8.count), (8...32).contains(parts[2].utf8.count),
              parts[1].utf8.allSatisfy({ $0 == UInt8(ascii: "-") || (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }),
              parts[2].utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x7A).contains($0) })
        else { return nil }
        reference = String(parts[1])
        token = String(parts[2])
    }

    public var description: String { "P1:\(reference):\(token)" }
}
