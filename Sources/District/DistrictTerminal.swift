import Booking
import FormEngine
import Foundation
import KioskCore
import KioskServer
import Storage
import StoragePostgres

/// What a terminal in district mode is made of, for the composition root: where filings and
/// bookings go, and how the district store's health is reported. The types behind them stay in
/// this module.
public enum DistrictTerminal {
    /// Filings recorded on the terminal and queued for the district in one transaction.
    public static func filingArchive(local: SQLiteStore, terminalID: String,
                                     now: @escaping @Sendable () -> Date) -> any FilingArchive {
        DistrictFilingArchive(local: local, terminalID: terminalID, now: now)
    }

    /// The district's booking store, with the terminal's own for tickets and ratings while the
    /// district store is unreachable.
    public static func ledger(district: PostgresBookingStore, local: SQLiteBookingStore, outbox: SQLiteStore,
                              terminalID: String) -> any BookingLedger {
        DistrictLedger(district: district, local: local, outbox: outbox, terminalID: terminalID)
    }

    /// `/readyz`'s `district` component: ready while the store is unreachable (the terminal
    /// serves filings and tickets offline), with a warning; not ready only when it failed.
    public static func readinessCheck(district: PostgresStore, outbox store: SQLiteStore) -> ReadinessCheck {
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
                let cause = problem.map { problem in
                    let what = problem.cause == .migrationPending ? "not migrated yet" : "unreachable"
                    return "district store \(what) (\(problem.cause.rawValue)): \(problem.message.en)"
                }
                return .ready("\(district.location) unreachable; \(outbox)",
                              warnings: [cause ?? DistrictStoreUnavailable().message.en] + warnings)
            case .failed(let reason):
                return .notReady(reason)
            }
        }
    }

    /// `GET /v1/district`: the district store's state and the outbox backlog.
    public static func status(district: PostgresStore, outbox store: SQLiteStore) -> @Sendable () async -> DistrictStatus {
        {
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
