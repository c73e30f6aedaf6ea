import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import KioskApp
import KioskCore
@testable import KioskServer
import KioskTesting
import StoragePostgres
import Testing

/// A district operation blocked on a row lock another connection holds ends within its deadline
/// with the district-unavailable answer, and leaves nothing waiting on the server: the main
/// pool's connections carry `lock_timeout`. (The deadline alone answered too, but the query went
/// on waiting in the server, holding its pooled connection until the lock came.)
@Suite("District lock timeout", .serialized)
struct DistrictLockTimeoutTests {
    @Test func aDepartmentStepBlockedOnARowLockIsRefusedAs503AndLeavesNoQueryWaiting() async throws {
        try await PrivatePostgres.withPrivate { cluster in try await self.blocked(on: cluster) }
    }

    func blocked(on cluster: PrivatePostgres) async throws {
        let (first, second) = try await DistrictDepartmentKeyTests.installations(on: cluster)
        defer { first.remove(); second.remove() }
        let application = try await KioskApplication.onTestInstallation(first)
        let runner = Task { await application.district!.run() }
        defer { runner.cancel() }
        let police = try await application.departmentRegistry.add(id: "police", name: "公安分局", webhookURL: nil, now: Date()).apiKey
        let reference = try await DepartmentInterfaceTests.file(application, department: "police")
        #expect(await application.outboxDrainer!.drain().sent == 1)

        // Another connection holds the row every lifecycle save locks, for longer than the deadline.
        let holder = Task { try? await cluster.psql("BEGIN; SELECT last FROM lifecycle_change FOR UPDATE; SELECT pg_sleep(60); COMMIT;") }
        defer { holder.cancel() }
        @Sendable func count(_ condition: String) async throws -> Int {
            Int(try await cluster.psql("SELECT count(*) FROM pg_stat_activity WHERE \(condition)")
                .trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
        }
        let held = try await eventually(every: .milliseconds(50)) { try await count("wait_event = 'PgSleep'") == 1 }
        try #require(held, "the lock is held")

        try await application.servedOnMondayMorning { client in
            let step = try await client.execute(
                uri: "/v1/filings/\(reference)/events", method: .post,
                headers: [.authorization: "Bearer " + police, .contentType: "application/json"],
                body: ByteBuffer(string: #"{"type":"received"}"#))
            #expect(step.status == .serviceUnavailable)
            #expect(try step.decoded(Problem.self).code == DistrictStoreUnavailable.code)
            // Nothing of this terminal still waits on the lock, and the store still answers at once.
            #expect(try await count("wait_event_type = 'Lock'") == 0)
            let feed = try await client.execute(uri: "/v1/departments/police/filings", method: .get,
                                                headers: [.authorization: "Bearer " + police])
            #expect(feed.status == .ok)
        }
        try await cluster.psql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE wait_event = 'PgSleep'")
    }
}
