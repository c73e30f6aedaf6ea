import Foundation
import KioskTesting

/// `kiosk-bench outbox`: a terminal's outbox filled with 100,000 filings while the district's
/// PostgreSQL (a private server, default durability settings) is down, then drained when it is
/// back, as `DistrictBenchmarks` drains its smaller outbox; and the WAL the district wrote for
/// it, per filing (what a district's DBA sizes `max_wal_size` by, README "District mode").
public enum OutboxBenchmark {
    static let filings = 100_000

    public static func run() -> [Figure] {
        measuredFigures("outbox") {
            try await PrivatePostgres.withPrivate(options: "") { cluster in
                let before = try await cluster.psql("SELECT pg_current_wal_lsn()").trimmingCharacters(in: .whitespacesAndNewlines)
                let rate = try await DistrictBenchmarks.drainAfterOutage(cluster, filings: filings)
                let written = try await cluster.psql("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '\(before)')")
                return [Figure(name: "outbox: filings drained after an outage (\(filings) filings, oldest first, each once)",
                               value: rate, unit: "/s", target: "≥ 10,000/s"),
                        Figure(name: "outbox: WAL written per filing (the drain, with the district's schema)",
                               value: (Double(written.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) / Double(filings),
                               unit: "bytes")]
            }
        }
    }
}
