import Booking
import FormEngine
import Foundation
import KioskCore

/// What may happen to a filing after the terminal. Each command names its case (`part`, nil
/// for a filing that is not a bundle) where it acts on one.
public enum LifecycleCommand: Sendable, Hashable {
    case receive(part: String?)
    /// 受理 at `window` (the counter's name; a department system gives its own id).
    case accept(part: String?, window: String)
    /// 不予受理 / 退回补正, with reasons from `LifecycleRules.returnReasons` and a note.
    case returnFiling(part: String?, reasons: [String], note: String)
    case start(part: String?)
    case complete(part: String?, outcome: Completion.Outcome, document: String?, collectAt: String?, note: String)
    case collect(part: String?)
    /// The citizen's corrected filing: same reference, the next version.
    case resubmit(Filing)
    /// The citizen says at a terminal that they hand in a 容缺 material now.
    case handInDeferred(material: String)
    /// Staff mark a 容缺 material received on paper (at a window, or handed in at a terminal).
    case receiveDeferred(material: String)
    /// The department's verdict on a 告知承诺 commitment.
    case verifyCommitment(material: String, falseCommitment: Bool, note: String)
    case rate(RatingGrade, reasons: [String], comment: String?)
    /// 回访, 整改, and closing the follow-up of a 差评 (the supervision post).
    case recordCallback(note: String)
    case recordRectification(note: String)
    case closeFollowUp(note: String)
    /// 督办: a recorded reminder to the department.
    case urge(part: String?, note: String)
    /// kiosk's own rounds: warnings to announce, 容缺 due dates passed, follow-ups overdue.
    case sweep
}

/// A command's result: the record as it now is, and what happened (nothing, when a sweep
/// found nothing to do).
public struct LifecycleTransition: Sendable, Hashable {
    public let record: FilingRecord
    public let events: [LifecycleEvent]

    public init(record: FilingRecord, events: [LifecycleEvent]) {
        self.record = record
        self.events = events
    }
}

/// The one place that decides what happens to a filing after the terminal: a pure function of
/// the record, the command, who gives it and when, on the official calendar. Both stores (the
/// terminal's SQLite, the district's PostgreSQL) only load the record, call `apply` inside a
/// transaction and save what it returns; staff at a window and a department system call it the
/// same way.
public struct FilingLifecycle: Sendable {
    public let calendar: OfficialCalendar
    public let rules: LifecycleRules
    public let timeZone: TimeZone

    public init(calendar: OfficialCalendar, rules: LifecycleRules = LifecycleRules(), timeZone: TimeZone) {
        self.calendar = calendar
        self.rules = rules
        self.timeZone = timeZone
    }

    public func day(_ instant: Date) -> LocalDate { LocalDate(containing: instant, in: timeZone) }

    // MARK: Opening

    /// The record of a filing just submitted at `terminal` of `hall`: one case per relevant
    /// sub-filing of a bundle (else one), its 容缺 materials and commitments awaited.
    public func open(_ filing: Filing, hall: String, terminal: String, idHash: Data?, idMasked: String?) -> LifecycleTransition {
        let submittedOn = day(filing.submittedAt)
        let cases: [FilingCase] = cases(of: filing, submittedOn: submittedOn)
        var record = FilingRecord(
            reference: filing.reference, formID: filing.formID, title: filing.title, departmentID: filing.departmentKey,
            department: filing.department, hall: hall, terminal: terminal, idHash: idHash, idMasked: idMasked,
            version: filing.filingVersion,
            cases: cases, deferrals: [], commitments: [], rating: nil, followUp: nil, urges: [], acknowledgedAt: nil)
        record.deferrals = deferrals(of: filing)
        record.commitments = commitments(of: filing)
        let events = cases.map { item in
            LifecycleEvent(reference: filing.reference, part: item.part, version: record.version, kind: .submitted, from: nil,
                           to: .submitted, actor: .citizen, at: filing.submittedAt, codes: [])
        }
        return LifecycleTransition(record: record, events: events)
    }

    private func cases(of filing: Filing, submittedOn: LocalDate) -> [FilingCase] {
        let afterReturn = filing.afterReturn ?? .restart
        func newCase(part: String, matter: LocalizedText, departmentID: String, department: LocalizedText, limit: Int) -> FilingCase {
            FilingCase(part: part, matter: matter, departmentID: departmentID, department: department, timeLimitDays: limit,
                       afterReturn: afterReturn, state: .submitted, version: filing.filingVersion, submittedAt: filing.submittedAt,
                       submittedOn: submittedOn, firstSubmittedOn: submittedOn, receivedAt: nil, acceptance: nil, clock: nil, usedBeforeReturn: 0,
                       lastReturn: nil, completion: nil, collectedAt: nil, announced: .none)
        }
        guard !filing.subFilings.isEmpty else {
            return [newCase(part: "", matter: filing.title, departmentID: filing.departmentKey, department: filing.department,
                            limit: filing.timeLimitDays)]
        }
        return filing.subFilings.map { sub in
            newCase(part: sub.id, matter: sub.title, departmentID: sub.departmentKey, department: sub.department, limit: sub.timeLimitDays)
        }
    }

    /// The sub-filing a material belongs to, and its department.
    private func owner(_ materialID: String, in filing: Filing) -> (part: String?, departmentID: String) {
        let part = filing.materials.first { $0.materialID == materialID }?.subFilingID
        let department = part.flatMap { id in filing.subFilings.first { $0.id == id }?.departmentKey } ?? filing.departmentKey
        return (part, department)
    }

    private func deferrals(of filing: Filing) -> [DeferralFollowUp] {
        filing.deferred.compactMap { material in
            guard let due = try? LocalDate(material.dueDate) else { return nil }
            let owner = owner(material.materialID, in: filing)
            return DeferralFollowUp(
                materialID: material.materialID, part: owner.part, name: material.name, departmentID: owner.departmentID,
                dueDate: due, remindOn: calendar.subtracting(workingDays: rules.reminderWorkingDays, from: due),
                whenMissed: material.whenMissed ?? .notifyDepartment, state: .open, handedInAt: nil, receivedOn: nil, receivedBy: nil,
                missedOn: nil)
        }
    }

    private func commitments(of filing: Filing) -> [CommitmentCheck] {
        filing.commitments.map { commitment in
            let owner = owner(commitment.materialID, in: filing)
            return CommitmentCheck(materialID: commitment.materialID, part: owner.part, name: commitment.name,
                                   departmentID: owner.departmentID, state: .pending, checkedOn: nil, checkedBy: nil, note: nil)
        }
    }

    // MARK: Commands

    /// Applies `command` given by `actor` at `now`, or says why not. Never changes anything
    /// else: the caller saves the record it returns.
    public func apply(_ command: LifecycleCommand, to record: FilingRecord, by actor: LifecycleActor,
                      at now: Date) throws(LifecycleRefusal) -> LifecycleTransition {
        var change = Change(record: record, actor: actor, now: now, today: day(now))
        switch command {
        case .receive(let part):
            let index = try change.windowCase(part)
            try change.move(index, from: [.submitted], to: .received, kind: .received)
            change.record.cases[index].receivedAt = now
            change.acknowledge()
        case .accept(let part, let window):
            let index = try change.windowCase(part)
            try change.move(index, from: [.submitted, .received], to: .accepted, kind: .accepted)
            let item = change.record.cases[index]
            change.record.cases[index].acceptance = Acceptance(
                at: now, on: change.today, by: actor, window: window.isEmpty ? actor.id : String(window.prefix(32)))
            change.record.cases[index].clock = LegalClock(
                startedOn: change.today, limit: item.timeLimitDays,
                usedBefore: item.afterReturn == .resume ? item.usedBeforeReturn : 0,
                warningPercent: rules.warningPercent, calendar: calendar)
            change.record.cases[index].announced = .none
            if change.record.cases[index].receivedAt == nil { change.record.cases[index].receivedAt = now }
            change.acknowledge()
        case .returnFiling(let part, let reasons, let note):
            let index = try change.windowCase(part)
            let note = try checkedNote(note, required: false)
            try checkReasons(reasons, note: note)
            try change.returnCase(index, reasons: reasons, note: note, calendar: calendar)
            change.acknowledge()
        case .start(let part):
            let index = try change.windowCase(part)
            try change.move(index, from: [.accepted], to: .inProgress, kind: .started)
        case .complete(let part, let outcome, let document, let collectAt, let note):
            let index = try change.windowCase(part)
            let note = try checkedNote(note, required: false)
            try change.move(index, from: [.accepted, .inProgress], to: .completed, kind: .completed, codes: [outcome.rawValue])
            let onTime = change.record.cases[index].clock.map { change.today <= $0.dueDate } ?? true
            change.record.cases[index].completion = Completion(
                at: now, on: change.today, by: actor, outcome: outcome, document: try optionalText(document),
                collectAt: try optionalText(collectAt), note: note, onTime: onTime)
        case .collect(let part):
            let index = try change.windowCase(part)
            try change.move(index, from: [.completed], to: .collected, kind: .collected)
            change.record.cases[index].collectedAt = now
        case .resubmit(let filing):
            try change.resubmit(filing, lifecycle: self)
        case .handInDeferred(let material):
            guard actor == .citizen else { throw LifecycleRefusal(.actorNotAllowed) }
            let index = try change.deferral(material)
            guard change.record.deferrals[index].state == .open else { throw LifecycleRefusal(.deferralClosed, material) }
            change.record.deferrals[index].state = .handedIn
            change.record.deferrals[index].handedInAt = now
            change.event(.deferralHandedIn, part: change.record.deferrals[index].part, codes: [material])
        case .receiveDeferred(let material):
            let index = try change.deferral(material)
            try change.checkWindow(department: change.record.deferrals[index].departmentID)
            guard change.record.deferrals[index].state != .received else { throw LifecycleRefusal(.deferralClosed, material) }
            change.record.deferrals[index].state = .received
            change.record.deferrals[index].receivedOn = change.today
            change.record.deferrals[index].receivedBy = actor
            change.event(.deferralReceived, part: change.record.deferrals[index].part, codes: [material])
        case .verifyCommitment(let material, let falseCommitment, let note):
            guard let index = change.record.commitments.firstIndex(where: { $0.materialID == material }) else {
                throw LifecycleRefusal(.unknownMaterial, material)
            }
            try change.checkWindow(department: change.record.commitments[index].departmentID)
            guard change.record.commitments[index].state == .pending else { throw LifecycleRefusal(.commitmentAlreadyChecked, material) }
            let note = try checkedNote(note, required: falseCommitment)
            change.record.commitments[index].state = falseCommitment ? .falseCommitment : .verified
            change.record.commitments[index].checkedOn = change.today
            change.record.commitments[index].checkedBy = actor
            change.record.commitments[index].note = note.isEmpty ? nil : note
            change.event(falseCommitment ? .commitmentFalse : .commitmentVerified, part: change.record.commitments[index].part,
                         codes: [material])
        case .rate(let grade, let reasons, let comment):
            try rate(&change, grade: grade, reasons: reasons, comment: comment)
        case .recordCallback(let note), .recordRectification(let note), .closeFollowUp(let note):
            try followUp(&change, command, note: note)
        case .urge(let part, let note):
            guard case .supervisor = actor else { throw LifecycleRefusal(.actorNotAllowed) }
            let index = try change.record.caseIndex(part)
            guard !change.record.cases[index].state.isFinished else {
                throw LifecycleRefusal(.invalidTransition, change.record.cases[index].state.rawValue)
            }
            let note = try checkedNote(note, required: true)
            change.record.urges.append(Urge(part: change.record.cases[index].part, at: now, on: change.today, by: actor, note: note))
            change.event(.urged, part: change.record.cases[index].part)
        case .sweep:
            guard actor == .system else { throw LifecycleRefusal(.actorNotAllowed) }
            try sweep(&change)
        }
        return LifecycleTransition(record: change.record, events: change.events)
    }

    private func rate(_ change: inout Change, grade: RatingGrade, reasons: [String], comment: String?) throws(LifecycleRefusal) {
        guard change.actor == .citizen else { throw LifecycleRefusal(.actorNotAllowed) }
        guard change.record.state.isFinished else { throw LifecycleRefusal(.notYetCompleted) }
        guard change.record.rating == nil else { throw LifecycleRefusal(.alreadyRated) }
        guard reasons.count <= LifecycleRules.mostRatingReasons, Set(reasons).count == reasons.count else {
            throw LifecycleRefusal(.tooManyReasons)
        }
        for reason in reasons where !rules.ratingReasons.contains(where: { $0.code == reason }) {
            throw LifecycleRefusal(.unknownReason, String(reason.prefix(32)))
        }
        let comment = comment?.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (comment?.count ?? 0) <= LifecycleRules.longestComment else { throw LifecycleRefusal(.commentTooLong) }
        // The rating concerns who accepted it (一窗受理): the window and the member of staff.
        let acceptance = change.record.cases.compactMap(\.acceptance).first
        change.record.rating = FilingRating(
            grade: grade, reasons: reasons, comment: comment?.isEmpty == false ? comment : nil, at: change.now, on: change.today,
            departmentID: change.record.departmentID, window: acceptance?.window ?? "", staff: acceptance?.by.id ?? "")
        change.event(.rated, part: nil, codes: [grade.rawValue] + reasons)
        if grade.isBad {
            change.record.followUp = RatingFollowUp(
                openedOn: change.today, dueDate: calendar.adding(workingDays: rules.followUpWorkingDays, to: change.today),
                callback: nil, rectification: nil, closed: nil, overdueAnnounced: false)
            change.event(.followUpOpened, part: nil)
        }
    }

    private func followUp(_ change: inout Change, _ command: LifecycleCommand, note: String) throws(LifecycleRefusal) {
        guard case .supervisor = change.actor else { throw LifecycleRefusal(.actorNotAllowed) }
        guard var followUp = change.record.followUp else { throw LifecycleRefusal(.noFollowUp) }
        guard !followUp.isClosed else { throw LifecycleRefusal(.followUpClosed) }
        let entry = RatingFollowUp.Entry(at: change.now, on: change.today, by: change.actor, note: try checkedNote(note, required: true))
        let kind: LifecycleEvent.Kind
        switch command {
        case .recordCallback:
            followUp.callback = entry
            kind = .callbackRecorded
        case .recordRectification:
            followUp.rectification = entry
            kind = .rectificationRecorded
        default:
            guard followUp.callback != nil, followUp.rectification != nil else { throw LifecycleRefusal(.followUpIncomplete) }
            followUp.closed = entry
            kind = .followUpClosed
        }
        change.record.followUp = followUp
        change.event(kind, part: nil)
    }

    private func sweep(_ change: inout Change) throws(LifecycleRefusal) {
        for index in change.record.cases.indices {
            let item = change.record.cases[index]
            guard item.state.clockRuns, let clock = item.clock else { continue }
            let level = clock.level(on: change.today)
            guard level > item.announced else { continue }
            change.record.cases[index].announced = level
            change.event(level == .red ? .overdue : .warning, part: item.part, codes: [level.rawValue])
        }
        for index in change.record.deferrals.indices {
            let deferral = change.record.deferrals[index]
            guard deferral.isAwaited, change.today > deferral.dueDate else { continue }
            change.record.deferrals[index].state = .missed
            change.record.deferrals[index].missedOn = change.today
            change.event(.deferralMissed, part: deferral.part, codes: [deferral.materialID])
            let targets = change.record.cases.indices.filter { deferral.part == nil || change.record.cases[$0].part == deferral.part }
            let returnable = targets.filter { [.submitted, .received, .accepted, .inProgress].contains(change.record.cases[$0].state) }
            if deferral.whenMissed == .returnFiling, !returnable.isEmpty {
                for target in returnable {
                    try change.returnCase(target, reasons: ["deferredMaterialMissing"], note: "", calendar: calendar)
                }
            } else {
                change.event(.departmentNotified, part: deferral.part, codes: [deferral.materialID])
            }
        }
        if var followUp = change.record.followUp, followUp.isOverdue(on: change.today), !followUp.overdueAnnounced {
            followUp.overdueAnnounced = true
            change.record.followUp = followUp
            change.event(.followUpOverdue, part: nil)
        }
    }

    // MARK: Checks

    private func checkReasons(_ reasons: [String], note: String) throws(LifecycleRefusal) {
        guard !reasons.isEmpty else { throw LifecycleRefusal(.reasonRequired) }
        guard reasons.count <= 8, Set(reasons).count == reasons.count else { throw LifecycleRefusal(.tooManyReasons) }
        for code in reasons {
            guard let reason = rules.returnReasons.first(where: { $0.code == code }) else {
                throw LifecycleRefusal(.unknownReason, String(code.prefix(32)))
            }
            if reason.requiresNote, note.isEmpty { throw LifecycleRefusal(.noteRequired) }
        }
    }

    private func checkedNote(_ note: String, required: Bool) throws(LifecycleRefusal) -> String {
        let note = note.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !required || !note.isEmpty else { throw LifecycleRefusal(.noteRequired) }
        guard note.count <= LifecycleRules.longestNote else { throw LifecycleRefusal(.noteTooLong) }
        return note
    }

    private func optionalText(_ text: String?) throws(LifecycleRefusal) -> String? {
        guard let text else { return nil }
        let trimmed = try checkedNote(text, required: false)
        return trimmed.isEmpty ? nil : trimmed
    }
}

/// One command being applied: the record as it changes and the events it makes.
private struct Change {
    var record: FilingRecord
    let actor: LifecycleActor
    let now: Date
    let today: LocalDate
    var events: [LifecycleEvent] = []

    init(record: FilingRecord, actor: LifecycleActor, now: Date, today: LocalDate) {
        self.record = record
        self.actor = actor
        self.now = now
        self.today = today
    }

    mutating func event(_ kind: LifecycleEvent.Kind, part: String?, from: FilingState? = nil, to: FilingState? = nil,
                        codes: [String] = []) {
        events.append(LifecycleEvent(reference: record.reference, part: part, version: record.version, kind: kind, from: from,
                                     to: to, actor: actor, at: now, codes: codes))
    }

    /// A window's or a department's case: staff at any window may act; a department system
    /// only on its own department's cases.
    mutating func windowCase(_ part: String?) throws(LifecycleRefusal) -> Int {
        let index = try record.caseIndex(part)
        try checkWindow(department: record.cases[index].departmentID)
        return index
    }

    func checkWindow(department: String) throws(LifecycleRefusal) {
        switch actor {
        case .window: return
        case .department(let id) where id == department: return
        default: throw LifecycleRefusal(.actorNotAllowed)
        }
    }

    mutating func move(_ index: Int, from allowed: Set<FilingState>, to state: FilingState, kind: LifecycleEvent.Kind,
                       codes: [String] = []) throws(LifecycleRefusal) {
        let current = record.cases[index].state
        guard allowed.contains(current) else { throw LifecycleRefusal(.invalidTransition, "\(current.rawValue) → \(state.rawValue)") }
        record.cases[index].state = state
        event(kind, part: record.cases[index].part, from: current, to: state, codes: codes)
    }

    /// Stops the clock and sends the case back; the working days it ran are kept for `resume`.
    mutating func returnCase(_ index: Int, reasons: [String], note: String, calendar: OfficialCalendar) throws(LifecycleRefusal) {
        try move(index, from: [.submitted, .received, .accepted, .inProgress], to: .returned, kind: .returned, codes: reasons)
        if let clock = record.cases[index].clock {
            record.cases[index].usedBeforeReturn += clock.used(through: today, calendar: calendar)
        }
        record.cases[index].clock = nil
        record.cases[index].announced = .none
        record.cases[index].lastReturn = Return(at: now, on: today, by: actor, reasons: reasons, note: note)
    }

    mutating func acknowledge() {
        if record.acknowledgedAt == nil { record.acknowledgedAt = now }
    }

    func deferralIndex(_ material: String) -> Int? { record.deferrals.firstIndex { $0.materialID == material } }

    func deferral(_ material: String) throws(LifecycleRefusal) -> Int {
        guard let index = deferralIndex(material) else { throw LifecycleRefusal(.unknownMaterial, String(material.prefix(64))) }
        return index
    }

    /// The corrected filing: every returned case starts again from `submitted` with the new
    /// version; a part that became relevant is added; 容缺 materials and commitments follow the
    /// correction, except those already received or checked.
    mutating func resubmit(_ filing: Filing, lifecycle: FilingLifecycle) throws(LifecycleRefusal) {
        guard actor == .citizen else { throw LifecycleRefusal(.actorNotAllowed) }
        guard filing.reference == record.reference else { throw LifecycleRefusal(.filingNotFound) }
        guard record.cases.contains(where: { $0.state == .returned }) else { throw LifecycleRefusal(.notReturned) }
        guard filing.filingVersion == record.version + 1 else { throw LifecycleRefusal(.versionMismatch, "\(filing.filingVersion)") }
        record.version = filing.filingVersion
        let opened = lifecycle.open(filing, hall: record.hall, terminal: record.terminal, idHash: record.idHash,
                                   idMasked: record.idMasked).record
        for index in record.cases.indices where record.cases[index].state == .returned {
            record.cases[index].state = .submitted
            record.cases[index].version = record.version
            record.cases[index].submittedAt = filing.submittedAt
            record.cases[index].submittedOn = lifecycle.day(filing.submittedAt)
            record.cases[index].receivedAt = nil
            record.cases[index].acceptance = nil
            record.cases[index].completion = nil
            event(.resubmitted, part: record.cases[index].part, from: .returned, to: .submitted)
        }
        for added in opened.cases where !record.cases.contains(where: { $0.part == added.part }) {
            record.cases.append(added)
            event(.submitted, part: added.part, to: .submitted)
        }
        let keptDeferrals = record.deferrals.filter { $0.state == .received || $0.state == .missed }
        record.deferrals = keptDeferrals + opened.deferrals.filter { new in !keptDeferrals.contains { $0.materialID == new.materialID } }
        let keptCommitments = record.commitments.filter { $0.state != .pending }
        record.commitments = keptCommitments
            + opened.commitments.filter { new in !keptCommitments.contains { $0.materialID == new.materialID } }
        record.acknowledgedAt = nil
    }
}
