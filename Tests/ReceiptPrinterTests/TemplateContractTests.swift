import ESCPOS
import Testing
@testable import ReceiptPrinter

/// A template is checked against the data it will be given before anything is printed.
@Suite struct TemplateContractTests {
    static let contract = TemplateContract([
        .init("reference", .text, always: true, label: "受理编号"),
        .init("applicantId", .text, always: false, idNumber: true, label: "证件号码"),
        .init("company", .text, always: false, label: "企业"),
        .init("steps", .list, always: true, label: "后续步骤"),
        .init("notes", .list, always: false, label: "说明"),
    ])

    @Test func aTemplateKeptToItsDataHasNoProblem() throws {
        let template = try ReceiptTemplate.decode(yaml: """
            id: good
            name: Good
            blocks:
              - label: 受理编号
                value: "{{reference}}"
              - when: applicantId
                blocks:
                  - label: 身份证号
                    value: "{{applicantId | masked}}"
              - list: steps
              - when: [notes, company]
                blocks:
                  - text: "{{company}}"
                  - list: notes
            """, file: "good.yaml")
        #expect(Self.contract.problems(in: template) == [])
    }

    @Test func everyProblemNamesItsLine() throws {
        let template = try ReceiptTemplate.decode(yaml: """
            id: bad
            name: Bad
            blocks:
              - text: "{{referenceNo}}"
              - label: 身份证号
                value: "{{applicantId}}"
              - when: company
                blocks:
                  - separator
                  - text: "{{company | masked}}"
              - text: "{{steps}}"
              - list: reference
              - list: notes
              - when: nothing
                blocks: [blank]
            """, file: "bad.yaml")
        let problems = Self.contract.problems(in: template)
        #expect(problems.map { "\($0.line) \($0.path) \($0.code)" } == [
            "4 blocks[0].text unknownTemplateData",
            "5 blocks[1].value templateDataMayBeMissing",
            "10 blocks[2].blocks[1].text maskedNotIDNumber",
            "11 blocks[3].text templateDataNotText",
            "12 blocks[4].list templateDataNotList",
            "13 blocks[5].list templateDataMayBeMissing",
            "14 blocks[6].when unknownTemplateData",
        ])
        #expect(problems[1].message.en == "applicantId may be missing: put it inside when: applicantId.")
    }

    @Test func dataIsCheckedAgainstTheContract() {
        #expect(Self.contract.violations(by: TemplateData(["reference": .text("R1"), "steps": .list(["a"])])) == [])
        #expect(Self.contract.violations(by: TemplateData([
            "reference": .list(["R1"]), "extra": .text("x"), "notes": .text("n"),
        ])) == ["extra: not in the contract", "notes: not a list", "reference: not a text", "steps: missing"])
    }

    /// What prints when a template fails anyway: labelled text, ID numbers masked, nothing a
    /// printer could refuse.
    @Test func thePlainReceiptHasEveryValueLabelledAndMasked() {
        let receipt = Self.contract.plainReceipt(title: "办件回执", data: TemplateData([
            "reference": .text("R1"), "applicantId": .text(sampleIDNumber), "steps": .list(["一", "二"]), "notes": .list([]),
        ]))
        #expect(receipt.blocks == [
            .text("办件回执", style: .title, alignment: .center), .separator,
            .keyValue(label: "受理编号", value: "R1"), .keyValue(label: "证件号码", value: "110105********002X"),
            .text("后续步骤", style: TextStyle(bold: true)), .text("- 一"), .text("- 二"),
            .separator, .cut,
        ])
    }
}
