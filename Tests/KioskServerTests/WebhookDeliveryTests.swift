import AsyncHTTPClient
import Filings
import Foundation
@testable import DepartmentSystems
@testable import KioskApp
import KioskServer
import KioskTesting
import Logging
import NIOCore
@testable import Storage
import Synchronization
import Testing

/// A department's webhook receiver on loopback (Tests/webhooks/receiver.py), which verifies
/// every delivery with the Standard Webhooks reference library from PyPI, not with our code.
final class WebhookReceiver: Sendable {
    let process: ChildProcess
    let port: Int

    /// Starts receiver.py, on a thread of its own: the first start on a machine installs the
    /// reference library from PyPI, a wait too long for the cooperative pool's thread.
    init(secret: String) async throws {
        (process, port) = try await offPool { try Self.launch(secret: secret) }
    }

    private static func launch(secret: String) throws -> (ChildProcess, Int) {
        let repository = TestInstallation.repository.path
        let finder = ChildProcess()
        finder.executableURL = URL(fileURLWithPath: repository + "/Tests/webhooks/python.sh")
        let found = Pipe()
        finder.standardOutput = found
        try finder.run()
        let python = String(decoding: found.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        finder.waitUntilExit()
        #expect(finder.terminationStatus == 0, "Tests/webhooks/python.sh could not install standardwebhooks")
        let process = ChildProcess()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [repository + "/Tests/webhooks/receiver.py", "--secret", secret]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var line = Data()
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            line += chunk
        }
        return (process, Int(String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0)
    }

    var url: String { "http://127.0.0.1:\(port)/hooks" }

    /// SIGKILL: the test process ignores SIGTERM (service-lifecycle's signal handling), and a
    /// child inherits an ignored signal.
    func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func mode(_ mode: String) async throws {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/mode")
        request.method = .POST
        request.body = .bytes(ByteBuffer(string: #"{"mode":"\#(mode)"}"#))
        _ = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
    }

    struct Deliveries: Decodable {
        struct Delivery: Decodable {
            let id: String
            let type: String
            let reference: String
            let change: String
            let hasAnswers: Bool
        }
        let verified: [Delivery]
        let rejected: Int
        let attempts: [String?]
    }

    func deliveries() async throws -> Deliveries {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)/deliveries"), timeout: .seconds(5))
        return try JSONDecoder().decode(Deliveries.self, from: Data(buffer: try await response.body.collect(upTo: 10 << 20)))
    }
}

/// Pushes to department systems: signed as Standard Webhooks 1.0 says (checked by its reference
/// library), retried with the same `webhook-id` across a receiver that fails, hangs and
/// recovers, in order, and given up to the dead-letter list after the retry window.
@Suite("Webhooks to department systems")
struct WebhookDeliveryTests {
    final class Clock: Sendable {
        let instant = Mutex(Date())
        var now: Date { instant.withLock { $0 } }
        func advance(_ seconds: TimeInterval) { instant.withLock { $0 = $0.addingTimeInterval(seconds) } }
    }

    @Test func deliveriesAreSignedRetriedWithTheSameIDAndDeadLetteredAfterTheirWindow() async throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        let application = try await KioskApplication.onTestInstallation(installation)
        // The URL is known once the receiver listens, and the receiver needs the secret: add with
        // a placeholder URL, start the receiver, then point the department at it.
        let issued = try application.departments.add(id: "amr", name: "市场监管局", webhookURL: "http://127.0.0.1:9/", now: Date())
        let receiver = try await WebhookReceiver(secret: try #require(issued.webhookSecret))
        defer { receiver.stop() }
        try #require(receiver.port > 0)
        try await application.store.pool.write { db in
            try db.execute(sql: "UPDATE department SET webhook_url = ? WHERE id = 'amr'", arguments: [receiver.url])
        }
        let clock = Clock()
        let pusher = WebhookPusher(departments: application.departments, ledger: application.filingLedger, timeout: .seconds(1),
                                   firstRetry: 5, longestWait: 60, retryWindow: 24 * 3600, now: { clock.now },
                                   logger: Logger(label: "test"))

        // Delivered in order, verified by the reference library, with the answers.
        let first = try await DepartmentInterfaceTests.file(application, department: "amr")
        let second = try await DepartmentInterfaceTests.file(application, department: "amr")
        _ = try await DepartmentInterfaceTests.file(application, department: "police")
        #expect(await pusher.round() == 2)
        var seen = try await receiver.deliveries()
        #expect(seen.verified.map(\.reference) == [first, second])
        #expect(seen.verified.allSatisfy { $0.type == "filing.changed" && $0.hasAnswers && $0.id == "kiosk_amr_\($0.change)" })
        #expect(seen.rejected == 0)
        #expect(await pusher.round() == 0)

        // The receiver's check can fail: a delivery signed with another secret is refused.
        let forger = WebhookSigner(secret: Data(repeating: 1, count: 32))
        let view = try #require(try await DepartmentFilingView.load(DepartmentChange(reference: first, change: 1), ledger: application.filingLedger,
                                                                      department: "amr"))
        await #expect(throws: WebhookRefused.self) { try await pusher.deliver(view, id: "forged", to: receiver.url, signer: forger) }
        #expect(try await receiver.deliveries().rejected == 1)

        // The receiver fails, then hangs: nothing is lost, nothing overtakes, the waits grow.
        try await receiver.mode("fail")
        let third = try await DepartmentInterfaceTests.file(application, department: "amr")
        let fourth = try await DepartmentInterfaceTests.file(application, department: "amr")
        #expect(await pusher.round() == 0)
        var target = try #require(try await application.departments.webhookTargets().first)
        #expect(target.attempts == 1 && abs((target.nextAttemptAt ?? .distantPast).timeIntervalSince(clock.now) - 5) < 0.01)
        #expect(await pusher.round() == 0)     // not yet due: no attempt
        #expect(try await application.departments.webhookTargets().first?.attempts == 1)
        clock.advance(6)
        try await receiver.mode("hang")
        #expect(await pusher.round() == 0)     // times out after 1 s
        target = try #require(try await application.departments.webhookTargets().first)
        #expect(target.attempts == 2 && abs((target.nextAttemptAt ?? .distantPast).timeIntervalSince(clock.now) - 10) < 0.01)
        clock.advance(11)
        try await receiver.mode("ok")
        #expect(await pusher.round() == 2)
        seen = try await receiver.deliveries()
        #expect(seen.verified.map(\.reference) == [first, second, third, fourth])
        let thirdID = try #require(seen.verified.first { $0.reference == third }?.id)
        #expect(seen.attempts.filter { $0 == thirdID }.count == 3, "the same webhook-id on every try")
        #expect(try await application.departments.webhookTargets().first?.attempts == 0)

        // A receiver down past the retry window: the delivery goes to the dead-letter list, the feed moves on.
        try await receiver.mode("fail")
        let fifth = try await DepartmentInterfaceTests.file(application, department: "amr")
        #expect(await pusher.round() == 0)
        clock.advance(24 * 3600 + 1)
        #expect(await pusher.round() == 0)
        let dead = try application.departments.deadLetters()
        #expect(dead.map(\.reference) == [fifth] && dead.first?.lastError == "HTTP 503" && dead.first?.attempts == 2)
        try await receiver.mode("ok")
        let sixth = try await DepartmentInterfaceTests.file(application, department: "amr")
        #expect(await pusher.round() == 1)
        #expect(try await receiver.deliveries().verified.last?.reference == sixth)
        #expect(try await application.serverDependencies.lifecycle?.deadLetters?().map(\.webhookId) == dead.map(\.webhookId))
    }
}
