import Access
import Foundation
import Hummingbird
import HummingbirdTesting
import KioskApp
import KioskConfig
@testable import KioskServer
import KioskTesting
import Logging
import Testing

@Suite("Roles, sign-in and staff overrides")
struct AccessRoutesTests {
    let installation: TestInstallation
    let application: KioskApplication

    init() async throws {
        installation = try TestInstallation()
        application = try await KioskApplication.onTestInstallation(installation)
    }

    func object(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
    }

    /// Every endpoint the server registers declares who may call it, and the declaration names
    /// no endpoint that does not exist. Adding a route without its roles fails here.
    @Test func everyEndpointDeclaresItsRoles() throws {
        let router = KioskRoutes.router(application.serverDependencies)
        let registered = router.routes.map { Endpoint($0.method.rawValue, $0.path.description) }
        #expect(registered.count > 40)
        #expect(KioskRoutes.policy.undeclared(registered) == [])
        #expect(KioskRoutes.policy.unregistered(registered) == [])
    }

    @Test func forgedExpiredAndWrongTokensAreRefused() async throws {
        try await application.makeHTTPServer().test(.router) { client in
            let wrongPIN = try await client.execute(
                uri: "/v1/staff/sign-in", method: .post, body: ByteBuffer(string: #"{"number":"nobody","pin":"4826"}"#))
            #expect(wrongPIN.status == .unauthorized)
            #expect(try wrongPIN.decoded(Problem.self).code == "signInFailed")

            let forged = try await client.execute(
                uri: "/v1/devices/printer-simulated/statistics", method: .get, headers: [.authorization: "Bearer kt1.e30.AAAA"])
            #expect(forged.status == .unauthorized)
            let notBearer = try await client.execute(uri: "/v1/forms", method: .get, headers: [.authorization: "Basic eDp5"])
            #expect(notBearer.status == .unauthorized)
            #expect(try notBearer.decoded(Problem.self).code == "tokenMalformed")

            let bearer = try await application.bearer(client, role: .staff)
            #expect(try await client.execute(uri: "/v1/staff/sign-out", method: .post, headers: [.authorization: bearer]).status == .noContent)
            let revoked = try await client.execute(uri: "/v1/queue", method: .get, headers: [.authorization: bearer])
            #expect(revoked.status == .unauthorized)
            #expect(try revoked.decoded(Problem.self).code == "tokenRevoked")
        }
    }

    @Test func staffSkipAStepWithAReasonAndTheLogSaysSo() async throws {
        try await application.makeHTTPServer().test(.router) { client in
            let started = try object(try await client.execute(
                uri: "/v1/sessions", method: .post, body: ByteBuffer(string: #"{"formId":"residence-permit"}"#)))
            let id = try #require(started["sessionId"] as? String)

            let citizen = try await client.execute(
                uri: "/v1/sessions/\(id)/overrides/skipStep", method: .post, body: ByteBuffer(string: #"{"reasonCode":"citizenCannotAnswer"}"#))
            #expect(citizen.status == .unauthorized)

            let staff: HTTPFields = [.authorization: try await application.bearer(client, role: .staff)]
            let noReason = try await client.execute(
                uri: "/v1/sessions/\(id)/overrides/skipStep", method: .post, headers: staff, body: ByteBuffer(string: #"{"reasonCode":"because"}"#))
            #expect(noReason.status == .unprocessableContent)
            #expect(try noReason.decoded(Problem.self).code == "unknownOverrideReason")

            let reason = try #require(OverrideReasons.standard.reasons.first { !$0.requiresNote }?.code)
            let skipped = try await client.execute(
                uri: "/v1/sessions/\(id)/overrides/skipStep", method: .post, headers: staff,
                body: ByteBuffer(string: #"{"reasonCode":"\#(reason)","note":"helped at the counter"}"#))
            #expect(skipped.status == .ok)
            #expect((try object(skipped)["screen"] as? [String: Any])?["stepId"] as? String == "residence")

            let records = try await application.access.auditRecords()
            #expect(records.contains { $0.action == "override.skipStep" })
            #expect(try await application.access.verifyAudit().firstBreak == nil)
        }
    }

    /// Take-over, a material seen on paper, and hand-back: each with a reason, each in the
    /// session and the audit log; a core material cannot be approved for 容缺.
    @Test func takeOverPaperMaterialAndHandBackAreRecorded() async throws {
        try await application.makeHTTPServer().test(.router) { client in
            let started = try object(try await client.execute(
                uri: "/v1/sessions", method: .post, body: ByteBuffer(string: #"{"formId":"residence-permit"}"#)))
            let id = try #require(started["sessionId"] as? String)
            let staff: HTTPFields = [.authorization: try await application.bearer(client, role: .staff)]
            func override(_ action: String, _ json: String) async throws -> TestResponse {
                try await client.execute(uri: "/v1/sessions/\(id)/overrides/\(action)", method: .post, headers: staff,
                                         body: ByteBuffer(string: json))
            }
            #expect(try await override("takeOverSession", #"{"reasonCode":"citizenAssisted"}"#).status == .ok)
            #expect(try await override("markMaterialReceivedOnPaper", #"{"reasonCode":"paperMaterialChecked","material":"idCard"}"#).status == .ok)
            let core = try await override("approveDeferredMaterial", #"{"reasonCode":"deferredMaterialCommitment","material":"idCard"}"#)
            #expect(core.status == .unprocessableContent)
            #expect(try await override("handBackSession", #"{"reasonCode":"citizenAssisted"}"#).status == .ok)
            let again = try await override("handBackSession", #"{"reasonCode":"citizenAssisted"}"#)
            #expect(again.status == .conflict)
            #expect(try again.decoded(Problem.self).code == "sessionNotTakenOver")
            let unknown = try await override("becomeCitizen", #"{"reasonCode":"citizenAssisted"}"#)
            #expect(unknown.status == .notFound)

            let overrides = try await application.sessions.read(id) { $0.overrides }
            #expect(overrides.map(\.kind) == [.takeOver, .materialReceivedOnPaper, .handBack])
            #expect(overrides.allSatisfy { $0.authorisation.staffID == "T-staff" && $0.authorisation.at != nil })
            #expect(overrides[1].materialID == "idCard")
            let actions = try await application.access.auditRecords().map(\.action)
            #expect(actions.contains("override.takeOverSession"))
            #expect(actions.contains("override.markMaterialReceivedOnPaper"))
            #expect(actions.contains("override.handBackSession"))
        }
    }

    /// A sign-in beyond the terminal's rate is refused before any PIN is checked. The clock
    /// stands still here: on a loaded machine each refused PIN takes seconds.
    @Test func signInIsRateLimitedPerTerminal() async throws {
        var dependencies = application.serverDependencies
        let frozen = Date()
        dependencies.access.now = { frozen }
        dependencies.access.rateLimiter = RateLimiter(["signIn": .perMinute(3)])
        try await Application(router: KioskRoutes.router(dependencies)).test(.router) { client in
            for attempt in 1...3 {
                let refused = try await client.execute(
                    uri: "/v1/staff/sign-in", method: .post, body: ByteBuffer(string: #"{"number":"nobody","pin":"0000"}"#))
                #expect(refused.status == .unauthorized, "attempt \(attempt)")
            }
            let limited = try await client.execute(
                uri: "/v1/staff/sign-in", method: .post, body: ByteBuffer(string: #"{"number":"nobody","pin":"0000"}"#))
            #expect(limited.status == .tooManyRequests)
            #expect(try limited.decoded(Problem.self).code == "rateLimited")
            #expect(limited.headers[.retryAfter] == "20")
            let failures = try await application.access.auditRecords().filter { $0.action == "staff.signInFailed" }
            #expect(failures.count == 3)
        }
    }
}
