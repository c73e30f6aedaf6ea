import Foundation
import JSONLogic
import KioskCore

/// Static checks on a loaded form: what the loader cannot see field by field.
public enum FormValidator {
    public static func check(_ form: FormDefinition) -> [FormProblem] {
        var checker = Checker(form: form)
        checker.run()
        return checker.problems
    }
}

/// Loads and checks every form under `path` (a directory's `*.yaml` files, or one file), as
/// `kiosk forms validate` prints them: `FILE:LINE: message`, sorted by file and line.
public func validateForms(at path: String) -> [FormProblem] {
    FormCatalog.load(path).problems
}

extension FormCatalog {
    /// The catalog of `forms`, checked elsewhere (a test's own forms, or none).
    public init(_ forms: [FormDefinition] = []) {
        self.init(forms: Dictionary(forms.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first }), problems: [])
    }
}

/// The valid forms of a directory and the problems of the others: `kiosk serve` serves the
/// former and reports the latter on `/readyz`.
public struct FormCatalog: Sendable {
    public let forms: [String: FormDefinition]
    public let problems: [FormProblem]

    public static func load(_ path: String) -> FormCatalog {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return FormCatalog(forms: [:], problems: [
                FormProblem(file: path, line: 1, path: "", code: "notFound",
                    message: LocalizedText(zh: "路径不存在", en: "The path does not exist.")),
            ])
        }
        let files: [String]
        if isDirectory.boolValue {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            files = names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
                .map { (path as NSString).appendingPathComponent($0) }
        } else {
            files = [path]
        }
        var valid: [(form: FormDefinition, modified: Date)] = []
        var problems: [FormProblem] = []
        for file in files {
            let result = FormLoader.load(contentsOf: file)
            problems += result.problems
            guard let form = result.definition else { continue }
            let formProblems = FormValidator.check(form)
            problems += formProblems
            guard formProblems.isEmpty else { continue }
            let modified = (try? FileManager.default.attributesOfItem(atPath: file)[.modificationDate] as? Date) ?? .distantPast
            valid.append((form, modified))
        }
        // Two files with one id: the one written last is the copy (an administrator copies a
        // form to start a new one), so it is refused, at its id, and the original stays offered.
        var forms: [String: FormDefinition] = [:]
        for (form, _) in valid.sorted(by: { ($0.modified, $0.form.file) < ($1.modified, $1.form.file) }) {
            if let existing = forms[form.id] {
                problems.append(FormProblem(file: form.file, line: form.idLine, path: "id", code: "duplicateFormID",
                    message: LocalizedText(zh: "表单标识 \(form.id) 已在 \(existing.file) 中使用，请为此表单另取一个标识",
                        en: "The form id \(form.id) is already used by \(existing.file); give this form an id of its own.")))
            } else {
                forms[form.id] = form
            }
        }
        problems.sort { ($0.file, $0.line) < ($1.file, $1.line) }
        return FormCatalog(forms: forms, problems: problems)
    }

    /// This catalog without the forms `ids`, with `more` problems (what refused them), sorted
    /// as `load` sorts them.
    public func refusing(_ ids: Set<String>, problems more: [FormProblem]) -> FormCatalog {
        FormCatalog(forms: forms.filter { !ids.contains($0.key) },
                    problems: (problems + more).sorted { ($0.file, $0.line) < ($1.file, $1.line) })
    }
}

private struct Checker {
    let form: FormDefinition
    var problems: [FormProblem] = []

    init(form: FormDefinition) {
        self.form = form
    }

    mutating func report(_ line: Int, _ path: String, _ code: String, zh: String, en: String) {
        problems.append(FormProblem(file: form.file, line: line, path: path, code: code, message: LocalizedText(zh: zh, en: en)))
    }

    mutating func run() {
        checkApplicant()
        for sub in form.subFilings {
            let path = "bundle[\(sub.id)].relevant"
            checkReferences(sub.relevant, path)
            if isConstantlyFalse(sub.relevant) {
                report(sub.relevant?.line ?? sub.line, path, "subFilingNeverApplies",
                    zh: "该子事项永远不会办理（条件恒为假）", en: "This sub-filing can never apply (its condition is always false).")
            }
        }
        for step in form.steps {
            let path = "steps[\(step.id)]"
            checkReferences(step.relevant, path + ".relevant")
            if isConstantlyFalse(step.relevant) {
                report(step.relevant?.line ?? step.line, path + ".relevant", "stepNeverShown",
                    zh: "该步骤永远不会显示（条件恒为假）", en: "This step can never be shown (its condition is always false).")
            }
            for field in step.fields { checkField(field, path + ".fields[\(field.id)]", itemFields: nil) }
        }
        for material in form.materials {
            // `POST /v1/sessions/{id}/materials/notice` prints the notice; a material of that id could not be marked.
            if material.id == "notice" {
                report(material.line, "materials[notice]", "reservedMaterialID",
                    zh: "材料编号 notice 已保留（用于打印一次性告知书），请换一个", en: "The material id notice is reserved (it prints the materials notice); choose another.")
            }
            let path = "materials[\(material.id)].appliesWhen"
            checkReferences(material.appliesWhen, path)
            if isConstantlyFalse(material.appliesWhen) {
                report(material.appliesWhen?.line ?? material.line, path, "materialNeverApplies",
                    zh: "该材料永远不会被要求（条件恒为假）", en: "This material can never apply (its condition is always false).")
            }
        }
        checkCalculationCycles()
    }

    /// The declared applicant's fields exist outside repeat groups and have types a receipt can
    /// print: a text name; an `idNumber` field, or a text or credit code under its own label.
    private mutating func checkApplicant() {
        let applicant = form.applicant
        let identity: (key: String, field: String, types: Set<FieldType>) = switch applicant.identity {
        case .idNumber(let field): ("idNumber", field, [.idNumber])
        case .other(let field, _): ("identifier.field", field, ApplicantDeclaration.identifierTypes)
        }
        let parts = [
            ("name", applicant.nameField, ApplicantDeclaration.nameTypes, applicant.nameLine),
            (identity.key, identity.field, identity.types, applicant.identityLine),
        ]
        for (key, fieldID, types, line) in parts {
            let expected = types.map(\.rawValue).sorted()
            guard let field = form.field(fieldID) else {
                report(line, "applicant.\(key)", "unknownApplicantField",
                    zh: "申请人字段 \(fieldID) 不存在（须是表单中不在重复组内的字段）",
                    en: "The applicant field \(fieldID) does not exist (it must be a field of the form outside any repeat group).")
                continue
            }
            if !types.contains(field.type) {
                report(line, "applicant.\(key)", "applicantFieldType",
                    zh: "申请人字段 \(fieldID) 的类型是 \(field.type.rawValue)，应为 \(expected.joined(separator: "、"))",
                    en: "The applicant field \(fieldID) is of type \(field.type.rawValue); it must be \(expected.joined(separator: " or ")).")
            }
        }
    }

    private mutating func checkField(_ field: FormField, _ path: String, itemFields: Set<String>?) {
        let conditions: [(Condition?, String)] = [
            (field.relevant, "relevant"), (field.constraint, "constraint"), (field.calculate, "calculate"),
        ]
        for (condition, key) in conditions { checkReferences(condition, "\(path).\(key)", itemFields: itemFields) }
        if case .when(let condition) = field.required {
            checkReferences(condition, path + ".required", itemFields: itemFields)
        }
        checkReferences(field.choiceFilter, path + ".choiceFilter", itemFields: itemFields, allowsChoice: true)
        if case .bundle(let source)? = field.prefill, form.field(source) == nil {
            report(field.line, path + ".prefill", "unknownPrefillField",
                zh: "预填来源字段 \(source) 不存在", en: "The prefill source field \(source) does not exist.")
        }
        if let defaultValue = field.defaultValue, case .singleChoice = field.type,
            case .string(let choice) = defaultValue, !field.choices.contains(where: { $0.value == choice })
        {
            report(field.line, path + ".default", "unknownDefaultChoice",
                zh: "默认值不在选项中", en: "The default is not one of the choices.")
        }
        if field.type == .repeatGroup {
            let siblings = Set(field.fields.map(\.id))
            for subfield in field.fields { checkField(subfield, path + ".fields[\(subfield.id)]", itemFields: siblings) }
        }
    }

    private mutating func checkReferences(
        _ condition: Condition?, _ path: String, itemFields: Set<String>? = nil, allowsChoice: Bool = false
    ) {
        guard let condition else { return }
        for variable in condition.rule.referencedVariables.sorted() {
            let parts = variable.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            let head = parts[0]
            let known: Bool
            switch head {
            case "item": known = itemFields.map { parts.count > 1 && $0.contains(parts[1]) } ?? false
            case "choice": known = allowsChoice && parts.count == 2 && ["value", "group"].contains(parts[1])
            default: known = form.field(head) != nil
            }
            if !known {
                report(condition.line, path, "unknownReference",
                    zh: "条件引用了不存在的字段 \(variable)", en: "The condition refers to an unknown field \(variable).")
            }
        }
    }

    /// A condition that reads no data and no clock, and is falsy: the thing it guards never happens.
    private func isConstantlyFalse(_ condition: Condition?) -> Bool {
        guard let condition else { return false }
        guard !condition.rule.readsDataOrClock else { return false }
        guard case .success(let value) = condition.rule.evaluate(data: .null, context: EvaluationContext()) else {
            return false
        }
        return !value.isTruthy
    }

    private mutating func checkCalculationCycles() {
        let calculated = form.steps.flatMap(\.fields).filter { $0.calculate != nil }
        let byID = Dictionary(calculated.map { ($0.id, $0) }) { first, _ in first }
        var state: [String: Bool] = [:]  // false: on the current path, true: finished
        var reported: Set<String> = []
        func visit(_ id: String, _ path: [String]) -> [String]? {
            if state[id] == true { return nil }
            if state[id] == false { return path.drop { $0 != id } + [id] }
            state[id] = false
            for dependency in (byID[id]?.calculate?.fieldReferences ?? []).sorted() where byID[dependency] != nil {
                if let cycle = visit(dependency, path + [id]) { return cycle }
            }
            state[id] = true
            return nil
        }
        for field in calculated {
            guard let cycle = visit(field.id, []), let first = cycle.first, reported.insert(first).inserted,
                let start = byID[first]
            else { continue }
            report(start.calculate?.line ?? start.line, "fields[\(first)].calculate", "calculationCycle",
                zh: "计算依赖自身：\(cycle.joined(separator: " → "))", en: "The calculation depends on itself: \(cycle.joined(separator: " → ")).")
            state = state.mapValues { _ in true }
        }
    }
}
