import Booking
import FormEngine
import Foundation
import JSONLogic
import KioskCore
import Testing

/// What the form says about the applicant, what the citizen commits to (容缺 and 告知承诺), and
/// what the card says.
@Suite struct ApplicantDeclarationTests {
    static let fields = """
        steps:
          - id: one
            title: {zh-CN: 一, en: One}
            fields:
              - {id: holder, type: text, label: {zh-CN: 姓名, en: Name}}
              - {id: holderNumber, type: idNumber, label: {zh-CN: 号码, en: Number}}
              - {id: company, type: text, label: {zh-CN: 企业, en: Company}}
              - {id: phone, type: mobile, label: {zh-CN: 手机, en: Phone}}
        """

    static func form(applicant: String) -> String {
        """
        id: t
        version: 1
        title: {zh-CN: 测试, en: Test}
        department: {zh-CN: 部门, en: Department}
        timeLimitDays: 5
        declaration: {zh-CN: 声明, en: Declaration}
        \(applicant)
        \(fields)
        """
    }

    @Test func theApplicantIsDeclaredByFieldsOfAnyName() throws {
        let form = try Fixtures.inline(Self.form(applicant: "applicant: {name: holder, idNumber: holderNumber}"))
        #expect(FormValidator.check(form).isEmpty)
        #expect(form.applicant.nameField == "holder")
        #expect(form.applicant.isIDNumber)
        #expect(form.applicant.identityLabel == LocalizedText(zh: "身份证号", en: "ID number"))

        // A company filing made by an agent: the company identifies it, under the form's label.
        let agent = try Fixtures.inline(Self.form(applicant: """
            applicant:
              name: holder
              identifier: {field: company, label: {zh-CN: 企业名称, en: Company name}}
            """))
        #expect(FormValidator.check(agent).isEmpty)
        #expect(!agent.applicant.isIDNumber)
        #expect(agent.applicant.identityLabel.zh == "企业名称")
    }

    @Test func aMissingOrWrongApplicantIsNamedByFileAndLine() {
        #expect(Fixtures.allProblems(Self.form(applicant: "")).map(\.description) == ["t.yaml:1: Missing applicant."])
        #expect(Fixtures.allProblems(Self.form(applicant: """
            applicant:
              name: nobody
              idNumber: holder
            """)).map(\.description) == [
            "t.yaml:8: applicant.name: The applicant field nobody does not exist (it must be a field of the form outside any repeat group).",
            "t.yaml:9: applicant.idNumber: The applicant field holder is of type text; it must be idNumber.",
        ])
        #expect(Fixtures.allProblems(Self.form(applicant: """
            applicant:
              name: phone
              identifier: {field: phone, label: {zh-CN: 手机, en: Phone}}
            """)).map(\.description) == [
            "t.yaml:8: applicant.name: The applicant field phone is of type mobile; it must be text.",
            "t.yaml:9: applicant.identifier.field: The applicant field phone is of type mobile; it must be creditCode or text.",
        ])
        #expect(Fixtures.allProblems(Self.form(applicant: "applicant: {name: holder}")).map(\.code) == ["applicantIdentity"])
        #expect(Fixtures.allProblems(Self.form(
            applicant: "applicant: {name: holder, idNumber: holderNumber, identifier: {field: company, label: {zh-CN: 企业, en: Co}}}"))
            .map(\.code) == ["applicantIdentity"])
    }

    @Test func theFilingNamesItsApplicantThroughTheDeclaration() throws {
        let form = try Fixtures.inline(Self.form(applicant: "applicant: {name: holder, idNumber: holderNumber}"))
        var session = FormSession.start(form, idCard: IDCardFacts(name: "张三"), context: Fixtures.context)
        try session.answer("holderNumber", .string(Fixtures.citizenID), in: form)
        try session.advance(form)
        _ = try session.confirmReview(in: form, context: Fixtures.context)
        let filing = try session.submit(
            acceptingDeclaration: true, reference: "R", in: form, context: Fixtures.context, calendar: Fixtures.calendar)
        #expect(filing.applicant?.name == nil)  // the card had no `idcard.name` field to fill: not answered
        #expect(filing.applicant?.identifier == Fixtures.citizenID)
        #expect(filing.applicant?.isIDNumber == true)
    }
}

@Suite struct DeferralAndCommitmentTests {
    /// A form with a 容缺 material counted in working days, one in calendar days, and a 告知承诺 one.
    static let form = header + """
        steps:
          - id: one
            title: {zh-CN: 一, en: One}
            fields: [{id: who, type: text, label: {zh-CN: 名, en: Name}}, {id: whoID, type: idNumber, label: {zh-CN: 号, en: ID}}]
        materials:
          - id: working
            name: {zh-CN: 甲, en: A}
            issuer: {zh-CN: 机关, en: Office}
            core: false
            deferrable: {maxDays: 5, days: working, consequence: {zh-CN: 逾期不予办理, en: Refused if late}}
          - id: calendar
            name: {zh-CN: 乙, en: B}
            issuer: {zh-CN: 机关, en: Office}
            core: false
            deferrable: {maxDays: 3, days: calendar, consequence: {zh-CN: 逾期撤销, en: Revoked if late}}
          - id: promise
            name: {zh-CN: 丙, en: C}
            issuer: {zh-CN: 机关, en: Office}
            commitment:
              statement: {zh-CN: 本人承诺属实。, en: I declare it is true.}
              verification: {zh-CN: 部门抽查核实, en: Checked at random.}
        """

    static func day(_ text: String) throws -> LocalDate {
        let parts = text.split(separator: "-").compactMap { Int($0) }
        return try LocalDate(year: parts[0], month: parts[1], day: parts[2])
    }

    /// Before National Day 2026: 1–7 October off, Saturday 10 October a make-up working day.
    @Test(arguments: [
        ("working", "2026-09-29", "2026-10-12"),   // 30 Sep, 8, 9, 10 (调休), 12 Oct
        ("calendar", "2026-09-29", "2026-10-08"),  // 2 Oct is a holiday: the next working day
        ("calendar", "2026-10-07", "2026-10-10"),  // a make-up working day is a working day
        ("working", "2026-03-02", "2026-03-09"),
        ("calendar", "2026-03-05", "2026-03-09"),  // Sunday 8 March moves to Monday
    ])
    func dueDatesAreCountedOnTheOfficialCalendar(_ material: String, _ accepted: String, _ due: String) throws {
        let form = try Fixtures.inline(Self.form)
        let deferral = try #require(form.materials.first { $0.id == material }?.deferral)
        #expect(deferral.dueDate(acceptedOn: try Self.day(accepted), calendar: Fixtures.calendar).description == due)
    }

    @Test func aDeferralMustSayHowItsDaysAreCounted() {
        let missing = Fixtures.problems(Self.form.replacingOccurrences(of: "maxDays: 5, days: working, ", with: "maxDays: 5, "))
        #expect(missing == ["t.yaml:17: materials[working].deferrable: Missing days."])
        let unknown = Fixtures.problems(Self.form.replacingOccurrences(of: "days: working", with: "days: business"))
        #expect(unknown == ["t.yaml:17: materials[working].deferrable.days: Unknown value business; expected one of working, calendar."])
    }

    @Test func theTermsAreInTheNoticeBeforeTheChoice() throws {
        let form = try Fixtures.inline(Self.form)
        var session = FormSession.start(form, context: Fixtures.context)
        try session.advance(form)
        let notice = session.notice(form)
        let working = try #require(notice.missing.first { $0.materialID == "working" }?.deferral)
        #expect(working.dueDate == "2026-03-09")
        #expect(working.days == .working)
        #expect(working.dueText.zh == "受理之日起5个工作日内（按国家法定节假日安排计算）")
        #expect(working.consequence.en == "Refused if late")
        let promise = try #require(notice.missing.first { $0.materialID == "promise" }?.commitment)
        #expect(promise.statement.zh == "本人承诺属实。")
        #expect(promise.verification.en == "Checked at random.")
        #expect(promise.textVersion.count == 16)
        #expect(notice.missing.first { $0.materialID == "promise" }?.deferral == nil)
    }

    @Test func aCommitmentIsAcceptedOnlyWithTheTextShown() throws {
        let form = try Fixtures.inline(Self.form)
        var session = FormSession.start(form, context: Fixtures.context)
        try session.advance(form)
        #expect(throws: FormSessionError.commitmentNotAccepted("promise")) {
            try session.commitInstead(of: "promise", acceptingTextVersion: nil, in: form, context: Fixtures.context)
        }
        #expect(throws: FormSessionError.commitmentTextChanged("promise")) {
            try session.commitInstead(of: "promise", acceptingTextVersion: "0123456789abcdef", in: form, context: Fixtures.context)
        }
        #expect(session.materials["promise"] == nil)
        try session.commit("promise", form)
        for id in ["working", "calendar"] { try session.deferMaterial(id, in: form, context: Fixtures.context) }
        _ = try session.confirmReview(in: form, context: Fixtures.context)

        // A draft resumed after the text changed is no longer committed: the citizen reads it again.
        let changed = try Fixtures.inline(Self.form.replacingOccurrences(of: "部门抽查核实", with: "部门实地核查"))
        let resumed = try FormSession.resume(session.draft(), in: changed, context: Fixtures.context)
        #expect(resumed.materials["promise"] == nil)
        #expect(resumed.materials["working"] == .deferred)
        #expect(try FormSession.resume(session.draft(), in: form, context: Fixtures.context).materials["promise"] == .committed)

        let filing = try session.submit(
            acceptingDeclaration: true, reference: "R", in: form, context: Fixtures.context, calendar: Fixtures.calendar)
        #expect(filing.commitments.map(\.textVersion) == [Fixtures.textVersion("promise", form)])
        #expect(filing.deferred.map(\.dueDate) == ["2026-03-09", "2026-03-05"])
        #expect(filing.deferred.map(\.dueText?.en) == [
            "within 5 working days of acceptance (on the official holiday calendar)",
            "within 3 calendar days of acceptance (a last day that is a day off moves to the next working day)",
        ])
    }
}

@Suite struct CardDataTests {
    @Test func whatTheCardSaysIsReadOnlyForTheCitizen() throws {
        let form = try Fixtures.form("company-opening")
        var session = FormSession.start(form, idCard: Fixtures.idCard, context: Fixtures.context)
        #expect(session.cardFields == ["legalRepName", "legalRepIdNumber"])
        #expect(throws: FormSessionError.cardDataLocked("legalRepName")) {
            try session.answer("legalRepName", "李四", in: form)
        }
        let screen = try #require(session.screen(in: form, context: Fixtures.context))
        #expect(screen.fields.filter(\.readOnly).map(\.id) == [])  // the company step asks nothing from the card

        // Staff correct it, with their name and reason kept; the citizen still cannot.
        let staff = StaffAuthorisation(staffID: "S1", reasonCode: "cardDataChecked", note: "生僻字")
        try session.correctCardData("legalRepName", "张叁", in: form, authorisation: staff)
        #expect(session.answers["legalRepName"] == "张叁")
        #expect(session.overrides.last?.kind == .cardDataCorrected)
        #expect(session.overrides.last?.fieldPaths == ["legalRepName"])
        #expect(throws: FormSessionError.notCardData("companyName")) {
            try session.correctCardData("companyName", "x", in: form, authorisation: staff)
        }
        #expect(throws: FormSessionError.invalidAuthorisation) {
            try session.correctCardData("legalRepName", "x", in: form, authorisation: StaffAuthorisation(staffID: "", reasonCode: ""))
        }
    }

    @Test func aBundlePrefillStaysEditable() throws {
        let form = try Fixtures.form("company-opening")
        var session = FormSession.start(form, idCard: Fixtures.idCard, context: Fixtures.context)
        try session.fill([
            "companyName": "北京某某科技有限公司", "registeredCapital": 100, "registeredAddress": ["region": "110105", "detail": "1号"],
            "scope": "软件开发", "employeeCount": 0,
        ], form)
        try session.advance(form)
        let people = try #require(session.screen(in: form, context: Fixtures.context))
        #expect(people.fields.filter(\.readOnly).map(\.id) == ["legalRepName", "legalRepIdNumber"])
        try session.fill([
            "legalRepMobile": "13612345678",
            "shareholders": [["shareholderType": "person", "shareholderName": "张三", "shareholderIdNumber": .string(Fixtures.citizenID), "contribution": 1]],
        ], form)
        try session.advance(form)
        try session.fill(["wantSeal": false, "wantHousingFund": false], form)
        try session.advance(form)
        #expect(session.stepID == "taxDetails")
        #expect(session.answers["financeContactName"] == "张三")
        try session.answer("financeContactName", "李四", in: form)
        #expect(session.answers["financeContactName"] == "李四")
        #expect(session.screen(in: form, context: Fixtures.context)?.fields.allSatisfy { !$0.readOnly } == true)
    }

    @Test func withoutACardNothingIsLocked() throws {
        let form = try Fixtures.form("residence-permit")
        var session = FormSession.start(form, context: Fixtures.context)
        try session.answer("name", "张三", in: form)
        #expect(session.cardFields.isEmpty)
    }
}

@Suite struct ChoiceFilterTests {
    /// The shipped residence permit offers the subdistricts of the district chosen on the same step.
    @Test func subdistrictsFollowTheChosenDistrict() throws {
        let form = try Fixtures.form("residence-permit")
        var session = FormSession.start(form, idCard: Fixtures.idCard, context: Fixtures.context)
        try session.answer("mobile", "13812345678", in: form)
        try session.advance(form)
        func subdistricts() throws -> [String] {
            let screen = try #require(session.screen(in: form, context: Fixtures.context))
            return try #require(screen.fields.first { $0.id == "residenceSubdistrict" }).choices.map(\.value)
        }
        let field = try #require(session.screen(in: form, context: Fixtures.context)?.fields.first { $0.id == "residenceSubdistrict" })
        #expect(field.choicesDependOn == ["residenceDistrict"])
        #expect(try subdistricts() == [])  // no district yet
        try session.answer("residenceDistrict", "xicheng", in: form)
        #expect(try subdistricts() == ["xichanganjie", "xinjiekou", "yuetan"])
        try session.answer("residenceDistrict", "chaoyang", in: form)
        #expect(try subdistricts() == ["jianwai", "chaowai", "sanlitun"])

        // A subdistrict of another district is refused, as is one left over from a changed district.
        try session.fill([
            "residenceSubdistrict": "yuetan", "residenceAddress": ["region": "110105", "detail": "1号"],
            "residenceSince": "2020-01-01", "housing": "owned",
        ], form)
        guard case .rejected(let wrong) = try session.next(in: form, context: Fixtures.context) else {
            Issue.record("a subdistrict of Xicheng is not in Chaoyang")
            return
        }
        #expect(wrong.errors.map { "\($0.fieldPath) \($0.code)" } == ["residenceSubdistrict invalidChoice"])
        try session.answer("residenceSubdistrict", "sanlitun", in: form)
        try session.advance(form)
        #expect(session.stepID == "basis")
    }
}
