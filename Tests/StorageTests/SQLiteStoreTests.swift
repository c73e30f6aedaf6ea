import Foundation
import KioskTesting
import GRDB
import Testing
@testable import Storage

@Suite("SQLite store and migrations")
struct SQLiteStoreTests {
    let scratch: ScratchDirectory
    let path: String

    init() throws {
        scratch = try ScratchDirectory(prefix: "kiosk-store")
        path = scratch.path + "/kiosk.sqlite"
    }

    @Test func freshDatabaseIsMigratedToTheLatestVersion() throws {
        let store = try SQLiteStore(path: path)
        #expect(try store.schemaVersion() == 0)
        #expect(try store.migrate() == SQLiteStore.knownSchemaVersion)
        #expect(SQLiteStore.knownSchemaVersion >= 1)
        let secretLength = try store.pool.read { db in
            try Int.fetchOne(db, sql: "SELECT length(secret) FROM installation WHERE id = 1")
        }
        #expect(secretLength == 32)
    }

    @Test func migratingAnUpToDateDatabaseChangesNothing() throws {
        let first = try SQLiteStore(path: path)
        try first.migrate()
        let secret = try first.pool.read { db in try Data.fetchOne(db, sql: "SELECT secret FROM installation") }
        let reopened = try SQLiteStore(path: path)
        #expect(try reopened.migrate() == SQLiteStore.knownSchemaVersion)
        #expect(try reopened.pool.read { db in try Data.fetchOne(db, sql: "SELECT secret FROM installation") } == secret)
    }

    @Test func usesWALAndABusyTimeout() throws {
        let store = try SQLiteStore(path: path)
        let (mode, timeout) = try store.pool.write { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA busy_timeout"))
        }
        #expect(mode == "wal")
        #expect(timeout == 5000)
    }

    @Test func refusesADatabaseFromANewerKiosk() async throws {
        let store = try SQLiteStore(path: path)
        try store.migrate()
        try await store.pool.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-from-the-future')")
        }
        do {
            try store.migrate()
            Issue.record("migrating a database from a newer kiosk must fail")
        } catch {
            #expect(error.kind == .schemaTooNew)
            #expect(error.message.en.contains("v99-from-the-future"))
        }
        if case .failure(let error) = await store.isReady() {
            #expect(error.kind == .migrationFailed)
        } else {
            Issue.record("a database with an unknown migration must not be ready")
        }
    }

    @Test func unopenableFileIsAClearError() {
        #expect {
            try SQLiteStore(path: "/proc/kiosk-cannot-be-here/kiosk.sqlite")
        } throws: { error in
            guard let error = error as? StorageError else { return false }
            return error.kind == .unavailable && error.message.en.contains("/proc/kiosk-cannot-be-here")
        }
    }

    @Test func readinessReportsTheVersion() async throws {
        let store = try SQLiteStore(path: path)
        if case .success = await store.isReady() { Issue.record("an unmigrated database must not be ready") }
        try store.migrate()
        #expect(try await store.isReady().get() == SQLiteStore.knownSchemaVersion)
    }
}
