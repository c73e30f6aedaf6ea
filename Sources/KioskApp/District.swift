import Booking
import Foundation
import KioskConfig
import KioskCore
import KioskServer
import Logging
import Storage
import StoragePostgres

/// District mode (`database = "postgres://…"`): bookings, the queue and ratings live in the
/// district's PostgreSQL, shared by every hall; the terminal keeps its own SQLite file for staff,
/// devices and the outbox of what it could not send.
extension KioskApplication {
    /// The district store named by the configuration, not yet running; nil on a lone terminal.
    public static func openDistrict(_ configuration: Configuration, logger: Logger) throws(StartupError) -> PostgresStore? {
        guard case .postgres(let url) = configuration.database else { return nil }
        do {
            return try PostgresStore(url: url, logger: logger)
        } catch {
            throw StartupError(code: error.code, message: error.message)
        }
    }

    /// The district's booking store with this hall's rules.
    public static func districtBookings(_ district: PostgresStore, _ configuration: Configuration) -> PostgresBookingStore {
        PostgresBookingStore(store: district, policy: configuration.bookingPolicy, checkInWindow: configuration.checkInWindow,
                             queue: configuration.queue, timeZone: configuration.hours.timeZone)
    }

    /// Migrates the district store before the terminal serves, on a client of its own (the
    /// long-lived one runs in the service group). A district store that cannot be reached does
    /// not keep the terminal from starting: it serves what works offline and says so in /readyz.
    static func migrateAtStart(_ district: PostgresStore, _ configuration: Configuration, logger: Logger) async {
        guard case .postgres(let url) = configuration.database else { return }
        do {
            let starting = try PostgresStore(url: url, operationTimeout: .seconds(5), maximumConnections: 1, logger: logger)
            let version = try await starting.withRunning { try await starting.migrate() }
            logger.info("district store ready", metadata: ["db.url": "\(district.location)", "db.schema": "\(version)"])
        } catch {
            logger.warning("district store not ready at start", metadata: [
                "db.url": "\(district.location)", "error.code": "\((error as? any KioskError)?.code ?? "\(type(of: error))")"])
            // The pool says only "unavailable"; a connection of its own names the cause in the log.
            if error is DistrictStoreUnavailable { _ = await district.diagnose() }
        }
    }

    /// Runs `body` with the booking store the configuration names, migrated and running, for
    /// the commands that work on bookings outside `kiosk serve`.
    public static func withBookings<T: Sendable>(
        _ configuration: Configuration, logger: Logger,
        _ body: @Sendable (any BookingDatabase) async throws -> T
    ) async throws -> T {
        if let district = try openDistrict(configuration, logger: logger) {
            return try await district.withRunning {
                try await district.migrate()
                return try await body(districtBookings(district, configuration))
            }
        }
        let store = try openStore(configuration)
        _ = try store.migrate()
        return try await body(try openBookings(store, configuration))
    }

    var districtReadinessChecks: [ReadinessCheck] {
        guard let district else { return [] }
        let store = store
        return [
            ReadinessCheck("district") {
                let backlog = try? await store.outboxBacklog()
                let outbox = backlog.map { "outbox: \($0.pending) pending, \($0.failed) refused" } ?? "outbox unreadable"
                var warnings: [String] = []
                if let backlog, backlog.failed > 0 {
                    warnings.append("\(backlog.failed) outbox records were refused by the district store; see GET /v1/district")
                }
                switch await district.state() {
                case .ready(let version):
                    return .ready("\(district.location), schema version \(version); \(outbox)", warnings: warnings)
                case .unreachable(let problem):
                    // The terminal still serves filings and tickets offline: a warning, not a stop,
                    // naming the cause for the technician.
                    let cause = problem.map { "district store unreachable (\($0.cause.rawValue)): \($0.message.en)" }
                    return .ready("\(district.location) unreachable; \(outbox)",
                                  warnings: [cause ?? DistrictStoreUnavailable().message.en] + warnings)
                case .failed(let reason):
                    return .notReady(reason)
                }
            },
        ]
    }

    /// `GET /v1/district`: the district store's state and the outbox backlog.
    var districtStatus: @Sendable () async -> DistrictStatus {
        guard let district else { return { .standalone } }
        let store = store
        return {
            var status = DistrictStatus(mode: "district", store: district.location)
            status.outbox = try? await store.outboxBacklog()
            switch await district.state() {
            case .ready(let version):
                status.state = "ready"
                status.schemaVersion = version
            case .unreachable(let problem):
                status.state = "unreachable"
                status.cause = problem?.cause.rawValue
                status.reason = problem?.message ?? DistrictStoreUnavailable().message
            case .failed(let reason):
                status.state = "failed"
                status.reason = reason
            }
            return status
        }
    }
}
