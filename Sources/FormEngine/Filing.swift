import Booking
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
        /// `YYYY-MM-DD`: the material's `maxDays` counted from the day of submission (in the
        /// hall's time zone) as its `days` say, on the official calendar.
        public let dueDate: String
        public let consequence: LocalizedText
        /// The period as the form gives it; nil in filings stored before it was kept.
        public let maxDays: Int?
        public let days: DayCounting?
        /// Where to hand it in: the department of its part of the filing; nil in filings stored
        /// before it was kept.
        public let handIn: LocalizedText?
        /// What happens when the due date passes without it; nil in filings stored before it was
        /// kept (the department is told).
        public let whenMissed: MissedDeferral?
    }

    /// 告知承诺: the commitment signed instead of a proof, and what the department checks later.
    public struct Commitment: Sendable, Hashable, Codable {
        public let materialID: String
        public let name: LocalizedText
        public let statement: LocalizedText
        public let verification: LocalizedText
        /// The version of the text the citizen accepted (`CommitmentTerms.textVersion`); nil in
        /// filings stored before it was kept.
        public let textVersion: String?
    }

    /// One department's part of a bundle (一件事), with its own time limit and materials.
    public struct SubFilingRecord: Sendable, Hashable, Codable {
        public let id: String
        public let title: LocalizedText
        public let department: LocalizedText
        /// Nil in filings stored before department ids existed (derive it from `department`).
        public let departmentID: String?
        public let timeLimitDays: Int
        public let materialIDs: [String]
        /// The fields of the sub-filing's own steps (its department's answers, not the other
        /// parts'); nil in filings stored before it was kept.
        public let fieldIDs: [String]?
    }

    public let formID: String
    public let formVersion: Int
    public internal(set) var reference: String
    public let title: LocalizedText
    public let department: LocalizedText
    /// Nil in filings stored before department ids existed (derive it from `department`).
    public let departmentID: String?
    public let timeLimitDays: Int
    /// How the time limit is counted after a return; nil in filings stored before it was kept.
    public let afterReturn: TimeLimitAfterReturn?
    /// 1 for the first submission; a correction resubmitted after a return keeps the reference
    /// and raises it. Nil in filings stored before corrections existed (1).
    public let version: Int?
    public let submittedAt: Date
    /// Who the filing is for, through the form's `applicant:` declaration; nil in filings
    /// stored before forms declared it.
    public let applicant: Applicant?
    /// Answers of relevant fields only; empty answers are left out.
    public private(set) var answers: [String: JSON]
    public private(set) var materials: [MaterialRecord]
    public private(set) var deferred: [DeferredMaterial]
    public private(set) var commitments: [Commitment]
    /// The relevant sub-filings of a bundle; empty for a single filing.
    public private(set) var subFilings: [SubFilingRecord]
    public let overrides: [StaffOverride]
    /// 首问负责: the member of staff who took the citizen's call for help, and anyone it was
    /// handed over to, the current one last; nil when nobody was asked.
    public let responsibility: [Responsibility]?

    init(
        form: FormDefinition, reference: String, answers: [String: JSON], statuses: [String: MaterialStatus],
        commitments accepted: [String: String], applicable: [Material], overrides: [StaffOverride],
        evaluator: FormEvaluator, calendar: OfficialCalendar, version: Int, responsibility: [Responsibility]? = nil
    ) {
        self.version = version
        self.responsibility = responsibility
        departmentID = form.departmentID
        afterReturn = form.afterReturn
        formID = form.id
        formVersion = form.version
        self.reference = reference
        title = form.title
        department = form.department
        timeLimitDays = form.timeLimitDays
        submittedAt = evaluator.context.now
        applicant = Applicant(form.applicant, answers: answers)
        self.answers = answers
        self.overrides = overrides
        materials = applicable.compactMap { material in
            statuses[material.id].map {
                MaterialRecord(materialID: material.id, name: material.name, status: $0, subFilingID: material.subFilingID)
            }
        }
        let day = LocalDate(containing: evaluator.context.now, in: evaluator.context.timeZone)
        deferred = applicable.compactMap { material in
            guard statuses[material.id] == .deferred, let deferral = material.deferral else { return nil }
            return DeferredMaterial(
                materialID: material.id, name: material.name,
                dueDate: deferral.dueDate(acceptedOn: day, calendar: calendar).description, consequence: deferral.consequence,
                maxDays: deferral.maxDays, days: deferral.days,
                handIn: material.subFilingID.flatMap { form.subFiling($0)?.department } ?? form.department,
                whenMissed: deferral.whenMissed)
        }
        commitments = applicable.compactMap { material in
            guard statuses[material.id] == .committed, let terms = material.commitment else { return nil }
            return Commitment(materialID: material.id, name: material.name, statement: terms.statement,
                verification: terms.verification, textVersion: accepted[material.id] ?? terms.textVersion)
        }
        let data = JSON.object(answers)
        subFilings = form.subFilings.filter { evaluator.holds($0.relevant, data, otherwise: true) }.map { sub in
            SubFilingRecord(
                id: sub.id, title: sub.title, department: sub.department, departmentID: sub.departmentID,
                timeLimitDays: sub.timeLimitDays,
                materialIDs: applicable.filter { $0.subFilingID == sub.id }.map(\.id),
                fieldIDs: form.steps.filter { $0.subFilingID == sub.id }.flatMap { $0.fields.map(\.id) })
        }
    }
}

/// A session's submission, decided and not yet stored (`FormSession.submission`).
public struct Submission: Sendable {
    /// The session once its filing is stored.
    public let session: FormSession
    let unnumbered: Filing

    /// The filing under the reference number its archive allocated.
    public func filing(reference: String) -> Filing {
        var filing = unnumbered
        filing.reference = reference
        return filing
    }
}

extension Filing {
    /// The filing's version (1 for the first submission).
    public var filingVersion: Int { version ?? 1 }

    /// The department id, for filings stored before ids were kept too.
    public var departmentKey: String { departmentID ?? DepartmentID.derived(from: department) }

    /// The applicant's resident ID number, when the form's applicant is identified by one.
    public var applicantIDNumber: ResidentIDNumber? {
        guard let applicant, applicant.isIDNumber, let identifier = applicant.identifier else { return nil }
        return try? ResidentIDNumber(identifier)
    }
}

extension Filing {
    /// The filing as a department holding some parts of a bundle (一件事) sees it: its own
    /// sub-filings, their materials, 容缺 and 告知承诺, the shared answers and the answers of its
    /// own parts' steps; the other parts' are left out. A filing that is not a bundle is its
    /// department's whole (the caller gives it only to that department).
    public func parts(of departmentID: String) -> Filing {
        guard !subFilings.isEmpty else { return self }
        var copy = self
        let own = subFilings.filter { $0.departmentKey == departmentID }
        let others = subFilings.filter { $0.departmentKey != departmentID }
        let ownIDs = Set(own.map(\.id))
        let otherMaterials = Set(others.flatMap(\.materialIDs))
        let otherFields = Set(others.flatMap { $0.fieldIDs ?? [] }).subtracting(own.flatMap { $0.fieldIDs ?? [] })
        copy.subFilings = own
        copy.materials = materials.filter { material in
            material.subFilingID.map(ownIDs.contains) ?? !otherMaterials.contains(material.materialID)
        }
        let kept = Set(copy.materials.map(\.materialID))
        copy.deferred = deferred.filter { kept.contains($0.materialID) }
        copy.commitments = commitments.filter { kept.contains($0.materialID) }
        copy.answers = answers.filter { !otherFields.contains($0.key) }
        return copy
    }
}

extension Filing.SubFilingRecord {
    public var departmentKey: String { departmentID ?? DepartmentID.derived(from: department) }
}
