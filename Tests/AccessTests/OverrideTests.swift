import Access
import Foundation
import Testing

struct OverrideTests {
    let reasons = OverrideReasons.standard
    let staff = try! StaffNumber("1001")
    let now = Date(timeIntervalSince1970: 1_740_816_000)

    @Test func theStandardListHasDistinctCodesAndBothLanguages() throws {
        #expect(try OverrideReasons(reasons.reasons) == reasons)
        #expect(reasons.reasons.allSatisfy { !$0.label.zh.isEmpty && !$0.label.en.isEmpty })
        #expect(reasons.reason("paperMaterialChecked")?.label.zh == "已核验纸质材料")
    }

    @Test func recordsWhoWhenWhatAndWhy() throws {
        let record = try reasons.record(.skipStep, by: staff, role: .staff, reasonCode: "citizenAssisted",
                                        note: "  helped at the counter \n", at: now)
        #expect(record == OverrideRecord(staffNumber: staff, role: .staff, at: now, action: .skipStep,
                                         reasonCode: "citizenAssisted", note: "helped at the counter"))
        let entry = try record.auditEntry(target: "session-7", details: ["step": "applicant"])
        #expect(entry.actor == .staff(staff))
        #expect(entry.action.rawValue == "override.skipStep")
        #expect(entry.details == ["step": "applicant", "role": "staff", "reason": "citizenAssisted"])
    }

    @Test func refusesUnlistedReasonsMissingNotesLongNotesAndOtherRoles() {
        #expect(throws: AccessError(.unknownOverrideReason)) {
            try reasons.record(.cancelSession, by: staff, role: .staff, reasonCode: "because", note: "", at: now)
        }
        #expect(throws: AccessError(.overrideNoteRequired)) {
            try reasons.record(.cancelSession, by: staff, role: .admin, reasonCode: "other", note: "   ", at: now)
        }
        #expect(throws: AccessError(.overrideNoteTooLong)) {
            try reasons.record(.cancelSession, by: staff, role: .staff, reasonCode: "other",
                               note: String(repeating: "说", count: 201), at: now)
        }
        #expect(throws: Never.self) {
            try reasons.record(.cancelSession, by: staff, role: .staff, reasonCode: "other",
                               note: String(repeating: "说", count: 200), at: now)
        }
        #expect(throws: AccessError(.roleNotAllowed)) {
            try reasons.record(.takeOverSession, by: staff, role: .technician, reasonCode: "citizenRequest", note: "", at: now)
        }
    }

    @Test func aConfiguredListNamesEachCodeOnce() {
        let reason = OverrideReason(code: "x", label: .init(zh: "甲", en: "X"))
        #expect(throws: AccessError(.duplicateOverrideReason)) { try OverrideReasons([reason, reason]) }
    }
}
