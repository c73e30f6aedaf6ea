import Booking
import FormEngine
import Foundation
import KioskCore

/// Where the lifecycle of filings is kept: the terminal's SQLite file on a terminal of its own,
/// the district's PostgreSQL in district mode (a filing made at one hall is accepted at
/// another). Both stores implement it the same way: they keep each `FilingRecord` and the rows
/// their queries read, and change a record only by running `FilingLifecycle.apply` inside a
/// transaction (`apply`). What they return is decided by the types of this module.
public protocol FilingLedger: Sendable {
    var lifecycle: FilingLifecycle { get }

    /// The keyed hash of an ID number, under the key this store matches applicants by.
    func idHash(_ idNumber: ResidentIDNumber) async throws -> Data

    /// The record of `reference`; nil when the store has none.
    func record(_ reference: String) async throws -> FilingRecord?

    /// Loads the record, applies `command` and saves the result with the next change sequence
    /// number, in one transaction. Throws `LifecycleRefusal` (`filingNotFound` for an unknown
    /// reference) and leaves the record as it was.
    @discardableResult
    func apply(_ command: LifecycleCommand, to reference: String, by actor: LifecycleActor, at now: Date) async throws
        -> LifecycleTransition

    /// The applicant's filings, newest first.
    func records(idHash: Data, limit: Int) async throws -> [FilingRecord]

    /// The staff desk's queue: cases of a department (all departments when nil) in `states`,
    /// oldest submission first.
    func queue(departmentID: String?, states: [FilingState], today: LocalDate, limit: Int) async throws -> [CaseSummary]

    /// 容缺 reminders for the staff desk: awaited materials from two working days before their
    /// due date, and those already overdue.
    func reminders(departmentID: String?, today: LocalDate, limit: Int) async throws -> [DeferralItem]

    func supervisionDesk(_ filter: DeskFilter, today: LocalDate, limit: Int) async throws -> SupervisionDesk

    func monthlyReport(_ month: ReportMonth, filter: DeskFilter, today: LocalDate, generatedAt: Date) async throws -> MonthlyReport

    /// References whose record a sweep on `today` may change (a warning due, a 容缺 due date
    /// passed, a follow-up overdue), at most `limit`.
    func sweepCandidates(today: LocalDate, limit: Int) async throws -> [String]

    /// A department's new and changed filings after `cursor` (a change number), oldest change
    /// first: the department pull (`GET /v1/departments/{id}/filings`) and its webhooks.
    func departmentChanges(_ departmentID: String, after cursor: Int64, limit: Int) async throws -> [DepartmentChange]

    /// The whole filing (with the answers) while the store keeps it, for staff at the window and
    /// for the citizen's correction; nil once it has left (retention) or when unknown.
    func filing(_ reference: String) async throws -> Filing?
}

/// One entry of a department's change feed: the filing and the change number it was saved under.
public struct DepartmentChange: Sendable, Hashable {
    public let reference: String
    public let change: Int64

    public init(reference: String, change: Int64) {
        self.reference = reference
        self.change = change
    }
}

/// A delivery given up after the retry window (24 h): listed on the supervision desk.
public struct DeadLetter: Sendable, Hashable, Codable {
    public init(departmentId: String, webhookId: String, reference: String, change: Int64, attempts: Int, firstFailedAt: Date,
                deadAt: Date, lastError: String) {
        self.departmentId = departmentId
        self.webhookId = webhookId
        self.reference = reference
        self.change = change
        self.attempts = attempts
        self.firstFailedAt = firstFailedAt
        self.deadAt = deadAt
        self.lastError = lastError
    }

    public let departmentId: String
    public let webhookId: String
    public let reference: String
    public let change: Int64
    public let attempts: Int
    public let firstFailedAt: Date
    public let deadAt: Date
    public let lastError: String
}

extension FilingLedger {
    /// The record of `reference` if it is the applicant's (their ID number's hash); nil
    /// otherwise, exactly as for an unknown reference. The hash is made before the look-up, so
    /// a known reference costs no more time to refuse than an unknown one.
    public func record(_ reference: String, applicant idNumber: ResidentIDNumber) async throws -> FilingRecord? {
        let claimed = try await idHash(idNumber)
        guard let record = try await record(reference), let stored = record.idHash else { return nil }
        return stored == claimed ? record : nil
    }

    /// One round of the sweep: each candidate's record through `.sweep`; the events it made.
    public func sweep(at now: Date, limit: Int = 500) async throws -> [LifecycleEvent] {
        var events: [LifecycleEvent] = []
        for reference in try await sweepCandidates(today: lifecycle.day(now), limit: limit) {
            events += try await apply(.sweep, to: reference, by: .system, at: now).events
        }
        return events
    }
}
