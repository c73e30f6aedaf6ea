import Foundation

/// The registry behind `kiosk-bench`: every figure an issue asks for, by name.
public enum Benchmarks {
    static let modules: [(name: String, run: @Sendable () -> [Figure])] = [
        ("jsonlogic", JSONLogicBenchmarks.run),
        ("idcard", IDCardBenchmarks.run),
        ("booking", BookingBenchmarks.run),
        ("bookingstore", BookingStoreBenchmarks.run),
        ("escpos", ESCPOSBenchmarks.run),
        ("receipt", ReceiptPrinterBenchmarks.run),
        ("forms", FormEngineBenchmarks.run),
        ("secrets", SecretsBenchmarks.run),
        ("webhooks", WebhookBenchmarks.run),
    ]
    /// Run only when named: they need hardware (or its emulator), or a PostgreSQL installation, beside them.
    static let hardware: [(name: String, run: @Sendable () -> [Figure])] = [
        ("usbprint", USBPrintBenchmark.run),
        ("idlepoll", IdlePollBenchmark.run),
        // Starts a private PostgreSQL (Debian's postgresql) and kiosk worker processes.
        ("district", DistrictBenchmarks.run),
        // The same, each booking then rescheduled and checked in.
        ("district-changes", DistrictBenchmarks.runChanges),
        // The same, each place held, then the hold confirmed (the citizens' HTTP path).
        ("district-holds", DistrictBenchmarks.runHolds),
        // Starts a private PostgreSQL; fills and drains a terminal's outbox.
        ("outbox", OutboxBenchmark.run),
        // Starts a private PostgreSQL; 1,000 terminals' heartbeats over one minute (the fleet view).
        ("heartbeat", HeartbeatBenchmark.run),
    ]

    /// What `kiosk-bench` runs when none is named.
    public static var names: [String] { ["startup"] + modules.map(\.name) }
    /// Start `kiosk serve` as a child, like `startup`, but only when named.
    static let serving = ["guessing", "speech"]
    /// Fills a million filings into SQLite and a private PostgreSQL (minutes): only when named.
    static let filling = ["lifecycle"]
    public static var allNames: [String] { names + hardware.map(\.name) + serving + filling }

    /// The `kiosk` executable the benchmarks start (`serve`, `logic eval`): the one built beside
    /// `kiosk-bench`, which holds the benchmarks so that the shipped `kiosk` links no test harness.
    static var kiosk: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("kiosk")
    }

    /// `filings`: how many filings `lifecycle` fills (`kiosk bench lifecycle --filings N`).
    public static func run(_ selected: [String], configFile: String, filings: Int = LifecycleBenchmarks.defaultFilings) throws -> [Figure] {
        var figures: [Figure] = []
        for name in selected {
            if name == "lifecycle" {
                figures += LifecycleBenchmarks.run(filings: filings)
            } else if name == "startup" {
                figures += try StartupBenchmark.run(configFile: configFile)
            } else if name == "guessing" {
                figures += try CodeGuessingBenchmark.run(configFile: configFile)
            } else if name == "speech" {
                figures += try SpeechBenchmark.run(configFile: configFile)
            } else if let module = (modules + hardware).first(where: { $0.name == name }) {
                figures += module.run()
            }
        }
        return figures
    }
}
