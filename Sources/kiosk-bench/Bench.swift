import ArgumentParser
import Foundation
import KioskBench
import KioskConfig

/// `kiosk-bench [NAME…]`: the benchmarks, in an executable of their own so that the shipped
/// `kiosk` links none of what they start (a private PostgreSQL, worker processes, the test kit).
/// It starts the `kiosk` built beside it where a figure needs the real server.
@main
struct KioskBenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kiosk-bench",
        abstract: "Measure the figures the issues ask for (build with -c release for real numbers).",
        subcommands: [Run.self, DistrictWorker.self],
        defaultSubcommand: Run.self)
}

struct Run: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the named benchmarks (default: all but those that need hardware).")

    @Option(name: .long, help: "Configuration file (default: $KIOSK_CONFIG, else ./kiosk.conf).")
    var config: String?

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @Option(help: "How many filings `lifecycle` fills (default 1,000,000).")
    var filings: Int = LifecycleBenchmarks.defaultFilings

    @Argument(help: "Benchmarks to run: \(Benchmarks.allNames.joined(separator: ", ")) (default: all but usbprint, which needs a USB printer or its emulator).")
    var names: [String] = []

    func run() throws {
        let unknown = names.filter { !Benchmarks.allNames.contains($0) }
        guard unknown.isEmpty else {
            throw ValidationError("unknown benchmark \(unknown.joined(separator: ", ")); choose from \(Benchmarks.allNames.joined(separator: ", "))")
        }
        guard filings > 0 else { throw ValidationError("--filings is a positive number") }
        let configFile = config ?? ProcessInfo.processInfo.environment[ConfigurationLoader.fileVariable] ?? "kiosk.conf"
        let figures = try Benchmarks.run(names.isEmpty ? Benchmarks.names : names, configFile: configFile, filings: filings)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(figures), as: UTF8.self))
        } else {
            for figure in figures {
                let value = figure.value >= 100 ? String(format: "%.0f", figure.value) : String(format: "%.3f", figure.value)
                print("\(figure.name): \(value) \(figure.unit)" + (figure.target.map { "  (target \($0))" } ?? ""))
            }
        }
    }
}
