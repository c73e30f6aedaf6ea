import FormEngine
import Foundation
import JSONLogic
import KioskCore
import Testing

/// Citizens filling the shipped filings: answer, next, back, review, change, submit.
@Suite struct ScenarioTests {
    let context = Fixtures.context

    @Test func residencePermitRenterWithAChild() throws {
        let form = try Fixtures.form("residence-permit")
        var session = FormSession.start(form, idCard: Fixtures.idCard, context: context)
        #expect(session.stepID == "applicant")
        #expect(session.answers["name"] == "张三")
        #expect(session.answers["idNumber"] == .string(Fixtures.citizenID))
        let screen = try #require(session.screen(in: form, context: context))
        #expect(screen.fields.map(\.id) == ["name", "idNumber", "birthDate", "hukouAddress", "mobile", "isMinor"])

        guard case .rejected(let report) = try session.next(in: form, context: context) else {
            Issue.record("mobile is required")
            return
        }
        #expect(report.errors.map(\.fieldPath) == ["mobile"])
        #expect(report.errors.first?.message == LocalizedText(zh: "此项为必填", en: "This question needs an answer."))
        try session.answer("mobile", "13812345678", in: form)
        try session.advance(form)
        #expect(session.stepID == "residence")

        try session.fill([
            "residenceDistrict": "chaoyang", "residenceSubdistrict": "jianwai",
            "residenceAddress": ["region": "110105", "detail": "朝阳路1号"], "residenceSince": "2026-01-01", "housing": "rented",
            "rentalRegistered": true,
        ], form)
        guard case .rejected(let tooRecent) = try session.next(in: form, context: context) else {
            Issue.record("six months not reached")
            return
        }
        #expect(tooRecent.errors.map(\.code) == ["constraint"])
        #expect(tooRecent.errors.first?.message.en == "You must have lived here for at least six months.")
        try session.answer("residenceSince", "2025-06-01", in: form)
        try session.advance(form)

        try session.fill(["grounds": "employment", "employerName": "某某科技有限公司"], form)
        // Back restores the previous step exactly as left, and forward again keeps this step's answers.
        try session.back()
        #expect(session.stepID == "residence")
        #expect(session.answers["housing"] == "rented")
        try session.advance(form)
        #expect(session.answers["grounds"] == "employment")
        try session.advance(form)
        #expect(session.stepID == "family")
        try session.answer("children", [["childName": "张小明", "childIdNumber": .string(Fixtures.childID), "childInSchool": true]], in: form)
        guard case .rejected(let childErrors) = try session.next(in: form, context: context) else {
            Issue.record("school required for a child in school")
            return
        }
        #expect(childErrors.errors.map(\.fieldPath) == ["children[0].childSchool"])
        try session.answer("children", [[
            "childName": "张小明", "childIdNumber": .string(Fixtures.childID), "childInSchool": true, "childSchool": "实验小学",
        ]], in: form)
        try session.advance(form)
        #expect(session.position == .review)

        let notice = session.notice(form)
        #expect(notice.missing.map(\.materialID) == ["idCard", "photo", "tenancyContract", "laborContract", "childBirthCertificate"])
        #expect(notice.missing.first { $0.materialID == "tenancyContract" }?.reason.en == "Needed because you rent your home.")
        #expect(!notice.deferralPossible)

        // Change of mind from review: the home is owned after all; tenancy drops, property (承诺 possible) appears.
        try session.jump(to: "residence", in: form, context: context)
        try session.answer("housing", "owned", in: form)
        try session.advance(form)
        #expect(session.position == .review)
        let review = session.review(in: form, context: context)
        let residence = try #require(review.first { $0.stepID == "residence" })
        #expect(residence.entries.map(\.fieldID) == [
            "residenceDistrict", "residenceSubdistrict", "residenceAddress", "residenceSince", "housing",
        ])
        #expect(residence.entries.last?.display == LocalizedText(zh: "自有住房", en: "Own home"))
        let basis = try #require(review.first { $0.stepID == "basis" })
        #expect(basis.entries.first { $0.fieldID == "employerCreditCode" }?.display.en == "Not provided")

        for id in ["idCard", "photo"] { try session.provideMaterial(id, in: form) }
        #expect(throws: FormSessionError.coreMaterialMissing) {
            try session.deferMaterial("laborContract", in: form, context: context)
        }
        try session.commit("propertyCertificate", form)
        #expect(session.notice(form).deferralPossible)
        try session.deferMaterial("laborContract", in: form, context: context)
        try session.deferMaterial("childBirthCertificate", in: form, context: context)
        #expect(session.notice(form).isComplete)

        #expect(try session.confirmReview(in: form, context: context) == .moved(to: .declaration))
        #expect(throws: FormSessionError.declarationNotAccepted) {
            try session.submit(acceptingDeclaration: false, reference: "X", in: form, context: context, calendar: Fixtures.calendar)
        }
        let filing = try session.submit(acceptingDeclaration: true, reference: "310105-20260302-0001", in: form, context: context, calendar: Fixtures.calendar)
        #expect(filing.answers["rentalRegistered"] == nil)  // no longer relevant: dropped
        #expect(filing.answers["housing"] == "owned")
        #expect(filing.answers["isMinor"] == false)
        #expect(filing.deferred.map(\.materialID) == ["laborContract", "childBirthCertificate"])
        // Submitted on Monday 2 March 2026: ten working days, and fifteen calendar days.
        #expect(filing.deferred.map(\.dueDate) == ["2026-03-16", "2026-03-17"])
        #expect(filing.deferred.map(\.days) == [.working, .calendar])
        #expect(filing.deferred.map(\.handIn) == [form.department, form.department])
        #expect(filing.commitments.map(\.textVersion) == [Fixtures.textVersion("propertyCertificate", form)])
        #expect(filing.applicant?.name == "张三")
        #expect(filing.applicant?.identifier == Fixtures.citizenID)
        #expect(filing.applicant?.isIDNumber == true)
        #expect(filing.commitments.map(\.materialID) == ["propertyCertificate"])
        #expect(filing.materials.map(\.materialID) == ["idCard", "photo", "propertyCertificate", "laborContract", "childBirthCertificate"])
        #expect(session.position == .submitted)
    }

    @Test func individualBusinessFamilyWithFood() throws {
        let form = try Fixtures.form("individual-business")
        var session = FormSession.start(form, idCard: Fixtures.idCard, context: context)
        #expect(session.answers["organisation"] == "personal")  // default
        try session.fill(["operatorMobile": "13912345678", "organisation": "family"], form)
        guard case .rejected(let report) = try session.next(in: form, context: context) else {
            Issue.record("a family business needs members")
            return
        }
        #expect(report.errors.map { "\($0.fieldPath) \($0.code)" } == ["familyMembers required"])
        try session.answer("familyMembers", [["memberName": "李四", "memberIdNumber": .string(Fixtures.childID), "relation": "spouse"]], in: form)
        try session.advance(form)
        try session.fill([
            "scope": ["retail", "food"], "capital": 50000, "employees": 3,
            "premisesAddress": ["region": "110105", "detail": "商业街8号"], "premisesType": "leased",
        ], form)
        try session.advance(form)
        #expect(session.stepID == "foodLicence")
        #expect(session.answers["applyFoodLicence"] == true)
        try session.advance(form)
        try session.fill(["monthlySales": 80000, "consent": true], form)
        try session.advance(form)
        #expect(session.answers["smallScale"] == nil)  // stored raw answers keep calculations out
        let notice = session.notice(form)
        #expect(notice.missing.map(\.materialID) == ["operatorIdCard", "familyProof", "premisesProof", "foodSafetyPlan"])
        #expect(notice.commitmentPossible == ["premisesProof"])
        try session.provideMaterial("operatorIdCard", in: form)
        try session.commit("premisesProof", form)
        try session.deferMaterial("familyProof", in: form, context: context)
        try session.deferMaterial("foodSafetyPlan", in: form, context: context)
        #expect(try session.confirmReview(in: form, context: context) == .moved(to: .declaration))
        let filing = try session.submit(acceptingDeclaration: true, reference: "R1", in: form, context: context, calendar: Fixtures.calendar)
        #expect(filing.answers["smallScale"] == true)
        #expect(filing.deferred.map(\.dueDate) == ["2026-03-23", "2026-03-30"])
        #expect(filing.commitments.first?.verification.en == "The registration authority inspects the premises within 3 months.")
    }

    @Test func talentSettlementRejectsAnOlderBachelorThenAcceptsAMaster() throws {
        let form = try Fixtures.form("talent-settlement")
        let older = IDCardFacts(name: "王五", documentNumber: Fixtures.idNumber("11010519750101001"), birthDate: "1975-01-01")
        var session = FormSession.start(form, idCard: older, context: context)
        try session.answer("mobile", "13712345678", in: form)
        try session.advance(form)
        try session.fill(["category": "degree", "education": "bachelor", "graduationDate": "1997-07-01", "studiedAbroad": true], form)
        guard case .rejected(let report) = try session.next(in: form, context: context) else {
            Issue.record("age limit for a bachelor")
            return
        }
        #expect(report.errors.map(\.code) == ["constraint"])
        try session.answer("education", "master", in: form)
        try session.advance(form)
        try session.fill(["employerName": "某研究院", "employerCreditCode": "91350100M000100Y43", "socialInsuranceMonths": 12], form)
        try session.advance(form)
        try session.fill([
            "settlementType": "ownHome", "settlementAddress": ["region": "110105", "detail": "幸福里3号"],
            "dependants": [["dependantName": "赵六", "dependantIdNumber": .string(Fixtures.childID), "dependantRelation": "spouse"]],
        ], form)
        try session.advance(form)
        let notice = session.notice(form)
        #expect(notice.missing.map(\.materialID) == [
            "idCard", "hukouBook", "diploma", "foreignDegreeCertification", "laborContract", "propertyCertificate",
            "marriageCertificate",
        ])
        // Switching to the talent centre's collective household drops the address, family and property proof.
        try session.jump(to: "settlement", in: form, context: context)
        try session.answer("settlementType", "talentCentre", in: form)
        try session.advance(form)
        let after = session.notice(form).missing.map(\.materialID)
        #expect(after == ["idCard", "hukouBook", "diploma", "foreignDegreeCertification", "laborContract"])
        for id in ["idCard", "hukouBook", "foreignDegreeCertification"] { try session.provideMaterial(id, in: form) }
        try session.commit("diploma", form)
        try session.deferMaterial("laborContract", in: form, context: context)
        _ = try session.confirmReview(in: form, context: context)
        let filing = try session.submit(acceptingDeclaration: true, reference: "R2", in: form, context: context, calendar: Fixtures.calendar)
        #expect(filing.answers["dependants"] == nil)
        #expect(filing.answers["age"] == 51)
        #expect(filing.deferred.first?.dueDate == "2026-04-01")
    }

    @Test func companyOpeningBundle() throws {
        let form = try Fixtures.form("company-opening")
        var session = FormSession.start(form, idCard: Fixtures.idCard, context: context)
        try session.fill([
            "companyName": "北京某某科技有限公司", "registeredCapital": 100, "registeredAddress": ["region": "110105", "detail": "科技园1号"],
            "scope": "软件开发", "employeeCount": 0,
        ], form)
        try session.advance(form)
        try session.fill([
            "legalRepMobile": "13612345678",
            "shareholders": [
                ["shareholderType": "person", "shareholderName": "张三", "shareholderIdNumber": .string(Fixtures.citizenID), "contribution": 60],
                ["shareholderType": "company", "shareholderName": "某某集团有限公司", "shareholderCreditCode": "91350100M000100Y43", "contribution": 40],
            ],
        ], form)
        try session.advance(form)
        try session.fill(["wantHousingFund": false], form)
        try session.advance(form)
        #expect(session.stepID == "sealOptions")
        #expect(session.answers["sealKinds"] == ["official", "finance", "invoice"])
        try session.answer("sealPickup", "post", in: form)
        try session.advance(form)
        #expect(session.stepID == "taxDetails")
        #expect(session.answers["financeContactName"] == "张三")  // from the shared answers
        #expect(session.answers["financeContactMobile"] == "13612345678")
        try session.answer("monthlyInvoiceLimit", 100000, in: form)
        try session.advance(form)
        // No employees and no housing fund: those sub-filings are not asked.
        #expect(session.position == .review)

        // Staff take over: the company has employees after all; the new social-insurance step is asked first.
        try session.jump(to: "company", in: form, context: context)
        try session.answer("employeeCount", 5, in: form)
        try session.advance(form)
        #expect(session.stepID == "socialInsuranceDetails")
        #expect(session.answers["socialInsuranceContact"] == "张三")
        let staff = StaffAuthorisation(staffID: "S042", reasonCode: "citizenAssisted", note: "窗口人员协助")
        try session.skipStep(in: form, context: context, authorisation: staff)
        #expect(session.overrides.map(\.kind) == [.skipStep])
        // Employee enrolment (员工参保登记) is its own part, asked since the company enrols its employees.
        #expect(session.stepID == "employeeEnrolmentDetails")
        try session.fill(["enrolmentCount": 6, "insuranceStart": "2026-04-01"], form)
        guard case .rejected(let tooMany) = try session.next(in: form, context: context) else {
            Issue.record("more employees enrolled than hired")
            return
        }
        #expect(tooMany.errors.map(\.fieldPath) == ["enrolmentCount"])
        try session.answer("enrolmentCount", 5, in: form)
        try session.advance(form)
        #expect(session.position == .review)

        let notice = session.notice(form)
        #expect(notice.missing.map(\.materialID) == [
            "articles", "addressProof", "corporateShareholderLicence", "sealAuthorisation", "taxAgentAgreement",
            "socialInsuranceForm", "employeeList", "laborContractCopies",
        ])
        for id in ["articles", "sealAuthorisation", "socialInsuranceForm", "employeeList"] { try session.provideMaterial(id, in: form) }
        try session.commit("addressProof", form)
        for id in ["corporateShareholderLicence", "taxAgentAgreement", "laborContractCopies"] {
            try session.deferMaterial(id, in: form, context: context)
        }
        #expect(try session.confirmReview(in: form, context: context) == .moved(to: .declaration))
        let filing = try session.submit(acceptingDeclaration: true, reference: "R3", in: form, context: context, calendar: Fixtures.calendar)
        #expect(filing.subFilings.map(\.id) == ["registration", "seal", "tax", "socialInsurance", "employeeEnrolment"])
        #expect(filing.subFilings.map(\.department.zh) == [
            "区市场监督管理局", "区公安分局治安管理大队", "区税务局", "区社会保险事业管理中心", "区社会保险事业管理中心、区医疗保障局",
        ])
        #expect(filing.subFilings.last?.materialIDs == ["employeeList", "laborContractCopies"])
        // Each deferred material is handed in to its own part's department.
        #expect(filing.deferred.map(\.handIn?.zh) == ["区市场监督管理局", "区税务局", "区社会保险事业管理中心、区医疗保障局"])
        #expect(filing.deferred.map(\.dueDate) == ["2026-03-09", "2026-03-16", "2026-04-01"])
        #expect(filing.subFilings.first { $0.id == "registration" }?.materialIDs == ["articles", "addressProof", "corporateShareholderLicence"])
        #expect(filing.answers["shareholderCount"] == 2)
        #expect(filing.overrides.first?.authorisation == staff)
        let shareholders = try #require(filing.answers["shareholders"])
        guard case .array(let items) = shareholders, case .object(let second) = items[1] else {
            Issue.record("shareholders")
            return
        }
        #expect(second["shareholderIdNumber"] == nil)
    }

    @Test func staffOverrideOfValidationIsRecorded() throws {
        let form = try Fixtures.form("residence-permit")
        var session = FormSession.start(form, context: context)
        let staff = StaffAuthorisation(staffID: "S7", reasonCode: "paperMaterialChecked")
        #expect(throws: FormSessionError.invalidAuthorisation) {
            try session.next(in: form, context: context, override: StaffAuthorisation(staffID: "", reasonCode: "x"))
        }
        #expect(try session.next(in: form, context: context, override: staff) == .moved(to: .step("residence")))
        #expect(session.overrides.first?.fieldPaths == ["name", "idNumber", "birthDate", "hukouAddress", "mobile"])
    }

    @Test func draftResumesOnTheSameAndOnANewerVersion() throws {
        let form = try Fixtures.form("residence-permit")
        var session = FormSession.start(form, idCard: Fixtures.idCard, context: context)
        try session.answer("mobile", "13812345678", in: form)
        try session.advance(form)
        try session.answer("housing", "rented", in: form)
        let draft = session.draft()
        let data = try JSONEncoder().encode(draft)
        let decoded = try JSONDecoder().decode(FormDraft.self, from: data)
        #expect(decoded == draft)
        let same = try FormSession.resume(decoded, in: form, context: context)
        #expect(same.stepID == "residence")
        #expect(same.answers == session.answers)

        // Version 2 renames `mobile` to `phone` and drops the guardian: answers for fields that
        // still exist are kept, and the citizen is taken to the first question left unanswered.
        let yaml = try String(contentsOfFile: Fixtures.formsDirectory + "/residence-permit.yaml", encoding: .utf8)
            .replacingOccurrences(of: "version: 1", with: "version: 2")
            .replacingOccurrences(of: "- id: mobile", with: "- id: phone")
        let newer = try Fixtures.inline(yaml)
        var resumed = try FormSession.resume(decoded, in: newer, context: context)
        #expect(resumed.formVersion == 2)
        #expect(resumed.answers["mobile"] == nil)
        #expect(resumed.answers["housing"] == "rented")
        #expect(resumed.answers["name"] == "张三")
        #expect(resumed.stepID == "applicant")
        try resumed.answer("phone", "13812345678", in: newer)
        try resumed.advance(newer)
        #expect(resumed.stepID == "residence")
        try resumed.back()
        #expect(resumed.stepID == "applicant")
        #expect(throws: FormSessionError.otherForm) {
            try FormSession.resume(decoded, in: try Fixtures.form("talent-settlement"), context: context)
        }
    }

    @Test func sessionRoundTripsThroughJSON() throws {
        let form = try Fixtures.form("company-opening")
        var session = FormSession.start(form, idCard: Fixtures.idCard, context: context)
        try session.answer("companyName", "某某有限公司", in: form)
        let data = try JSONEncoder().encode(session)
        var decoded = try JSONDecoder().decode(FormSession.self, from: data)
        #expect(decoded == session)
        #expect(throws: FormSessionError.noPreviousStep) { try decoded.back() }
        #expect(throws: FormSessionError.fieldNotOnStep("sealKinds")) { try decoded.answer("sealKinds", ["official"], in: form) }
    }
}
