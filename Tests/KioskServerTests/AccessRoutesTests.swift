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
            // Signed in first: a PIN check waits behind every other test's, and a session started
            // before it could end of inactivity meanwhile on a loaded machine.
            let staff: HTTPFields = [.authorization: try await application.bearer(client, role: .staff)]
            let id = try await client.execute(
                uri: "/v1/sessions", method: .post, body: ByteBuffer(string: #"{"formId":"residence-permit"}"#)).decoded(SessionView.self).sessionId

            let citizen = try await client.execute(
                uri: "/v1/sessions/\(id)/overrides/skipStep", method: .post, body: ByteBuffer(string: #"{"reasonCode":"citizenCannotAnswer"}"#))
            #expect(citizen.status == .unauthorized)

            let noReason = try await client.execute(
                uri: "/v1/sessions/\(id)/overrides/skipStep", method: .post, headers: staff, body: ByteBuffer(string: #"{"reasonCode":"because"}"#))
            #expect(noReason.status == .unprocessableContent)
            #expect(try noReason.decoded(Problem.self).code == "unknownOverrideReason")

            let reason = try #require(OverrideReasons.standard.reasons.first { !$0.requiresNote }?.code)
            let skipped = try await client.execute(
                uri: "/v1/sessions/\(id)/overrides/skipStep", method: .post, headers: staff,
                body: ByteBuffer(string: #"{"reasonCode":"\#(reason)","note":"helped at the counter"}"#))
            #expect(skipped.status == .ok)
            #expect(try skipped.decoded(SessionView.self).screen?.stepId == "residence")

            let records = try await application.access.auditRecords()
            #expect(records.contains { $0.action == "override.skipStep" })
            #expect(try await application.access.verifyAudit().firstBreak == nil)
        }
    }

    /// Take-over, a material seen on paper, and hand-back: each with a reason, each in the
    /// session and the audit log; a core material cannot be approved for 容缺.
    @Test func takeOverPaperMaterialAndHandBackAreRecorded() async throws {
        try await application.makeHTTPServer().test(.router) { client in
            // Signed in first, as above.
            let staff: HTTPFields = [.authorization: try await application.bearer(client, role: .staff)]
            let id = try await client.execute(
                uri: "/v1/sessions", method: .post, body: ByteBuffer(string: #"{"formId":"residence-permit"}"#)).decoded(SessionView.self).sessionId
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

            let overrides = try await application.sessions.read(id) { session, _ in session.overrides }
            #expect(overrides.map(\.kind) == [.takeOver, .materialReceivedOnPaper, .handBack])
            #expect(overrides.allSatisfy { $0.authorisation.staffID == "T-staff" && $0.authorisation.at != nil })
            #expect(overrides[1].materialID == "idCard")
            let actions = try await application.access.auditRecords().map(\.action)
            #expect(actions.contains("override.takeOverSession"))
            #expect(actions.contains("override.markMaterialReceivedOnPaper"))
            #expect(actions.contains("override.handBackSession"))
        }
    }

    /// Failing sign-ins beyond the terminal's budget (`[limits] sign_in_per_minute` accounts a
    /// minute) are refused before any PIN is checked, and so is a number inside its delay; both
    /// say how long to wait. The clock stands still here: on a loaded machine each PIN takes seconds.
    @Test func signInIsLimitedPerTerminalAndPerNumber() async throws {
        let installation = try TestInstallation(config: "[limits]\nsign_in_per_minute = 3\n")
        defer { installation.remove() }
        let application = try await KioskApplication.onTestInstallation(installation)
        var dependencies = application.serverDependencies
        // A whole second: the store keeps times as seconds since 1970 in a Double, and a time
        // read back an ulp later made the one-second delay's Retry-After "2" now and then.
        let frozen = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded())
        dependencies.access.now = { frozen }
        @Sendable func signIn(_ client: any TestClientProtocol, _ number: String) async throws -> TestResponse {
            try await client.execute(uri: "/v1/staff/sign-in", method: .post, body: ByteBuffer(string: #"{"number":"\#(number)","pin":"0000"}"#))
        }
        try await Application(router: KioskRoutes.router(dependencies)).test(.router) { client in
            for number in ["nobody-1", "nobody-2", "nobody-3"] {
                #expect(try await signIn(client, number).status == .unauthorized, "\(number)")
            }
            let limited = try await signIn(client, "nobody-4")
            #expect(limited.status == .tooManyRequests)
            #expect(try limited.decoded(Problem.self).code == "signInRateLimited")
            #expect(limited.headers[.retryAfter] == "20")
            let delayed = try await signIn(client, "nobody-1")
            #expect(delayed.status == .tooManyRequests)
            #expect(try delayed.decoded(Problem.self).code == "signInDelayed")
            #expect(delayed.headers[.retryAfter] == "1")
            let failures = try await application.access.auditRecords().filter { $0.action == "staff.signInFailed" }
            #expect(failures.count == 3)
        }
    }
}
