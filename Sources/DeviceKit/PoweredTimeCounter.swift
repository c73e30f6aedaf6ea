import Logging
import ServiceLifecycle
import Synchronization

/// Counts `hoursPowered`: the time each connected device has been powered while the terminal
/// runs. Time is measured on a clock that stops while the machine sleeps, added to the store
/// every `interval` and once more at a graceful shutdown; the store keeps the part of an hour
/// not yet counted, so restarts lose nothing and a crash at most one interval.
public final class PoweredTimeCounter: Service, Sendable {
    let manager: DeviceManager
    let statistics: any StatisticsStore
    let interval: Duration
    let logger: Logger
    /// The fraction of a second not yet passed to the store.
    private let fraction = Mutex(Duration.zero)

    public init(manager: DeviceManager, statistics: any StatisticsStore, interval: Duration = .seconds(60), logger: Logger) {
        self.manager = manager
        self.statistics = statistics
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        let clock = SuspendingClock()
        var last = clock.now
        while !Task.isCancelled {
            let stopping: Bool
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: self.interval, clock: clock) }
                stopping = Task.isShuttingDownGracefully
            } catch {
                stopping = true
            }
            let now = clock.now
            await record(elapsed: now - last)
            last = now
            if stopping { return }
        }
    }

    /// Adds `elapsed` to every device that is connected now.
    public func record(elapsed: Duration) async {
        let seconds = fraction.withLock { fraction -> Int64 in
            fraction += elapsed
            let whole = max(fraction.components.seconds, 0)
            fraction -= .seconds(whole)
            return whole
        }
        guard seconds > 0 else { return }
        for device in await manager.devices() where device.statisticNames.contains("hoursPowered") {
            guard await !manager.isOffline(device.info.id) else { continue }
            do {
                try await statistics.addPoweredTime(seconds: seconds, deviceID: device.info.id)
            } catch {
                logger.error("powered time not stored", metadata: ["device.id": "\(device.info.id)", "error": "\(error)"])
            }
        }
    }
}
