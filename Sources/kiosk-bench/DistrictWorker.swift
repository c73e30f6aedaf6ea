import ArgumentParser
import Foundation
import KioskBench
import Secrets

/// One terminal process of a district load (the concurrency test and `kiosk-bench district`
/// start several): books through its own connection pool and prints what happened as JSON.
struct DistrictWorker: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "district-worker", abstract: "Book concurrently against a district store (tests and benchmarks).",
        shouldDisplay: false)

    @Option(help: "The district store's postgres:// URL (already migrated).")
    var database: String

    @Option(help: "The district's ID key file (district-id.key).")
    var districtKey: String

    @Option(help: "The load, as JSON (KioskBench.DistrictLoad).")
    var load: String

    func run() async throws {
        let load = try JSONDecoder().decode(DistrictLoad.self, from: Data(load.utf8))
        guard let key = try KeyDirectory.readFile(districtKey) else { throw ValidationError("no such file: \(districtKey)") }
        let result = try await DistrictBenchmarks.work(url: database, districtKey: key, load: load)
        print(String(decoding: try JSONEncoder().encode(result), as: UTF8.self))
    }
}
