import Booking
import Foundation
import Logging
import NIOSSL
import PostgresNIO
import ServiceLifecycle
import Synchronization
import KioskCore
import Secrets
import Storage

/// The district's database: one PostgreSQL shared by every terminal of the district, reached
/// through a `PostgresClient` connection pool.
///
/// The client does its work while `run()` runs: as a `Service` in the terminal's `ServiceGroup`,
/// or for the span of a command through `withRunning`. Messages name the database by its
/// redacted URL (`location`), never with a password, SQL or values.
public final class PostgresStore: Sendable, ServiceLifecycle.Service {
    /// The URL without its password, for messages and logs.
    public let location: String
    /// Where it is, for a connection of its own that finds out why the pool cannot connect.
    let target: PostgresURL
    let client: PostgresClient
    let logger: Logger
    /// When an operation last found the store unreachable: for `failFastPeriod` after it, calls
    /// fail at once instead of each waiting out the deadline (a citizen should not wait seconds
    /// to learn that bookings are closed); the first call after it tries the store again.
    private let unreachableSince = Mutex<ContinuousClock.Instant?>(nil)
    /// Why it is unreachable, found out at most every few seconds and logged when it changes.
    let diagnosis = DistrictDiagnosis()
    static let failFastPeriod: Duration = .seconds(3)
    /// Set while this terminal could not migrate the store when it started, with why: every
    /// operation then fails as unreachable, so the terminal serves offline from its outbox
    /// instead of writing to a schema this build does not know. Cleared once it is migrated.
    private let pendingMigration = Mutex<DistrictConnectionProblem?>(nil)

    /// The schema version this build of kiosk creates and understands.
    public static var knownSchemaVersion: Int { PostgresMigrations.all.count }

    /// How long one operation may take before the district store counts as unreachable.
    public let operationTimeout: Duration

    /// `lockTimeout`: the server gives up waiting for a lock after it (PostgreSQL's
    /// `lock_timeout`). The operation deadline alone cannot end such a wait: the query goes on,
    /// and its connection cannot go back to the pool until the lock comes.
    public init(url: String, operationTimeout: Duration = .seconds(10), maximumConnections: Int = 16,
                lockTimeout: Duration? = nil, logger: Logger = Logger(label: "kiosk.postgres")) throws(StorageError) {
        self.operationTimeout = operationTimeout
        let parsed: PostgresURL
        do {
            parsed = try PostgresURL(url)
        } catch {
            throw .unavailable(path: "postgres", reason: "invalid database URL: \(error.reason)")
        }
        self.location = parsed.redacted
        self.target = parsed
        self.logger = logger
        var configuration = PostgresClient.Configuration(
            host: parsed.host, port: parsed.port, username: parsed.user, password: parsed.password,
            database: parsed.database, tls: parsed.requireTLS ? .require(.makeClientConfiguration()) : .disable)
        // A district store that is down must fail a request in seconds, so the terminal turns to
        // its outbox instead of keeping the citizen waiting.
        configuration.options.connectTimeout = .seconds(3)
        configuration.options.maximumConnections = maximumConnections
        if let lockTimeout {
            let milliseconds = lockTimeout.components.seconds * 1000 + lockTimeout.components.attoseconds / 1_000_000_000_000_000
            configuration.options.additionalStartupParameters = [("lock_timeout", "\(milliseconds)")]
        }
        // The pool reports every failed reconnection at info level; while the store is down that
        // would flood the terminal's log, which says it once through readiness instead.
        var background = logger
        background.logLevel = max(logger.logLevel, .warning)
        client = PostgresClient(configuration: configuration, backgroundLogger: background)
    }

    /// Runs the connection pool until the task is cancelled or the service group shuts down.
    public func run() async {
        await cancelWhenGracefulShutdown { await self.client.run() }
    }

    /// Runs `body` with the connection pool running, then stops the pool.
    public func withRunning<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await self.client.run() }
            defer { group.cancelAll() }
            return try await body()
        }
    }

    // MARK: Schema

    /// Creates or upgrades the schema and returns its version. A database written by a newer
    /// kiosk is left untouched. Terminals migrating at once take turns (a transaction-scoped
    /// advisory lock), and each migration commits with the record of its version.
    /// Throws `DistrictStoreUnavailable` when the server cannot be reached, `StorageError` otherwise.
    @discardableResult
    public func migrate() async throws -> Int {
        try await migrate(through: PostgresMigrations.all.count)
    }

    /// The first `count` migrations only: a store as an older kiosk left it, for the tests of an upgrade.
    @discardableResult
    func migrate(through count: Int) async throws -> Int {
        do {
            return try await transaction { connection in
                try await self.takeMigrationLock(connection)
                try await connection.query("""
                    CREATE TABLE IF NOT EXISTS kiosk_schema_version (
                        version bigint PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())
                    """, logger: self.logger)
                let applied = try await Self.appliedVersions(connection, logger: self.logger)
                let unknown = applied.filter { $0 > PostgresMigrations.all.count }
                guard unknown.isEmpty else {
                    throw StorageError.schemaTooNew(found: applied.count, known: PostgresMigrations.all.count,
                                                    unknown: unknown.map { "v\($0)" })
                }
                for (index, migration) in PostgresMigrations.all.prefix(count).enumerated() where !applied.contains(index + 1) {
                    for statement in migration.statements {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: self.logger)
                    }
                    if migration.name == PostgresMigrations.installationMigration {
                        var generator = SystemRandomNumberGenerator()
                        let secret = Data((0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
                        try await connection.query("""
                            INSERT INTO installation (id, created_at, secret) VALUES (1, now(), \(secret)) ON CONFLICT (id) DO NOTHING
                            """, logger: self.logger)
                    }
                    try await connection.query(
                        "INSERT INTO kiosk_schema_version (version, name) VALUES (\(index + 1), \(migration.name))", logger: self.logger)
                }
                return try await Self.appliedVersions(connection, logger: self.logger).count
            }
        } catch let error as StorageError {
            throw error
        } catch {
            if Self.isUnreachable(error) { throw DistrictStoreUnavailable() }
            throw StorageError.migrationFailed(Self.describe(error))
        }
    }

    /// Waits for the lock that migrations and the district's key take in turns, until the end of
    /// the transaction. The answer is read: a lock timeout arrives with it, and would otherwise
    /// surface only as the next statement's "current transaction is aborted".
    func takeMigrationLock(_ connection: PostgresConnection) async throws {
        _ = try await connection.query("SELECT pg_advisory_xact_lock(\(PostgresMigrations.lockKey))", logger: logger).collect()
    }

    /// The number of migrations applied; 0 for an empty database.
    public func schemaVersion() async throws -> Int {
        do {
            return try await withConnection { connection in
                let exists = try await connection.query("SELECT to_regclass('kiosk_schema_version') IS NOT NULL", logger: self.logger)
                    .collect().first?.decode(Bool.self) ?? false
                return exists ? try await Self.appliedVersions(connection, logger: self.logger).count : 0
            }
        } catch {
            throw Self.unavailable(error, location: location)
        }
    }

    /// Holds every operation back (as unreachable) until `migrated()`: the start-up migration
    /// failed for `reason`, and the terminal retries it on a client of its own.
    public func awaitMigration(_ reason: LocalizedText) {
        pendingMigration.withLock { $0 = DistrictConnectionProblem(cause: .migrationPending, message: reason) }
    }

    /// The schema is this build's: operations go to the store again.
    public func migrated() {
        pendingMigration.withLock { $0 = nil }
    }

    /// Why operations are held back, nil when they are not.
    public var migrationPendingReason: LocalizedText? { pendingMigration.withLock { $0?.message } }

    /// What readiness and the technician see of the district store.
    public enum State: Sendable, Equatable {
        case ready(schemaVersion: Int)
        /// With the cause a connection of its own found (see `DistrictConnectionProblem`).
        case unreachable(DistrictConnectionProblem?)
        case failed(LocalizedText)
    }

    /// Why a connection cannot be opened now, nil when one can; logged as a warning when the
    /// cause is new.
    public func diagnose() async -> DistrictConnectionProblem? {
        await diagnosis.cause(of: target, logger: logger, location: location)
    }

    /// How long `state()` waits for the pool before a connection of its own looks for a cause:
    /// a reachable store answers in milliseconds, and a technician should not wait out the
    /// operation timeout to learn that the port is wrong. A store that is only slow (the probe
    /// connects) gets the rest of that timeout.
    static let diagnoseAfter: Duration = .seconds(1)

    /// A cheap round trip: reachable and migrated. When the store cannot be reached, why not.
    public func state() async -> State {
        // A store that cannot be reached says that first: it is why the migration waits.
        if let pending = pendingMigration.withLock({ $0 }) { return .unreachable(await diagnose() ?? pending) }
        enum Outcome: Sendable {
            case answered(Result<Int, any Error>)
            case diagnosed(DistrictConnectionProblem)
        }
        let outcome = await withTaskGroup(of: Outcome?.self) { group in
            group.addTask {
                do { return .answered(.success(try await self.schemaVersion())) } catch { return .answered(.failure(error)) }
            }
            group.addTask {
                try? await Task.sleep(for: Self.diagnoseAfter)
                guard !Task.isCancelled, let problem = await self.diagnose() else { return nil }
                return .diagnosed(problem)
            }
            // The first outcome decides; a probe that connects (nil) leaves the pool its time.
            for await next in group {
                if let next {
                    group.cancelAll()
                    return next
                }
            }
            return .answered(.failure(DistrictStoreUnavailable()))
        }
        switch outcome {
        case .diagnosed(let problem):
            return .unreachable(problem)
        case .answered(.success(let version)):
            guard version == Self.knownSchemaVersion else {
                return .failed(StorageError.migrationFailed(
                    "schema version \(version), expected \(Self.knownSchemaVersion); run kiosk db migrate").message)
            }
            diagnosis.reachable(logger: logger, location: location)
            return .ready(schemaVersion: version)
        case .answered(.failure(let error)):
            switch error {
            case is DistrictStoreUnavailable: return .unreachable(await diagnose())
            case let error as any KioskError: return .failed(error.message)
            default: return .failed(LocalizedText(zh: "区域数据库出错", en: "the district database failed"))
            }
        }
    }

    static func appliedVersions(_ connection: PostgresConnection, logger: Logger) async throws -> Set<Int> {
        var versions: Set<Int> = []
        for try await version in try await connection.query("SELECT version FROM kiosk_schema_version", logger: logger)
            .decode(Int.self) {
            versions.insert(version)
        }
        return versions
    }

    /// The district's ID-hashing key, checked against this store: the key this terminal
    /// holds (`local`) must be the one the store's fingerprint names.
    ///
    /// A store written before keys left it still holds its key (as does a new store: its first
    /// migration makes one). The first terminal that meets it takes it out: `keep` writes it to
    /// the terminal's key directory, then the store forgets it and keeps the fingerprint.
    /// Every other terminal of the district then imports that file (`kiosk secrets import`).
    /// Throws `KeyError` (`districtKeyMissing`, `districtKeyMismatch`) when the terminal's key
    /// is not the district's, `DistrictStoreUnavailable` when the store cannot be reached.
    public func districtKey(local: SecretKey?, keep: @escaping @Sendable (SecretKey) throws -> Void) async throws -> SecretKey {
        do {
            return try await transaction { c in
                try await self.takeMigrationLock(c)
                let row = try await c.query("SELECT secret, id_key_fingerprint FROM installation WHERE id = 1 FOR UPDATE",
                                            logger: self.logger).collect().first
                let (secret, fingerprint) = try row?.decode((Data?, String?).self) ?? (nil, nil)
                if let secret, let stored = SecretKey(bytes: secret) {
                    if let local, local.fingerprint != stored.fingerprint { throw Self.mismatch(local, stored.fingerprint) }
                    if local == nil { try keep(stored) }
                    try await c.query("UPDATE installation SET secret = NULL, id_key_fingerprint = \(stored.fingerprint) WHERE id = 1",
                                      logger: self.logger)
                    return stored
                }
                if let fingerprint {
                    guard let local else { throw Self.missing(fingerprint) }
                    guard local.fingerprint == fingerprint else { throw Self.mismatch(local, fingerprint) }
                    return local
                }
                // A store with no key yet: this terminal's, or a new one.
                let key = local ?? SecretKey.random()
                if local == nil { try keep(key) }
                try await c.query("""
                    INSERT INTO installation (id, created_at, secret, id_key_fingerprint) VALUES (1, now(), NULL, \(key.fingerprint))
                    ON CONFLICT (id) DO UPDATE SET secret = NULL, id_key_fingerprint = excluded.id_key_fingerprint
                    """, logger: self.logger)
                return key
            }
        } catch let error as KeyError {
            throw error
        } catch {
            throw Self.unavailable(error, location: location)
        }
    }

    /// The fingerprint of the district's ID key as the store records it; nil while the store
    /// still holds the key itself (or none).
    public func districtKeyFingerprint() async throws -> String? {
        do {
            return try await withConnection { c in
                try await c.query("SELECT id_key_fingerprint FROM installation WHERE id = 1 AND secret IS NULL", logger: self.logger)
                    .collect().first?.decode(String?.self) ?? nil
            }
        } catch {
            throw Self.unavailable(error, location: location)
        }
    }

    static func missing(_ fingerprint: String) -> KeyError {
        KeyError(.districtKeyMissing, message: .init(
            zh: "本终端没有区域身份证号密钥（指纹 \(fingerprint)）：从本区域已有的终端复制 district-id.key，再运行 kiosk secrets import 文件",
            en: "this terminal has no copy of the district's ID key (fingerprint \(fingerprint)): copy district-id.key from a terminal "
                + "of the district and run kiosk secrets import FILE"))
    }

    static func mismatch(_ local: SecretKey, _ fingerprint: String) -> KeyError {
        KeyError(.districtKeyMismatch, message: .init(
            zh: "本终端的 district-id.key（指纹 \(local.fingerprint)）不是该区域的密钥（指纹 \(fingerprint)）",
            en: "this terminal's district-id.key (fingerprint \(local.fingerprint)) is not the district's key (fingerprint \(fingerprint))"))
    }

    /// Keeps a terminal's audit-log head (`sequence`, `mac`) as an anchor; the first report of a
    /// sequence stands, so a terminal cannot take an anchor back.
    public func recordAuditAnchor(terminalID: String, sequence: Int64, mac: String) async throws {
        do {
            try await withConnection { c in
                try await c.query("""
                    INSERT INTO audit_anchor (terminal_id, sequence, mac) VALUES (\(terminalID), \(sequence), \(mac))
                    ON CONFLICT (terminal_id, sequence) DO NOTHING
                    """, logger: self.logger)
            }
        } catch {
            throw Self.unavailable(error, location: location)
        }
    }

    // MARK: Transactions

    /// A pooled connection for `body`'s span (no transaction).
    func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await guarded { try await self.client.withConnection(body) }
    }

    /// Runs `body` under the deadline and the fail-fast period (see `unreachableSince`).
    private func guarded<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        if pendingMigration.withLock({ $0 != nil }) { throw DistrictStoreUnavailable() }
        if let since = unreachableSince.withLock({ $0 }), ContinuousClock.now - since < Self.failFastPeriod {
            throw DistrictStoreUnavailable()
        }
        do {
            let value = try await withDeadline(operationTimeout, body)
            unreachableSince.withLock { $0 = nil }
            return value
        } catch {
            if Self.isUnreachable(error) { unreachableSince.withLock { $0 = ContinuousClock.now } }
            throw error
        }
    }

    /// Runs `body` in one transaction (READ COMMITTED) on a pooled connection: committed when it
    /// returns, rolled back when it throws, and `body`'s own error rethrown as it was. A deadlock
    /// or serialization failure chosen by the server is retried a few times from the start.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await guarded { try await self.retryingTransaction(body) }
    }

    /// `body` in a transaction (`inTransaction`) or on a connection, for a store built on this
    /// one: its own refusal (`Refusal`, a rule of bookings or of the lifecycle) passes through,
    /// an unreadable row or any other failure becomes `unavailable` (the district store cannot be used).
    func run<T: Sendable, Refusal: Error>(
        inTransaction: Bool = true, passing _: Refusal.Type,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws -> T {
        do {
            return inTransaction ? try await transaction(body) : try await withConnection(body)
        } catch let refusal as Refusal {
            throw refusal
        } catch let unreadable as StoredRowError {
            throw StorageError.unavailable(path: location, reason: "unreadable value in \(unreadable.column)")
        } catch {
            throw Self.unavailable(error, location: location)
        }
    }

    private func retryingTransaction<T: Sendable>(_ body: @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await client.withConnection { connection in
                    try await connection.query("BEGIN", logger: self.logger)
                    let value: T
                    do {
                        value = try await body(connection)
                    } catch {
                        try? await connection.query("ROLLBACK", logger: self.logger)
                        throw error
                    }
                    try await connection.query("COMMIT", logger: self.logger)
                    return value
                }
            } catch let error as PSQLError where attempt < 5 && Self.isRetryable(error) {
                continue
            }
        }
    }

    /// The error a caller sees: `DistrictStoreUnavailable` when the server cannot be reached or
    /// is going away, `StorageError` for anything else the database refused.
    static func unavailable(_ error: any Error, location: String) -> any Error {
        if error is DistrictStoreUnavailable || error is BookingRuleError { return error }
        if isUnreachable(error) { return DistrictStoreUnavailable() }
        // A lock another connection held past `lock_timeout`: the store cannot serve this now,
        // though it is reachable (so it does not count as down for the fail-fast period).
        if sqlState(error) == "55P03" { return DistrictStoreUnavailable() }
        if let error = error as? StorageError { return error }
        return StorageError.unavailable(path: location, reason: describe(error))
    }

    /// Connection-level failures, and the server's own "shutting down / starting up" states.
    static func isUnreachable(_ error: any Error) -> Bool {
        if error is CancellationError || error is DistrictStoreUnavailable { return true }
        guard let error = error as? PSQLError else { return false }
        switch error.code {
        case .connectionError, .serverClosedConnection, .clientClosedConnection, .poolClosed, .uncleanShutdown, .sslUnsupported:
            return true
        default:
            guard let state = error.serverInfo?[.sqlState] else { return false }
            // 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now, 08xxx connection exceptions.
            return state.hasPrefix("57P") || state.hasPrefix("08")
        }
    }

    static func isRetryable(_ error: PSQLError) -> Bool {
        guard let state = error.serverInfo?[.sqlState] else { return false }
        return state == "40001" || state == "40P01"
    }

    static func sqlState(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }

    /// What went wrong, without SQL or values: PSQLError's server message names constraints and
    /// tables, its detail (which holds values) is left out.
    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] {
                return "\(message) (SQLSTATE \(error.serverInfo?[.sqlState] ?? "?"))"
            }
            return "\(error.code)"
        }
        if let error = error as? StorageError { return error.message.en }
        return String(describing: type(of: error))
    }
}

/// Runs `body`, or throws `DistrictStoreUnavailable` once `limit` has passed: the pool keeps
/// retrying a server that is down, and a terminal must not wait on it for long.
///
/// The caller stops waiting at the limit even when `body` cannot stop then: a query in flight is
/// not cancellable, and a lock wait ends only at `lock_timeout`. `body` is cancelled and ends on
/// its own, its connection going back to the pool when the server answers; a write that still
/// commits then is found by a retry with the same idempotency key. The caller's cancellation
/// cancels `body` too.
///
/// One unstructured task and one timer on an event loop, not a task group racing a sleep: a
/// group waits for all its children, and each cancelled sleep kept a timer until the limit.
func withDeadline<T: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
    let race = DeadlineRace<T>()
    let work = Task {
        do { race.finish(.success(try await body())) } catch { race.finish(.failure(error)) }
    }
    let nanoseconds = limit.components.seconds * 1_000_000_000 + limit.components.attoseconds / 1_000_000_000
    let timer = PostgresConnection.defaultEventLoopGroup.any().scheduleTask(in: .nanoseconds(nanoseconds)) {
        race.finish(.failure(DistrictStoreUnavailable()))
        work.cancel()
    }
    defer { timer.cancel() }
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { race.wait($0) }
    } onCancel: {
        race.finish(.failure(CancellationError()))
        work.cancel()
    }
}

/// Who ends a `withDeadline` first, the body, the timer or a cancellation: the first outcome is
/// the caller's, the later ones are dropped.
final class DeadlineRace<T: Sendable>: Sendable {
    private enum State {
        case running
        case waiting(CheckedContinuation<T, any Error>)
        case finished(Result<T, any Error>)
        case answered
    }

    private let state = Mutex(State.running)

    func wait(_ continuation: CheckedContinuation<T, any Error>) {
        let finished: Result<T, any Error>? = state.withLock { state in
            guard case .finished(let outcome) = state else {
                state = .waiting(continuation)
                return nil
            }
            state = .answered
            return outcome
        }
        if let finished { continuation.resume(with: finished) }
    }

    func finish(_ outcome: Result<T, any Error>) {
        let waiting: CheckedContinuation<T, any Error>? = state.withLock { state in
            switch state {
            case .running:
                state = .finished(outcome)
                return nil
            case .waiting(let continuation):
                state = .answered
                return continuation
            case .finished, .answered:
                return nil
            }
        }
        waiting?.resume(with: outcome)
    }
}
