import AsyncHTTPClient
import Filings
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Hosting
@testable import DepartmentSystems
@testable import KioskApp
import KioskCore
@testable import KioskServer
import KioskTesting
import Logging
import Secrets
@testable import Storage
import Testing

/// `kiosk secrets rotate` moves the filing lifecycle to the new key as well: the sealed records
/// and their applicants' ID hashes (a card still finds its filings), and the departments' sealed
/// webhook secrets (a department's receiver still verifies what it is sent).
@Suite("Key rotation and the filing lifecycle")
struct KeyRotationLifecycleTests {
    @Test func afterARotationTheCardFindsItsFilingsAndWebhooksStillVerify() async throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        let application = try await KioskApplication.onTestInstallation(installation)
        let issued = try application.departments.add(id: "amr", name: "市场监管局", webhookURL: "http://127.0.0.1:9/", now: Date())
        let receiver = try await WebhookReceiver(secret: try #require(issued.webhookSecret))
        defer { receiver.stop() }
        try #require(receiver.port > 0)
        try await application.store.pool.write { db in
            try db.execute(sql: "UPDATE department SET webhook_url = ? WHERE id = 'amr'", arguments: [receiver.url])
        }
        let reference = try await DepartmentInterfaceTests.file(application, department: "amr")
        // One whose answers have already left the terminal (retention): only the record's masked
        // number is left to find the applicant again.
        let forgotten = try await DepartmentInterfaceTests.file(application, department: "amr")
        try await application.store.pool.write { db in
            try db.execute(sql: "DELETE FROM filing WHERE reference = ?", arguments: [forgotten])
        }

        // What `kiosk secrets rotate` does, with the server stopped.
        let directory = TerminalSecrets.directory(application.configuration)
        let master = SecretKey.random()
        try directory.stage(master)
        let report = try application.store.rotate(to: TerminalKeys(terminal: master, district: nil), now: Date())
        try directory.promoteStaged()
        #expect(report.filings == 2 && report.filingsUnmatched == 0)
        #expect(report.webhookSecrets == 1)
        // The API key was kept only as a MAC under the old key: it cannot move, and the rotation says so.
        #expect(report.departmentKeysVoided == 1)

        let rotated = try await KioskApplication.onTestInstallation(installation)
        #expect(rotated.store.keys.fingerprint == master.fingerprint)
        await rotated.devices.cards.present(.init(facts: IDCardFacts(documentNumber: DepartmentInterfaceTests.idNumber), summary: .init(
            cardType: "resident", maskedNumber: "110105********0021", failedChecks: [])))
        try await Application(router: KioskRoutes.router(rotated.serverDependencies)).test(.router) { client in
            let byCard = try await client.execute(uri: "/v1/progress/lookup", method: .post, headers: [.contentType: "application/json"],
                                                  body: ByteBuffer(string: #"{"useCard":true}"#))
            #expect(byCard.status == .ok)
            let found = try byCard.decoded([ProgressView].self).map(\.progress.reference)
            #expect(Set(found) == [reference, forgotten])
            let typed = try await client.execute(
                uri: "/v1/progress/lookup", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"reference":"\#(reference)","idNumber":"\#(DepartmentInterfaceTests.idNumber)"}"#))
            #expect(typed.status == .ok)
        }

        // The webhook secret the department holds still signs what it is sent.
        let pusher = WebhookPusher(departments: rotated.departments, ledger: rotated.filingLedger, timeout: .seconds(5),
                                   logger: Logger(label: "test"))
        #expect(await pusher.round() == 2)
        let seen = try await receiver.deliveries()
        #expect(seen.verified.map(\.reference) == [reference, forgotten])
        #expect(seen.verified.map(\.hasAnswers) == [true, false])
        #expect(seen.rejected == 0)
    }
}
