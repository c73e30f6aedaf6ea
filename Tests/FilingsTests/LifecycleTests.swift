import Booking
import Filings
import FormEngine
import Foundation
import KioskCore
import Testing

/// The lifecycle as a pure function: who may do what from which state, the clock, 容缺 and
/// 告知承诺 follow-up, ratings and their follow-up.
@Suite("The filing lifecycle")
struct LifecycleTests {
    let lifecycle = Fixtures.lifecycle
    let window = LifecycleActor.window(staff: "W01")

    func filed(limit: Int = 5, afterReturn: String = "restart", whenMissed: String = "return", at time: String = "2026-03-02 09:00")
        throws -> FilingRecord {
        Fixtures.record(try Fixtures.file(try Fixtures.form(Fixtures.singleForm(limit: limit, afterReturn: afterReturn,
                                                                                 whenMissed: whenMissed)), at: Fixtures.at(time)))
    }

    @Test func aFilingOpensSubmittedWithItsDeferredMaterialAndCommitment() throws {
        let record = try filed()
        #expect(record.state == .submitted && record.cases.count == 1 && record.version == 1)
        #expect(record.cases[0].departmentID == "bureau" && record.cases[0].part == "")
        #expect(record.deferrals.map(\.materialID) == ["proof"])
        // Three working days from Monday 2 March: Thursday 5 March; reminded two working days before.
        #expect(record.deferrals[0].dueDate == Fixtures.day("2026-03-05"))
        #expect(record.deferrals[0].remindOn == Fixtures.day("2026-03-03"))
        #expect(record.commitments.map(\.materialID) == ["residence"] && record.commitments[0].state == .pending)
        #expect(record.idHash == Fixtures.applicantHash && record.acknowledgedAt == nil)
    }

    @Test func theWindowAcceptsStartsCompletesAndTheCitizenCollects() throws {
        var record = try filed()
        record = try lifecycle.after(record, .receive(part: nil), at: "2026-03-02 10:00")
        #expect(record.state == .received && record.acknowledgedAt == Fixtures.at("2026-03-02 10:00"))
        let accepted = try lifecycle.apply(.accept(part: nil, window: "A3"), to: record, by: window, at: Fixtures.at("2026-03-02 11:00"))
        #expect(accepted.events.map(\.kind) == [.accepted])
        #expect(accepted.events[0].from == .received && accepted.events[0].to == .accepted && accepted.events[0].actor == window)
        record = accepted.record
        #expect(record.cases[0].acceptance?.window == "A3" && record.cases[0].acceptance?.by == window)
        #expect(record.cases[0].clock?.dueDate == Fixtures.day("2026-03-09"))
        record = try lifecycle.after(record, .start(part: nil), at: "2026-03-03 09:00")
        record = try lifecycle.after(record, .complete(part: nil, outcome: .approved, document: "许可证", collectAt: "3号窗口", note: ""),
                                     at: "2026-03-09 16:00")
        #expect(record.state == .completed && record.cases[0].completion?.onTime == true)
        record = try lifecycle.after(record, .collect(part: nil), at: "2026-03-10 09:00")
        #expect(record.state == .collected)
    }

    @Test func aStepFromTheWrongStateOrByTheWrongActorIsRefused() throws {
        let record = try filed()
        #expect(throws: LifecycleRefusal(.invalidTransition, "submitted → completed")) {
            try lifecycle.apply(.complete(part: nil, outcome: .approved, document: nil, collectAt: nil, note: ""), to: record,
                                by: window, at: Fixtures.at("2026-03-02 10:00"))
        }
        #expect(throws: LifecycleRefusal(.actorNotAllowed)) {
            try lifecycle.apply(.accept(part: nil, window: ""), to: record, by: .citizen, at: Fixtures.at("2026-03-02 10:00"))
        }
        // A department system acts on its own department's filings only, the same way staff do.
        #expect(throws: LifecycleRefusal(.actorNotAllowed)) {
            try lifecycle.apply(.accept(part: nil, window: ""), to: record, by: .department("police"), at: Fixtures.at("2026-03-02 10:00"))
        }
        let byDepartment = try lifecycle.apply(.accept(part: nil, window: ""), to: record, by: .department("bureau"),
                                               at: Fixtures.at("2026-03-02 10:00"))
        #expect(byDepartment.record.cases[0].acceptance?.window == "bureau")
        #expect(throws: LifecycleRefusal(.unknownPart, "seal")) {
            try lifecycle.apply(.receive(part: "seal"), to: record, by: window, at: Fixtures.at("2026-03-02 10:00"))
        }
    }

    @Test func aReturnNeedsListedReasonsAndStopsTheClock() throws {
        var record = try lifecycle.after(try filed(), .accept(part: nil, window: "A3"), at: "2026-03-02 10:00")
        #expect(throws: LifecycleRefusal(.reasonRequired)) {
            try lifecycle.apply(.returnFiling(part: nil, reasons: [], note: ""), to: record, by: window, at: Fixtures.at("2026-03-04 10:00"))
        }
        #expect(throws: LifecycleRefusal(.unknownReason, "whim")) {
            try lifecycle.apply(.returnFiling(part: nil, reasons: ["whim"], note: ""), to: record, by: window, at: Fixtures.at("2026-03-04 10:00"))
        }
        #expect(throws: LifecycleRefusal(.noteRequired)) {
            try lifecycle.apply(.returnFiling(part: nil, reasons: ["other"], note: " "), to: record, by: window, at: Fixtures.at("2026-03-04 10:00"))
        }
        record = try lifecycle.after(record, .returnFiling(part: nil, reasons: ["materialsIncomplete"], note: "缺少盖章"), at: "2026-03-04 10:00")
        #expect(record.state == .returned && record.cases[0].clock == nil)
        #expect(record.cases[0].usedBeforeReturn == 2)
        #expect(record.cases[0].lastReturn?.reasons == ["materialsIncomplete"] && record.cases[0].lastReturn?.note == "缺少盖章")
    }

    /// The rule of the docs: `restart` gives the whole time limit again from the new acceptance,
    /// `resume` only what was left.
    @Test(arguments: [("restart", "2026-03-16"), ("resume", "2026-03-12")])
    func aResubmissionRestartsTheClockAsTheFormSays(_ rule: String, _ due: String) throws {
        let form = try Fixtures.form(Fixtures.singleForm(limit: 5, afterReturn: rule))
        var record = Fixtures.record(try Fixtures.file(form, at: Fixtures.at("2026-03-02 09:00")))
        record = try lifecycle.after(record, .accept(part: nil, window: "A3"), at: "2026-03-02 10:00")
        // Returned on Wednesday 4 March: two working days used.
        record = try lifecycle.after(record, .returnFiling(part: nil, reasons: ["informationIncorrect"], note: ""), at: "2026-03-04 10:00")
        let correction = try Fixtures.file(form, at: Fixtures.at("2026-03-06 09:00"), version: 2)
        #expect(throws: LifecycleRefusal(.actorNotAllowed)) {
            try lifecycle.apply(.resubmit(correction), to: record, by: window, at: Fixtures.at("2026-03-06 09:00"))
        }
        let resubmitted = try lifecycle.apply(.resubmit(correction), to: record, by: .citizen, at: Fixtures.at("2026-03-06 09:00"))
        #expect(resubmitted.events.map(\.kind) == [.resubmitted])
        record = resubmitted.record
        #expect(record.version == 2 && record.state == .submitted && record.cases[0].version == 2)
        #expect(record.reference == correction.reference)
        #expect(record.cases[0].firstSubmittedOn == Fixtures.day("2026-03-02"))
        record = try lifecycle.after(record, .accept(part: nil, window: "A3"), at: "2026-03-09 10:00")
        #expect(record.cases[0].clock?.dueDate == Fixtures.day(due))
        #expect(throws: LifecycleRefusal(.notReturned)) {
            try lifecycle.apply(.resubmit(try Fixtures.file(form, at: Fixtures.at("2026-03-09 11:00"), version: 3)), to: record,
                                by: .citizen, at: Fixtures.at("2026-03-09 11:00"))
        }
    }

    @Test func aSecondCorrectionOfTheSameVersionIsRefused() throws {
        let form = try Fixtures.form(Fixtures.singleForm())
        var record = Fixtures.record(try Fixtures.file(form, at: Fixtures.at("2026-03-02 09:00")))
        record = try lifecycle.after(record, .returnFiling(part: nil, reasons: ["materialsInvalid"], note: ""), at: "2026-03-02 10:00")
        #expect(throws: LifecycleRefusal(.versionMismatch, "3")) {
            try lifecycle.apply(.resubmit(try Fixtures.file(form, at: Fixtures.at("2026-03-03 09:00"), version: 3)), to: record,
                                by: .citizen, at: Fixtures.at("2026-03-03 09:00"))
        }
    }

    @Test func warningsAreAnnouncedOnceEachByTheSweep() throws {
        var record = try lifecycle.after(try filed(limit: 5), .accept(part: nil, window: "A3"), at: "2026-03-02 10:00")
        record = try lifecycle.after(record, .receiveDeferred(material: "proof"), at: "2026-03-03 10:00")
        let quiet = try lifecycle.apply(.sweep, to: record, by: .system, at: Fixtures.at("2026-03-05 10:00"))
        #expect(quiet.events.isEmpty && quiet.record == record)
        let yellow = try lifecycle.apply(.sweep, to: record, by: .system, at: Fixtures.at("2026-03-06 08:00"))
        #expect(yellow.events.map(\.kind) == [.warning] && yellow.events[0].codes == ["yellow"])
        #expect(try lifecycle.apply(.sweep, to: yellow.record, by: .system, at: Fixtures.at("2026-03-09 08:00")).events.isEmpty)
        let red = try lifecycle.apply(.sweep, to: yellow.record, by: .system, at: Fixtures.at("2026-03-10 08:00"))
        #expect(red.events.map(\.kind) == [.overdue])
        #expect(throws: LifecycleRefusal(.actorNotAllowed)) {
            try lifecycle.apply(.sweep, to: record, by: window, at: Fixtures.at("2026-03-10 08:00"))
        }
        // Completed after the due date: not on time.
        let late = try lifecycle.after(red.record, .complete(part: nil, outcome: .refused, document: nil, collectAt: nil, note: ""),
                                       at: "2026-03-10 09:00")
        #expect(late.cases[0].completion?.onTime == false)
    }

    @Test(arguments: ["return", "notifyDepartment"])
    func aMissedDeferredMaterialAppliesTheFormsConsequence(_ whenMissed: String) throws {
        // A time limit of 10 working days: no warning yet when the material's due date passes.
        var record = try lifecycle.after(try filed(limit: 10, whenMissed: whenMissed), .accept(part: nil, window: "A3"),
                                         at: "2026-03-02 10:00")
        // Due Thursday 5 March: still awaited that day.
        #expect(try lifecycle.apply(.sweep, to: record, by: .system, at: Fixtures.at("2026-03-05 18:00")).events.isEmpty)
        let swept = try lifecycle.apply(.sweep, to: record, by: .system, at: Fixtures.at("2026-03-06 08:00"))
        record = swept.record
        #expect(record.deferrals[0].state == .missed && record.deferrals[0].missedOn == Fixtures.day("2026-03-06"))
        if whenMissed == "return" {
            #expect(swept.events.map(\.kind) == [.deferralMissed, .returned])
            #expect(record.state == .returned && record.cases[0].lastReturn?.reasons == ["deferredMaterialMissing"])
            #expect(record.cases[0].lastReturn?.by == .system)
        } else {
            #expect(swept.events.map(\.kind) == [.deferralMissed, .departmentNotified])
            #expect(record.state == .accepted)
        }
        // A material handed in late is still received, and counted as late.
        record = try lifecycle.after(record, .receiveDeferred(material: "proof"), at: "2026-03-09 10:00")
        #expect(record.deferrals[0].state == .received && !record.deferrals[0].inTime)
    }

    @Test func aDeferredMaterialHandedInAtTheTerminalIsMarkedReceivedByStaff() throws {
        var record = try filed()
        #expect(throws: LifecycleRefusal(.actorNotAllowed)) {
            try lifecycle.apply(.handInDeferred(material: "proof"), to: record, by: window, at: Fixtures.at("2026-03-03 10:00"))
        }
        record = try lifecycle.after(record, .handInDeferred(material: "proof"), by: .citizen, at: "2026-03-03 10:00")
        #expect(record.deferrals[0].state == .handedIn)
        #expect(throws: LifecycleRefusal(.deferralClosed, "proof")) {
            try lifecycle.apply(.handInDeferred(material: "proof"), to: record, by: .citizen, at: Fixtures.at("2026-03-03 10:05"))
        }
        #expect(throws: LifecycleRefusal(.actorNotAllowed)) {
            try lifecycle.apply(.receiveDeferred(material: "proof"), to: record, by: .citizen, at: Fixtures.at("2026-03-03 10:05"))
        }
        record = try lifecycle.after(record, .receiveDeferred(material: "proof"), at: "2026-03-04 10:00")
        #expect(record.deferrals[0].state == .received && record.deferrals[0].inTime)
        #expect(throws: LifecycleRefusal(.unknownMaterial, "passport")) {
            try lifecycle.apply(.receiveDeferred(material: "passport"), to: record, by: window, at: Fixtures.at("2026-03-04 10:00"))
        }
    }

    @Test func aCommitmentIsVerifiedOrFoundFalseOnce() throws {
        let record = try filed()
        #expect(throws: LifecycleRefusal(.noteRequired)) {
            try lifecycle.apply(.verifyCommitment(material: "residence", falseCommitment: true, note: ""), to: record, by: window,
                                at: Fixtures.at("2026-03-03 10:00"))
        }
        let found = try lifecycle.apply(.verifyCommitment(material: "residence", falseCommitment: true, note: "上门无人居住"),
                                        to: record, by: .department("bureau"), at: Fixtures.at("2026-03-03 10:00"))
        #expect(found.events.map(\.kind) == [.commitmentFalse] && found.record.commitments[0].state == .falseCommitment)
        #expect(throws: LifecycleRefusal(.commitmentAlreadyChecked, "residence")) {
            try lifecycle.apply(.verifyCommitment(material: "residence", falseCommitment: false, note: ""), to: found.record, by: window,
                                at: Fixtures.at("2026-03-04 10:00"))
        }
    }

    func completed() throws -> FilingRecord {
        var record = try lifecycle.after(try filed(), .accept(part: nil, window: "A3"), at: "2026-03-02 10:00")
        record = try lifecycle.after(record, .receiveDeferred(material: "proof"), at: "2026-03-03 10:00")
        record = try lifecycle.after(record, .complete(part: nil, outcome: .approved, document: nil, collectAt: nil, note: ""),
                                     at: "2026-03-04 10:00")
        return record
    }

    @Test func onlyTheApplicantRatesOnceAfterCompletion() throws {
        let submitted = try filed()
        #expect(throws: LifecycleRefusal(.notYetCompleted)) {
            try lifecycle.apply(.rate(.satisfied, reasons: [], comment: nil), to: submitted, by: .citizen, at: Fixtures.at("2026-03-03 10:00"))
        }
        let record = try completed()
        #expect(throws: LifecycleRefusal(.actorNotAllowed)) {
            try lifecycle.apply(.rate(.satisfied, reasons: [], comment: nil), to: record, by: window, at: Fixtures.at("2026-03-05 10:00"))
        }
        #expect(throws: LifecycleRefusal(.unknownReason, "cheap")) {
            try lifecycle.apply(.rate(.satisfied, reasons: ["cheap"], comment: nil), to: record, by: .citizen, at: Fixtures.at("2026-03-05 10:00"))
        }
        #expect(throws: LifecycleRefusal(.commentTooLong)) {
            try lifecycle.apply(.rate(.satisfied, reasons: [], comment: String(repeating: "好", count: 201)), to: record, by: .citizen,
                                at: Fixtures.at("2026-03-05 10:00"))
        }
        let rated = try lifecycle.apply(.rate(.verySatisfied, reasons: ["fast"], comment: " 很好 "), to: record, by: .citizen,
                                        at: Fixtures.at("2026-03-05 10:00"))
        #expect(rated.events.map(\.kind) == [.rated] && rated.record.followUp == nil)
        #expect(rated.record.rating?.comment == "很好" && rated.record.rating?.window == "A3" && rated.record.rating?.staff == "W01")
        #expect(throws: LifecycleRefusal(.alreadyRated)) {
            try lifecycle.apply(.rate(.dissatisfied, reasons: [], comment: nil), to: rated.record, by: .citizen, at: Fixtures.at("2026-03-05 11:00"))
        }
    }

    /// 整改 within 15 working days: a 差评 opens a follow-up the supervision post closes after
    /// 回访 and 整改; past its due date it is flagged itself.
    @Test func aBadRatingOpensAFollowUpDueInFifteenWorkingDays() throws {
        let supervisor = LifecycleActor.supervisor(staff: "S01")
        let rated = try lifecycle.apply(.rate(.dissatisfied, reasons: ["slowProcessing"], comment: nil), to: try completed(),
                                        by: .citizen, at: Fixtures.at("2026-03-05 10:00"))
        #expect(rated.events.map(\.kind) == [.rated, .followUpOpened])
        var record = rated.record
        // Thursday 5 March + 15 working days: Thursday 26 March.
        #expect(record.followUp?.dueDate == Fixtures.day("2026-03-26"))
        #expect(throws: LifecycleRefusal(.actorNotAllowed)) {
            try lifecycle.apply(.recordCallback(note: "已回访"), to: record, by: window, at: Fixtures.at("2026-03-06 10:00"))
        }
        #expect(throws: LifecycleRefusal(.followUpIncomplete)) {
            try lifecycle.apply(.closeFollowUp(note: "结"), to: record, by: supervisor, at: Fixtures.at("2026-03-06 10:00"))
        }
        record = try lifecycle.after(record, .recordCallback(note: "已电话回访，群众反映等待时间长"), by: supervisor, at: "2026-03-06 10:00")
        let overdue = try lifecycle.apply(.sweep, to: record, by: .system, at: Fixtures.at("2026-03-27 08:00"))
        #expect(overdue.events.map(\.kind) == [.followUpOverdue] && overdue.record.followUp?.isOverdue(on: Fixtures.day("2026-03-27")) == true)
        record = try lifecycle.after(overdue.record, .recordRectification(note: "增设窗口"), by: supervisor, at: "2026-03-27 10:00")
        record = try lifecycle.after(record, .closeFollowUp(note: "整改完成"), by: supervisor, at: "2026-03-27 11:00")
        #expect(record.followUp?.isClosed == true && record.followUp?.closedInTime == false)
        #expect(throws: LifecycleRefusal(.followUpClosed)) {
            try lifecycle.apply(.recordCallback(note: "再次回访"), to: record, by: supervisor, at: Fixtures.at("2026-03-27 12:00"))
        }
    }

    @Test func theSupervisorUrgesAnOpenCaseWithANote() throws {
        let record = try lifecycle.after(try filed(), .accept(part: nil, window: "A3"), at: "2026-03-02 10:00")
        let supervisor = LifecycleActor.supervisor(staff: "S01")
        #expect(throws: LifecycleRefusal(.noteRequired)) {
            try lifecycle.apply(.urge(part: nil, note: ""), to: record, by: supervisor, at: Fixtures.at("2026-03-06 10:00"))
        }
        let urged = try lifecycle.apply(.urge(part: nil, note: "请于今日办结"), to: record, by: supervisor, at: Fixtures.at("2026-03-06 10:00"))
        #expect(urged.events.map(\.kind) == [.urged] && urged.record.urges.map(\.note) == ["请于今日办结"])
    }

    @Test func aBundleHasALifecyclePerPartAndIsCompleteWhenEveryPartIs() throws {
        var record = Fixtures.record(try Fixtures.file(try Fixtures.form(Fixtures.bundleForm), at: Fixtures.at("2026-03-02 09:00")))
        #expect(record.cases.map(\.part) == ["licence", "seal"] && record.cases.map(\.departmentID) == ["amr", "police"])
        #expect(throws: LifecycleRefusal(.partRequired)) {
            try lifecycle.apply(.accept(part: nil, window: ""), to: record, by: window, at: Fixtures.at("2026-03-02 10:00"))
        }
        record = try lifecycle.after(record, .accept(part: "licence", window: ""), by: .department("amr"), at: "2026-03-02 10:00")
        record = try lifecycle.after(record, .accept(part: "seal", window: "B1"), at: "2026-03-02 10:00")
        record = try lifecycle.after(record, .complete(part: "seal", outcome: .approved, document: nil, collectAt: nil, note: ""),
                                     at: "2026-03-02 15:00")
        #expect(record.state == .accepted)
        record = try lifecycle.after(record, .returnFiling(part: "licence", reasons: ["informationIncorrect"], note: ""), at: "2026-03-03 10:00")
        #expect(record.state == .returned)
        let correction = try Fixtures.file(try Fixtures.form(Fixtures.bundleForm), at: Fixtures.at("2026-03-04 09:00"), version: 2)
        record = try lifecycle.after(record, .resubmit(correction), by: .citizen, at: "2026-03-04 09:00")
        // Only the returned part starts again.
        #expect(record.cases.map(\.state) == [.submitted, .completed])
        record = try lifecycle.after(record, .accept(part: "licence", window: ""), at: "2026-03-04 10:00")
        record = try lifecycle.after(record, .complete(part: "licence", outcome: .approved, document: nil, collectAt: nil, note: ""),
                                     at: "2026-03-05 10:00")
        #expect(record.state == .completed)
        let progress = FilingProgress(record, rules: lifecycle.rules)
        #expect(progress.canRate && !progress.canCorrect && progress.parts.count == 2)
    }

    @Test func progressShowsWhatIsAwaitedAndWhyAFilingCameBack() throws {
        var record = try filed()
        record = try lifecycle.after(record, .returnFiling(part: nil, reasons: ["materialsIncomplete", "other"], note: "请补盖公章"),
                                     at: "2026-03-03 10:00")
        let progress = FilingProgress(record, rules: lifecycle.rules)
        #expect(progress.state == .returned && progress.canCorrect && !progress.canRate)
        #expect(progress.parts[0].returnReasons.map(\.code) == ["materialsIncomplete", "other"])
        #expect(progress.parts[0].returnNote == "请补盖公章")
        #expect(progress.awaited.map(\.materialId) == ["proof"] && progress.awaited[0].dueDate == Fixtures.day("2026-03-05"))
        // The record itself holds nobody's name or number: only a hash and the masked number.
        let document = String(decoding: try JSONEncoder().encode(record), as: UTF8.self)
        #expect(!document.contains("张三") && !document.contains(Fixtures.applicantID))
    }

    @Test func repeatedBadRatingsAreFlaggedAtTheThreshold() {
        let rules = LifecycleRules(badRatingThreshold: 3, badRatingWindowDays: 30)
        #expect(rules.badRatingWindowStart(Fixtures.day("2026-03-31")) == Fixtures.day("2026-03-02"))
        let flags = rules.flags([
            BadRatingFlag(subject: .matter, key: "permit", count: 3), BadRatingFlag(subject: .window, key: "A3", count: 2),
            BadRatingFlag(subject: .staff, key: "W01", count: 4), BadRatingFlag(subject: .staff, key: "", count: 9),
        ])
        #expect(flags.map(\.key) == ["W01", "permit"])
    }
}
