import Booking
import Foundation
import Hosting
import KioskConfig
import KioskCore
import KioskServer
import Logging
import Secrets
import Storage
import StoragePostgres

extension Configuration {
    /// What every terminal of a district must share: `[[services]]`, `[hours]`, `[queue]`.
    public var districtSettings: DistrictSettings { DistrictSettings(services: services, hours: hours, queue: queue) }
}

/// District mode (`database = "postgres://…"`): bookings, the queue and ratings live in the
/// district's PostgreSQL, shared by every hall; the terminal keeps its own SQLite file for staff,
/// devices and the outbox of what it could not send.
extension DistrictTerminal {
    /// The district store named by the configuration, not yet running; nil on a lone terminal.
    public static func openStore(_ configuration: Configuration, logger: Logger) throws(StartupError) -> PostgresStore? {
        guard case .postgres(let url) = configuration.database else { return nil }
        do {
            return try PostgresStore(url: url, lockTimeout: operationLockTimeout, logger: logger)
        } catch {
            throw StartupError(code: error.code, message: error.message)
        }
    }

    /// The district's booking store with this hall's rules, hashing ID numbers with the district's key.
    public static func bookings(_ district: PostgresStore, _ configuration: Configuration,
                                        key: SecretKey) -> PostgresBookingStore {
        PostgresBookingStore(store: district, policy: configuration.bookingPolicy, checkInWindow: configuration.checkInWindow,
                             queue: configuration.queue, timeZone: configuration.hours.timeZone, hasher: HMACIDHasher(key: key))
    }

    /// The same, for a terminal that started without knowing the key is the district's: it is
    /// checked against the store (or taken out of it) on the first booking that needs it.
    public static func bookings(_ district: PostgresStore, _ configuration: Configuration,
                                 keys: TerminalKeys) -> PostgresBookingStore {
        PostgresBookingStore(store: district, policy: configuration.bookingPolicy, checkInWindow: configuration.checkInWindow,
                             queue: configuration.queue, timeZone: configuration.hours.timeZone) {
            HMACIDHasher(key: try await TerminalSecrets.districtKey(keys, store: district, configuration: configuration))
        }
    }

    /// Before a terminal serves in district mode: its own file holds nothing the district lacks
    /// (bookings, calls, prints, lifecycles, tickets, ratings, idempotency keys: they would be unreachable), the district store is migrated (on a client of its own;
    /// the long-lived one runs in the service group), and the district's ID key is here and is
    /// the store's (a terminal holding another key, or none where the store has one, is refused).
    /// A store that cannot be reached or migrated now does not keep the terminal from starting:
    /// the store is held back (`PostgresStore.awaitMigration`), so the terminal serves what works
    /// offline from its outbox, says why in /readyz, and `DistrictMigrationRetry` migrates it in
    /// the background. Returns the key when it could be checked.
    public static func prepare(_ district: PostgresStore, _ store: SQLiteStore, _ configuration: Configuration,
                                logger: Logger) async throws(StartupError) -> SecretKey? {
        do {
            let left = try await store.notCopiedToDistrict()
            guard left.isEmpty else { throw StartupError.notCopiedToDistrict(left, store.path) }
        } catch let error as StartupError {
            throw error
        } catch {
            throw StartupError(code: "databaseUnavailable", message: .init(zh: "无法读取 \(store.path)", en: "cannot read \(store.path)"))
        }
        do {
            return try await migrateAndCheck(district, store, configuration, logger: logger)
        } catch let error as KeyError {
            throw StartupError(error)
        } catch let error as DistrictSettingsDiffer {
            throw StartupError(code: error.code, message: error.message)
        } catch {
            let reason = migrationFailure(error)
            logger.warning("district store not ready at start; serving offline, migrating in the background", metadata: [
                "db.url": "\(district.location)", "error.code": "\((error as? any KioskError)?.code ?? "\(type(of: error))")",
                "district.reason": "\(reason.en)"])
            district.awaitMigration(reason)
            // The pool says only "unavailable"; a connection of its own names the cause in the log.
            if error is DistrictStoreUnavailable { _ = await district.diagnose() }
            return nil
        }
    }

    /// Before a terminal serves alone: its outbox keeps nothing for the district (only the
    /// drainer of a terminal in district mode sends it; alone, it would stay there for good).
    public static func prepareAlone(_ store: SQLiteStore) async throws(StartupError) {
        let pending: [OutboxRecord.Kind: Int]
        do {
            pending = try await store.pendingOutboxKinds()
        } catch {
            throw StartupError(code: "databaseUnavailable", message: .init(zh: "无法读取 \(store.path)", en: "cannot read \(store.path)"))
        }
        guard pending.isEmpty else { throw StartupError.outboxNotDelivered(pending, store.path) }
    }

    /// How long one attempt to migrate may take, at start and in the background, and how long
    /// it waits for a lock another connection holds (another terminal's migration, maintenance):
    /// a terminal starts serving offline rather than wait. Without the server's own lock
    /// timeout a start blocked on the migration's lock hung until the lock was released.
    static let migrationDeadline: Duration = .seconds(5)
    static let migrationLockTimeout: Duration = .seconds(3)
    /// The server's `lock_timeout` on the pool every operation uses: half the operation's
    /// deadline (10 s), so an operation blocked on a lock another connection holds ends inside its
    /// deadline with the district-unavailable answer, and its query does not go on waiting in the
    /// server (the deadline alone cannot end it).
    public static let operationLockTimeout: Duration = .seconds(5)

    /// Migrates the district store on a client of its own, checks this terminal's ID key and
    /// settings against it, and lets `district` serve again; returns the district's key.
    static func migrateAndCheck(_ district: PostgresStore, _ store: SQLiteStore, _ configuration: Configuration,
                                logger: Logger) async throws -> SecretKey {
        guard case .postgres(let url) = configuration.database else { throw DistrictStoreUnavailable() }
        let starting = try PostgresStore(url: url, operationTimeout: migrationDeadline, maximumConnections: 1,
                                         lockTimeout: migrationLockTimeout, logger: logger)
        let (version, key) = try await starting.withRunning {
            let version = try await starting.migrate()
            let key = try await TerminalSecrets.districtKey(store.keys, store: starting, configuration: configuration)
            try await checkSettings(starting, configuration)
            return (version, key)
        }
        district.migrated()
        logger.info("district store ready", metadata: [
            "db.url": "\(district.location)", "db.schema": "\(version)", "district.key": "\(key.fingerprint)",
            "district.settings": "\(configuration.districtSettings.fingerprint)"])
        return key
    }

    /// Why the migration did not happen, for /readyz and `GET /v1/district` (no SQL, no values).
    static func migrationFailure(_ error: any Error) -> LocalizedText {
        let seconds = migrationDeadline.components.seconds
        switch error {
        case let error as StorageError where error.message.en.contains("SQLSTATE 55P03"):
            return LocalizedText(
                zh: "另一个连接占用了区域数据库的迁移锁，\(migrationLockTimeout.components.seconds) 秒内未能获得；本终端离线服务，并在后台重试",
                en: "another connection held the district store's migration lock for over \(migrationLockTimeout.components.seconds) s; "
                    + "this terminal serves offline and retries in the background")
        case is DistrictStoreUnavailable:
            return LocalizedText(
                zh: "区域数据库未能在 \(seconds) 秒内完成迁移（无法连接，或另一个连接占用了锁）；本终端离线服务，并在后台重试",
                en: "the district store could not be migrated within \(seconds) s (unreachable, or another connection holds a lock); "
                    + "this terminal serves offline and retries in the background")
        case let error as any KioskError:
            return LocalizedText(zh: "区域数据库迁移失败：\(error.message.zh)；本终端离线服务，并在后台重试",
                                 en: "the district store's migration failed: \(error.message.en); this terminal serves offline and retries in the background")
        default:
            return LocalizedText(zh: "区域数据库迁移失败（\(type(of: error))）；本终端离线服务，并在后台重试",
                                 en: "the district store's migration failed (\(type(of: error))); this terminal serves offline and retries in the background")
        }
    }

    /// This terminal's `[[services]]`, `[hours]` and `[queue]` against the district's: the first
    /// terminal records them; any other is refused while one of them differs
    /// (`DistrictSettingsDiffer`, naming each key and the terminal that recorded it). Returns
    /// what the store recorded before, nil when this terminal recorded them now.
    @discardableResult
    public static func checkSettings(_ district: PostgresStore, _ configuration: Configuration) async throws
        -> RecordedDistrictSettings? {
        let local = configuration.districtSettings
        let (recorded, differences) = try await district.checkSettings(local, terminalID: configuration.terminalID)
        if let recorded, !differences.isEmpty {
            throw DistrictSettingsDiffer(keys: differences, local: local, recorded: recorded)
        }
        return recorded
    }
}
