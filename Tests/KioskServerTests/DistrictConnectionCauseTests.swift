import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import KioskApp
import KioskCore
import KioskServer
import KioskTesting
import Testing

/// A district integrator gets the URL slightly wrong: every connection failure used to read like
/// the citizen's "please try again later". Against a real private PostgreSQL, the technician's
/// views now name the cause; the citizen's message does not change.
@Suite("District connection failures name their cause")
struct DistrictConnectionCauseTests {
    /// `days` from today in the hall's zone, `YYYY-MM-DD`.
    static func day(_ days: Int) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "Asia/Shanghai")!
        let date = calendar.date(byAdding: .day, value: days, to: Date())!
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
    }

    @Test(arguments: [
        ("nosuchdb", "kiosk", "databaseMissing", "has no database nosuchdb; create it (createdb nosuchdb), then run kiosk db migrate"),
        ("kiosk", "intruder", "authenticationFailed", "refused user intruder (SQLSTATE 28000: role \"intruder\" does not exist)"),
    ])
    func theTechnicianSeesTheCauseTheCitizenDoesNot(database: String, user: String, cause: String, reason: String) async throws {
        try await PrivatePostgres.withPrivate { cluster in
            let url = "postgres://\(user)@127.0.0.1:\(cluster.port)/\(database)"
            let installation = try TestInstallation(config: "database = \"\(url)\"\n" + BookingRoutesTests.config)
            defer { installation.remove() }
            let application = try await KioskApplication.onTestInstallation(installation)
            let district = try #require(application.district)
            let runner = Task { await district.run() }
            defer { runner.cancel() }
            let document = try OpenAPIDocument.load()
            try await application.makeHTTPServer().test(.router) { base in
                let client = DocumentedClient(base: base, document: document)
                let technician = try await application.signedIn(client, role: .technician)
                let status = try await technician.execute(uri: "/v1/district", method: .get).decoded(DistrictStatus.self)
                #expect(status.state == "unreachable")
                #expect(status.cause == cause)
                #expect(status.reason?.en.contains(reason) == true, "\(status)")

                let ready = try await client.execute(uri: "/readyz", method: .get).decoded(ReadinessReport.self)
                let component = ready.components.first { $0.name == "district" }
                #expect(component?.warnings?.first?.hasPrefix("district store unreachable (\(cause)): ") == true)

                // The citizen at the screen reads what they always read.
                let slots = try await client.execute(
                    uri: "/v1/services/hukou/slots?from=\(Self.day(1))&to=\(Self.day(10))", method: .get)
                #expect(slots.status == .serviceUnavailable)
                let problem = try slots.decoded(Problem.self)
                #expect(problem.code == "districtStoreUnavailable")
                #expect(problem.detail == DistrictStoreUnavailable().message.en)
                #expect(!problem.detail.contains(cause))
            }
        }
    }
}
