import Foundation
import GRDB
import Secrets

/// The terminal's database: one SQLite file in WAL mode, shared by every request.
///
/// `DatabasePool` lets readers run beside the single writer; the busy timeout makes a writer wait
/// for a lock instead of failing at once when another process (e.g. `kiosk db migrate` run by a
/// technician) holds it.
///
/// The keys live outside the file (`KeyDirectory`); the file records only their fingerprint.
/// What it keeps about people is sealed with the data-at-rest key, ID numbers exist only as
/// keyed hashes, and every connection runs with `secure_delete`, so a deleted draft is zeroed
/// rather than left in a free page; `wipeRemnants()` then empties the write-ahead log.
public final class SQLiteStore: Sendable {
    public let path: String
    public let keys: TerminalKeys
    let pool: DatabasePool

    /// The schema version this build of kiosk creates and understands.
    public static var knownSchemaVersion: Int { Migrations.latestVersion }

    /// How every connection of the store is opened (also the booking bench's raw-write peer).
    public static func configuration(busyTimeout: TimeInterval = 5) -> GRDB.Configuration {
        var configuration = GRDB.Configuration()
        configuration.busyMode = .timeout(busyTimeout)
        configuration.label = "kiosk"
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA secure_delete = ON") }
        return configuration
    }

    public init(path: String, keys: TerminalKeys, busyTimeout: TimeInterval = 5) throws(StorageError) {
        self.path = path
        self.keys = keys
        let configuration = Self.configuration(busyTimeout: busyTimeout)
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
    /// kiosk is left untouched; one written with other keys is refused.
    @discardableResult
    public func migrate() throws(StorageError) -> Int {
        try checkNotNewer()
        if case .keyed(let fingerprint) = try Self.keyState(atPath: path), fingerprint != keys.fingerprint {
            throw .keysDoNotMatch(path: path, recorded: fingerprint, given: keys.fingerprint)
        }
        let state = try Self.keyState(atPath: path)
        do {
            try Migrations.migrator(keys: keys).migrate(pool)
            // The upgrade sealed what an older kiosk stored in the clear and dropped its secret:
            // rewrite the file, so no free page or log frame keeps the old bytes. (A new file's
            // secret never keyed anything: nothing to rewrite.)
            if state == .legacy {
                try pool.vacuum()
                try wipeRemnants()
            }
        } catch let error as StorageError {
            throw error
        } catch let error as DatabaseError {
            throw .migrationFailed(error.message ?? "SQLite error \(error.resultCode.rawValue)")
        } catch {
            throw .migrationFailed(String(describing: error))
        }
        return try schemaVersion()
    }

    /// Writes the write-ahead log into the file and truncates it: after a wipe the deleted
    /// pages (zeroed by `secure_delete`) replace the old ones, and no frame of the log keeps them.
    public func wipeRemnants() throws {
        try pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
    }

    /// What a database file says of the keys it was written with.
    public enum KeyState: Sendable, Equatable {
        /// No file, or no schema yet.
        case fresh
        /// Written before keys left the database: its `installation` row holds the secret.
        case legacy
        /// Written with the keys of this fingerprint.
        case keyed(fingerprint: String)
    }

    /// Reads the key state of the file at `path` without migrating or keeping it open, so that
    /// the right keys can be found before the store is opened with them.
    public static func keyState(atPath path: String) throws(StorageError) -> KeyState {
        guard FileManager.default.fileExists(atPath: path) else { return .fresh }
        do {
            let queue = try DatabaseQueue(path: path)
            defer { try? queue.close() }
            return try queue.read { db in
                guard try db.tableExists("installation") else { return .fresh }
                let columns = try db.columns(in: "installation").map(\.name)
                if columns.contains("key_fingerprint"),
                   let fingerprint = try String.fetchOne(db, sql: "SELECT key_fingerprint FROM installation WHERE id = 1") {
                    return .keyed(fingerprint: fingerprint)
                }
                return columns.contains("secret") ? .legacy : .fresh
            }
        } catch {
            throw .unavailable(path: path, reason: String(describing: error))
        }
    }

    /// The number of migrations applied (known or not); 0 for a new file.
    public func schemaVersion() throws(StorageError) -> Int {
        do {
            return try pool.read { db in try Migrations.migrator(keys: keys).appliedIdentifiers(db).count }
        } catch {
            throw .unavailable(path: path, reason: String(describing: error))
        }
    }

    /// Fails when the file holds migrations this build does not know (written by a newer kiosk).
    public func checkNotNewer() throws(StorageError) {
        let applied: Set<String>
        do {
            applied = try pool.read { db in try Migrations.migrator(keys: keys).appliedIdentifiers(db) }
        } catch {
            throw .unavailable(path: path, reason: String(describing: error))
        }
        let unknown = applied.subtracting(Migrations.migrator(keys: keys).migrations).sorted()
        guard unknown.isEmpty else {
            throw .schemaTooNew(found: applied.count, known: Migrations.latestVersion, unknown: unknown)
        }
    }

    /// A cheap round trip for readiness: the file is open, readable and migrated.
    public func isReady() async -> Result<Int, StorageError> {
        do {
            let keys = keys
            let (complete, superseded, version) = try await pool.read { db in
                let migrator = Migrations.migrator(keys: keys)
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

extension SQLiteStore {
    /// Seals and opens what the database keeps about people.
    var sealer: Sealer { Sealer(key: keys.dataAtRest) }

    /// The hasher of ID numbers kept in this file: the terminal's own key.
    public func idHasher() -> HMACIDHasher {
        HMACIDHasher(key: keys.idHashing)
    }
}
