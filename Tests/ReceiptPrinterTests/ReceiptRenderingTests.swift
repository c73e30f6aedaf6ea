import DeviceKit
import ESCPOS
import Foundation
import KioskCore
import Testing
@testable import ReceiptPrinter

@Suite struct ReceiptRenderingTests {
    let receipts = repositoryRoot.appendingPathComponent("Forms/receipts").path
    let profiles = repositoryRoot.appendingPathComponent("Devices/profiles").path

    let json = Data("""
        {"hall": "XX区政务服务中心", "matter": "居民身份证换领", "reference": "A20260315-000123",
         "applicantIdLabel": "身份证号", "applicantId": "11010519491231002X", "time": "2026-03-15 10:42",
         "progressCode": "P1:S01-20260315-0042:abcdefghijkl",
         "nextSteps": ["凭本回执到3号窗口领取证件", "如需邮寄请拨打12345"]}
        """.utf8)

    @Test func rendersTheSameBytesAsTheTemplateAndProfile() throws {
        let bytes = try ReceiptRendering.render(
            templateID: "filing-receipt", data: json, profileID: "xprinter-80", receiptsDirectory: receipts,
            profilesDirectory: profiles)
        let template = try #require(try shippedTemplates()["filing-receipt"])
        let profile = try #require(try shippedProfiles().profile(id: "xprinter-80"))
        let expected = try ReceiptRenderer.render(try template.render(data: filingData), profile: profile.printer)
        let same = bytes == expected
        #expect(same)
        let generic = try ReceiptRendering.render(
            templateID: "filing-receipt", data: json, receiptsDirectory: receipts, profilesDirectory: profiles)
        #expect(generic != bytes)   // no native QR on the generic profile: the code is an image
    }

    @Test func failuresHaveCodes() {
        func code(_ template: String, _ data: Data, _ profile: String? = nil) -> String? {
            do {
                _ = try ReceiptRendering.render(
                    templateID: template, data: data, profileID: profile, receiptsDirectory: receipts, profilesDirectory: profiles)
                return nil
            } catch let error as any KioskError {
                return error.code
            } catch {
                return "\(error)"
            }
        }
        #expect(code("nope", json) == "templateNotFound")
        #expect(code("filing-receipt", json, "nope") == "profileNotFound")
        #expect(code("filing-receipt", Data("[1]".utf8)) == "templateDataInvalid")
        #expect(code("filing-receipt", Data(#"{"hall": {"a": 1}}"#.utf8)) == "templateDataInvalid")
        #expect(code("filing-receipt", Data(#"{"hall": "x"}"#.utf8)) == "templateDataMissing")
    }
}
