import Foundation
import GRDB

/// The terminal's database: one SQLite file in WAL mode, shared by every request.
///
/// `DatabasePool` lets readers run beside the single writer; the busy timeout makes a writer wait
/// for a lock instead of failing at once when another process (e.g. `kiosk db migrate` run by a
/// technician) holds it.
public final class SQLiteStore: Sendable {
    public let path: String
    let pool: DatabasePool

    /// The schema version this build of kiosk creates and understands.
    public static var knownSchemaVersion: Int { Migrations.latestVersion }

    public init(path: String, busyTimeout: TimeInterval = 5) throws(StorageError) {
        self.path = path
        var configuration = GRDB.Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.label = "kiosk"
        do {
            let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch let error as DatabaseError {
            throw .unavailable(path: path, reason: error.message ?? "SQLite error \(error.resultCode.rawValue)")
        } catch {
            throw .unavailable(path: path, reason: (error as NSError).localizedDescription)
        }
    }

    /// Creates or upgrades the schema and returns its version. A database written by a newer
    /// kiosk is left untouched.
    @discardableResult
    public func migrate() throws(StorageError) -> Int {
        try checkNotNewer()
        do {
            try Migrations.migrator.migrate(pool)
        } catch let error as DatabaseError {
            throw .migrationFailed(error.message ?? "SQLite error \(error.resultCode.rawValue)")
        } catch {
            throw .migrationFailed(String(describing: error))
        }
        return try schemaVersion()
    }

    /// The number of migrations applied (known or not); 0 for a new file.
    public func schemaVersion() throws(StorageError) -> Int {
        do {
            return try pool.read { db in try Migrations.migrator.appliedIdentifiers(db).count }
        } catch {
            throw .unavailable(path: path, reason: String(describing: error))
        }
    }

    /// Fails when the file holds migrations this build does not know (written by a newer kiosk).
    public func checkNotNewer() throws(StorageError) {
        let applied: Set<String>
        do {
            applied = try pool.read { db in try Migrations.migrator.appliedIdentifiers(db) }
        } catch {
            throw .unavailable(path: path, reason: String(describing: error))
        }
        let unknown = applied.subtracting(Migrations.migrator.migrations).sorted()
        guard unknown.isEmpty else {
            throw .schemaTooNew(found: applied.count, known: Migrations.latestVersion, unknown: unknown)
        }
    }

    /// A cheap round trip for readiness: the file is open, readable and migrated.
    public func isReady() async -> Result<Int, StorageError> {
        do {
            let (complete, superseded, version) = try await pool.read { db in
                let migrator = Migrations.migrator
                return (try migrator.hasCompletedMigrations(db), try migrator.hasBeenSuperseded(db),
                        try migrator.appliedIdentifiers(db).count)
            }
            guard complete, !superseded else {
                return .failure(.migrationFailed("schema version \(version), expected \(Migrations.latestVersion); run kiosk db migrate"))
            }
            return .success(version)
        } catch {
            return .failure(.unavailable(path: path, reason: String(describing: error)))
        }
    }
}
