import Foundation
import JSONLogic
import KioskCore

/// A submitted filing: what is stored, sent to the departments and printed on the receipt.
public struct Filing: Sendable, Hashable, Codable {
    public struct MaterialRecord: Sendable, Hashable, Codable {
        public let materialID: String
        public let name: LocalizedText
        public let status: MaterialStatus
        public let subFilingID: String?
    }

    /// 容缺: a material accepted later, by `dueDate`, and what happens otherwise.
    public struct DeferredMaterial: Sendable, Hashable, Codable {
        public let materialID: String
        public let name: LocalizedText
        /// `YYYY-MM-DD` in the context's time zone: submission day plus the material's `maxDays`.
        public let dueDate: String
        public let consequence: LocalizedText
    }

    /// 告知承诺: the commitment signed instead of a proof, and what the department checks later.
    public struct Commitment: Sendable, Hashable, Codable {
        public let materialID: String
        public let name: LocalizedText
        public let statement: LocalizedText
        public let verification: LocalizedText
    }

    /// One department's part of a bundle (一件事), with its own time limit and materials.
    public struct SubFilingRecord: Sendable, Hashable, Codable {
        public let id: String
        public let title: LocalizedText
        public let department: LocalizedText
        public let timeLimitDays: Int
        public let materialIDs: [String]
    }

    public let formID: String
    public let formVersion: Int
    public let reference: String
    public let title: LocalizedText
    public let department: LocalizedText
    public let timeLimitDays: Int
    public let submittedAt: Date
    /// Answers of relevant fields only; empty answers are left out.
    public let answers: [String: JSON]
    public let materials: [MaterialRecord]
    public let deferred: [DeferredMaterial]
    public let commitments: [Commitment]
    /// The relevant sub-filings of a bundle; empty for a single filing.
    public let subFilings: [SubFilingRecord]
    public let overrides: [StaffOverride]

    init(
        form: FormDefinition, reference: String, answers: [String: JSON], statuses: [String: MaterialStatus],
        applicable: [Material], overrides: [StaffOverride], evaluator: FormEvaluator
    ) {
        formID = form.id
        formVersion = form.version
        self.reference = reference
        title = form.title
        department = form.department
        timeLimitDays = form.timeLimitDays
        submittedAt = evaluator.context.now
        self.answers = answers
        self.overrides = overrides
        materials = applicable.compactMap { material in
            statuses[material.id].map {
                MaterialRecord(materialID: material.id, name: material.name, status: $0, subFilingID: material.subFilingID)
            }
        }
        deferred = applicable.compactMap { material in
            guard statuses[material.id] == .deferred, let deferral = material.deferral else { return nil }
            return DeferredMaterial(
                materialID: material.id, name: material.name,
                dueDate: Self.date(evaluator.context, addingDays: deferral.maxDays), consequence: deferral.consequence)
        }
        commitments = applicable.compactMap { material in
            guard statuses[material.id] == .committed, let terms = material.commitment else { return nil }
            return Commitment(materialID: material.id, name: material.name, statement: terms.statement,
                verification: terms.verification)
        }
        let data = JSON.object(answers)
        subFilings = form.subFilings.filter { evaluator.holds($0.relevant, data, otherwise: true) }.map { sub in
            SubFilingRecord(
                id: sub.id, title: sub.title, department: sub.department, timeLimitDays: sub.timeLimitDays,
                materialIDs: applicable.filter { $0.subFilingID == sub.id }.map(\.id))
        }
    }

    static func date(_ context: EvaluationContext, addingDays days: Int) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = context.timeZone
        let due = calendar.date(byAdding: .day, value: days, to: context.now) ?? context.now
        let parts = calendar.dateComponents([.year, .month, .day], from: due)
        func padded(_ value: Int?, _ width: Int) -> String {
            let digits = String(value ?? 0)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(padded(parts.year, 4))-\(padded(parts.month, 2))-\(padded(parts.day, 2))"
    }
}
