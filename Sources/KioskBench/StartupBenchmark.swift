import Foundation
import KioskTesting
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Time from starting `kiosk serve` to `/readyz` answering 200 and to its `READY=1` on a
/// notification socket (what systemd waits for before it starts the screen), and resident
/// memory when idle.
///
/// It starts the `kiosk` built beside it as a child with a fresh data directory and a free loopback
/// port, polls `/readyz` over a plain socket (`RawHTTP`: no HTTP client library, so the probe
/// costs nothing measurable), reads `VmRSS` from `/proc` after the server has been idle, and stops it with
/// SIGTERM — the same way a terminal's supervisor does.
public enum StartupBenchmark {
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public static func run(configFile: String, runs: Int = 5, idleSeconds: Double = 2) throws -> [Figure] {
        let dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("kiosk-bench-\(getpid())").path
        defer { try? FileManager.default.removeItem(atPath: dataDirectory) }
        var firstStart = 0.0
        var warmStarts: [Double] = []
        var notifiedReady: [Double] = []
        var idleRSS = 0.0
        for index in 0..<runs {
            let port = try ListeningSocket.freePort()
            let process = ChildProcess()
            process.executableURL = Benchmarks.kiosk
            process.arguments = ["serve", "--config", configFile]
            var environment = ProcessInfo.processInfo.environment
            environment["KIOSK_LISTEN"] = "127.0.0.1:\(port)"
            environment["KIOSK_DATA_DIR"] = dataDirectory
            environment["KIOSK_LOG_LEVEL"] = "warning"
            let notify = try DatagramListener(directory: NSTemporaryDirectory(), name: "kiosk-bench-\(getpid())-\(index).notify")
            environment["NOTIFY_SOCKET"] = notify.address
            process.environment = environment
            let clock = ContinuousClock()
            let start = clock.now
            let readyNotification = Mutex<Double?>(nil)
            Thread.detachNewThread {
                while let datagram = notify.receive(timeout: 30) {
                    guard String(decoding: datagram, as: UTF8.self).split(separator: "\n").contains("READY=1") else { continue }
                    readyNotification.withLock { $0 = (clock.now - start).seconds }
                    return
                }
            }
            try process.run()
            defer {
                if process.isRunning {
                    kill(process.processIdentifier, SIGTERM)
                    process.waitUntilExit()
                }
            }
            var ready = false
            while !ready {
                guard process.isRunning else { throw Failure(description: "kiosk serve exited with status \(process.terminationStatus)") }
                guard clock.now - start < .seconds(30) else { throw Failure(description: "/readyz did not answer 200 within 30 s") }
                ready = RawHTTP.send(port: port, path: "/readyz")?.status == 200
                if !ready { usleep(1000) }
            }
            let seconds = (clock.now - start).seconds
            for _ in 0..<3000 where readyNotification.withLock({ $0 }) == nil { usleep(1000) }
            guard let notified = readyNotification.withLock({ $0 }) else { throw Failure(description: "no READY=1 within 3 s of /readyz") }
            notifiedReady.append(notified)
            if index == 0 {
                firstStart = seconds
                Thread.sleep(forTimeInterval: idleSeconds)
                idleRSS = residentMebibytes(pid: process.processIdentifier)
            } else {
                warmStarts.append(seconds)
            }
        }
        warmStarts.sort()
        let warmReady = notifiedReady.dropFirst().sorted()
        return [
            Figure(name: "startup to /readyz 200, new database", value: firstStart, unit: "s", target: "< 0.5 s"),
            Figure(name: "startup to /readyz 200, existing database (median of \(warmStarts.count))",
                   value: warmStarts.isEmpty ? firstStart : warmStarts[warmStarts.count / 2], unit: "s", target: "< 0.5 s"),
            Figure(name: "startup to READY=1 (systemd's notification), new database", value: notifiedReady[0], unit: "s"),
            Figure(name: "startup to READY=1 (systemd's notification), existing database (median of \(warmReady.count))",
                   value: warmReady.isEmpty ? notifiedReady[0] : warmReady[warmReady.count / 2], unit: "s"),
            Figure(name: "resident memory when idle", value: idleRSS, unit: "MiB", target: "< 64 MiB"),
        ]
    }

    static func residentMebibytes(pid: Int32) -> Double {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kibibytes = Double(line.split(separator: " ").dropFirst().first ?? "")
        else { return .nan }
        return kibibytes / 1024
    }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
