import ESCPOS
import Testing
@testable import ReceiptPrinter

@Suite struct ReceiptTemplateTests {
    static let narrow = PrinterProfile(
        id: "narrow", name: "Narrow", paperWidthDots: 384, columns: .init(fontA: 32, fontB: 42),
        codePage: .pc437, codePageNumber: 0, features: .init(qrCode: true, cutter: .partial))

    @Test func aSmallTemplateRendersToExactBytes() throws {
        let template = try ReceiptTemplate.decode(yaml: """
            id: tiny
            name: Tiny
            blocks:
              - text: "No. {{reference}}"
                align: center
              - label: ID
                value: "{{id | masked}}"
              - cut
            """, file: "tiny.yaml")
        let receipt = try template.render(data: TemplateData(["reference": .text("A1"), "id": .text(sampleIDNumber)]))
        #expect(receipt == Receipt([
            .text("No. A1", alignment: .center), .keyValue(label: "ID", value: "110105********002X"), .cut,
        ]))
        let expected: [UInt8] =
            [0x1B, 0x40, 0x1B, 0x74, 0x00]                                   // ESC @, ESC t 0
            + [0x1B, 0x61, 0x01] + Array("No. A1".utf8) + [0x0A] + [0x1B, 0x61, 0x00]
            + Array("ID".utf8) + Array(repeating: 0x20, count: 12) + Array("110105********002X".utf8) + [0x0A]
            + [0x1B, 0x64, 0x04, 0x1D, 0x56, 0x01]                           // feed 4, partial cut
        #expect(try ReceiptRenderer.render(receipt, profile: Self.narrow) == expected)
    }

    @Test func theFilingReceiptHasEveryPartAndOnlyTheMaskedIDNumber() throws {
        let template = try #require(try shippedTemplates()["filing-receipt"])
        let receipt = try template.render(data: filingData)
        #expect(receipt.blocks == [
            .text("XX区政务服务中心", style: .title, alignment: .center),
            .text("自助服务办件回执", alignment: .center),
            .separator,
            .keyValue(label: "办理事项", value: "居民身份证换领"),
            .keyValue(label: "受理编号", value: "A20260315-000123"),
            .keyValue(label: "身份证号", value: "110105********002X"),
            .keyValue(label: "受理时间", value: "2026-03-15 10:42"),
            .separator,
            .qrCode("P1:S01-20260315-0042:abcdefghijkl"),
            .text("扫码查询办理进度", alignment: .center),
            .separator,
            .text("后续步骤", style: TextStyle(bold: true)),
            .text("1. 凭本回执到3号窗口领取证件"),
            .text("2. 如需邮寄请拨打12345"),
            .separator,
            .text("请妥善保管本回执", alignment: .center),
            .text("Please keep this receipt", alignment: .center),
            .cut,
        ])
        let profile = try #require(try shippedProfiles().profile(id: "xprinter-80")).printer
        let bytes = try ReceiptRenderer.render(receipt, profile: profile)
        #expect(bytes.firstRange(of: Array("110105********002X".utf8)) != nil)
        #expect(bytes.firstRange(of: Array(sampleIDNumber.utf8)) == nil)
        #expect(bytes.firstRange(of: Array("19491231".utf8)) == nil)
    }

    @Test func optionalSectionsAppearOnlyWithTheirData() throws {
        let template = try #require(try shippedTemplates()["filing-receipt"])
        var data = filingData
        data.values["deferredMaterials"] = .list(["户口簿复印件", "照片回执"])
        data.values["staffNote"] = .text("由窗口工作人员协助填写")
        let with = try template.render(data: data).blocks
        let without = try template.render(data: filingData).blocks
        #expect(with.count == without.count + 6)
        #expect(with.contains(.text("容缺受理：以下材料请按时限补交（见容缺受理告知书）", style: TextStyle(bold: true))))
        #expect(with.contains(.text("1. 户口簿复印件")))
        #expect(with.contains(.text("2. 照片回执")))
        #expect(with.contains(.text("工作人员协助：由窗口工作人员协助填写")))
        data.values["deferredMaterials"] = .list([])
        data.values["staffNote"] = .text("")
        #expect(try template.render(data: data).blocks == without)
    }

    @Test func aFullIDNumberIsMaskedEvenWithoutTheFilter() throws {
        let template = try ReceiptTemplate.decode(yaml: """
            id: careless
            name: Careless
            blocks:
              - text: "证件 {{id}}"
              - list: ids
            """, file: "careless.yaml")
        let receipt = try template.render(data: TemplateData(["id": .text(sampleIDNumber), "ids": .list([sampleIDNumber])]))
        #expect(receipt.blocks == [.text("证件 110105********002X"), .text("- 110105********002X")])
    }

    @Test func missingDataNamesTheKeyAndNeverAValue() throws {
        let template = try #require(try shippedTemplates()["filing-receipt"])
        var data = filingData
        data.values["reference"] = nil
        let error = #expect(throws: TemplateError.self) { try template.render(data: data) }
        #expect(error?.code == "templateDataMissing")
        #expect(error?.message.en == "the receipt data has no reference")
        data = filingData
        data.values["matter"] = .list(["a"])
        #expect(throws: TemplateError.self) { try template.render(data: data) }
    }

    /// The terminal's one rule (`IDNumberMasking`): a number shorter than 18 characters keeps
    /// three and two.
    @Test func masking() {
        #expect(TemplateText.masked("11010519491231002X") == "110105********002X")
        #expect(TemplateText.masked("ABC110087654321") == "ABC**********21")
        #expect(TemplateText.masked("12345") == "*****")
        #expect(TemplateText.printable("11010519491231002X") == "110105********002X")
        #expect(TemplateText.printable("110105194912310021") == "110105194912310021")   // wrong check character: not an ID number
    }

    @Test func everyShippedTemplateRendersForEveryShippedProfile() throws {
        let templates = try shippedTemplates()
        #expect(templates.keys.sorted() == [
            "acceptance-notice", "booking-slip", "commitment-letter", "deferral-notice", "filing-receipt", "materials-notice",
            "policy-sheet", "refusal-notice",
        ])
        let data = TemplateData([
            "hall": .text("XX区政务服务中心"), "matter": .text("居民身份证换领"), "reference": .text("A20260315-000123"),
            "idNumber": .text(sampleIDNumber), "time": .text("2026-03-15 10:42"), "nextSteps": .list(["领取证件"]),
            "service": .text("户籍办理"), "bookingCode": .text("B7K2Q9"), "date": .text("2026-03-16"),
            "window": .text("09:00-09:30"), "materials": .list(["身份证原件", "户口簿"]),
            "serviceEn": .text("Household registration"), "checkIn": .list(["08:30-09:15"]),
            "applicantName": .text("张三"), "applicantIdLabel": .text("身份证号"), "applicantId": .text(sampleIDNumber),
            "material": .text("户口簿"), "dueDate": .text("2026-03-30"), "dueText": .text("受理之日起10个工作日内"),
            "handIn": .text("区公安分局"), "consequence": .text("逾期不予办理。"), "consequenceEn": .text("Refused if late."),
            "statement": .text("本人承诺属实。"), "statementEn": .text("I declare it is true."),
            "verification": .text("部门核查"), "verificationEn": .text("Checked later."), "textVersion": .text("0123456789abcdef"),
            "progressCode": .text("P1:A20260315-000123:abcdefghijkl"), "acceptedDate": .text("2026-03-15"),
            "timeLimit": .text("5个工作日"), "reasons": .list(["申请材料不齐全"]),
            "title": .text("一次性吸纳就业补贴"), "department": .text("区人社局"), "qualifies": .text("小微企业"),
            "benefits": .list(["每人1500元"]), "whereToApply": .text("社保窗口"), "validUntil": .text("2028-12-31"),
            "source": .text("示例人社发〔2025〕9号（2025-06-30）"), "sourceReference": .text("示例人社发〔2025〕9号 2025-06-30"),
        ])
        for profile in try shippedProfiles().profiles {
            for template in templates.values {
                let receipt = try template.render(data: data)
                let bytes = try ReceiptRenderer.render(receipt, profile: profile.printer)
                #expect(bytes.firstRange(of: Array(sampleIDNumber.utf8)) == nil, "\(template.id) on \(profile.id)")
            }
        }
    }

    @Test func malformedTemplatesNameTheLine() {
        let badPlaceholder = #expect(throws: DefinitionFileError.self) {
            try ReceiptTemplate.decode(yaml: """
                id: bad
                name: Bad
                blocks:
                  - separator
                  - text: "{{reference | upper}}"
                """, file: "bad.yaml")
        }
        #expect(badPlaceholder?.line == 5)
        #expect(badPlaceholder?.message.en.hasPrefix("bad.yaml:5: ") == true)
        let twoKinds = #expect(throws: DefinitionFileError.self) {
            try ReceiptTemplate.decode(yaml: "id: bad\nname: Bad\nblocks:\n  - blank\n  - text: a\n    qr: b\n", file: "bad.yaml")
        }
        #expect(twoKinds?.line == 5)
        let unknownWord = #expect(throws: DefinitionFileError.self) {
            try ReceiptTemplate.decode(yaml: "id: bad\nname: Bad\nblocks:\n  - blank\n  - cutt\n", file: "bad.yaml")
        }
        #expect(unknownWord?.line == 5)
    }
}
