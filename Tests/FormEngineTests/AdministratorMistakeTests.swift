import Foundation
import FormEngine
import KioskCore
import Testing

/// What a hall administrator (not a programmer) writes by mistake, and what the loader says:
/// the file, the line, and what to write instead.
@Suite struct AdministratorMistakeTests {
    private func field(_ key: String, _ value: String) -> String {
        header + """
            steps:
              - id: one
                title: {zh-CN: 一, en: One}
                fields:
                  - id: name
                    type: text
                    label: {zh-CN: 姓名, en: Name}
                    \(key): \(value)
            """
    }

    /// `required: no` used to pass and make the field required: the condition language takes
    /// any text as true.
    @Test(arguments: [
        ("no", "the text no", "write false without quotes"),
        ("yes", "the text yes", "write true without quotes"),
        ("\"true\"", "the quoted text \"true\"", "write true without quotes"),
        ("'false'", "the quoted text \"false\"", "write false without quotes"),
        ("off", "the text off", "write false without quotes"),
        ("1", "the text 1", nil),
        ("[a]", "a list", nil),
    ] as [(String, String, String?)])
    func requiredRefusesTextWithTheFix(value: String, found: String, hint: String?) {
        let problems = Fixtures.allProblems(field("required", value)).filter { $0.code != "unknownApplicantField" }
        #expect(problems.count == 1, "\(problems)")
        let problem = problems.first
        #expect(problem?.code == "expectedCondition")
        #expect(problem?.line == 15)
        #expect(problem?.path == "steps[one].fields[name].required")
        #expect(problem?.message.en.contains("found \(found); use true, false or a condition") == true, "\(problem?.message.en ?? "")")
        if let hint { #expect(problem?.message.en.contains(hint) == true) }
        #expect(problem?.message.zh.contains("此处应为 true、false 或条件") == true)
    }

    @Test(arguments: ["relevant", "constraint"])
    func everyConditionKeyRefusesText(key: String) {
        let problems = Fixtures.allProblems(field(key, "no")).filter { $0.code == "expectedCondition" }
        #expect(problems.map(\.description) == [
            "t.yaml:15: steps[one].fields[name].\(key): Expected true, false or a condition (such as {\"==\": [{\"var\": \"field\"}, \"value\"]}), "
                + "found the text no; use true, false or a condition; write false without quotes.",
        ])
    }

    @Test func stepsMaterialsAndChoiceFiltersRefuseTextToo() {
        let problems = Fixtures.allProblems(header + """
            steps:
              - id: one
                title: {zh-CN: 一, en: One}
                relevant: "yes"
                fields:
                  - id: pick
                    type: singleChoice
                    label: {zh-CN: 选, en: Pick}
                    choiceFilter: all
                    choices: [{value: a, label: {zh-CN: 甲, en: A}}]
            materials:
              - id: m
                name: {zh-CN: 材料, en: Material}
                issuer: {zh-CN: 机关, en: Office}
                appliesWhen: always
            """).filter { $0.code == "expectedCondition" }
        #expect(problems.map { "\($0.line) \($0.path)" } == [
            "11 steps[one].relevant", "16 steps[one].fields[pick].choiceFilter", "22 materials[m].appliesWhen",
        ])
    }

    @Test func trueFalseAndConditionsStillLoad() throws {
        let form = try Fixtures.inline(header + """
            steps:
              - id: one
                title: {zh-CN: 一, en: One}
                relevant: true
                fields:
                  - {id: who, type: text, label: {zh-CN: 姓名, en: Name}, required: false}
                  - {id: whoID, type: idNumber, label: {zh-CN: 号码, en: Number}, required: true}
                  - {id: note, type: text, label: {zh-CN: 备注, en: Note}, required: {"==": [{var: who}, "x"]}}
            """)
        guard case .optional? = form.field("who")?.required, case .always? = form.field("whoID")?.required,
            case .when? = form.field("note")?.required
        else {
            Issue.record("false, true and a condition keep their meaning")
            return
        }
    }

    @Test func aBooleanKeySaysWhatToWrite() {
        let problems = Fixtures.allProblems(header + """
            steps:
              - id: one
                title: {zh-CN: 一, en: One}
                fields: [{id: a, type: text, label: {zh-CN: 甲, en: A}}]
            materials:
              - id: m
                name: {zh-CN: 材料, en: Material}
                issuer: {zh-CN: 机关, en: Office}
                core: no
            """).filter { $0.code == "expectedBoolean" }
        #expect(problems.map(\.description) == [
            "t.yaml:16: materials[m].core: Expected true or false, found the text no; write false without quotes.",
        ])
    }

    @Test(arguments: [
        ("姓名", "write {zh-CN: 姓名, en: …}"),
        ("Name", "write {zh-CN: …, en: Name}"),
    ])
    func oneLanguageWhereBothAreNeededShowsTheShape(label: String, fix: String) {
        let problems = Fixtures.allProblems(header + """
            steps:
              - id: one
                title: {zh-CN: 一, en: One}
                fields:
                  - id: name
                    type: text
                    label: \(label)
            """).filter { $0.code != "unknownApplicantField" }
        #expect(problems.map(\.description) == [
            "t.yaml:14: steps[one].fields[name].label: Expected the text in both languages here; \(fix).",
        ])
        #expect(problems.first?.message.zh.contains("此处需要中英文两种文本") == true)
    }

    /// An administrator copies `residence-permit.yaml` to start a new filing and forgets to
    /// change its id. The copy sorts first by name, but it is the copy that is refused, at its
    /// `id` line, and the original stays offered.
    @Test func aDuplicateFormIDBlamesTheNewCopyAtItsID() throws {
        let directory = try ScratchFormsDirectory()
        let original = directory.path + "/residence-permit.yaml"
        let copy = directory.path + "/a-copy.yaml"
        let text = try String(contentsOfFile: Fixtures.formsDirectory + "/residence-permit.yaml", encoding: .utf8)
        try text.write(toFile: original, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -3600)], ofItemAtPath: original)
        try text.write(toFile: copy, atomically: true, encoding: .utf8)

        let catalog = FormCatalog.load(directory.path)
        let idLine = try #require(text.split(separator: "\n", omittingEmptySubsequences: false)
            .firstIndex { $0.hasPrefix("id:") }) + 1
        #expect(catalog.problems.map(\.description) == [
            "\(copy):\(idLine): id: The form id residence-permit is already used by \(original); give this form an id of its own.",
        ])
        #expect(catalog.forms["residence-permit"]?.file == original)
        #expect(idLine > 1, "the id is not on the file's first line (a comment), so the line proves the point")
    }
}

/// A scratch directory removed when the test ends.
final class ScratchFormsDirectory {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "forms-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
