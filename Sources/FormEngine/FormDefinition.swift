import JSONLogic
import KioskCore

/// A filing as the hall administrator wrote it in `Forms/<id>.yaml`, checked and compiled: every
/// condition is a parsed `Rule`, every text exists in zh-CN and en.
///
/// A bundle (一件事) is one definition whose `subFilings` each name a department; the steps and
/// materials of a sub-filing carry its id, so one session collects the shared answers once.
public struct FormDefinition: Sendable {
    public let id: String
    /// Raised by the administrator on every change; drafts record it.
    public let version: Int
    public let title: LocalizedText
    public let help: LocalizedText?
    /// The department that accepts the filing (for a bundle, the lead department).
    public let department: LocalizedText
    /// The department's stable id (`departmentId:`; derived from its name when not given):
    /// what the staff desk's queues and the department systems know it by.
    public let departmentID: String
    /// The legal time limit (承诺时限) in working days.
    public let timeLimitDays: Int
    /// How the time limit is counted again after a return and a resubmission (`afterReturn:`).
    public let afterReturn: TimeLimitAfterReturn
    /// The statement the citizen accepts before submitting (承诺声明).
    public let declaration: LocalizedText
    /// Which answers name and identify the applicant; what receipts print.
    public let applicant: ApplicantDeclaration
    /// Steps in the order they are asked: the form's own, then each sub-filing's.
    public let steps: [FormStep]
    /// Materials of the form and of every sub-filing.
    public let materials: [Material]
    public let subFilings: [SubFiling]
    /// The file it was loaded from, for `FILE:LINE` messages.
    public let file: String
    /// The line of its `id` key, where a clash with another file's form is reported.
    public let idLine: Int

    /// Top-level field id → its step index and the field.
    let fieldsByID: [String: (step: Int, field: FormField)]
    /// Calculated fields, dependencies first. Empty of cycles only after validation passed.
    let calculationOrder: [String]

    init(
        id: String, version: Int, title: LocalizedText, help: LocalizedText?, department: LocalizedText,
        departmentID: String? = nil, timeLimitDays: Int, afterReturn: TimeLimitAfterReturn = .restart,
        declaration: LocalizedText, applicant: ApplicantDeclaration, steps: [FormStep],
        materials: [Material], subFilings: [SubFiling], file: String, idLine: Int = 1
    ) {
        self.id = id
        self.version = version
        self.title = title
        self.help = help
        self.department = department
        self.departmentID = departmentID ?? DepartmentID.derived(from: department)
        self.timeLimitDays = timeLimitDays
        self.afterReturn = afterReturn
        self.declaration = declaration
        self.applicant = applicant
        self.steps = steps
        self.materials = materials
        self.subFilings = subFilings
        self.file = file
        self.idLine = idLine
        var fields: [String: (step: Int, field: FormField)] = [:]
        for (index, step) in steps.enumerated() {
            for field in step.fields where fields[field.id] == nil { fields[field.id] = (index, field) }
        }
        fieldsByID = fields
        calculationOrder = Self.orderCalculations(steps.flatMap(\.fields))
    }

    public func field(_ id: String) -> FormField? { fieldsByID[id]?.field }

    public func step(_ id: String) -> FormStep? { steps.first { $0.id == id } }

    public func subFiling(_ id: String) -> SubFiling? { subFilings.first { $0.id == id } }

    /// Depth-first order over `calculate` dependencies; a cycle is left where it was met (the
    /// validator reports it, and a form with a cycle never reaches a session).
    private static func orderCalculations(_ fields: [FormField]) -> [String] {
        let calculated = Dictionary(fields.compactMap { field in field.calculate.map { (field.id, $0) } }) { first, _ in first }
        var order: [String] = []
        var visited: Set<String> = []
        func visit(_ id: String) {
            guard let condition = calculated[id], visited.insert(id).inserted else { return }
            for dependency in condition.fieldReferences.sorted() { visit(dependency) }
            order.append(id)
        }
        for field in fields where field.calculate != nil { visit(field.id) }
        return order
    }
}

public struct FormStep: Sendable {
    public let id: String
    public let title: LocalizedText
    public let help: LocalizedText?
    public let relevant: Condition?
    public let fields: [FormField]
    /// The sub-filing of a bundle this step belongs to; nil for the shared steps.
    public let subFilingID: String?
    public let line: Int
}

public struct FormField: Sendable {
    public let id: String
    public let type: FieldType
    public let label: LocalizedText
    public let help: LocalizedText?
    public let relevant: Condition?
    public let required: Requirement
    public let constraint: Condition?
    public let constraintMessage: LocalizedText?
    public let calculate: Condition?
    public let defaultValue: JSON?
    public let prefill: Prefill?
    public let choices: [Choice]
    /// Evaluated once per choice with the answers plus `choice` (`{"value", "group"}`).
    public let choiceFilter: Condition?
    /// Bounds of a number or money value.
    public let minimum: Double?
    public let maximum: Double?
    /// Bounds of the item count of a repeat group.
    public let minItems: Int?
    public let maxItems: Int?
    /// The fields of one item of a repeat group; conditions inside see the item as `item`.
    public let fields: [FormField]
    public let line: Int
}

public enum FieldType: String, Sendable, CaseIterable, Codable {
    case text, longText, number, money, date, singleChoice, multipleChoice, yesNo, idNumber, mobile
    case creditCode, address, email, declaration, repeatGroup
}

public enum Requirement: Sendable {
    case optional
    case always
    case when(Condition)
}

public struct Choice: Sendable, Hashable {
    public let value: String
    public let label: LocalizedText
    /// A parent value a choice filter can match (a district's city, for example).
    public let group: String?
}

/// Where a field's first value comes from before the citizen sees it.
public enum Prefill: Sendable, Hashable {
    case idCard(IDCardAttribute)
    /// The answer already given to another field, typically a shared answer of a bundle.
    case bundle(String)
}

public enum IDCardAttribute: String, Sendable, CaseIterable, Codable {
    case name, idNumber, gender, ethnicity, birthDate, address, issuer, validFrom, validUntil
}

/// A compiled JSONLogic condition with where it was written.
public struct Condition: Sendable {
    public let rule: Rule
    public let source: JSON
    public let line: Int

    /// Top-level field ids the condition reads (the first component of each `var` path).
    var fieldReferences: Set<String> {
        Set(rule.referencedVariables.compactMap { $0.split(separator: ".").first.map(String.init) })
    }
}

public struct SubFiling: Sendable {
    public let id: String
    public let title: LocalizedText
    public let department: LocalizedText
    /// `departmentId:`, or derived from the department's name.
    public let departmentID: String
    public let timeLimitDays: Int
    public let relevant: Condition?
    public let line: Int

    init(id: String, title: LocalizedText, department: LocalizedText, departmentID: String?, timeLimitDays: Int,
         relevant: Condition?, line: Int) {
        self.id = id
        self.title = title
        self.department = department
        self.departmentID = departmentID ?? DepartmentID.derived(from: department)
        self.timeLimitDays = timeLimitDays
        self.relevant = relevant
        self.line = line
    }
}

/// How a filing's legal time limit is counted when it is accepted again after a return
/// (退回补正) and the citizen's resubmission.
public enum TimeLimitAfterReturn: String, Sendable, Hashable, Codable, CaseIterable {
    /// The whole time limit again from the new acceptance (补正后重新计算).
    case restart
    /// Only what was left: the working days used before the return are not given back (中止后继续计算).
    case resume
}

/// Department ids: what a form names with `departmentId:`, or one derived from the
/// department's Chinese name (`d` and 8 hex digits of its FNV-1a hash) so forms written before
/// ids existed still group by department. A renamed department gets a new derived id, so forms
/// should name theirs.
public enum DepartmentID {
    public static func derived(from name: LocalizedText) -> String {
        var hash: UInt32 = 0x811c_9dc5
        for byte in name.zh.utf8 { hash = (hash ^ UInt32(byte)) &* 0x0100_0193 }
        let digits = String(hash, radix: 16)
        return "d" + String(repeating: "0", count: 8 - digits.count) + digits
    }
}

public struct Material: Sendable {
    public enum Presentation: String, Sendable, Codable, CaseIterable {
        case original, copy, originalAndCopy
    }

    public enum Format: String, Sendable, Codable, CaseIterable {
        case paper, electronic, paperOrElectronic
    }

    /// 容缺受理: the filing may be accepted without it, on a promise to supply it in time.
    public struct Deferral: Sendable {
        public let maxDays: Int
        /// Whether `maxDays` counts working days or calendar days.
        public let days: DayCounting
        /// What happens if it is not supplied in time (shown before the choice, printed after).
        public let consequence: LocalizedText
        /// What kiosk does when the due date passes without it (`whenMissed:`).
        public let whenMissed: MissedDeferral

        init(maxDays: Int, days: DayCounting, consequence: LocalizedText, whenMissed: MissedDeferral = .notifyDepartment) {
            self.maxDays = maxDays
            self.days = days
            self.consequence = consequence
            self.whenMissed = whenMissed
        }
    }

    /// 告知承诺: a signed commitment may replace the proof; the department verifies later.
    public struct CommitmentTerms: Sendable {
        public let statement: LocalizedText
        public let verification: LocalizedText

        /// Names this exact text: the citizen accepts a version, and the filing records it, so a
        /// text changed after the screen showed it is never taken as accepted. FNV-1a (64 bits)
        /// of both texts in both languages, as 16 hex digits.
        public var textVersion: String {
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in [statement.zh, statement.en, verification.zh, verification.en].joined(separator: "\u{1F}").utf8 {
                hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            }
            let digits = String(hash, radix: 16)
            return String(repeating: "0", count: 16 - digits.count) + digits
        }
    }

    public let id: String
    public let name: LocalizedText
    public let reason: LocalizedText?
    public let appliesWhen: Condition?
    public let presentation: Presentation
    public let copies: Int
    public let format: Format
    public let issuer: LocalizedText
    public let core: Bool
    public let deferral: Deferral?
    public let commitment: CommitmentTerms?
    public let subFilingID: String?
    public let line: Int
}
