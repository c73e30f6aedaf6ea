import JSONLogic
import KioskCore

/// Evaluates a form's conditions against answers. A condition that fails to evaluate (an
/// `age` of an empty date, say) counts as false and a calculation as null: a half-filled form
/// must never stop the citizen with an evaluation error.
struct FormEvaluator {
    let form: FormDefinition
    let context: EvaluationContext

    func holds(_ condition: Condition?, _ data: JSON, otherwise: Bool) -> Bool {
        guard let condition else { return otherwise }
        switch condition.rule.evaluate(data: data, context: context) {
        case .success(let value): return value.isTruthy
        case .failure: return false
        }
    }

    func value(_ condition: Condition, _ data: JSON) -> JSON {
        (try? condition.rule.evaluate(data: data, context: context).get()) ?? .null
    }

    func isRelevant(_ step: FormStep, _ data: JSON) -> Bool {
        if let subFilingID = step.subFilingID, let subFiling = form.subFiling(subFilingID),
            !holds(subFiling.relevant, data, otherwise: true)
        {
            return false
        }
        return holds(step.relevant, data, otherwise: true)
    }

    func isRequired(_ field: FormField, _ data: JSON) -> Bool {
        switch field.required {
        case .optional: false
        case .always: true
        case .when(let condition): holds(condition, data, otherwise: false)
        }
    }

    func choices(for field: FormField, _ answers: [String: JSON]) -> [Choice] {
        guard let filter = field.choiceFilter else { return field.choices }
        var data = answers
        return field.choices.filter { choice in
            data["choice"] = .object(["value": .string(choice.value), "group": choice.group.map(JSON.string) ?? .null])
            return holds(filter, .object(data), otherwise: true)
        }
    }

    func applies(_ material: Material, _ data: JSON) -> Bool {
        if let subFilingID = material.subFilingID, let subFiling = form.subFiling(subFilingID),
            !holds(subFiling.relevant, data, otherwise: true)
        {
            return false
        }
        return holds(material.appliesWhen, data, otherwise: true)
    }

    func withCalculations(_ answers: [String: JSON]) -> [String: JSON] {
        var result = answers
        for id in form.calculationOrder {
            guard let condition = form.field(id)?.calculate else { continue }
            result[id] = value(condition, .object(result))
        }
        return result
    }

    /// The answers as they would be filed: calculations applied, and answers of fields (and of
    /// repeat-group item fields) that are not relevant dropped, repeated until nothing changes,
    /// since dropping one answer can make another field irrelevant.
    func effectiveAnswers(_ answers: [String: JSON]) -> [String: JSON] {
        var current = withCalculations(answers)
        for _ in 0...form.fieldsByID.count {
            let data = JSON.object(current)
            var pruned = current
            for step in form.steps {
                let stepRelevant = isRelevant(step, data)
                for field in step.fields where pruned[field.id] != nil {
                    if !stepRelevant || !holds(field.relevant, data, otherwise: true) {
                        pruned[field.id] = nil
                    } else if field.type == .repeatGroup, case .array(let items)? = pruned[field.id] {
                        pruned[field.id] = .array(items.map { pruneItem($0, field, current) })
                    }
                }
            }
            if pruned == current { break }
            current = withCalculations(pruned)
        }
        return current
    }

    private func pruneItem(_ item: JSON, _ group: FormField, _ answers: [String: JSON]) -> JSON {
        guard case .object(var members) = item else { return item }
        let data = itemData(item, answers)
        for field in group.fields where members[field.id] != nil && !holds(field.relevant, data, otherwise: true) {
            members[field.id] = nil
        }
        return .object(members)
    }

    func itemData(_ item: JSON, _ answers: [String: JSON]) -> JSON {
        var data = answers
        data["item"] = item
        return .object(data)
    }

    /// Every problem with the relevant fields of one step, in page order.
    func validate(_ step: FormStep, _ answers: [String: JSON]) -> [FieldError] {
        let data = JSON.object(answers)
        var errors: [FieldError] = []
        for field in step.fields where field.calculate == nil && holds(field.relevant, data, otherwise: true) {
            errors += validate(field, answers[field.id] ?? .null, path: field.id, data: data, answers: answers)
        }
        return errors
    }

    private func validate(_ field: FormField, _ value: JSON, path: String, data: JSON, answers: [String: JSON]) -> [FieldError] {
        if value.isEmptyAnswer {
            guard isRequired(field, data) || (field.type == .repeatGroup && (field.minItems ?? 0) > 0) else { return [] }
            return [FieldError(path, "required", zh: "此项为必填", en: "This question needs an answer.")]
        }
        if let error = FieldFormat.check(value, as: field, choices: choices(for: field, answers), path: path) {
            return [error]
        }
        if let constraint = field.constraint, !holds(constraint, data, otherwise: true) {
            return [FieldError(path, "constraint", field.constraintMessage
                ?? .init(zh: "填写内容不符合要求", en: "This answer is not acceptable."))]
        }
        guard field.type == .repeatGroup, case .array(let items) = value else { return [] }
        var errors: [FieldError] = []
        for (index, item) in items.enumerated() {
            guard case .object(let members) = item else { continue }
            let itemData = itemData(item, answers)
            for subfield in field.fields where subfield.calculate == nil && holds(subfield.relevant, itemData, otherwise: true) {
                errors += validate(subfield, members[subfield.id] ?? .null, path: "\(path)[\(index)].\(subfield.id)",
                    data: itemData, answers: answers)
            }
        }
        return errors
    }
}
