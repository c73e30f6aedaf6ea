import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JSONLogic
@testable import KioskApp
import KioskCore
@testable import KioskServer
import KioskTesting
import Logging
import Secrets
import StoragePostgres
import Testing

/// What each endpoint does while the district store is away (README "District: adding a
/// terminal, outages, the queue display"), over HTTP against a stopped private PostgreSQL. Above
/// all the numbers are honest: a walk-in ticket issued offline does not say "0 ahead" while
/// people of other terminals wait; it says the count is unknown, and why.
@Suite("District outage over HTTP: which endpoints degrade how")
struct DistrictOutageTests {
    /// Whether `key` is written as `null` (not left out, not 0): `TicketView` decodes both as nil,
    /// and the kiosk's screen tells "unknown" from "not sent", so this reads the wire itself.
    func isWrittenAsNull(_ key: String, in response: TestResponse) throws -> Bool {
        guard case .object(let members) = try JSON(parsing: Data(response.body.readableBytesView)) else { return false }
        return members[key] == .null
    }

    @Test func eachEndpointDegradesAsDocumentedAndNoNumberIsMadeUp() async throws {
        try await PrivatePostgres.withPrivate { cluster in try await self.outage(on: cluster) }
    }

    func outage(on cluster: PrivatePostgres) async throws {
        try await KioskApplication.districtTerminal(on: cluster) { application, client in
            let staff = try await application.signedIn(client, role: .staff)
            var count = 0
            func post(_ uri: String, _ body: String, as caller: any TestClientProtocol) async throws -> TestResponse {
                count += 1
                var headers = HTTPFields()
                headers[HTTPField.Name("Idempotency-Key")!] = "outage-\(count)"
                headers[.contentType] = "application/json"
                return try await caller.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body))
            }
            // Online, two citizens wait for hukou (taken at this terminal; the district counts them all).
            for _ in 0..<2 {
                #expect(try await post("/v1/tickets", #"{"serviceId":"hukou"}"#, as: client).status == .created)
            }
            let third = try await post("/v1/tickets", #"{"serviceId":"hukou"}"#, as: client).decoded(TicketView.self)
            #expect(third.ahead?.value == 2 && third.aheadUnknown == nil)

            try await cluster.stopServer()

            // A walk-in ticket is still issued, numbered by the terminal, without a made-up count.
            let offline = try await post("/v1/tickets", #"{"serviceId":"hukou"}"#, as: client)
            #expect(offline.status == .created)
            let ticket = try offline.decoded(TicketView.self)
            #expect(ticket.number == "T01-A001")
            #expect(try isWrittenAsNull("ahead", in: offline), "ahead is null, not 0: \(String(buffer: offline.body))")
            #expect(try isWrittenAsNull("estimatedWaitMinutes", in: offline))
            let unknown = try #require(ticket.aheadUnknown)
            #expect(unknown.reason == "districtStoreUnavailable")
            #expect(unknown.messages.zh.contains("前面还有多少人暂时无法得知"))

            // What only the district can answer is refused with the citizen's message, never a guess.
            func refused(_ response: TestResponse) throws -> Bool {
                response.status == .serviceUnavailable && (try? response.decoded(Problem.self))?.code == "districtStoreUnavailable"
            }
            #expect(try refused(try await client.execute(uri: "/v1/queue", method: .get)), "the queue's length is the district's")
            #expect(try refused(try await client.execute(uri: "/v1/services/hukou/slots?from=2026-10-08", method: .get)))
            #expect(try refused(try await post("/v1/check-ins", #"{"idNumber":"\#(BookingRoutesTests.idNumber)"}"#, as: client)))
            #expect(try refused(try await post("/v1/counters/A1/call-next", "{}", as: staff)))

            // What does not need the district still answers.
            #expect(try await client.execute(uri: "/v1/services", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/v1/calendar?from=2026-10-01&to=2026-10-07", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/readyz", method: .get).status == .ok)
        }
    }
}

extension KioskApplication {
    /// A district-mode terminal on `cluster` with `BookingRoutesTests.config`, its district pool
    /// running and its booking clock at Monday 2026-09-28 10:00 in Beijing, served to `body`
    /// through a client that checks every answer against docs/openapi.yaml.
    static func districtTerminal(on cluster: PrivatePostgres,
                                 _ body: @escaping @Sendable (KioskApplication, DocumentedClient) async throws -> Void) async throws {
        let installation = try TestInstallation(config: "database = \"\(cluster.url())\"\n" + BookingRoutesTests.config)
        defer { installation.remove() }
        try await prepareTestDistrict(on: cluster, keyInto: [installation])
        let application = try await KioskApplication.onTestDistrict(installation)
        let district = try #require(application.district)
        let runner = Task { await district.run() }
        defer { runner.cancel() }
        try await application.servedOnMondayMorning { client in try await body(application, client) }
    }

    /// `body` with a client of this terminal's routes that checks every answer against
    /// docs/openapi.yaml, its booking clock at Monday 2026-09-28 10:00 in Beijing.
    func servedOnMondayMorning(_ body: @escaping @Sendable (DocumentedClient) async throws -> Void) async throws {
        let clock = BookingRoutesTests.Clock("2026-09-28T10:00:00+08:00")
        var dependencies = serverDependencies
        dependencies.booking?.now = { clock.now }
        let document = try OpenAPIDocument.load()
        try await Application(router: KioskRoutes.router(dependencies)).test(.router) { base in
            try await body(DocumentedClient(base: base, document: document))
        }
    }

    /// Migrates the district store on `cluster` and writes its ID key into each installation's
    /// key directory, with a deadline a loaded test machine meets (a terminal's start allows 5 s).
    static func prepareTestDistrict(on cluster: PrivatePostgres, keyInto installations: [TestInstallation]) async throws {
        let setup = try PostgresStore(url: cluster.url(), operationTimeout: .seconds(60), maximumConnections: 1,
                                      logger: Logger(label: "test"))
        try await setup.withRunning {
            try await setup.migrate()
            _ = try await setup.districtKey(local: nil) { key in
                for installation in installations {
                    let directory = KeyDirectory(path: installation.root + "/secrets", credentials: nil)
                    try directory.create()
                    try directory.write(key, as: KeyDirectory.districtKey)
                }
            }
        }
    }

    /// A terminal of a district `prepareTestDistrict` made ready, serving online. Its start
    /// checks the store within the production deadline (5 s); on a loaded test machine a stall of
    /// the test process can outlast that (5.9 s once), and the terminal then serves offline until
    /// `DistrictMigrationRetry`, which a test application does not run, has migrated the store.
    /// This runs that retry, as `kiosk serve` does, for up to two minutes.
    static func onTestDistrict(_ installation: TestInstallation) async throws -> KioskApplication {
        let application = try await onTestInstallation(installation)
        let district = try #require(application.district)
        if district.migrationPendingReason != nil, let retry = application.districtMigrationRetry {
            // It waits for the service group's shutdown once it has migrated: cancelled then.
            let retrying = Task { try await retry.run() }
            defer { retrying.cancel() }
            let migrated = try await eventually(within: .seconds(120), every: .milliseconds(100)) { district.migrationPendingReason == nil }
            try #require(migrated, "the district store of \(installation.root) was not migrated within two minutes")
        }
        return application
    }
}
