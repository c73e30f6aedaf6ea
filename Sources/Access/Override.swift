import Foundation
import KioskCore

/// What a member of staff may do to a citizen's session on their own authority.
public enum OverrideAction: String, Sendable, Hashable, Codable, CaseIterable {
    case skipStep
    case acceptInvalidAnswer
    case markMaterialReceivedOnPaper
    /// 容缺受理: accept the filing with a non-core material missing, on a written commitment.
    case approveDeferredMaterial
    case takeOverSession
    case handBackSession
    case cancelSession
    /// Change an answer read from the ID card (a misread character, a card checked by hand).
    case correctCardData

    /// Whether the override means nothing without staff's own words, whatever the reason.
    public var requiresNote: Bool { self == .correctCardData }
}

/// One reason a hall offers for an override, shown in both languages.
public struct OverrideReason: Sendable, Hashable, Codable {
    public let code: String
    public let label: LocalizedText
    /// `other`-like reasons mean nothing without the free text.
    public let requiresNote: Bool

    public init(code: String, label: LocalizedText, requiresNote: Bool = false) {
        self.code = code
        self.label = label
        self.requiresNote = requiresNote
    }
}

/// The hall's configured list of override reasons, and the check every override passes.
public struct OverrideReasons: Sendable, Hashable {
    public static let longestNote = 200

    public let reasons: [OverrideReason]

    public init(_ reasons: [OverrideReason]) throws(AccessError) {
        guard Set(reasons.map(\.code)).count == reasons.count else { throw AccessError(.duplicateOverrideReason) }
        self.reasons = reasons
    }

    /// The list a terminal starts with until the hall configures its own, in the order the staff
    /// console offers it (the first is chosen until staff choose another).
    public static let standard = OverrideReasons(unchecked: [
        OverrideReason(code: "citizenAssisted", label: .init(zh: "协助群众办理", en: "Citizen assisted")),
        OverrideReason(code: "paperMaterialChecked", label: .init(zh: "已核验纸质材料", en: "Paper material checked")),
        OverrideReason(code: "cardUnreadable", label: .init(zh: "身份证无法读取，已人工核验", en: "ID card unreadable, checked by hand")),
        OverrideReason(code: "validationNotApplicable", label: .init(zh: "校验规则不适用于本情形", en: "Validation rule does not apply here")),
        OverrideReason(code: "deferredMaterialCommitment", label: .init(zh: "已签署容缺承诺书", en: "Written commitment for a deferred material signed")),
        OverrideReason(code: "citizenRequest", label: .init(zh: "群众要求", en: "At the citizen's request")),
        OverrideReason(code: "cardDataChecked", label: .init(zh: "已核对证件原件，读卡信息有误", en: "Card data checked against the document")),
        OverrideReason(code: "other", label: .init(zh: "其他（请说明）", en: "Other (explain)"), requiresNote: true),
    ])

    /// For literal lists whose codes a test shows distinct.
    private init(unchecked reasons: [OverrideReason]) {
        self.reasons = reasons
    }

    public func reason(_ code: String) -> OverrideReason? {
        reasons.first { $0.code == code }
    }

    /// Checks an override and returns its record: the role may override, the reason is on the
    /// list, the note is there when the reason or the action needs one and is at most 200 characters.
    public func record(
        _ action: OverrideAction, by staffNumber: StaffNumber, role: Role, reasonCode: String, note: String, at time: Date
    ) throws(AccessError) -> OverrideRecord {
        guard Role.overriding.contains(role) else { throw AccessError(.roleNotAllowed) }
        guard let reason = reason(reasonCode) else { throw AccessError(.unknownOverrideReason) }
        let note = note.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !(reason.requiresNote || action.requiresNote) || !note.isEmpty else { throw AccessError(.overrideNoteRequired) }
        guard note.count <= Self.longestNote else { throw AccessError(.overrideNoteTooLong) }
        return OverrideRecord(staffNumber: staffNumber, role: role, at: time, action: action, reasonCode: reasonCode, note: note)
    }
}

/// Who overrode what, when and why: kept with the session and the filing.
///
/// The note is free text a member of staff typed and may name someone, so it stays with the
/// filing; `auditEntry` carries the reason code only.
public struct OverrideRecord: Sendable, Hashable, Codable {
    public let staffNumber: StaffNumber
    public let role: Role
    public let at: Date
    public let action: OverrideAction
    public let reasonCode: String
    public let note: String

    public init(staffNumber: StaffNumber, role: Role, at: Date, action: OverrideAction, reasonCode: String, note: String) {
        self.staffNumber = staffNumber
        self.role = role
        self.at = at
        self.action = action
        self.reasonCode = reasonCode
        self.note = note
    }

    /// The audit log's line for this override; `target` names the session or filing.
    public func auditEntry(target: String, details: [String: String] = [:]) throws(AccessError) -> AuditEntry {
        try AuditEntry(actor: .staff(staffNumber), action: AuditAction("override.\(action.rawValue)"), target: target,
                       details: details.merging(["role": role.rawValue, "reason": reasonCode]) { _, new in new })
    }
}
