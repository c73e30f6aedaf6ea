import Filings
import Foundation
import FormEngine
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KioskApp
import KioskCore
@testable import KioskServer
import KioskTesting
import Testing

/// 惠企政策明白纸 over HTTP (issue 19, part 2): an enterprise's profile matched to the shipped
/// example policies, and their sheets printed on the simulated printer and read back.
@Suite("Policy fact sheets over HTTP")
struct PolicyRoutesTests {
    let installation: TestInstallation
    let application: KioskApplication

    init() async throws {
        installation = try TestInstallation()
        application = try await KioskApplication.onTestInstallation(installation)
    }

    static let creditCode: String = {
        let first17 = "91110105MA01ABCD1"
        return first17 + String(UnifiedSocialCreditCode.checkCharacter(forFirst17: first17)!)
    }()

    /// `PolicyOptions` as read back: the route's type only encodes (its lists are constants).
    struct OfferedOptions: Decodable {
        struct Option: Decodable {
            let value: String
            let label: LocalizedText
        }
        let legalForms: [Option]
        let industries: [Option]
        let sizes: [Option]
        let tags: [Option]
        let policies: Int
    }

    func profile(creditCode: String = Self.creditCode, legalForm: String = "limitedCompany", foundedOn: String = "2025-06-01") -> ByteBuffer {
        ByteBuffer(string: """
            {"creditCode":"\(creditCode)","legalForm":"\(legalForm)","industry":"I","size":"small","foundedOn":"\(foundedOn)",
             "district":"示例区","tags":["research","hiring"]}
            """)
    }

    @Test func theProfileScreenIsOfferedEveryAnswerAConditionTests() async throws {
        try await application.makeHTTPServer().test(.router) { client in
            let response = try await client.execute(uri: "/v1/policies", method: .get)
            #expect(response.status == .ok)
            let options = try response.decoded(OfferedOptions.self)
            #expect(options.policies == 7)
            #expect(options.industries.count == 20)
            #expect(options.tags.map(\.value) == ["hiring", "research", "export"])
        }
    }

    @Test func aSmallSoftwareCompanyIsToldItsPoliciesNewestFirstAndWhy() async throws {
        try await application.makeHTTPServer().test(.router) { client in
            let response = try await client.execute(uri: "/v1/policies/match", method: .post, body: profile())
            #expect(response.status == .ok)
            let matches = try response.decoded(PolicyMatches.self).matches
            let ids = matches.map(\.id)
            #expect(ids.first == "hiring-subsidy")
            #expect(Set(ids) == ["hiring-subsidy", "startup-guaranteed-loan", "small-business-tax-relief", "high-tech-certification"])
            let dates = matches.map(\.source.date)
            #expect(dates == dates.sorted(by: >))
            let reasons = try #require(matches.first?.reasons)
            #expect(reasons.map(\.zh).contains("关注事项：研发创新、招聘用工"))
            #expect(matches.allSatisfy { $0.example })
        }
    }

    @Test(arguments: [
        (creditCode: "91110105MA01ABCD1X", legalForm: "limitedCompany", foundedOn: "2025-06-01", code: "invalidCreditCode"),
        (creditCode: "12345", legalForm: "limitedCompany", foundedOn: "2025-06-01", code: "invalidCreditCode"),
        (creditCode: PolicyRoutesTests.creditCode, legalForm: "company", foundedOn: "2025-06-01", code: "invalidField"),
        (creditCode: PolicyRoutesTests.creditCode, legalForm: "limitedCompany", foundedOn: "2999-01-01", code: "invalidField"),
    ])
    func aBadProfileIsAClearProblem(creditCode: String, legalForm: String, foundedOn: String, code: String) async throws {
        try await application.makeHTTPServer().test(.router) { client in
            let response = try await client.execute(
                uri: "/v1/policies/match", method: .post, body: profile(creditCode: creditCode, legalForm: legalForm, foundedOn: foundedOn))
            #expect(response.status == .badRequest)
            #expect(response.headers[.contentType] == "application/problem+json")
            let problem = try response.decoded(Problem.self)
            #expect(problem.code == code)
            #expect(!problem.messages.zh.isEmpty && !problem.messages.en.isEmpty)
            // The code that was typed is not echoed back.
            #expect(!String(buffer: response.body).contains(creditCode) || creditCode == "12345")
        }
    }

    @Test func theSheetsArePrintedReadBackAndCounted() async throws {
        try await application.makeHTTPServer().test(.router) { client in
            let printed = try await client.execute(uri: "/v1/policies/print", method: .post,
                                                   body: ByteBuffer(string: #"{"policyIds":["hiring-subsidy","small-business-tax-relief"]}"#))
            #expect(printed.status == .created)
            let receipt = try printed.decoded(PrintedPolicies.self).receipt
            #expect(receipt.state == .printed)
            #expect(receipt.papers == ["policy-sheet", "policy-sheet"])

            let technician: HTTPFields = [.authorization: try await application.bearer(client, role: .technician)]
            let preview = try await client.execute(uri: "/v1/devices/printer-simulated/last-receipt", method: .get, headers: technician)
            #expect(preview.headers[HTTPField.Name("Kiosk-Print-Job")!] == receipt.jobId)
            let text = String(buffer: preview.body).filter { !$0.isWhitespace }
            #expect(text.contains("惠企政策明白纸"))
            #expect(text.contains("一次性吸纳就业补贴"))
            #expect(text.contains("每招用1人给予1500元一次性补贴"))
            #expect(text.contains("有效期至2028-12-31"))
            #expect(text.contains("示例政策"))
            #expect(text.contains("政策依据示例人社发〔2025〕9号（2025-06-30）"))
            // The simulated printer's profile draws the QR code (the source reference) as an image.
            #expect(text.contains("扫码查询政策原文[image"))
            #expect(text.contains("教育费附加、地方教育附加减半征收"))

            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains(#"kiosk_policy_sheets_printed_total{policy="hiring-subsidy"} 1"#))
            // And in the monthly report of the month they were printed in (the hall's month).
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "Asia/Shanghai")!
            let today = calendar.dateComponents([.year, .month], from: Date())
            let month = String(format: "%04d-%02d", today.year!, today.month!)
            let supervisor: HTTPFields = [.authorization: try await application.bearer(client, role: .supervisor)]
            let report = try await client.execute(uri: "/v1/reports/monthly?month=\(month)", method: .get, headers: supervisor)
                .decoded(MonthlyReport.self)
            let prints = try #require(report.policyPrints)
            #expect(Set(prints.map { "\($0.policyId)=\($0.prints)" }) == ["hiring-subsidy=1", "small-business-tax-relief=1"])

            let unknown = try await client.execute(uri: "/v1/policies/print", method: .post, body: ByteBuffer(string: #"{"policyIds":["nope"]}"#))
            #expect(unknown.status == .notFound)
            #expect(try unknown.decoded(Problem.self).code == "policyNotFound")
            let many = Array(repeating: #""hiring-subsidy""#, count: 11).joined(separator: ",")
            let tooMany = try await client.execute(uri: "/v1/policies/print", method: .post, body: ByteBuffer(string: #"{"policyIds":[\#(many)]}"#))
            #expect(tooMany.status == .badRequest)
        }
    }
}
