import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import District
@testable import KioskApp
import KioskCore
@testable import KioskServer
import KioskTesting
import Logging
@testable import StoragePostgres
import Testing

/// A terminal that starts while the district store cannot be migrated (another connection holds
/// the migration's lock: another terminal's long migration, a DBA's maintenance). Its start used
/// to hang until the lock was released (the 5 s deadline could not end the query waiting for the
/// lock: this test hung at `onTestInstallation`); and a terminal that got past a failed
/// migration stayed on a schema it did not know, /readyz saying "run kiosk db migrate" for good.
/// Now it serves offline from its outbox, says why, and migrates in the background once the
/// lock is released.
@Suite("District store migrated in the background after a failed start")
struct DistrictMigrationRetryTests {
    @Test func theRetryWaitsLongerEachTimeUpToTheLongestDelay() {
        let delays = (1...8).map { DistrictMigrationRetry.delay(before: $0, first: .seconds(2), longest: .seconds(60)) }
        #expect(delays == [.seconds(2), .seconds(4), .seconds(8), .seconds(16), .seconds(32), .seconds(60), .seconds(60), .seconds(60)])
    }

    @Test func aTerminalStartedWhileTheMigrationIsLockedServesOfflineThenGoesOnline() async throws {
        try await PrivatePostgres.withPrivate { cluster in try await self.lockedStart(on: cluster) }
    }

    func lockedStart(on cluster: PrivatePostgres) async throws {
        let installation = try TestInstallation(config: "database = \"\(cluster.url())\"\n" + BookingRoutesTests.config)
        defer { installation.remove() }
        // Another connection holds the lock every migration takes, until told to let go.
        let holder = try PostgresStore(url: cluster.url(), operationTimeout: .seconds(600), maximumConnections: 1,
                                       logger: Logger(label: "test"))
        let (locked, lockTaken) = AsyncStream<Void>.makeStream()
        let (releaseAsked, release) = AsyncStream<Void>.makeStream()
        let holding = Task {
            defer { lockTaken.finish() }
            try await holder.withRunning {
                try await holder.withConnection { c in
                    try await c.query("SELECT pg_advisory_lock(\(PostgresMigrations.lockKey))", logger: Logger(label: "test"))
                    lockTaken.yield()
                    for await _ in releaseAsked { break }
                    try await c.query("SELECT pg_advisory_unlock(\(PostgresMigrations.lockKey))", logger: Logger(label: "test"))
                }
            }
        }
        defer { holding.cancel() }
        var taken = false
        for await _ in locked {
            taken = true
            break
        }
        guard taken else { return try await holding.value }

        let application = try await KioskApplication.onTestInstallation(installation)
        let district = try #require(application.district)
        #expect(district.migrationPendingReason != nil)
        let runner = Task { await district.run() }
        defer { runner.cancel() }
        try await application.servedOnMondayMorning { client in
            let technician = try await application.signedIn(client, role: .technician)
            func districtComponent() async throws -> ReadinessReport.Component? {
                try await client.execute(uri: "/readyz", method: .get).decoded(ReadinessReport.self)
                    .components.first { $0.name == "district" }
            }

            // It serves offline, and says why while it waits.
            let waiting = try #require(try await districtComponent())
            #expect(waiting.ready)
            let warning = try #require(waiting.warnings?.first)
            // Lock timeout (3 s) or, on a loaded machine, the attempt's deadline (5 s): either names the lock.
            #expect(warning.hasPrefix("district store not migrated yet (migrationPending): ") && warning.contains("lock"), "\(warning)")
            let status = try await technician.execute(uri: "/v1/district", method: .get).decoded(DistrictStatus.self)
            #expect(status.state == "unreachable" && status.cause == "migrationPending", "\(status)")
            #expect(status.reason?.zh.contains("后台重试") == true)

            var headers = HTTPFields()
            headers[HTTPField.Name("Idempotency-Key")!] = "w-locked"
            headers[.contentType] = "application/json"
            let ticket = try await client.execute(uri: "/v1/tickets", method: .post, headers: headers,
                                                  body: ByteBuffer(string: #"{"serviceId":"hukou"}"#))
            #expect(ticket.status == .created)
            #expect(try ticket.decoded(TicketView.self).number == "T01-A001", "numbered by the terminal, kept in its outbox")
            #expect(try await application.store.outboxBacklog().pending == 1)

            // Still locked: the background attempts fail and say how often they tried.
            let retry = DistrictMigrationRetry(district: district, store: application.store, configuration: application.configuration,
                                               first: .milliseconds(200), longest: .seconds(1), logger: Logger(label: "test"))
            let retrying = Task { try await retry.run() }
            defer { retrying.cancel() }
            _ = try await eventually(within: .seconds(60), every: .milliseconds(100)) {
                district.migrationPendingReason?.en.contains("the next in 1 s") == true
            }
            #expect(try await districtComponent()?.warnings?.first?.contains("attempts so far; the next in 1 s") == true)

            // The lock is released: the next attempt migrates, and the terminal goes online.
            release.yield()
            _ = try await eventually(within: .seconds(60), every: .milliseconds(100)) { district.migrationPendingReason == nil }
            #expect(district.migrationPendingReason == nil)
            #expect(await district.state() == .ready(schemaVersion: PostgresStore.knownSchemaVersion))
            let ready = try #require(try await districtComponent())
            #expect(ready.ready && ready.warnings == nil, "\(ready)")
            let drainer = try #require(application.outboxDrainer)
            #expect(await drainer.drain().sent == 1, "the offline ticket reaches the district")
            #expect(try await application.store.outboxBacklog().pending == 0)
        }
    }
}
