import Booking
import JSONLogic
import KioskCore

/// Where a material stands in a session.
public enum MaterialStatus: String, Sendable, Codable, Hashable {
    /// Scanned, handed over, or fetched from an electronic licence.
    case provided
    /// 容缺: accepted without it; to be supplied within the material's `maxDays`.
    case deferred
    /// 告知承诺: replaced by a signed commitment; the department verifies later.
    case committed
}

/// What happens to a filing when a 容缺 material's due date passes without it (`whenMissed:`).
public enum MissedDeferral: String, Sendable, Hashable, Codable, CaseIterable {
    /// The filing goes back to the citizen (`returned`, reason `deferredMaterialMissing`).
    case returnFiling = "return"
    /// The filing stays where it is; the department is told and the supervision desk shows it.
    case notifyDepartment
}

/// 一次性告知: everything still missing, told at once, derived from the answers so far.
public struct MaterialsNotice: Sendable, Hashable, Codable {
    public struct Item: Sendable, Hashable, Codable {
        public let materialID: String
        public let name: LocalizedText
        public let reason: LocalizedText
        public let issuer: LocalizedText
        public let presentation: Material.Presentation
        public let copies: Int
        public let format: Material.Format
        public let core: Bool
        /// The sub-filing of a bundle that needs it; nil for the bundle's shared materials.
        public let subFilingID: String?
        /// Days allowed to supply it later under 容缺, when it may be deferred.
        public let deferrableDays: Int?
        public let commitmentAllowed: Bool
        /// 容缺: what the citizen agrees to by choosing it, shown before the choice.
        public let deferral: DeferralTerms?
        /// 告知承诺: the text the citizen accepts instead of the proof, shown in full before.
        public let commitment: CommitmentText?
    }

    public struct DeferralTerms: Sendable, Hashable, Codable {
        public let maxDays: Int
        public let days: DayCounting
        /// The last day to hand it in if the filing is submitted today (`YYYY-MM-DD`).
        public let dueDate: String
        /// The period as the citizen reads it, saying how the days are counted.
        public let dueText: LocalizedText
        public let consequence: LocalizedText
    }

    public struct CommitmentText: Sendable, Hashable, Codable {
        public let statement: LocalizedText
        public let verification: LocalizedText
        /// What `commitInstead` must be given to accept exactly this text.
        public let textVersion: String
    }

    /// Applicable materials neither provided, deferred nor committed, in form order.
    public let missing: [Item]
    /// Every applicable material (provided or not), for the receipt's checklist.
    public let applicable: [String]
    /// 容缺受理 is possible: every core material is present and each missing one may be deferred.
    public let deferralPossible: Bool
    /// Missing materials a commitment may replace (告知承诺).
    public let commitmentPossible: [String]
    public let deferred: [String]
    public let committed: [String]

    public var isComplete: Bool { missing.isEmpty }
}

public extension Material.Presentation {
    var text: LocalizedText {
        switch self {
        case .original: LocalizedText(zh: "原件", en: "original")
        case .copy: LocalizedText(zh: "复印件", en: "copy")
        case .originalAndCopy: LocalizedText(zh: "原件及复印件", en: "original and copy")
        }
    }
}

extension FormEvaluator {
    func applicableMaterials(_ effective: [String: JSON]) -> [Material] {
        let data = JSON.object(effective)
        return form.materials.filter { applies($0, data) }
    }

    func notice(_ effective: [String: JSON], statuses: [String: MaterialStatus], calendar: OfficialCalendar) -> MaterialsNotice {
        let applicable = applicableMaterials(effective)
        let today = LocalDate(containing: context.now, in: context.timeZone)
        let missing = applicable.filter { statuses[$0.id] == nil }
        let coreMissing = missing.contains(where: \.core)
        let defaultReason = LocalizedText(zh: "办理本事项须提交", en: "Required for this filing.")
        return MaterialsNotice(
            missing: missing.map { material in
                MaterialsNotice.Item(
                    materialID: material.id, name: material.name, reason: material.reason ?? defaultReason,
                    issuer: material.issuer, presentation: material.presentation, copies: material.copies,
                    format: material.format, core: material.core, subFilingID: material.subFilingID,
                    deferrableDays: material.deferral?.maxDays, commitmentAllowed: material.commitment != nil,
                    deferral: material.deferral.map { terms in
                        MaterialsNotice.DeferralTerms(
                            maxDays: terms.maxDays, days: terms.days,
                            dueDate: terms.dueDate(acceptedOn: today, calendar: calendar).description, dueText: terms.dueText,
                            consequence: terms.consequence)
                    },
                    commitment: material.commitment.map {
                        MaterialsNotice.CommitmentText(statement: $0.statement, verification: $0.verification, textVersion: $0.textVersion)
                    })
            },
            applicable: applicable.map(\.id),
            deferralPossible: !missing.isEmpty && !coreMissing && missing.allSatisfy { $0.deferral != nil },
            commitmentPossible: missing.filter { $0.commitment != nil }.map(\.id),
            deferred: applicable.filter { statuses[$0.id] == .deferred }.map(\.id),
            committed: applicable.filter { statuses[$0.id] == .committed }.map(\.id))
    }
}
