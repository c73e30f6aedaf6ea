import Foundation
import Logging
import ServiceLifecycle

/// Finds the devices of one kind of connection (simulated, libusb, CUPS, serial).
public protocol DeviceProvider: Sendable {
    /// The devices reachable now. Called at start and on every rescan; must return the same
    /// `Device` instance for a device that is still there.
    func discover() async -> [any Device]
}

/// Keeps the terminal's devices: discovers them, notices when one goes away or comes back, and
/// publishes what changed. Rescans quickly while a known device is missing (an unplugged printer
/// is usually plugged back in within seconds) and backs off to `maximumInterval` after that.
public final class DeviceManager: Service, Sendable {
    public let events = EventBus<DeviceEvent>()
    let providers: [any DeviceProvider]
    let registry = Registry()
    let interval: Duration
    let maximumInterval: Duration
    let logger: Logger

    public init(providers: [any DeviceProvider], rescanInterval: Duration = .seconds(5),
                maximumInterval: Duration = .seconds(60), logger: Logger) {
        self.providers = providers
        self.interval = rescanInterval
        self.maximumInterval = maximumInterval
        self.logger = logger
    }

    public func devices() async -> [any Device] { await registry.all() }

    public func device(id: String) async -> (any Device)? { await registry.device(id: id) }

    /// Whether a device is known but currently unreachable.
    public func isOffline(_ id: String) async -> Bool { await registry.isOffline(id) }

    public func run() async throws {
        var wait = interval
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            let missing = await rescan()
            wait = missing ? min(wait * 2, maximumInterval) : interval
            try? await Task.sleep(for: missing ? min(interval, wait) : wait)
        }
        await events.finish()
    }

    /// Discovers devices now; returns whether a known device is missing.
    @discardableResult
    public func rescan() async -> Bool {
        var found: [any Device] = []
        for provider in providers { found += await provider.discover() }
        let changes = await registry.update(found)
        for id in changes.arrived {
            logger.info("device connected", metadata: ["device.id": "\(id)"])
            if let device = await registry.device(id: id) {
                await events.publish(.stateChanged(deviceID: id, await device.state()))
            }
        }
        for id in changes.left {
            logger.warning("device disconnected", metadata: ["device.id": "\(id)"])
            await events.publish(.stateChanged(deviceID: id, .offline))
            await events.publish(.fault(deviceID: id, .offline))
        }
        return await registry.hasOffline()
    }

    actor Registry {
        private var known: [String: any Device] = [:]
        private var order: [String] = []
        private var offline: Set<String> = []

        func all() -> [any Device] { order.compactMap { known[$0] } }
        func device(id: String) -> (any Device)? { known[id] }
        func isOffline(_ id: String) -> Bool { offline.contains(id) }
        func hasOffline() -> Bool { !offline.isEmpty }

        func update(_ found: [any Device]) -> (arrived: [String], left: [String]) {
            let present = Set(found.map(\.info.id))
            var arrived: [String] = []
            for device in found where known[device.info.id] == nil || offline.contains(device.info.id) {
                if known[device.info.id] == nil { order.append(device.info.id) }
                known[device.info.id] = device
                offline.remove(device.info.id)
                arrived.append(device.info.id)
            }
            let left = order.filter { !present.contains($0) && !offline.contains($0) }
            offline.formUnion(left)
            return (arrived, left)
        }
    }
}
