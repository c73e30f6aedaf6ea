import Foundation
import KioskTesting
import Storage
import StoragePostgres
import Testing

/// Runs a suite inside the process's shared private PostgreSQL (see `PrivatePostgres.shared`).
struct PrivatePostgresTrait: SuiteTrait, TestScoping {
    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        try await PrivatePostgres.withShared { cluster in
            try await PrivatePostgres.$current.withValue(cluster) { try await function() }
        }
    }
}

extension Trait where Self == PrivatePostgresTrait {
    static var privatePostgres: Self { Self() }
}

func cluster() throws -> PrivatePostgres {
    guard let cluster = PrivatePostgres.current else { throw PrivatePostgres.SetupFailure("no private PostgreSQL in scope") }
    return cluster
}

@Suite("kiosk in district mode (private PostgreSQL)", .privatePostgres)
struct DistrictCLITests {
    @Test func databaseMigrateMigratesTheTerminalAndTheDistrictStore() async throws {
        let url = try await cluster().createDatabase()
        let installation = try TestInstallation(config: "database = \"\(url)\"")
        defer { installation.remove() }
        let first = try await offPool { try KioskProcess.run(["db", "migrate"], in: installation.root) }
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout == """
            schema version \(SQLiteStore.knownSchemaVersion) (was 0)
            district schema version \(PostgresStore.knownSchemaVersion) (was 0)

            """)
        let second = try await offPool { try KioskProcess.run(["db", "migrate"], in: installation.root) }
        #expect(second.stdout.hasSuffix("district schema version \(PostgresStore.knownSchemaVersion) (up to date)\n"))
        let versions = try await cluster().psql("SELECT string_agg(version::text, ',' ORDER BY version) FROM kiosk_schema_version",
                                                database: String(url.split(separator: "/").last!))
        #expect(versions == (1...PostgresStore.knownSchemaVersion).map(String.init).joined(separator: ","))
    }

    @Test func aDistrictSchemaFromANewerKioskIsRefused() async throws {
        let url = try await cluster().createDatabase()
        let database = String(url.split(separator: "/").last!)
        let installation = try TestInstallation(config: "database = \"\(url)\"")
        defer { installation.remove() }
        _ = try await offPool { try KioskProcess.run(["db", "migrate"], in: installation.root) }
        try await cluster().psql("INSERT INTO kiosk_schema_version (version, name) VALUES (99, 'v99-future')", database: database)
        let result = try await offPool { try KioskProcess.run(["db", "migrate"], in: installation.root) }
        #expect(result.status == 1)
        #expect(result.stderr.hasSuffix("[databaseSchemaTooNew]\n"))
    }
}
