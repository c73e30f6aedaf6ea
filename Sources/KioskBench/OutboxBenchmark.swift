import KioskTesting

/// `kiosk-bench outbox`: a terminal's outbox filled with 100,000 filings while the district's
/// PostgreSQL (a private server, default durability settings) is down, then drained when it is
/// back, as `DistrictBenchmarks` drains its smaller outbox.
public enum OutboxBenchmark {
    static let filings = 100_000

    public static func run() -> [Figure] {
        measuredFigures("outbox") {
            try await PrivatePostgres.withPrivate(options: "") { cluster in
                let rate = try await DistrictBenchmarks.drainAfterOutage(cluster, filings: filings)
                return [Figure(name: "outbox: filings drained after an outage (\(filings) filings, oldest first, each once)",
                               value: rate, unit: "/s", target: "≥ 10,000/s")]
            }
        }
    }
}
