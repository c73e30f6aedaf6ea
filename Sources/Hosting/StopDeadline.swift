import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Bounds how long `kiosk serve` takes to stop. The service group finishes requests in flight
/// for `graceful`; after that it cancels what is left (an event stream, a request whose body
/// never arrives), which ends those responses, and the process exits 0 with "kiosk stopped".
/// Should anything still run `cut` later, the process exits 1 with a line saying so, so a stop
/// never waits for systemd's SIGKILL.
public final class StopDeadline: Service, Sendable {
    public let graceful: Duration
    let cut: Duration
    let logger: Logger
    private let requested = Mutex<ContinuousClock.Instant?>(nil)

    public init(graceful: Duration = .seconds(10), cut: Duration = .seconds(5), logger: Logger) {
        self.graceful = graceful
        self.cut = cut
        self.logger = logger
    }

    /// Whether a stop was asked for (SIGTERM, SIGINT), and whether it has outrun `graceful`.
    public var stopRequested: Bool { requested.withLock { $0 != nil } }
    /// The group counts `graceful` from the signal, this service from the moment it hears of
    /// the stop, a little later: a stop the group cut at its deadline reads a little under
    /// `graceful` here, hence the allowance.
    public var gracefulTimeExceeded: Bool {
        requested.withLock { $0.map { ContinuousClock.now - $0 >= graceful - Self.noticeAllowance } ?? false }
    }
    static let noticeAllowance: Duration = .milliseconds(500)

    public func run() async throws {
        do {
            try await gracefulShutdown()
        } catch {
            return  // cancelled before any stop was asked for: the group is failing on its own
        }
        requested.withLock { $0 = .now }
        // A thread, not a task: the last resort must fire even when the cooperative pool is stuck.
        let limit = graceful + cut
        let logger = logger
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: Double(limit.components.seconds) + Double(limit.components.attoseconds) / 1e18)
            logger.critical("kiosk did not stop within \(limit.components.seconds) seconds of the stop request; exiting")
            _exit(1)
        }
    }
}
