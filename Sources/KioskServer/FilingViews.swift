import FormEngine
import Foundation
import JSONLogic
import KioskCore

/// The JSON shapes of the filing endpoints: what the touch UI draws.
struct FormSummary: Codable {
    let id: String
    let version: Int
    let title: LocalizedText
    let help: LocalizedText?
    let department: LocalizedText
    /// The lead department's id: what the staff desk's queue is filtered by.
    let departmentId: String
    let timeLimitDays: Int

    init(_ form: FormDefinition) {
        id = form.id
        version = form.version
        title = form.title
        help = form.help
        department = form.department
        departmentId = form.departmentID
        timeLimitDays = form.timeLimitDays
    }
}

struct SessionView: Codable, Sendable {
    struct Screen: Codable, Sendable {
        struct Field: Codable, Sendable {
            struct ChoiceView: Codable, Sendable {
                let value: String
                let label: LocalizedText
                let group: String?
            }

            /// One field of a repeat group's item, for the screen to draw each item's inputs.
            struct ItemField: Codable, Sendable {
                let id: String
                let type: String
                let label: LocalizedText
                let help: LocalizedText?
                /// Always required; a field required only under a condition is checked on `next`.
                let required: Bool
                let choices: [ChoiceView]

                init(_ field: FormField) {
                    id = field.id
                    type = field.type.rawValue
                    label = field.label
                    help = field.help
                    if case .always = field.required { required = true } else { required = false }
                    choices = field.choices.map { .init(value: $0.value, label: $0.label, group: $0.group) }
                }
            }

            let id: String
            let type: String
            let label: LocalizedText
            let help: LocalizedText?
            let required: Bool
            let calculated: Bool
            /// Read from the ID card: the citizen cannot change it (409 `cardDataLocked`).
            let readOnly: Bool
            let value: JSON?
            let choices: [ChoiceView]
            /// The fields whose answers filter `choices`: the screen asks again when one changes.
            let choicesDependOn: [String]?
            /// A repeat group's item fields and bounds; absent for other types.
            let itemFields: [ItemField]?
            let minItems: Int?
            let maxItems: Int?
        }

        let stepId: String
        let title: LocalizedText
        let help: LocalizedText?
        let fields: [Field]
    }

    let sessionId: String
    let formId: String
    let formVersion: Int
    /// `step`, `review`, `declaration` or `submitted`.
    let position: String
    let screen: Screen?
    let declaration: LocalizedText?

    init(id: String, _ session: FormSession, _ form: FormDefinition, _ context: EvaluationContext) {
        sessionId = id
        formId = form.id
        formVersion = form.version
        switch session.position {
        case .step: position = "step"
        case .review: position = "review"
        case .declaration: position = "declaration"
        case .submitted: position = "submitted"
        }
        declaration = session.position == .declaration ? form.declaration : nil
        screen = session.screen(in: form, context: context).map { screen in
            Screen(stepId: screen.stepID, title: screen.title, help: screen.help, fields: screen.fields.map { field in
                let group = field.type == .repeatGroup ? form.field(field.id) : nil
                return Screen.Field(
                    id: field.id, type: field.type.rawValue, label: field.label, help: field.help, required: field.required,
                    calculated: field.calculated, readOnly: field.readOnly, value: field.value,
                    choices: field.choices.map { .init(value: $0.value, label: $0.label, group: $0.group) },
                    choicesDependOn: field.choicesDependOn.isEmpty ? nil : field.choicesDependOn,
                    itemFields: group.map { $0.fields.map(Screen.Field.ItemField.init) },
                    minItems: group?.minItems, maxItems: group?.maxItems)
            })
        }
    }
}

struct ReviewView: Codable, Sendable {
    struct Entry: Codable, Sendable {
        let fieldId: String
        let label: LocalizedText
        let display: LocalizedText
    }

    let stepId: String
    let title: LocalizedText
    let entries: [Entry]

    init(_ section: ReviewSection) {
        stepId = section.stepID
        title = section.title
        entries = section.entries.map { Entry(fieldId: $0.fieldID, label: $0.label, display: $0.display) }
    }
}

/// When an idle session ends, and how long before that the screen is warned.
struct KeptAlive: Codable, Sendable {
    let sessionId: String
    let endsAt: Date
    let warningSeconds: Int
}
