import Booking
import FormEngine
import Foundation
import KioskCore

/// Everything the lifecycle knows about one filing after the terminal, as one value: its cases
/// (one per sub-filing of a bundle, else one), the 容缺 materials awaited, the 告知承诺
/// commitments to check, the citizen's rating and the follow-up of a bad one, 督办 reminders.
///
/// It holds no name, ID number or phone: the applicant is only a keyed hash of their ID
/// number (to find their filings by card and to let only them rate), and notes are the
/// staff's words. The stores keep it as one document plus the rows their queries read
/// (`FilingRecord.rows`), and change it only through `FilingLifecycle.apply`.
public struct FilingRecord: Sendable, Hashable, Codable {
    public let reference: String
    public let formID: String
    /// The form's title (the bundle's, for a bundle).
    public let title: LocalizedText
    /// The lead department (the form's own).
    public let departmentID: String
    public let department: LocalizedText
    /// The service hall (site id) the filing was made at, and the terminal.
    public let hall: String
    public let terminal: String
    /// HMAC of the applicant's ID number under the store's ID key; nil when the form's
    /// applicant has no resident ID number (a company filed by an agent).
    public internal(set) var idHash: Data?
    /// The applicant's ID number masked (`110101********0019`), as receipts print it: lets
    /// staff tell filings apart and a terminal re-key the hash after a key rotation.
    public let idMasked: String?
    public internal(set) var version: Int
    public internal(set) var cases: [FilingCase]
    public internal(set) var deferrals: [DeferralFollowUp]
    public internal(set) var commitments: [CommitmentCheck]
    public internal(set) var rating: FilingRating?
    public internal(set) var followUp: RatingFollowUp?
    public internal(set) var urges: [Urge]
    /// When a window or a department took the filing (received, accepted or returned it) or
    /// the district store had it: from then plus the grace period, the terminal keeps no copy of
    /// the answers.
    public internal(set) var acknowledgedAt: Date?

    /// The record as a department sees it: its own cases (parts of a bundle), their 容缺,
    /// 告知承诺 and 督办; the other departments' parts are left out.
    public func parts(of departmentID: String) -> FilingRecord {
        var copy = self
        copy.cases = cases.filter { $0.departmentID == departmentID }
        let own = Set(copy.cases.map(\.part))
        copy.deferrals = deferrals.filter { $0.departmentID == departmentID }
        copy.commitments = commitments.filter { $0.departmentID == departmentID }
        copy.urges = urges.filter { own.contains($0.part) }
        return copy
    }

    /// The same record with the applicant's hash under another key (`kiosk secrets rotate`).
    public func rehashed(_ hash: Data?) -> FilingRecord {
        var copy = self
        copy.idHash = hash
        return copy
    }

    /// The case of `part`; for nil, the only case of a filing that is not a bundle.
    public func caseIndex(_ part: String?) throws(LifecycleRefusal) -> Int {
        guard let part else {
            guard cases.count == 1 else { throw LifecycleRefusal(.partRequired) }
            return 0
        }
        guard let index = cases.firstIndex(where: { $0.part == part }) else { throw LifecycleRefusal(.unknownPart, part) }
        return index
    }

    /// The state the citizen is told for the whole filing: a bundle is completed when every
    /// part is, returned when any part is, and otherwise as far as its slowest part.
    public var state: FilingState {
        let states = cases.map(\.state)
        if states.contains(.returned) { return .returned }
        if states.allSatisfy({ $0 == .collected }) { return .collected }
        if states.allSatisfy(\.isFinished) { return .completed }
        let order: [FilingState] = [.submitted, .received, .accepted, .inProgress, .completed, .collected]
        return order.first { states.contains($0) } ?? .submitted
    }
}

/// One lifecycle: a single filing, or one department's part of a bundle.
public struct FilingCase: Sendable, Hashable, Codable {
    /// `""` for a single filing, the sub-filing's id for a part of a bundle.
    public let part: String
    /// What the desk and the report call it: the form's title, or the sub-filing's.
    public let matter: LocalizedText
    public let departmentID: String
    public let department: LocalizedText
    public let timeLimitDays: Int
    public let afterReturn: TimeLimitAfterReturn
    public internal(set) var state: FilingState
    /// The version of the filing this case was last submitted with.
    public internal(set) var version: Int
    public internal(set) var submittedAt: Date
    public internal(set) var submittedOn: LocalDate
    /// The day of the first submission: what the monthly report counts as received (收件).
    public let firstSubmittedOn: LocalDate
    public internal(set) var receivedAt: Date?
    public internal(set) var acceptance: Acceptance?
    /// Running while accepted or in progress; kept (stopped) after completion; nil after a return.
    public internal(set) var clock: LegalClock?
    /// Working days used before the latest return (`resume` counts on from them).
    public internal(set) var usedBeforeReturn: Int
    public internal(set) var lastReturn: Return?
    public internal(set) var completion: Completion?
    public internal(set) var collectedAt: Date?
    /// The highest warning already announced for this run of the clock.
    public internal(set) var announced: WarningLevel

    /// `formID`, or `formID/part` for a part of a bundle: the matter the report counts.
    public func matterKey(formID: String) -> String { part.isEmpty ? formID : formID + "/" + part }
}

public struct Acceptance: Sendable, Hashable, Codable {
    public let at: Date
    public let on: LocalDate
    public let by: LifecycleActor
    /// The window (counter) it was accepted at, as staff named it; a department's id otherwise.
    public let window: String
}

public struct Return: Sendable, Hashable, Codable {
    public let at: Date
    public let on: LocalDate
    public let by: LifecycleActor
    public let reasons: [String]
    public let note: String
}

/// 办结: the result and where the citizen collects it.
public struct Completion: Sendable, Hashable, Codable {
    public enum Outcome: String, Sendable, Hashable, Codable, CaseIterable {
        case approved, refused
    }

    public let at: Date
    public let on: LocalDate
    public let by: LifecycleActor
    public let outcome: Outcome
    /// The document issued (a licence, a permit), if any.
    public let document: String?
    /// Where to collect it (a window, "by post").
    public let collectAt: String?
    public let note: String
    /// Completed on or before the due date.
    public let onTime: Bool
}

/// A 容缺 material awaited: handed in later at the terminal (the citizen says so, staff mark the
/// paper received) or at a window; missed when the due date passes.
public struct DeferralFollowUp: Sendable, Hashable, Codable {
    public enum State: String, Sendable, Hashable, Codable {
        case open
        /// The citizen said at a terminal that they hand it in; staff have not yet marked it.
        case handedIn
        case received
        /// The due date passed without it; the form's consequence was applied.
        case missed
    }

    public let materialID: String
    /// The sub-filing it belongs to; nil for the whole filing (a bundle's shared material).
    public let part: String?
    public let name: LocalizedText
    public let departmentID: String
    public let dueDate: LocalDate
    /// Shown on the staff desk from this day (two working days before the due date).
    public let remindOn: LocalDate
    public let whenMissed: MissedDeferral
    public internal(set) var state: State
    public internal(set) var handedInAt: Date?
    public internal(set) var receivedOn: LocalDate?
    public internal(set) var receivedBy: LifecycleActor?
    public internal(set) var missedOn: LocalDate?

    /// Received on or before the due date.
    public var inTime: Bool { receivedOn.map { $0 <= dueDate } ?? false }
    public var isAwaited: Bool { state == .open || state == .handedIn }
}

/// A 告知承诺 commitment, verified later by the department.
public struct CommitmentCheck: Sendable, Hashable, Codable {
    public enum State: String, Sendable, Hashable, Codable {
        case pending, verified, falseCommitment
    }

    public let materialID: String
    public let part: String?
    public let name: LocalizedText
    public let departmentID: String
    public internal(set) var state: State
    public internal(set) var checkedOn: LocalDate?
    public internal(set) var checkedBy: LifecycleActor?
    public internal(set) var note: String?
}

/// 好差评 of one filing: once, by the applicant, after it is completed.
public struct FilingRating: Sendable, Hashable, Codable {
    public let grade: RatingGrade
    public let reasons: [String]
    public let comment: String?
    public let at: Date
    public let on: LocalDate
    /// Who the rating concerns: the department, the window and the member of staff who accepted it.
    public let departmentID: String
    public let window: String
    public let staff: String
}

/// The follow-up of a 差评: 回访 (calling the citizen back) and 整改 (rectification), due within
/// the configured working days; closed by the supervision post with a note.
public struct RatingFollowUp: Sendable, Hashable, Codable {
    public struct Entry: Sendable, Hashable, Codable {
        public let at: Date
        public let on: LocalDate
        public let by: LifecycleActor
        public let note: String
    }

    public let openedOn: LocalDate
    public let dueDate: LocalDate
    public internal(set) var callback: Entry?
    public internal(set) var rectification: Entry?
    public internal(set) var closed: Entry?
    /// Announced as overdue (once).
    public internal(set) var overdueAnnounced: Bool

    public var isClosed: Bool { closed != nil }
    public var closedInTime: Bool { closed.map { $0.on <= dueDate } ?? false }
    public func isOverdue(on today: LocalDate) -> Bool { !isClosed && today > dueDate }
}

/// 督办: a recorded reminder from the supervision post to the department.
public struct Urge: Sendable, Hashable, Codable {
    public let part: String
    public let at: Date
    public let on: LocalDate
    public let by: LifecycleActor
    public let note: String
}

/// One thing that happened to a filing: what the audit log, the event stream and (later) the
/// department systems are told. No free text: notes stay in the record.
public struct LifecycleEvent: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case submitted, received, accepted, returned, resubmitted, started, completed, collected
        /// 黄灯 / 红灯 reached.
        case warning, overdue
        case deferralHandedIn, deferralReceived, deferralMissed, departmentNotified
        case commitmentVerified, commitmentFalse
        case rated, followUpOpened, callbackRecorded, rectificationRecorded, followUpClosed, followUpOverdue
        case urged
    }

    public let reference: String
    /// The case it concerns; nil for the whole filing.
    public let part: String?
    public let version: Int
    public let kind: Kind
    public let from: FilingState?
    public let to: FilingState?
    public let actor: LifecycleActor
    public let at: Date
    /// Reason codes, a material id, a grade: codes only.
    public let codes: [String]

    /// An event as a store read it back (`kiosk db copy` carries a filing's history).
    public init(reference: String, part: String?, version: Int, kind: Kind, from: FilingState?, to: FilingState?,
                actor: LifecycleActor, at: Date, codes: [String]) {
        self.reference = reference
        self.part = part
        self.version = version
        self.kind = kind
        self.from = from
        self.to = to
        self.actor = actor
        self.at = at
        self.codes = codes
    }
}
