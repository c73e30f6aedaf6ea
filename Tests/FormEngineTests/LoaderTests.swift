import Foundation
import FormEngine
import JSONLogic
import KioskCore
import Testing

@Suite struct LoaderTests {
    @Test func loadsAMinimalForm() throws {
        let form = try Fixtures.inline(header + """
            steps:
              - id: one
                title: {zh-CN: 一, en: One}
                fields:
                  - {id: name, type: text, label: {zh-CN: 姓名, en: Name}, required: true}
                  - {id: flag, type: yesNo, label: {zh-CN: 是否, en: Flag}, default: no}
            """)
        #expect(form.id == "t")
        #expect(form.steps.map(\.id) == ["one"])
        #expect(form.field("name")?.type == .text)
        // YAML 1.2 core schema: `no` is the text "no", not false.
        #expect(form.field("flag")?.defaultValue == .string("no"))
    }

    @Test func yamlSyntaxErrorHasItsLine() {
        let problems = Fixtures.problems("id: t\nversion: 1\nsteps: [\n  - a\n")
        #expect(problems.count == 1)
        #expect(problems.first?.hasPrefix("t.yaml:") == true)
        #expect(problems.first?.contains("YAML syntax error") == true)
    }

    /// Found by Tests/fuzz/run-form-fuzz.sh: libyaml marks an unexpected end of the stream one
    /// line past the last line of a file that does not end with a newline.
    @Test(arguments: [
        ("{{", 1),
        ("id: t\nsteps: [", 2),
        ("id: t\nsteps: [\n", 2),
        ("id: t\r\nsteps: [", 2),
        ("id: t\rsteps: {\r\r", 3),
    ])
    func yamlErrorAtTheEndOfTheFileIsOnItsLastLine(yaml: String, line: Int) {
        let problems = Fixtures.problems(yaml)
        #expect(problems.count == 1)
        #expect(problems.first?.hasPrefix("t.yaml:\(line): YAML syntax error") == true, "\(problems)")
    }

    @Test func fuzzTargetAcceptsTheShippedFormsAndItsCrashes() throws {
        let seeds = try FileManager.default.contentsOfDirectory(atPath: Fixtures.formsDirectory)
            .filter { $0.hasSuffix(".yaml") }
            .map { try #require(FileManager.default.contents(atPath: Fixtures.formsDirectory + "/" + $0)) }
        #expect(seeds.count >= 4)
        for input in seeds + [Data("{{".utf8)] {
            input.withUnsafeBytes { fuzzFormLoader($0) }
        }
    }

    @Test func duplicateKeyPointsAtTheSecondOccurrence() {
        let problems = Fixtures.problems(header + """
            steps:
              - id: one
                title: {zh-CN: 一, en: One}
                id: two
                fields: []
            """)
        #expect(problems == ["t.yaml:11: Duplicate key id (first at line 9)."])
    }

    @Test func unknownFieldTypeAndUnknownKey() {
        let problems = Fixtures.problems(header + """
            steps:
              - id: one
                title: {zh-CN: 一, en: One}
                fields:
                  - id: name
                    type: txt
                    label: {zh-CN: 姓名, en: Name}
                    requried: true
            """)
        #expect(problems == [
            "t.yaml:15: steps[one].fields[name]: Unknown key requried.",
            "t.yaml:13: steps[one].fields[name].type: Unknown value txt; expected one of text, longText, number, money, date, singleChoice, multipleChoice, yesNo, idNumber, mobile, creditCode, address, email, declaration, repeatGroup.",
        ])
    }

    @Test func missingTranslationIsReported() {
        let problems = Fixtures.problems(header + """
            steps:
              - id: one
                title: {zh-CN: 一}
                fields:
                  - {id: name, type: text, label: {en: Name}}
            """)
        #expect(problems == [
            "t.yaml:10: steps[one].title: Missing en text.",
            "t.yaml:12: steps[one].fields[name].label: Missing zh-CN text.",
        ])
    }

    @Test func unknownOperatorPointsAtItsLine() {
        let problems = Fixtures.problems(header + """
            steps:
              - id: one
                title: {zh-CN: 一, en: One}
                relevant:
                  and:
                    - {equals: [1, 1]}
                fields:
                  - {id: name, type: text, label: {zh-CN: 姓名, en: Name}}
            """)
        #expect(problems == ["t.yaml:13: steps[one].relevant: Invalid condition: Unknown operator (operator \"equals\")."])
    }

    @Test func duplicateIdsAreReported() {
        let problems = Fixtures.problems(header + """
            steps:
              - id: one
                title: {zh-CN: 一, en: One}
                fields:
                  - {id: name, type: text, label: {zh-CN: 姓名, en: Name}}
              - id: two
                title: {zh-CN: 二, en: Two}
                fields:
                  - {id: name, type: text, label: {zh-CN: 姓名, en: Name}}
            """)
        #expect(problems == ["t.yaml:16: fields: Duplicate field id name (first at line 12)."])
    }

    @Test func choiceFieldWithoutChoicesAndTypeSpecificKeys() {
        let problems = Fixtures.problems(header + """
            steps:
              - id: one
                title: {zh-CN: 一, en: One}
                fields:
                  - id: pick
                    type: singleChoice
                    label: {zh-CN: 选, en: Pick}
                  - id: name
                    type: text
                    label: {zh-CN: 名, en: Name}
                    maxItems: 3
            """)
        #expect(problems == [
            "t.yaml:12: steps[one].fields[pick].choices: A choice field needs choices.",
            "t.yaml:18: steps[one].fields[name].maxItems: A text field cannot have maxItems.",
        ])
    }

    @Test func coreMaterialCannotBeDeferrable() {
        let problems = Fixtures.problems(header + """
            steps:
              - id: one
                title: {zh-CN: 一, en: One}
                fields: [{id: a, type: text, label: {zh-CN: 甲, en: A}}]
            materials:
              - id: m
                name: {zh-CN: 材料, en: Material}
                issuer: {zh-CN: 机关, en: Office}
                deferrable: {maxDays: 5, days: working, consequence: {zh-CN: 后果, en: Consequence}}
            """)
        #expect(problems == [
            "t.yaml:16: materials[m].deferrable: A core material cannot be deferred (容缺 applies to non-core materials only); "
                + "if it may be supplied later, add core: false to this material.",
        ])
    }

    @Test func garbageNeverCrashesTheLoader() {
        let inputs = ["", "[]", "- - -", "id: [", "{a: *b}", "steps: 5", String(repeating: "[", count: 5000), "\u{0}"]
        for input in inputs {
            let result = FormLoader.load(yaml: input, file: "g.yaml")
            #expect(result.definition == nil)
            #expect(!result.problems.isEmpty)
        }
    }
}
