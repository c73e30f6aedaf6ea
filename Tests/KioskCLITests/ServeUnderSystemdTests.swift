import Foundation
import KioskTesting
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `kiosk serve` as kiosk.service runs it: systemd's notification socket (a real unix datagram
/// socket the test listens on), a watchdog, and a stop that always ends.
@Suite("kiosk serve under systemd", .serialized, .waitsOffPool)
struct ServeUnderSystemdTests {
    /// Every datagram the server sends, with the time it arrived.
    final class Notifications: Sendable {
        private let received = Mutex<[(at: ContinuousClock.Instant, text: String)]>([])
        private let listener: DatagramListener

        init(_ listener: DatagramListener) {
            self.listener = listener
            Thread.detachNewThread { [self] in
                while let datagram = listener.receive(timeout: 120) {
                    let text = String(decoding: datagram, as: UTF8.self)
                    received.withLock { $0.append((.now, text)) }
                }
            }
        }

        var all: [(at: ContinuousClock.Instant, text: String)] { received.withLock { $0 } }

        func assignments(_ prefix: String) -> [(at: ContinuousClock.Instant, text: String)] {
            all.flatMap { entry in entry.text.split(separator: "\n").map { (entry.at, String($0)) } }.filter { $0.text.hasPrefix(prefix) }
        }

        /// Waits until an assignment starting with `prefix` arrives; nil after `limit`.
        func first(_ prefix: String, within limit: Duration) async throws -> String? {
            var found: String?
            _ = try await eventually(within: limit) {
                found = assignments(prefix).first?.text
                return found != nil
            }
            return found
        }
    }

    static func serve(_ installation: TestInstallation, notifySocket: String, watchdogMicroseconds: Int? = nil)
        throws -> (process: ChildProcess, port: Int, stderr: Pipe) {
        let port = try ListeningSocket.freePort()
        var environment = ["KIOSK_LISTEN": "127.0.0.1:\(port)", "NOTIFY_SOCKET": notifySocket]
        if let watchdogMicroseconds { environment["WATCHDOG_USEC"] = String(watchdogMicroseconds) }
        let (process, _, err) = try KioskProcess.start(["serve"], environment: environment, in: installation.root)
        return (process, port, err)
    }

    @Test func readyWhenReadyzAnswers200ThenWatchdogThenStopping() async throws {
        let installation = try TestInstallation(config: "[log]\nformat = \"json\"\n")
        defer { installation.remove() }
        let directory = try ScratchDirectory(prefix: "kiosk-notify")
        let notifications = Notifications(try DatagramListener(directory: directory.path))
        let watchdog = 2_000_000
        let (process, port, err) = try Self.serve(installation, notifySocket: directory.path + "/notify.socket",
                                                  watchdogMicroseconds: watchdog)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        #expect(try await notifications.first("READY=1", within: .seconds(60)) != nil)
        // READY=1 came with the status line, and /readyz agrees at once.
        #expect(notifications.all.first?.text == "STATUS=starting")
        let ready = try #require(notifications.all.first { $0.text.hasPrefix("READY=1") })
        #expect(ready.text == "READY=1\nSTATUS=ready at http://127.0.0.1:\(port)")
        #expect(RawHTTP.send(port: port, path: "/readyz")?.status == 200)

        // Pings at half of WATCHDOG_USEC: about one a second, never a gap the watchdog would
        // notice (2 s).
        let firstPing = try #require(notifications.assignments("WATCHDOG=1").first).at
        try await Task.sleep(for: .seconds(6))
        let pings = notifications.assignments("WATCHDOG=1").map(\.at).filter { $0 >= firstPing }
        let gaps = zip(pings.dropFirst(), pings).map { ($0 - $1) }
        #expect(pings.count >= 5, "\(pings.count) pings in 6 s at a 1 s cadence")
        #expect(gaps.allSatisfy { $0 < .microseconds(watchdog) }, "gaps \(gaps)")
        #expect(gaps.allSatisfy { $0 > .milliseconds(500) }, "pings come at half the watchdog interval, not faster: \(gaps)")

        kill(process.processIdentifier, SIGTERM)
        let log = await Tool.finish(process, err)
        #expect(process.terminationStatus == 0)
        let stopping = try #require(notifications.all.first { $0.text.hasPrefix("STOPPING=1") })
        #expect(stopping.text == "STOPPING=1\nSTATUS=stopping: finishing the requests in flight")
        #expect(log.contains(#""message":"kiosk stopped""#))
        #expect(log.contains(#""message":"kiosk is ready""#))
    }

    /// Without a form to offer, /readyz answers 503: no READY=1, and the status says why.
    @Test func notReadyIsNeverReportedReady() async throws {
        let installation = try TestInstallation(config: "[log]\nformat = \"json\"\n", shippedForms: false)
        defer { installation.remove() }
        let directory = try ScratchDirectory(prefix: "kiosk-notify")
        let notifications = Notifications(try DatagramListener(directory: directory.path))
        let (process, port, err) = try Self.serve(installation, notifySocket: directory.path + "/notify.socket")
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        let status = try await notifications.first("STATUS=not ready", within: .seconds(60))
        #expect(status == "STATUS=not ready at http://127.0.0.1:\(port): forms: no valid form is loaded (0 problems; see kiosk forms validate)")
        #expect(RawHTTP.send(port: port, path: "/readyz")?.status == 503)
        try await Task.sleep(for: .seconds(1))   // what must not come has no event: a second passes
        #expect(notifications.assignments("READY=1").isEmpty)
        #expect(notifications.assignments("WATCHDOG=1").isEmpty, "no WATCHDOG_USEC, no pings")
        kill(process.processIdentifier, SIGTERM)
        _ = await Tool.finish(process, err)
        #expect(process.terminationStatus == 0)
    }
}
