import Access
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KioskApp
import KioskConfig
import FormEngine
import KioskCore
@testable import KioskServer
import KioskTesting
import Logging
import Testing

/// A citizen's residence-permit filing driven through the HTTP API, as the touch UI does it.
@Suite("Filing endpoints")
struct FilingRoutesTests {
    let installation: TestInstallation
    let application: KioskApplication

    init() async throws {
        installation = try TestInstallation()
        application = try await KioskApplication.onTestInstallation(installation)
    }

    static let idNumber: String = {
        let first17 = "11010519900517001"
        return first17 + String(ResidentIDNumber.checkCharacter(forFirst17: first17)!)
    }()

    /// The answer to a submission: the filing, and what became of its receipt.
    struct Submitted: Decodable {
        let reference: String
        let receipt: PrintOutcome?
    }

    func body(_ json: String) -> ByteBuffer { ByteBuffer(string: json) }

    func technician(_ client: some TestClientProtocol) async throws -> HTTPFields {
        [.authorization: try await application.bearer(client, role: .technician)]
    }

    @Test func formsAreListed() async throws {
        try await application.makeHTTPServer().test(.router) { client in
            let response = try await client.execute(uri: "/v1/forms", method: .get)
            #expect(response.status == .ok)
            #expect(try response.decoded([FormSummary].self).map(\.id).contains("residence-permit"))
        }
    }

    @Test func aCitizenFilesAResidencePermit() async throws {
        try await application.makeHTTPServer().test(.router) { client in
            let started = try await client.execute(uri: "/v1/sessions", method: .post, body: body(#"{"formId":"residence-permit"}"#))
            #expect(started.status == .created)
            let session = try started.decoded(SessionView.self)
            let id = session.sessionId
            #expect(session.screen?.stepId == "applicant")

            // A second citizen cannot start while this session is active.
            let second = try await client.execute(uri: "/v1/sessions", method: .post, body: body(#"{"formId":"residence-permit"}"#))
            #expect(second.status == .conflict)
            #expect(try second.decoded(Problem.self).code == "sessionActive")

            func answer(_ field: String, _ value: String) async throws {
                let response = try await client.execute(uri: "/v1/sessions/\(id)/answers/\(field)", method: .put, body: body(#"{"value":\#(value)}"#))
                #expect(response.status == .ok, "answer \(field)")
            }
            try await answer("name", #""测试""#)
            try await answer("idNumber", "\"\(Self.idNumber)\"")
            try await answer("birthDate", #""1990-05-17""#)
            try await answer("hukouAddress", #""北京市西城区""#)

            // Every missing answer of the step is told at once, in both languages.
            let refused = try await client.execute(uri: "/v1/sessions/\(id)/next", method: .post)
            #expect(refused.status == .unprocessableContent)
            let problem = try refused.decoded(Problem.self)
            #expect(problem.code == "validationFailed")
            #expect(try #require(problem.validation).errors.map(\.fieldPath) == ["mobile"])

            try await answer("mobile", #""13812345678""#)
            let moved = try await client.execute(uri: "/v1/sessions/\(id)/next", method: .post)
            #expect(try moved.decoded(SessionView.self).screen?.stepId == "residence")

            try await answer("residenceDistrict", #""chaoyang""#)
            try await answer("residenceSubdistrict", #""jianwai""#)
            try await answer("residenceAddress", #"{"region":"110105","detail":"朝阳路1号"}"#)
            try await answer("residenceSince", #""2020-01-01""#)
            try await answer("housing", #""owned""#)
            _ = try await client.execute(uri: "/v1/sessions/\(id)/next", method: .post)
            try await answer("grounds", #""employment""#)
            try await answer("employerName", #""某某科技有限公司""#)
            _ = try await client.execute(uri: "/v1/sessions/\(id)/next", method: .post)
            let review = try await client.execute(uri: "/v1/sessions/\(id)/next", method: .post)
            #expect(try review.decoded(SessionView.self).position == "review")

            // The materials notice lists everything still missing, all at once.
            let notice = try await client.execute(uri: "/v1/sessions/\(id)/materials", method: .get).decoded(MaterialsNotice.self)
            let missing = notice.missing.map(\.materialID)
            #expect(missing == ["idCard", "photo", "propertyCertificate", "laborContract"])

            let version = try #require(application.forms.forms["residence-permit"]?.materials
                .first { $0.id == "propertyCertificate" }?.commitment?.textVersion)
            for (material, status) in [("idCard", #""provided""#), ("photo", #""provided""#),
                                       ("propertyCertificate", #""committed","textVersion":"\#(version)""#), ("laborContract", #""deferred""#)] {
                let response = try await client.execute(
                    uri: "/v1/sessions/\(id)/materials/\(material)", method: .post, body: body(#"{"status":\#(status)}"#))
                #expect(response.status == .ok, "\(material) \(status)")
            }
            let declaration = try await client.execute(uri: "/v1/sessions/\(id)/review/confirm", method: .post)
            #expect(try declaration.decoded(SessionView.self).position == "declaration")

            let submitted = try await client.execute(uri: "/v1/sessions/\(id)/submit", method: .post, body: body(#"{"acceptDeclaration":true}"#))
            #expect(submitted.status == .created)
            let filing = try submitted.decoded(Submitted.self)
            let reference = filing.reference
            #expect(reference.hasPrefix("S01-"))
            #expect(reference.hasSuffix("-0001"))
            #expect(try application.store.filing(reference: reference)?.formID == "residence-permit")
            // The receipt went to the simulated printer, and a kept job can be printed again.
            let receipt = try #require(filing.receipt)
            #expect(receipt.state == .printed)
            let jobID = try #require(receipt.jobId)
            let keyed: HTTPFields = [HTTPField.Name("Idempotency-Key")!: "reprint-1"]
            let reprinted = try await client.execute(uri: "/v1/print-jobs/\(jobID)/reprint", method: .post, headers: keyed)
            #expect(reprinted.status == .ok)
            #expect(try reprinted.decoded(PrintOutcome.self).state == .printed)
            #expect(try await client.execute(uri: "/v1/print-jobs/\(UUID().uuidString)/reprint", method: .post,
                                             headers: [HTTPField.Name("Idempotency-Key")!: "reprint-2"]).status == .notFound)

            // The technician reads the receipt back from the kept job: the reference, the QR
            // code as a marker (the generic profile has no native QR, so a raster image), the
            // ID number only masked.
            let preview = try await client.execute(uri: "/v1/devices/printer-simulated/last-receipt", method: .get, headers: try await technician(client))
            #expect(preview.status == .ok)
            #expect(preview.headers[.contentType] == "text/plain; charset=utf-8")
            #expect(preview.headers[HTTPField.Name("Kiosk-Print-Job")!] == jobID)
            #expect(preview.headers[HTTPField.Name("Kiosk-Print-Job-State")!] == "printed")
            let text = String(buffer: preview.body)
            let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            #expect(lines.contains { $0.hasPrefix("[image ") && $0.hasSuffix(" dots]") })
            #expect(lines.contains { $0.hasPrefix("受理编号") && $0.hasSuffix(reference) })
            #expect(text.contains(String(Self.idNumber.prefix(6)) + "********" + String(Self.idNumber.suffix(4))))
            #expect(!text.contains(Self.idNumber))
            #expect(text.contains("居住证"))

            // Ending the session forgets it.
            #expect(try await client.execute(uri: "/v1/sessions/\(id)", method: .delete).status == .noContent)
            let gone = try await client.execute(uri: "/v1/sessions/\(id)", method: .get)
            #expect(gone.status == .notFound)
            #expect(try gone.decoded(Problem.self).code == "sessionNotFound")
        }
    }

    /// The 一次性告知书 is printed like a receipt: stored first, kept when the printer fails,
    /// reprinted once it is fixed.
    @Test func theMaterialsNoticeIsPrintedKeptAndReprintable() async throws {
        try await application.makeHTTPServer().test(.router) { client in
            // Signed in once, before the session starts: a sign-in is slow on purpose.
            let technician = try await technician(client)
            let id = try await client.execute(
                uri: "/v1/sessions", method: .post, body: body(#"{"formId":"residence-permit"}"#)).decoded(SessionView.self).sessionId
            #expect(try await client.execute(uri: "/v1/sessions/nope/materials/notice", method: .post).status == .notFound)

            let printed = try await client.execute(uri: "/v1/sessions/\(id)/materials/notice", method: .post)
            #expect(printed.status == .created)
            let answer = try printed.decoded(PrintedNotice.self)
            let missing = answer.notice.missing
            let names = missing.map(\.name.zh)
            #expect(!names.isEmpty)
            #expect(answer.receipt.state == .printed)
            let jobID = try #require(answer.receipt.jobId)

            let preview = try await client.execute(uri: "/v1/devices/printer-simulated/last-receipt", method: .get, headers: technician)
            #expect(preview.headers[HTTPField.Name("Kiosk-Print-Job")!] == jobID)
            let text = String(buffer: preview.body).filter { $0 != "\n" && $0 != " " }
            #expect(text.contains("一次性告知书"))
            #expect(text.contains("居住证申领") || text.contains("居住证"))
            for name in names { #expect(text.contains(name.filter { $0 != " " }), "\(name)") }

            // Out of paper: the notice fails, is kept, and prints once paper is loaded.
            _ = try await client.execute(uri: "/v1/simulator/printer", method: .post, headers: technician, body: body(#"{"paper":"out"}"#))
            let failedReceipt = try await client.execute(uri: "/v1/sessions/\(id)/materials/notice", method: .post)
                .decoded(PrintedNotice.self).receipt
            #expect(failedReceipt.state == .failed)
            #expect(failedReceipt.reason == "paperOut")
            let keptID = try #require(failedReceipt.jobId)
            _ = try await client.execute(uri: "/v1/simulator/printer", method: .post, headers: technician, body: body(#"{"paper":"ok"}"#))
            let reprinted = try await client.execute(uri: "/v1/print-jobs/\(keptID)/reprint", method: .post,
                                                     headers: [HTTPField.Name("Idempotency-Key")!: "notice-reprint"])
            #expect(try reprinted.decoded(PrintOutcome.self).state == .printed)

            // Every material provided: nothing to tell.
            for material in missing.map(\.materialID) {
                _ = try await client.execute(
                    uri: "/v1/sessions/\(id)/materials/\(material)", method: .post, body: body(#"{"status":"provided"}"#))
            }
            let complete = try await client.execute(uri: "/v1/sessions/\(id)/materials/notice", method: .post)
            #expect(complete.status == .conflict)
            #expect(try complete.decoded(Problem.self).code == "noMaterialsMissing")
        }
    }

    @Test func badRequestsGetStableCodes() async throws {
        try await application.makeHTTPServer().test(.router) { client in
            let unknownForm = try await client.execute(uri: "/v1/sessions", method: .post, body: body(#"{"formId":"no-such"}"#))
            #expect(unknownForm.status == .notFound)
            #expect(try unknownForm.decoded(Problem.self).code == "formNotFound")

            let unknownKey = try await client.execute(uri: "/v1/sessions", method: .post, body: body(#"{"formId":"residence-permit","x":1}"#))
            #expect(unknownKey.status == .badRequest)
            #expect(try unknownKey.decoded(Problem.self).code == "unknownField")

            let notJSON = try await client.execute(uri: "/v1/sessions", method: .post, body: body("{nope"))
            #expect(notJSON.status == .badRequest)
            #expect(try notJSON.decoded(Problem.self).code == "badRequest")

            let id = try await client.execute(uri: "/v1/sessions", method: .post, body: body(#"{"formId":"residence-permit"}"#))
                .decoded(SessionView.self).sessionId
            let wrongField = try await client.execute(uri: "/v1/sessions/\(id)/answers/housing", method: .put, body: body(#"{"value":"owned"}"#))
            #expect(wrongField.status == .unprocessableContent)
            #expect(try wrongField.decoded(Problem.self).code == "fieldNotOnStep")
            let back = try await client.execute(uri: "/v1/sessions/\(id)/back", method: .post)
            #expect(back.status == .conflict)
            #expect(try back.decoded(Problem.self).code == "noPreviousStep")
        }
    }
}

@Suite("Drafts")
struct DraftRoutesTests {
    @Test func savedDraftResumesOnlyWithTheSameIDNumber() async throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        let application = try await KioskApplication.onTestInstallation(installation)
        try await application.makeHTTPServer().test(.router) { client in
            let id = try await client.execute(
                uri: "/v1/sessions", method: .post, body: ByteBuffer(string: #"{"formId":"residence-permit"}"#)).decoded(SessionView.self).sessionId
            _ = try await client.execute(uri: "/v1/sessions/\(id)/answers/mobile", method: .put, body: ByteBuffer(string: #"{"value":"13812345678"}"#))

            let badNumber = try await client.execute(uri: "/v1/sessions/\(id)/draft", method: .post, body: ByteBuffer(string: #"{"idNumber":"123"}"#))
            #expect(badNumber.status == .badRequest)
            #expect(try badNumber.decoded(Problem.self).code == "invalidIdNumber")

            let saved = try await client.execute(
                uri: "/v1/sessions/\(id)/draft", method: .post, body: ByteBuffer(string: #"{"idNumber":"\#(FilingRoutesTests.idNumber)"}"#))
            #expect(saved.status == .created)
            let code = try #require(try saved.decoded([String: String].self)["code"])
            // Saving ended the session: nothing of it is left on the terminal.
            #expect(try await client.execute(uri: "/v1/sessions/\(id)", method: .get).status == .notFound)

            let other = "110101198001010010"
            let wrong = try await client.execute(
                uri: "/v1/drafts/resume", method: .post, body: ByteBuffer(string: #"{"code":"\#(code)","idNumber":"\#(other)"}"#))
            #expect(wrong.status == .notFound)
            #expect(try wrong.decoded(Problem.self).code == "draftNotFound")

            let resumed = try await client.execute(
                uri: "/v1/drafts/resume", method: .post,
                body: ByteBuffer(string: #"{"code":"\#(code.lowercased())","idNumber":"\#(FilingRoutesTests.idNumber)"}"#))
            #expect(resumed.status == .created)
            let fields = try #require(try resumed.decoded(SessionView.self).screen?.fields)
            #expect(fields.first { $0.id == "mobile" }?.value == .string("13812345678"))
            // A draft is taken out when resumed.
            let again = try await client.execute(
                uri: "/v1/drafts/resume", method: .post, body: ByteBuffer(string: #"{"code":"\#(code)","idNumber":"\#(FilingRoutesTests.idNumber)"}"#))
            #expect(again.status == .notFound)
        }
    }
}
