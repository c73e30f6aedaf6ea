import Foundation
import GRDB
import Secrets
@testable import Storage
import Testing

/// Department systems' API keys and webhook secrets, against whoever walks away with a copy of
/// `data_dir`: the file alone gives neither a key that opens the API nor the webhook secret.
@Suite("Department keys")
struct DepartmentStoreTests {
    let now = Date(timeIntervalSince1970: 1_790_000_000)

    @Test func aKeyIsRecognisedWhileLiveAndTheFileKeepsNeitherItNorTheWebhookSecret() async throws {
        let fixture = try AccessStoreFixture()
        defer { fixture.remove() }
        let departments = DepartmentStore(store: fixture.store)
        let issued = try departments.add(id: "amr", name: "市场监管局", webhookURL: "http://127.0.0.1:9/hooks", now: now)
        #expect(issued.apiKey.hasPrefix("kdk1.amr."))
        let secret = try #require(issued.webhookSecret)
        #expect(secret.hasPrefix("whsec_"))
        #expect(try departments.authenticate(issued.apiKey) == "amr")

        // The copy of the file: no trace of the key's secret part or the webhook secret's bytes.
        try await fixture.store.pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        let file = try Data(contentsOf: URL(fileURLWithPath: fixture.store.path))
        let keySecret = String(issued.apiKey.split(separator: ".").last!)
        let secretBytes = try #require(Data(base64Encoded: String(secret.dropFirst("whsec_".count))))
        #expect(file.range(of: Data(keySecret.utf8)) == nil)
        #expect(file.range(of: Data(issued.apiKey.utf8)) == nil)
        #expect(file.range(of: secretBytes) == nil)
        // What the pusher reads back is the secret handed over.
        #expect(try await departments.webhookTargets().first?.secret == secretBytes)

        // The same file with other keys (a copy taken away, its key directory left behind) knows no key.
        let stolen = DepartmentStore(store: try SQLiteStore(path: fixture.store.path, keys: .random()))
        #expect(try stolen.authenticate(issued.apiKey) == nil)

        // Made up, another department's name on this key's secret, malformed: all refused alike.
        #expect(try departments.authenticate("kdk1.amr." + String(repeating: "A", count: 43)) == nil)
        #expect(try departments.authenticate(issued.apiKey.replacingOccurrences(of: "kdk1.amr.", with: "kdk1.police.")) == nil)
        #expect(try departments.authenticate("kdk1.amr") == nil)
        #expect(try departments.authenticate(issued.apiKey + "x") == nil)

        // A second key for a live department is refused; revoked, it is refused; issued again, a new key works.
        #expect(throws: DepartmentError(.departmentExists)) { try departments.add(id: "amr", name: "x", webhookURL: nil, now: now) }
        try departments.revoke(id: "amr", now: now)
        #expect(try departments.authenticate(issued.apiKey) == nil)
        #expect(try await departments.webhookTargets().isEmpty)
        #expect(throws: DepartmentError(.departmentNotFound)) { try departments.revoke(id: "amr", now: now) }
        let again = try departments.add(id: "amr", name: "市场监管局", webhookURL: nil, now: now)
        #expect(try departments.authenticate(again.apiKey) == "amr")
        #expect(try departments.authenticate(issued.apiKey) == nil)
        #expect(again.webhookSecret == nil)
        #expect(try departments.list().map(\.id) == ["amr"])
    }

    @Test func badIdsAndURLsAreRefused() throws {
        let fixture = try AccessStoreFixture()
        defer { fixture.remove() }
        let departments = DepartmentStore(store: fixture.store)
        #expect(throws: DepartmentError(.invalidDepartmentID)) { try departments.add(id: "a.b", name: "x", webhookURL: nil, now: now) }
        #expect(throws: DepartmentError(.invalidDepartmentID)) { try departments.add(id: "", name: "x", webhookURL: nil, now: now) }
        #expect(throws: DepartmentError(.invalidWebhookURL)) { try departments.add(id: "amr", name: "x", webhookURL: "ftp://x/", now: now) }
        #expect(throws: DepartmentError(.invalidWebhookURL)) { try departments.add(id: "amr", name: "x", webhookURL: "hooks", now: now) }
        #expect(try departments.list().isEmpty)
    }
}
