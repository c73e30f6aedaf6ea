import Foundation
import KioskConfig
import KioskCore
import Logging
import ServiceLifecycle
import Storage
import StoragePostgres

/// Migrates the district store in the background after the start-up migration failed (the
/// store was down, or another connection held the migration's lock): tries again with a delay
/// that doubles up to `longest`, and lets the store serve again once it is migrated. Until then
/// the store is held back (`PostgresStore.awaitMigration`) and the terminal serves offline from
/// its outbox; /readyz and `GET /v1/district` say why, with the attempts made. A terminal that
/// started migrated has nothing to do here.
public struct DistrictMigrationRetry: ServiceLifecycle.Service {
    let district: PostgresStore
    let store: SQLiteStore
    let configuration: Configuration
    let first: Duration
    let longest: Duration
    let logger: Logger

    public init(district: PostgresStore, store: SQLiteStore, configuration: Configuration, first: Duration = .seconds(2),
                longest: Duration = .seconds(60), logger: Logger) {
        self.district = district
        self.store = store
        self.configuration = configuration
        self.first = first
        self.longest = longest
        self.logger = logger
    }

    /// The delay before attempt `attempt` (1, 2, …): `first`, doubled each time, at most `longest`.
    static func delay(before attempt: Int, first: Duration, longest: Duration) -> Duration {
        var delay = first
        for _ in 1..<max(attempt, 1) where delay < longest { delay *= 2 }
        return min(delay, longest)
    }

    public func run() async throws {
        var attempt = 0
        var lastFailure: LocalizedText?
        while district.migrationPendingReason != nil {
            attempt += 1
            let delay = Self.delay(before: attempt, first: first, longest: longest)
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: delay) }
            } catch {
                return
            }
            guard !Task.isCancelled, !Task.isShuttingDownGracefully else { return }
            do {
                _ = try await DistrictTerminal.migrateAndCheck(district, store, configuration, logger: logger)
                logger.notice("district store migrated in the background; serving online", metadata: [
                    "db.url": "\(district.location)", "district.attempts": "\(attempt)"])
            } catch {
                let failure = DistrictTerminal.migrationFailure(error)
                let delay = Self.delay(before: attempt + 1, first: first, longest: longest).components
                let next = String(format: "%g", Double(delay.seconds) + Double(delay.attoseconds) / 1e18)
                if failure != lastFailure { // once per new cause, not once per attempt
                    lastFailure = failure
                    logger.warning("district store still not migrated", metadata: [
                        "db.url": "\(district.location)", "district.attempts": "\(attempt)", "district.reason": "\(failure.en)",
                        "error.code": "\((error as? any KioskError)?.code ?? "\(type(of: error))")"])
                }
                district.awaitMigration(LocalizedText(
                    zh: failure.zh + "（已重试 \(attempt) 次，\(next) 秒后再试）",
                    en: failure.en + " (\(attempt) attempts so far; the next in \(next) s)"))
            }
        }
        // Nothing more to do; a service that returned would stop the terminal's service group.
        try? await gracefulShutdown()
    }
}
