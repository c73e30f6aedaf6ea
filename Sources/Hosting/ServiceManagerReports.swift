import KioskCore
import KioskServer
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// What `kiosk serve` tells systemd (`Type=notify`): `READY=1` once `/readyz` would answer 200
/// but for the devices (a missing printer is told in the status line, never a failed start),
/// `STATUS=` lines a technician reads in `systemctl status kiosk`, `WATCHDOG=1` every half
/// watchdog interval while the server's event loops answer, and `STOPPING=1` as soon as the stop
/// begins. Listed at the end of the service group (before `StopDeadline`), so it hears of the stop
/// before the services that take time to stop.
public struct ServiceManagerReports: Service {
    let notifier: ServiceManagerNotifier
    /// Half of `WATCHDOG_USEC`; nil when the unit has no watchdog.
    let watchdogInterval: Duration?
    let readiness: [ReadinessCheck]
    let server: ServerStarted
    /// The address the screen uses, for the status line (`http://127.0.0.1:8080`).
    let address: String
    let loops: EventLoopResponsiveness
    let logger: Logger

    public init(notifier: ServiceManagerNotifier, watchdogInterval: Duration?, readiness: [ReadinessCheck], server: ServerStarted,
                address: String, loops: EventLoopResponsiveness, logger: Logger) {
        self.notifier = notifier
        self.watchdogInterval = watchdogInterval
        self.readiness = readiness
        self.server = server
        self.address = address
        self.loops = loops
        self.logger = logger
    }

    /// How often readiness is checked while starting, and afterwards for the status line.
    static let startingPoll: Duration = .milliseconds(20)
    static let runningPoll: Duration = .seconds(5)

    public func run() async {
        notifier.send([ServiceManagerNotifier.status("starting")])
        await withGracefulShutdownHandler {
            await cancelWhenGracefulShutdown { [self] in
                await withDiscardingTaskGroup { group in
                    if let watchdogInterval {
                        group.addTask { await keepWatchdogFed(every: watchdogInterval) }
                    }
                    group.addTask { await reportReadiness() }
                }
            }
        } onGracefulShutdown: { [notifier] in
            notifier.send(["STOPPING=1", ServiceManagerNotifier.status("stopping: finishing the requests in flight")])
        }
    }

    private func reportReadiness() async {
        var isReady = false
        var lastStatus = ""
        while !Task.isCancelled {
            if server.isRunning {
                let report = await ReadinessReport.run(readiness)
                let status = Self.statusLine(report, address: address)
                if Self.started(report, readiness) && !isReady {
                    isReady = true
                    notifier.send(["READY=1", ServiceManagerNotifier.status(status)])
                    logger.notice("kiosk is ready", metadata: ["http.address": "\(address)"])
                } else if status != lastStatus {
                    notifier.send([ServiceManagerNotifier.status(status)])
                }
                lastStatus = status
            }
            try? await Task.sleep(for: isReady ? Self.runningPoll : Self.startingPoll)
        }
    }

    /// A hung server gets no ping, and systemd restarts it after `WatchdogSec=`.
    private func keepWatchdogFed(every interval: Duration) async {
        var wasHealthy = true
        while !Task.isCancelled {
            let healthy = loops.probe()
            if healthy {
                notifier.send(["WATCHDOG=1"])
            } else if wasHealthy {
                logger.error("an event loop of the server stopped answering; the watchdog is no longer fed")
            }
            wasHealthy = healthy
            try? await Task.sleep(for: interval)
        }
    }

    /// Whether every check that holds the start (all but the devices) is ready.
    static func started(_ report: ReadinessReport, _ checks: [ReadinessCheck]) -> Bool {
        zip(report.components, checks).allSatisfy { component, check in component.ready || !check.holdsStartup }
    }

    /// One line for `systemctl status`: ready or not, and why not, from the same checks as `/readyz`.
    static func statusLine(_ report: ReadinessReport, address: String) -> String {
        guard report.ready else {
            let reasons = report.components.filter { !$0.ready }.map { "\($0.name): \($0.reason?.en ?? "not ready")" }
            return "not ready at \(address): " + reasons.joined(separator: "; ")
        }
        let warnings = report.components.reduce(0) { $0 + ($1.warnings?.count ?? 0) }
        return "ready at \(address)" + (warnings == 0 ? "" : "; \(warnings) warning\(warnings == 1 ? "" : "s") (see \(address)/readyz)")
    }
}

/// Set once the HTTP server listens: before that `/readyz` cannot answer at all.
public final class ServerStarted: Sendable {
    public init() {}

    private let running = Mutex(false)
    public var isRunning: Bool { running.withLock { $0 } }
    public func markRunning() { running.withLock { $0 = true } }
}

/// Whether every event loop of the server still runs what it is given: each probe asks every
/// loop to run a small task and reports whether all of them ran the one asked the time before.
/// A loop blocked by a stuck handler never runs it, so the next probe says unhealthy.
public final class EventLoopResponsiveness: Sendable {
    private let loops: [any EventLoop]
    private let answered: Mutex<[Bool]>

    public init(_ group: any EventLoopGroup) {
        loops = Array(group.makeIterator())
        answered = Mutex(Array(repeating: true, count: loops.count))
    }

    func probe() -> Bool {
        let healthy = answered.withLock { flags in
            defer { flags = Array(repeating: false, count: flags.count) }
            return flags.allSatisfy { $0 }
        }
        for (index, loop) in loops.enumerated() {
            loop.execute { [self] in answered.withLock { $0[index] = true } }
        }
        return healthy
    }
}
