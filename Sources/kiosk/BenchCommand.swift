import ArgumentParser
import Foundation

/// `kiosk bench NAME…`: the benchmarks live in `kiosk-bench`, built beside `kiosk`, so that the
/// shipped binary links none of what they start (a private PostgreSQL, worker processes, the test
/// kit). This command only hands its arguments over, so the figures keep one name everywhere.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure the figures the issues ask for (runs kiosk-bench, built beside kiosk and not shipped).")

    @Argument(parsing: .captureForPassthrough, help: "Arguments for kiosk-bench (benchmark names, --json, --config FILE).")
    var arguments: [String] = []

    func run() throws {
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let bench = executable.deletingLastPathComponent().appendingPathComponent("kiosk-bench").path
        guard FileManager.default.isExecutableFile(atPath: bench) else {
            throw ValidationError("""
                \(bench) is not here: the benchmarks are built from the source tree (swift build; \
                make bench for release figures) and are not part of the installed package.
                """)
        }
        let argv = ([bench] + arguments).map { strdup($0) } + [nil]
        execv(bench, argv)
        throw ValidationError("could not start \(bench): \(String(cString: strerror(errno)))")
    }
}
