import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import KioskApp
@testable import KioskServer
import KioskTesting
import Testing

/// What the touch UI's progress screen and filing desk draw, over HTTP and checked against
/// docs/openapi.yaml: the citizen's history of a filing (days and steps, never who at the window),
/// the materials the window checks on paper, the department the desk filters by.
@Suite("Citizen progress and the filing desk")
struct CitizenProgressTests {
    @Test func theCitizenSeesTheHistoryOfTheirFilingAndTheWindowItsMaterials() async throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        let application = try await KioskApplication.onTestInstallation(installation)
        let reference = try await DepartmentInterfaceTests.file(application, department: "amr")
        let identity = #""idNumber":"\#(DepartmentInterfaceTests.idNumber)""#
        try await Application(router: KioskRoutes.router(application.serverDependencies)).test(.router) { base in
            let client = DocumentedClient(base: base, document: try OpenAPIDocument.load())
            let staff = try await application.signedIn(client, role: .staff)
            let post = { (path: String, body: String) in
                try await staff.execute(uri: "/v1/filings/\(reference)/\(path)", method: .post, headers: [.contentType: "application/json"],
                                        body: ByteBuffer(string: body))
            }

            // The window sees what to check on paper, and the applicant only masked.
            let detail = try await staff.execute(uri: "/v1/filings/\(reference)", method: .get).decoded(FilingDetailView.self)
            let materials = try #require(detail.materials)
            #expect(materials.map(\.materialID) == ["proof"])
            #expect(materials.map(\.status) == [.provided])
            #expect(detail.applicantMasked == "110105********" + DepartmentInterfaceTests.idNumber.suffix(4))

            for (step, body) in [("accept", #"{"window":"B2"}"#), ("start", "{}"),
                                 ("complete", #"{"outcome":"approved","document":"许可证","collectAt":"B2"}"#)] {
                #expect(try await post(step, body).status == .ok, "\(step)")
            }

            let lookup = try await client.execute(uri: "/v1/progress/lookup", method: .post, headers: [.contentType: "application/json"],
                                                  body: ByteBuffer(string: #"{"reference":"\#(reference)",\#(identity)}"#))
            #expect(lookup.status == .ok)
            let found = try #require(try lookup.decoded([ProgressView].self).first)
            // Accepted at once: the window received it then too.
            #expect(found.history.map(\.event) == ["submitted", "received", "accepted", "completed"])
            // All of it on the day of submission (the hall's day).
            #expect(found.history.allSatisfy { $0.on == found.progress.submittedOn })
            // Who worked it at the window is the supervision post's business, not the screen's.
            let text = String(buffer: lookup.body)
            #expect(!text.contains("T-staff") && !text.contains("\"by\""))

            let rated = try await client.execute(uri: "/v1/filings/\(reference)/rating", method: .post, headers: [.contentType: "application/json"],
                                                 body: ByteBuffer(string: #"{"grade":"dissatisfied","reasons":["slowProcessing"],\#(identity)}"#))
            #expect(rated.status == .created)
            let after = try rated.decoded(ProgressView.self)
            #expect(after.history.last?.event == "rated")
            #expect(after.progress.rating == .dissatisfied)
        }
    }

    @Test func theFormListNamesEachFormsDepartment() async throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        let application = try await KioskApplication.onTestInstallation(installation)
        try await Application(router: KioskRoutes.router(application.serverDependencies)).test(.router) { base in
            let client = DocumentedClient(base: base, document: try OpenAPIDocument.load())
            let forms = try await client.execute(uri: "/v1/forms", method: .get).decoded([FormSummary].self)
            #expect(!forms.isEmpty)
            #expect(forms.allSatisfy { !$0.departmentId.isEmpty })
        }
    }
}
