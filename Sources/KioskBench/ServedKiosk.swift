import Foundation
import KioskTesting
#if canImport(Glibc)
import Glibc
#endif

/// This executable started as `kiosk serve` on the terminal's own configuration (with its
/// `Devices` and `Forms` directories made absolute, `extra` appended), a fresh data directory
/// and a free loopback port, ready when `start` returns. `stop()` ends it and removes its files.
final class ServedKiosk {
    let port: Int
    private let process: ChildProcess
    private let scratch: URL

    init(configFile: String, name: String, extra: (String) -> String = { $0 }) throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("kiosk-\(name)-\(getpid())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        let config = scratch.appendingPathComponent("kiosk.conf")
        let base = URL(fileURLWithPath: configFile).deletingLastPathComponent().path
        try extra(try String(contentsOfFile: configFile, encoding: .utf8))
            .replacingOccurrences(of: "dir = \"Devices\"", with: "dir = \"\(base)/Devices\"")
            .replacingOccurrences(of: "dir = \"Forms\"", with: "dir = \"\(base)/Forms\"")
            .write(to: config, atomically: true, encoding: .utf8)
        port = try ListeningSocket.freePort()
        process = ChildProcess()
        process.executableURL = Benchmarks.kiosk
        process.arguments = ["serve", "--config", config.path]
        var environment = ProcessInfo.processInfo.environment
        environment["KIOSK_LISTEN"] = "127.0.0.1:\(port)"
        environment["KIOSK_DATA_DIR"] = scratch.appendingPathComponent("var").path
        environment["KIOSK_LOG_LEVEL"] = "error"
        process.environment = environment
        try process.run()
        let clock = ContinuousClock()
        let started = clock.now
        while RawHTTP.send(port: port, path: "/readyz")?.status != 200 {
            guard process.isRunning, clock.now - started < .seconds(30) else {
                stop()
                throw StartupBenchmark.Failure(description: "kiosk serve did not become ready")
            }
            usleep(10_000)
        }
    }

    func stop() {
        if process.isRunning {
            kill(process.processIdentifier, SIGTERM)
            process.waitUntilExit()
        }
        try? FileManager.default.removeItem(at: scratch)
    }
}
