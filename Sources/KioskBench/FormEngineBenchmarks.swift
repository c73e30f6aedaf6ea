import FormEngine
import Foundation
import JSONLogic

/// The time of one `next` on a large generated form, and loading and checking the shipped forms.
public enum FormEngineBenchmarks {
    public static func run() -> [Figure] {
        var figures: [Figure] = []
        let context = EvaluationContext(now: Date(timeIntervalSince1970: 1_772_416_800))
        if let form = FormLoader.load(yaml: generatedForm(steps: 10, fieldsPerStep: 20), file: "generated.yaml").definition {
            var session = FormSession.start(form, context: context)
            for index in 0..<20 {
                try? session.answer("f0_\(index)", .string("answer \(index)"), in: form)
            }
            let prepared = session
            figures.append(Figure(
                name: "form next (200 fields, 100 conditions)",
                value: medianMicroseconds(samples: 501) {
                    var copy = prepared
                    _ = try? copy.next(in: form, context: context)
                },
                unit: "µs", target: "< 100 µs"))
        }
        let forms = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Forms").path
        figures.append(Figure(
            name: "load and validate shipped forms", value: medianMicroseconds(samples: 21) { _ = validateForms(at: forms) },
            unit: "µs"))
        return figures
    }

    /// Every odd field is relevant when the field before it is answered, and required.
    static func generatedForm(steps: Int, fieldsPerStep: Int) -> String {
        var yaml = """
            id: generated
            version: 1
            title: {zh-CN: 生成, en: Generated}
            department: {zh-CN: 部门, en: Department}
            timeLimitDays: 1
            declaration: {zh-CN: 声明, en: Declaration}
            applicant: {name: f0_0, identifier: {field: f0_0, label: {zh-CN: 名称, en: Name}}}
            steps:

            """
        for step in 0..<steps {
            yaml += "  - id: s\(step)\n    title: {zh-CN: 步骤, en: Step}\n    fields:\n"
            for field in 0..<fieldsPerStep {
                yaml += "      - {id: f\(step)_\(field), type: text, label: {zh-CN: 字段, en: Field}"
                if field % 2 == 1 {
                    yaml += ", required: true, relevant: {\"!!\": [{var: f\(step)_\(field - 1)}]}"
                }
                yaml += "}\n"
            }
        }
        return yaml
    }
}
