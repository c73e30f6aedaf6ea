import FormEngine
import Foundation
import JSONLogic
import KioskCore
import Testing

@Suite struct ValidatorTests {
    @Test func shippedFormsAreValid() {
        let problems = validateForms(at: Fixtures.formsDirectory)
        #expect(problems.map(\.description) == [])
        let catalog = FormCatalog.load(Fixtures.formsDirectory)
        #expect(catalog.forms.keys.sorted() == ["company-opening", "individual-business", "residence-permit", "talent-settlement"])
    }

    @Test func unknownFieldReference() {
        let problems = Fixtures.problems(header + """
            steps:
              - id: one
                title: {zh-CN: 一, en: One}
                fields:
                  - {id: a, type: text, label: {zh-CN: 甲, en: A}}
                  - id: b
                    type: text
                    label: {zh-CN: 乙, en: B}
                    relevant: {"==": [{var: spouse.name}, x]}
            """)
        #expect(problems == ["t.yaml:16: steps[one].fields[b].relevant: The condition refers to an unknown field spouse.name."])
    }

    @Test func itemAndChoiceReferencesAreScoped() {
        let problems = Fixtures.problems(header + """
            steps:
              - id: one
                title: {zh-CN: 一, en: One}
                fields:
                  - id: group
                    type: repeatGroup
                    label: {zh-CN: 组, en: Group}
                    fields:
                      - {id: kind, type: text, label: {zh-CN: 类, en: Kind}}
                      - {id: note, type: text, label: {zh-CN: 注, en: Note}, relevant: {var: item.kind}}
                      - {id: bad, type: text, label: {zh-CN: 坏, en: Bad}, relevant: {var: item.missing}}
                  - id: pick
                    type: singleChoice
                    label: {zh-CN: 选, en: Pick}
                    choiceFilter: {"==": [{var: choice.group}, {var: choice.nope}]}
                    choices: [{value: a, label: {zh-CN: 甲, en: A}, group: g}]
            """)
        #expect(problems == [
            "t.yaml:18: steps[one].fields[group].fields[bad].relevant: The condition refers to an unknown field item.missing.",
            "t.yaml:22: steps[one].fields[pick].choiceFilter: The condition refers to an unknown field choice.nope.",
        ])
    }

    @Test func calculationCycle() {
        let problems = Fixtures.problems(header + """
            steps:
              - id: one
                title: {zh-CN: 一, en: One}
                fields:
                  - {id: a, type: number, label: {zh-CN: 甲, en: A}, calculate: {"+": [{var: b}, 1]}}
                  - {id: b, type: number, label: {zh-CN: 乙, en: B}, calculate: {"*": [{var: a}, 2]}}
                  - {id: c, type: number, label: {zh-CN: 丙, en: C}, calculate: {"+": [{var: c}, 1]}}
                  - {id: d, type: number, label: {zh-CN: 丁, en: D}, calculate: {"+": [{var: a}, 1]}}
            """)
        #expect(problems == [
            "t.yaml:12: fields[a].calculate: The calculation depends on itself: a → b → a.",
            "t.yaml:14: fields[c].calculate: The calculation depends on itself: c → c.",
        ])
    }

    @Test func theMaterialIDNoticeIsReserved() {
        let problems = Fixtures.problems(header + """
            steps:
              - id: one
                title: {zh-CN: 一, en: One}
                fields: [{id: a, type: text, label: {zh-CN: 甲, en: A}}]
            materials:
              - id: notice
                name: {zh-CN: 材料, en: Material}
                issuer: {zh-CN: 机关, en: Office}
            """)
        #expect(problems == ["t.yaml:13: materials[notice]: The material id notice is reserved (it prints the materials notice); choose another."])
    }

    @Test func stepNeverShownAndMaterialNeverApplies() {
        let problems = Fixtures.problems(header + """
            steps:
              - id: one
                title: {zh-CN: 一, en: One}
                fields: [{id: a, type: text, label: {zh-CN: 甲, en: A}}]
              - id: two
                title: {zh-CN: 二, en: Two}
                relevant: {"==": [1, 2]}
                fields: [{id: b, type: text, label: {zh-CN: 乙, en: B}}]
            materials:
              - id: m
                name: {zh-CN: 材料, en: Material}
                issuer: {zh-CN: 机关, en: Office}
                appliesWhen: false
              - id: n
                name: {zh-CN: 材料, en: Material}
                issuer: {zh-CN: 机关, en: Office}
                appliesWhen: {"==": [{var: a}, x]}
            """)
        #expect(problems == [
            "t.yaml:14: steps[two].relevant: This step can never be shown (its condition is always false).",
            "t.yaml:20: materials[m].appliesWhen: This material can never apply (its condition is always false).",
        ])
    }

    @Test func directoryValidationPrintsFileAndLine() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("forms-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "id: x\nversion: [\n".write(to: directory.appendingPathComponent("a.yaml"), atomically: true, encoding: .utf8)
        try (header + """
            steps:
              - id: one
                title: {zh-CN: 一, en: One}
                fields: [{id: who, type: text, label: {zh-CN: 名, en: Name}}, {id: whoID, type: idNumber, label: {zh-CN: 号, en: ID}}, {id: a, type: text, label: {zh-CN: 甲, en: A}, relevant: {var: zz}}]
            """).write(to: directory.appendingPathComponent("b.yaml"), atomically: true, encoding: .utf8)
        let problems = validateForms(at: directory.path)
        #expect(problems.count == 2)
        #expect(problems[0].file.hasSuffix("/a.yaml"))
        #expect(problems[0].code == "yamlSyntax")
        #expect(problems[1].description == directory.appendingPathComponent("b.yaml").path
            + ":11: steps[one].fields[a].relevant: The condition refers to an unknown field zz.")
    }
}

@Suite struct FieldFormatTests {
    @Test func creditCodeCheckCharacter() {
        // GB 32100-2015 worked example shape: the check character closes the weighted sum mod 31.
        #expect(UnifiedSocialCreditCode.checkCharacter(forFirst17: "91350100M000100Y4") == "3")
        #expect(UnifiedSocialCreditCode.isValid("91350100M000100Y43"))
        #expect(!UnifiedSocialCreditCode.isValid("91350100M000100Y44"))
        #expect(!UnifiedSocialCreditCode.isValid("91350100M000100I43"))  // I is not in the alphabet
        #expect(!UnifiedSocialCreditCode.isValid("91350100M000100Y4"))
        #expect(UnifiedSocialCreditCode.checkCharacter(forFirst17: "91110000600037341") == "L")
    }

    @Test func eachTypeRejectsBadValues() throws {
        let form = try Fixtures.inline(header + """
            steps:
              - id: one
                title: {zh-CN: 一, en: One}
                fields:
                  - {id: id, type: idNumber, label: {zh-CN: 号, en: ID}}
                  - {id: phone, type: mobile, label: {zh-CN: 手机, en: Mobile}}
                  - {id: code, type: creditCode, label: {zh-CN: 代码, en: Code}}
                  - {id: mail, type: email, label: {zh-CN: 邮箱, en: Mail}}
                  - {id: day, type: date, label: {zh-CN: 日期, en: Day}}
                  - {id: fee, type: money, label: {zh-CN: 金额, en: Fee}, max: 100}
                  - {id: place, type: address, label: {zh-CN: 地址, en: Address}}
                  - {id: ok, type: declaration, label: {zh-CN: 确认, en: Accept}}
            """)
        var session = FormSession.start(form, context: Fixtures.context)
        try session.fill([
            "id": "110105199005170012", "phone": "12345678901", "code": "91350100M000100Y44", "mail": "a@b",
            "day": "2026-02-30", "fee": 12.345, "place": ["region": "110105", "detail": ""], "ok": false,
        ], form)
        guard case .rejected(let report) = try session.next(in: form, context: Fixtures.context) else {
            Issue.record("expected errors")
            return
        }
        #expect(report.errors.map(\.code) == [
            "idNumber.checkCharacterMismatch", "invalidMobile", "invalidCreditCode", "invalidEmail", "invalidDate",
            "tooManyDecimals", "incompleteAddress", "declarationNotAccepted",
        ])
        #expect(report.summary.en == "8 answers on this page need attention.")
        #expect(report.summary.zh == "本页有 8 处需要修改")
        try session.fill([
            "id": .string(Fixtures.citizenID), "phone": "13812345678", "code": "91350100m000100y43", "mail": "a@b.cn",
            "day": "2024-02-29", "fee": "99.5", "place": ["region": "110105", "detail": "复兴门外大街1号"], "ok": true,
        ], form)
        #expect(try session.next(in: form, context: Fixtures.context) == .moved(to: .review))
        #expect(session.answers["fee"] == .number(99.5))
        #expect(session.answers["code"] == .string("91350100M000100Y43"))
    }
}
