import Access
import Filings
import FormEngine
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import KioskApp
import KioskCore
@testable import KioskServer
import KioskTesting
import Logging
import Storage
import Testing

/// The department interface (docs/DEPARTMENT-API.md) over HTTP, every answer checked against
/// docs/openapi.yaml: a department system pulls its filings with its API key and reports its
/// steps back; the citizen, the supervision post and the monthly report see what it did.
@Suite("Department interface")
struct DepartmentInterfaceTests {
    static let idNumber: String = {
        let first17 = "11010519900517002"
        return first17 + String(ResidentIDNumber.checkCharacter(forFirst17: first17)!)
    }()

    /// A filing of `department` as the terminal records it (the terminal's own SQLite transaction).
    static func file(_ application: KioskApplication, department: String, name: String = "张三") async throws -> String {
        let day = Date().formatted(.iso8601.year().month().day().dateSeparator(.omitted))
        return try await application.filingArchive.recordFiling(site: "S01", day: day) { reference in
            let json = """
                {"formID":"permit-\(department)","formVersion":1,"reference":"\(reference)","title":{"zh-CN":"许可","en":"Permit"},
                 "department":{"zh-CN":"\(department)局","en":"\(department)"},"departmentID":"\(department)","timeLimitDays":5,
                 "afterReturn":"restart","version":1,"submittedAt":"\(Date().formatted(.iso8601))",
                 "applicant":{"name":"\(name)","identifier":"\(Self.idNumber)","identifierLabel":{"zh-CN":"身份证号","en":"ID number"},"isIDNumber":true},
                 "answers":{"name":"\(name)","idNumber":"\(Self.idNumber)","mobile":"13812345678"},
                 "materials":[{"materialID":"proof","name":{"zh-CN":"证明","en":"Proof"},"status":"provided"}],
                 "deferred":[],"commitments":[],"subFilings":[],"overrides":[]}
                """
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            return try decoder.decode(Filing.self, from: Data(json.utf8))
        }.reference
    }

    func feed(_ response: TestResponse) throws -> DepartmentFeedView { try response.decoded(DepartmentFeedView.self) }
    func record(_ response: TestResponse) throws -> FilingDetailView { try response.decoded(FilingDetailView.self) }

    func post(_ client: some TestClientProtocol, _ uri: String, key: String? = nil, _ body: String) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let key { headers[.authorization] = "Bearer " + key }
        return try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    func get(_ client: some TestClientProtocol, _ uri: String, key: String?) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .get, headers: key.map { [.authorization: "Bearer " + $0] } ?? [:])
    }

    /// A bundle (一件事) of two parts: the seal (police) and invoices (tax), each with a field of
    /// its own steps, a material and a 容缺 material; the shared answers are both departments'.
    static func fileBundle(_ application: KioskApplication) async throws -> String {
        let day = Date().formatted(.iso8601.year().month().day().dateSeparator(.omitted))
        return try await application.filingArchive.recordFiling(site: "S01", day: day) { reference in
            let json = """
                {"formID":"company-opening","formVersion":1,"reference":"\(reference)","title":{"zh-CN":"开办企业","en":"Company"},
                 "department":{"zh-CN":"市场监管局","en":"AMR"},"departmentID":"amr","timeLimitDays":5,
                 "afterReturn":"restart","version":1,"submittedAt":"\(Date().formatted(.iso8601))",
                 "applicant":{"name":"张三","identifier":"\(Self.idNumber)","identifierLabel":{"zh-CN":"身份证号","en":"ID number"},"isIDNumber":true},
                 "answers":{"companyName":"滨海科技","idNumber":"\(Self.idNumber)","sealKinds":["official"],"invoiceQuota":"10"},
                 "materials":[{"materialID":"sealForm","name":{"zh-CN":"刻章申请","en":"Seal form"},"status":"provided","subFilingID":"seal"},
                              {"materialID":"sealProof","name":{"zh-CN":"刻章证明","en":"Seal proof"},"status":"deferred","subFilingID":"seal"},
                              {"materialID":"invoiceForm","name":{"zh-CN":"领票申请","en":"Invoice form"},"status":"provided","subFilingID":"invoices"},
                              {"materialID":"taxProof","name":{"zh-CN":"税务证明","en":"Tax proof"},"status":"deferred","subFilingID":"invoices"}],
                 "deferred":[{"materialID":"sealProof","name":{"zh-CN":"刻章证明","en":"Seal proof"},"dueDate":"2099-01-01",
                              "consequence":{"zh-CN":"退回","en":"Returned"}},
                             {"materialID":"taxProof","name":{"zh-CN":"税务证明","en":"Tax proof"},"dueDate":"2099-01-01",
                              "consequence":{"zh-CN":"退回","en":"Returned"}}],
                 "commitments":[],"overrides":[],
                 "subFilings":[{"id":"seal","title":{"zh-CN":"公章刻制","en":"Seal"},"department":{"zh-CN":"公安分局","en":"Police"},
                                "departmentID":"police","timeLimitDays":1,"materialIDs":["sealForm","sealProof"],"fieldIDs":["sealKinds"]},
                               {"id":"invoices","title":{"zh-CN":"发票申领","en":"Invoices"},"department":{"zh-CN":"税务局","en":"Tax"},
                                "departmentID":"tax","timeLimitDays":2,"materialIDs":["invoiceForm","taxProof"],"fieldIDs":["invoiceQuota"]}]}
                """
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            return try decoder.decode(Filing.self, from: Data(json.utf8))
        }.reference
    }

    /// A department holding one part of a bundle sees that part: in the pull, in the answer to
    /// its status back and in its webhooks, the other department's case, materials, 容缺 and the
    /// answers of the other part's own steps are left out; the shared answers are there.
    @Test func aDepartmentSeesOnlyItsOwnPartsOfABundle() async throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        let application = try await KioskApplication.onTestInstallation(installation)
        let police = try application.departments.add(id: "police", name: "公安分局", webhookURL: nil, now: Date()).apiKey
        _ = try application.departments.add(id: "tax", name: "税务局", webhookURL: nil, now: Date())
        let reference = try await Self.fileBundle(application)

        /// What a department must not see of the other part, and must see of its own.
        @Sendable func checkPoliceOnly(_ entry: DepartmentFilingView, _ where: String) throws {
            #expect(entry.record.cases.map(\.part) == ["seal"], "\(`where`)")
            #expect(entry.record.deferrals.map(\.materialID) == ["sealProof"], "\(`where`)")
            let filing = try #require(entry.filing, "\(`where`)")
            #expect(Set(filing.answers.keys) == ["companyName", "idNumber", "sealKinds"], "\(`where`)")
            #expect(filing.materials.map(\.materialID) == ["sealForm", "sealProof"])
            #expect(filing.deferred.map(\.materialID) == ["sealProof"])
            #expect(filing.subFilings.map(\.id) == ["seal"])
            let encoder = JSONEncoder()
            encoder.dateEncodingStrategy = .iso8601
            #expect(!String(decoding: try encoder.encode(entry), as: UTF8.self).contains("tax"), "\(`where`)")
        }

        try await Application(router: KioskRoutes.router(application.serverDependencies)).test(.router) { client in
            let page = try feed(try await get(client, "/v1/departments/police/filings", key: police))
            try #require(page.filings.count == 1)
            try checkPoliceOnly(page.filings[0], "pull")

            let received = try record(try await post(client, "/v1/filings/\(reference)/events", key: police, #"{"type":"received","part":"seal"}"#))
            #expect(received.cases.map(\.part) == ["seal"])
            #expect(received.deferrals.map(\.materialID) == ["sealProof"])
        }

        // The webhook's body is the same view.
        let change = try #require(try await application.filingLedger.departmentChanges("police", after: 0, limit: 10).last)
        let view = try #require(try await DepartmentFilingView.load(change, ledger: application.filingLedger, department: "police"))
        try checkPoliceOnly(view, "webhook")
    }

    @Test func aDepartmentPullsItsFilingsReportsItsStepsAndTheLoopCloses() async throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        let application = try await KioskApplication.onTestInstallation(installation)
        let amr = try application.departments.add(id: "amr", name: "市场监管局", webhookURL: nil, now: Date()).apiKey
        let police = try application.departments.add(id: "police", name: "公安分局", webhookURL: nil, now: Date()).apiKey
        let first = try await Self.file(application, department: "amr")
        let other = try await Self.file(application, department: "police")
        let second = try await Self.file(application, department: "amr")
        let document = try OpenAPIDocument.load()
        try await Application(router: KioskRoutes.router(application.serverDependencies)).test(.router) { base in
            let client = DocumentedClient(base: base, document: document)

            // Who may call: a key, its own department's feed, nothing for the screen or staff.
            #expect(try await get(client, "/v1/departments/amr/filings", key: nil).status == .unauthorized)
            let madeUp = try await get(client, "/v1/departments/amr/filings", key: "kdk1.amr." + String(repeating: "x", count: 43))
            #expect(madeUp.status == .unauthorized)
            #expect(try madeUp.decoded(Problem.self).code == "tokenForged")
            let others = try await get(client, "/v1/departments/police/filings", key: amr)
            #expect(others.status == .forbidden)
            #expect(try others.decoded(Problem.self).code == "otherDepartment")
            let staff = try await application.bearer(base, role: .admin)
            let byStaff = try await client.execute(uri: "/v1/departments/amr/filings", method: .get, headers: [.authorization: staff])
            #expect(byStaff.status == .forbidden)
            // …and a department key opens nothing else: not the staff desk, not the citizen's screen.
            #expect(try await get(client, "/v1/desk/queue", key: amr).status == .forbidden)
            #expect(try await get(base, "/v1/forms", key: amr).status == .forbidden)

            // The pull, in pages, with the answers and materials.
            let page = try feed(try await get(client, "/v1/departments/amr/filings?limit=1", key: amr))
            #expect(page.filings.count == 1 && page.more)
            #expect(page.filings.first?.record.reference == first)
            let filing = try #require(page.filings.first?.filing)
            #expect(filing.answers["name"] == .string("张三"))
            #expect(filing.materials.first?.materialID == "proof")
            let rest = try feed(try await get(client, "/v1/departments/amr/filings?after=\(page.next)", key: amr))
            #expect(rest.filings.map(\.record.reference) == [second])
            #expect(!rest.more)
            let end = rest.next
            #expect(try await get(client, "/v1/departments/amr/filings?after=-1", key: amr).status == .badRequest)

            // Status back, each step the lifecycle's own; another department's filing is unknown to this key.
            let events = "/v1/filings/\(first)/events"
            #expect(try await post(client, "/v1/filings/\(other)/events", key: amr, #"{"type":"received"}"#).status == .notFound)
            #expect(try await post(client, events, key: nil, #"{"type":"received"}"#).status == .unauthorized)
            #expect(try await post(client, events, key: amr, #"{"type":"approved"}"#).status == .badRequest)
            #expect(try await post(client, events, key: amr, #"{"type":"completed","outcome":"approved"}"#).status == .conflict)
            let received = try await post(client, events, key: amr, #"{"type":"received"}"#)
            #expect(received.status == .ok)
            #expect(try record(received).state == .received)
            let accepted = try record(try await post(client, events, key: amr, #"{"type":"accepted"}"#))
            let acceptance = try #require(accepted.cases.first?.acceptance)
            #expect(acceptance.by == .department("amr"))
            #expect(acceptance.window == "amr")
            #expect(try await post(client, events, key: amr, #"{"type":"inProgress"}"#).status == .ok)
            let completed = try await post(client, events, key: amr,
                                           #"{"type":"completed","outcome":"approved","document":"营业执照","collectAt":"3号窗口"}"#)
            #expect(completed.status == .ok)
            #expect(try record(completed).state == .completed)
            // The police department returns its own with a reason from the list.
            let returned = try await post(client, "/v1/filings/\(other)/events", key: police,
                                          #"{"type":"returned","reasons":["materialsIncomplete"],"note":"缺少证明"}"#)
            #expect(returned.status == .ok)
            #expect(try record(returned).state == .returned)

            // The steps are in the feed again (after the cursor), and in the audit log by department.
            let changed = try feed(try await get(client, "/v1/departments/amr/filings?after=\(end)", key: amr))
            #expect(changed.filings.map(\.record.reference) == [first])
            let audit = try await application.access.auditRecords()
            #expect(audit.contains { $0.action == "filing.completed" && $0.detailValues?["department"] == "amr" })

            // The citizen looks the filing up and rates it 不满意; the supervision post follows up.
            let progress = try await post(client, "/v1/progress/lookup", #"{"reference":"\#(first)","idNumber":"\#(Self.idNumber)"}"#)
            #expect(progress.status == .ok)
            let rated = try await post(client, "/v1/filings/\(first)/rating",
                                       #"{"grade":"dissatisfied","idNumber":"\#(Self.idNumber)","reasons":[]}"#)
            #expect(rated.status == .created)
            let supervisor = try await application.signedIn(client, role: .supervisor)
            let desk = try await supervisor.execute(uri: "/v1/supervision/desk", method: .get).decoded(SupervisionDesk.self)
            #expect(desk.badRatings.contains { $0.reference == first })
            for step in ["callback", "rectification", "close"] {
                let response = try await supervisor.execute(uri: "/v1/filings/\(first)/follow-up/\(step)", method: .post,
                                                            headers: [.contentType: "application/json"],
                                                            body: ByteBuffer(string: #"{"note":"已\#(step)"}"#))
                #expect(response.status == .ok, "\(step)")
            }
            let month = String(Date().formatted(.iso8601.year().month().dateSeparator(.dash)).prefix(7))
            let report = try await supervisor.execute(uri: "/v1/reports/monthly?month=\(month)&department=amr", method: .get)
                .decoded(MonthlyReport.self)
            #expect(report.totals.completed == 1 && report.totals.received == 2)
            #expect(report.totals.ratings["dissatisfied"] == 1)

            // Revoked, the key opens nothing.
            try application.departments.revoke(id: "amr", now: Date())
            #expect(try await get(client, "/v1/departments/amr/filings", key: amr).status == .unauthorized)
        }
    }
}
