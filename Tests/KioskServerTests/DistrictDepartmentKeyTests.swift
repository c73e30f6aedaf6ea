import Access
import District
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import DepartmentSystems
@testable import KioskApp
import KioskConfig
import KioskCore
@testable import KioskServer
import KioskTesting
import Logging
import Secrets
@testable import Storage
import StoragePostgres
import Synchronization
import Testing

/// Department keys in district mode, attacked with two terminals on one district store (a
/// private PostgreSQL): a key revoked at one terminal fails at the other, a department reaches
/// only its own filings on either, neither a dump of the district tables nor a copy of a
/// terminal's `data_dir` holds a key that opens the department interface, a terminal-local key
/// does not work in district mode, and an unreachable district answers 503, never from memory.
@Suite("District department keys", .serialized)
struct DistrictDepartmentKeyTests {
    @Test func oneKeyServesTheDistrictARevocationAnywhereHoldsEverywhereAndNoCopyHoldsAKey() async throws {
        try await PrivatePostgres.withPrivate { cluster in try await self.attack(on: cluster) }
    }

    @Test func oneTerminalAtATimePushesADepartmentsWebhooksAndAnotherTakesOverWhenItsLeaseLapses() async throws {
        try await PrivatePostgres.withPrivate { cluster in try await self.webhooks(on: cluster) }
    }

    /// Terminal ids are unique only within a hall: hall S02's T01 must not push, nor save the
    /// cursor of, a department that hall S01's T01 holds.
    @Test func aTerminalOfTheSameIdInAnotherHallDoesNotShareTheLease() async throws {
        try await PrivatePostgres.withPrivate { cluster in
            try await Self.withTwoTerminals(on: cluster) { a, b, first, _ in
                let key = try #require(try KeyDirectory(path: first.root + "/secrets", credentials: nil).read(KeyDirectory.districtKey))
                let here = PostgresDepartments(store: try #require(a.district), terminalID: "T01", siteID: "S01") { key }
                let otherHall = PostgresDepartments(store: try #require(b.district), terminalID: "T01", siteID: "S02") { key }
                _ = try await here.add(id: "police", name: "公安分局", webhookURL: "http://127.0.0.1:9/", now: Date())
                #expect(try await here.webhookTargets().map(\.departmentID) == ["police"])
                #expect(try await otherHall.webhookTargets().isEmpty, "the other hall's T01 took a department S01/T01 holds")
                #expect(try await otherHall.delivered("police", through: 7) == false)
                #expect(try await here.delivered("police", through: 1))
            }
        }
    }

    static func installations(on cluster: PrivatePostgres) async throws -> (TestInstallation, TestInstallation) {
        let first = try TestInstallation(config: "database = \"\(cluster.url())\"\n" + BookingRoutesTests.config)
        let second = try TestInstallation(config: "database = \"\(cluster.url())\"\n[terminal]\nid = \"T02\"\n" + BookingRoutesTests.config)
        try await KioskApplication.prepareTestDistrict(on: cluster, keyInto: [first, second])
        return (first, second)
    }

    func get(_ client: some TestClientProtocol, _ uri: String, key: String) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .get, headers: [.authorization: "Bearer " + key])
    }

    func post(_ client: some TestClientProtocol, _ uri: String, key: String, _ body: String) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .post, headers: [.authorization: "Bearer " + key, .contentType: "application/json"],
                                 body: ByteBuffer(string: body))
    }

    func code(_ response: TestResponse) throws -> String { try response.decoded(Problem.self).code }

    /// Terminals T01 and T02 of the district on `cluster`, their pools running, for `body`.
    static func withTwoTerminals(
        on cluster: PrivatePostgres,
        _ body: @Sendable (KioskApplication, KioskApplication, TestInstallation, TestInstallation) async throws -> Void
    ) async throws {
        let (first, second) = try await Self.installations(on: cluster)
        defer { first.remove(); second.remove() }
        let a = try await KioskApplication.onTestDistrict(first)
        let b = try await KioskApplication.onTestDistrict(second)
        let runners = [a, b].map { application in Task { await application.district!.run() } }
        defer { runners.forEach { $0.cancel() } }
        try await body(a, b, first, second)
    }

    func attack(on cluster: PrivatePostgres) async throws {
        try await Self.withTwoTerminals(on: cluster) { a, b, _, second in try await attack(a, b, second, cluster) }
    }

    func attack(_ a: KioskApplication, _ b: KioskApplication, _ second: TestInstallation, _ cluster: PrivatePostgres) async throws {

        // One key per department for the district, issued at either terminal.
        let police = try await a.departmentRegistry.add(id: "police", name: "公安分局", webhookURL: nil, now: Date()).apiKey
        let tax = try await b.departmentRegistry.add(id: "tax", name: "税务局", webhookURL: "https://tax.example/hooks", now: Date())
        // A key of B's own file, as issued before it joined the district.
        let local = try b.departments.add(id: "amr", name: "市场监管局", webhookURL: nil, now: Date()).apiKey
        let reference = try await DepartmentInterfaceTests.file(a, department: "police")
        #expect(await a.outboxDrainer!.drain().sent == 1)

        try await b.servedOnMondayMorning { bClient in
            try await a.servedOnMondayMorning { aClient in
                for (terminal, client) in [("A", aClient), ("B", bClient)] {
                    let page = try await get(client, "/v1/departments/police/filings", key: police)
                    #expect(page.status == .ok, "\(terminal)")
                    #expect(try page.decoded(DepartmentFeedView.self).filings.map(\.record.reference) == [reference], "\(terminal)")
                    // Department Y's key reaches neither X's feed nor X's filing.
                    let other = try await get(client, "/v1/departments/police/filings", key: tax.apiKey)
                    #expect(try other.status == .forbidden && code(other) == "otherDepartment", "\(terminal)")
                    #expect(try await get(client, "/v1/departments/tax/filings", key: police).status == .forbidden, "\(terminal)")
                    let moved = try await post(client, "/v1/filings/\(reference)/events", key: tax.apiKey, #"{"type":"received"}"#)
                    #expect(moved.status == .notFound, "\(terminal)")
                    #expect(try await get(client, "/v1/departments/tax/filings", key: tax.apiKey)
                        .decoded(DepartmentFeedView.self).filings.isEmpty, "\(terminal)")
                    // The terminal-local key is no key in district mode.
                    let stale = try await get(client, "/v1/departments/amr/filings", key: local)
                    #expect(try stale.status == .unauthorized && code(stale) == "tokenForged", "\(terminal)")
                }
                // The key moves the filing at B, where it was not filed; A sees the step.
                #expect(try await post(bClient, "/v1/filings/\(reference)/events", key: police, #"{"type":"received"}"#).status == .ok)
                #expect(try await a.filingLedger.record(reference)?.cases.first?.state == .received)

                // Revoked at A: refused at B at its next request, and at A.
                try await a.departmentRegistry.revoke(id: "police", now: Date())
                for client in [bClient, aClient] {
                    let revoked = try await get(client, "/v1/departments/police/filings", key: police)
                    #expect(try revoked.status == .unauthorized && code(revoked) == "tokenForged")
                }

                // A dump of the district tables: MACs and sealed bytes, nothing that opens the interface.
                let dump = try await cluster.psql("COPY (SELECT * FROM department) TO STDOUT")
                let taxSecret = String(tax.apiKey.split(separator: ".").last!)
                let webhookSecret = try #require(tax.webhookSecret)
                let webhookBytes = try #require(Data(base64Encoded: String(webhookSecret.dropFirst("whsec_".count))))
                #expect(!dump.contains(taxSecret) && !dump.contains(tax.apiKey))
                #expect(!dump.contains(webhookBytes.map { String(format: "%02x", $0) }.joined()))
                // The MAC alone is not a key.
                let macHex = try await cluster.psql("SELECT encode(key_mac, 'hex') FROM department WHERE id = 'tax'")
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                let mac = stride(from: 0, to: macHex.count, by: 2).map {
                    UInt8(macHex.dropFirst($0).prefix(2), radix: 16)!
                }
                #expect(mac.count == 32)
                let forged = try await get(bClient, "/v1/departments/tax/filings", key: "kdk1.tax." + Base64URL.encode(mac))
                #expect(forged.status == .unauthorized)
                // Without district-id.key (a copy of the store and of data_dir, the key directory left behind): no key matches.
                let thief = PostgresDepartments(store: try #require(b.district), terminalID: "T99") { SecretKey.random() }
                #expect(try await thief.authenticate(tax.apiKey) == nil)
                #expect(try await b.departmentRegistry.authenticate(tax.apiKey) == "tax")

                // A copy of a terminal's data_dir: neither the key, nor the district key, nor the keys derived from it.
                let districtKey = try #require(try KeyDirectory(path: second.root + "/secrets", credentials: nil).read(KeyDirectory.districtKey))
                func bytes(_ key: SecretKey) -> Data { key.symmetricKey.withUnsafeBytes { Data($0) } }
                let secrets = [Data(tax.apiKey.utf8), Data(taxSecret.utf8), webhookBytes, bytes(districtKey),
                               bytes(districtKey.derive(.districtDepartmentKeys)), bytes(districtKey.derive(.districtWebhookSecrets))]
                try await b.store.pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
                let files = try FileManager.default.subpathsOfDirectory(atPath: second.dataDirectory)
                #expect(!files.isEmpty)
                for file in files {
                    guard let contents = FileManager.default.contents(atPath: second.dataDirectory + "/" + file) else { continue }
                    for secret in secrets { #expect(contents.range(of: secret) == nil, "\(file)") }
                }

                // The district store away: a department call is 503, never an answer from a copy.
                try await cluster.stopServer()
                let away = try await get(bClient, "/v1/departments/tax/filings", key: tax.apiKey)
                #expect(try away.status == .serviceUnavailable && code(away) == DistrictStoreUnavailable.code)
            }
        }
    }

    func webhooks(on cluster: PrivatePostgres) async throws {
        try await Self.withTwoTerminals(on: cluster) { a, b, first, _ in try await webhooks(a, b, first, cluster) }
    }

    func webhooks(_ a: KioskApplication, _ b: KioskApplication, _ first: TestInstallation, _ cluster: PrivatePostgres) async throws {
        let key = try #require(try KeyDirectory(path: first.root + "/secrets", credentials: nil).read(KeyDirectory.districtKey))
        let clock = WebhookDeliveryTests.Clock()
        func departments(_ application: KioskApplication, _ terminal: String) throws -> PostgresDepartments {
            PostgresDepartments(store: try #require(application.district), terminalID: terminal, lease: 60, now: { clock.now }) { key }
        }
        let (aDepartments, bDepartments) = (try departments(a, "T01"), try departments(b, "T02"))
        let issued = try await aDepartments.add(id: "police", name: "公安分局", webhookURL: "http://127.0.0.1:9/", now: Date())
        let receiver = try await WebhookReceiver(secret: try #require(issued.webhookSecret))
        defer { receiver.stop() }
        try #require(receiver.port > 0)
        _ = try await cluster.psql("UPDATE department SET webhook_url = '\(receiver.url)' WHERE id = 'police'")
        func pusher(_ application: KioskApplication, _ departments: PostgresDepartments) -> WebhookPusher {
            WebhookPusher(departments: departments, ledger: application.filingLedger, timeout: .seconds(5), now: { clock.now },
                          logger: Logger(label: "test"))
        }
        let (aPusher, bPusher) = (pusher(a, aDepartments), pusher(b, bDepartments))

        var references: [String] = []
        for application in [a, b, a, b, a] {
            references.append(try await DepartmentInterfaceTests.file(application, department: "police"))
            _ = await application.outboxDrainer!.drain()
        }
        // The first to ask holds the department; the other, asking meanwhile, gets nothing to push.
        #expect(try await bDepartments.webhookTargets().map(\.departmentID) == ["police"])
        #expect(try await aDepartments.webhookTargets().isEmpty)
        // Both terminals push at once, round after round: each change arrives once, in order.
        var sent = 0
        for _ in 0..<3 {
            async let fromA = aPusher.round()
            async let fromB = bPusher.round()
            sent += await fromA + fromB
        }
        var seen = try await receiver.deliveries()
        #expect(sent == references.count)
        #expect(seen.verified.map(\.reference) == references)
        #expect(Set(seen.attempts).count == seen.attempts.count, "no webhook-id twice")
        #expect(seen.rejected == 0)
        let holder = try await cluster.psql("SELECT push_holder FROM department WHERE id = 'police'")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(["T01", "T02"].contains(holder))
        let (holding, waiting) = holder == "T01" ? (aPusher, bPusher) : (bPusher, aPusher)
        let holdingDepartments = holder == "T01" ? aDepartments : bDepartments

        // The holder falls silent: the other waits out the lease, then takes the department over.
        references.append(try await DepartmentInterfaceTests.file(a, department: "police"))
        _ = await a.outboxDrainer!.drain()
        #expect(await waiting.round() == 0)
        clock.advance(61)
        #expect(await waiting.round() == 1)
        seen = try await receiver.deliveries()
        #expect(seen.verified.map(\.reference) == references)
        // The old holder, back, finds it taken: its save says stop, and its rounds send nothing.
        #expect(try await holdingDepartments.delivered("police", through: 1_000) == false)
        #expect(await holding.round() == 0)
        #expect(try await receiver.deliveries().attempts.count == references.count)
        #expect(try await aDepartments.list().first?.pushedThrough ?? 0 < 1_000)
    }
}

/// The log lines a test reads back. One handler serves every copy of its logger (a class), so
/// the requests a server answers at once set its metadata at once (Hummingbird gives each its
/// `hb.request.id`): kept under a lock, as the lines are, where a bare dictionary once crashed the
/// test process (signal 11 in `__RawDictionaryStorage.find`).
final class CapturedLog: LogHandler, Sendable {
    let lines = Mutex<[String]>([])
    private let settings = Mutex<(metadata: Logger.Metadata, logLevel: Logger.Level)>(([:], .trace))
    var metadata: Logger.Metadata {
        get { settings.withLock { $0.metadata } }
        set { settings.withLock { $0.metadata = newValue } }
    }
    var logLevel: Logger.Level {
        get { settings.withLock { $0.logLevel } }
        set { settings.withLock { $0.logLevel = newValue } }
    }
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { settings.withLock { $0.metadata[key] } }
        set { settings.withLock { $0.metadata[key] = newValue } }
    }

    func log(level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String,
             function: String, line: UInt) {
        let fields = (metadata ?? [:]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        lines.withLock { $0.append("\(level) \(message) \(fields)") }
    }
}

@Suite("Terminal-local department keys in district mode")
struct TerminalDepartmentsInDistrictTests {
    /// A terminal that joins a district with live keys of its own says at start which it ignores;
    /// a revoked one is not mentioned, and a lone terminal keeps using its own.
    @Test func aTerminalJoiningADistrictWarnsOfTheLiveKeysItIgnores() async throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        let configuration = try ConfigurationLoader.load(file: installation.configPath, environment: [:])
        let store = try KioskApplication.openStore(configuration)
        try store.migrate()
        let local = DepartmentStore(store: store)
        let amr = try local.add(id: "amr", name: "市场监管局", webhookURL: nil, now: Date()).apiKey
        _ = try local.add(id: "tax", name: "税务局", webhookURL: nil, now: Date())
        try local.revoke(id: "tax", now: Date())

        let log = CapturedLog()
        let logger = Logger(label: "test") { _ in log }
        let alone = DistrictTerminal.departmentRegistry(configuration, store: store, district: nil, districtKey: nil, logger: logger)
        #expect(try await alone.authenticate(amr) == "amr")
        #expect(log.lines.withLock { $0.isEmpty })

        // Never reached: the warning comes from the terminal's file alone.
        let district = try PostgresStore(url: "postgres://kiosk@127.0.0.1:1/kiosk")
        let joined = DistrictTerminal.departmentRegistry(configuration, store: store, district: district, districtKey: .random(),
                                                         logger: logger)
        #expect(joined is PostgresDepartments)
        #expect(log.lines.withLock { $0 } == [
            "warning department keys of this terminal's own file are not used in district mode: issue them again with kiosk departments add department.ids=amr",
        ])
    }
}
