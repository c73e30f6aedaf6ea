import Foundation
import Logging
import ServiceLifecycle

/// Finds the devices of one kind of connection (simulated, libusb, CUPS, serial).
public protocol DeviceProvider: Sendable {
    /// The devices reachable now. Called at start and on every rescan; must return the same
    /// `Device` instance for a device that is still there.
    func discover() async -> [any Device]
}

/// Tells the manager at once when devices may have come or gone (libusb hotplug), so an
/// unplugged printer is marked offline, and a plugged-in one found, without waiting for the
/// next periodic rescan.
public protocol DeviceChangeSource: Sendable {
    /// Calls `changed` on every arrival or removal until the task is cancelled. Returns at
    /// once where the system cannot report changes; the periodic rescan then notices them.
    func watch(_ changed: @escaping @Sendable () async -> Void) async
}

/// Keeps the terminal's devices: discovers them, notices when one goes away or comes back, and
/// publishes what changed. Rescans quickly while a known device is missing (an unplugged printer
/// is usually plugged back in within seconds) and backs off to `maximumInterval` after that.
/// A change source (hotplug) cuts the wait short: a burst of changes during a rescan makes
/// one more rescan, not one per change.
public final class DeviceManager: Service, Sendable {
    public let events = EventBus<DeviceEvent>()
    let providers: [any DeviceProvider]
    let changeSources: [any DeviceChangeSource]
    let wakeup = Wakeup()
    let registry = Registry()
    let interval: Duration
    let maximumInterval: Duration
    let logger: Logger

    public init(providers: [any DeviceProvider], changeSources: [any DeviceChangeSource] = [],
                rescanInterval: Duration = .seconds(5), maximumInterval: Duration = .seconds(60), logger: Logger) {
        self.providers = providers
        self.changeSources = changeSources
        self.interval = rescanInterval
        self.maximumInterval = maximumInterval
        self.logger = logger
    }

    public func devices() async -> [any Device] { await registry.all() }

    public func device(id: String) async -> (any Device)? { await registry.device(id: id) }

    /// Whether a device is known but currently unreachable.
    public func isOffline(_ id: String) async -> Bool { await registry.isOffline(id) }

    public func run() async throws {
        await withDiscardingTaskGroup { group in
            for source in changeSources {
                group.addTask { [wakeup] in
                    await source.watch { await wakeup.signal() }
                }
            }
            var missingWait: Duration?
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                missingWait = await rescan() ? Self.backoff(after: missingWait, maximum: maximumInterval) : nil
                await wakeup.wait(upTo: missingWait ?? interval)
            }
            group.cancelAll()
        }
        await events.finish()
    }

    /// The wait before the next rescan while a device is missing: a second at first, then
    /// twice the last, up to `maximum`.
    static func backoff(after previous: Duration?, maximum: Duration) -> Duration {
        guard let previous else { return min(.seconds(1), maximum) }
        return min(previous * 2, maximum)
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

    /// Lets a change source end the wait between rescans early. A signal that comes while no
    /// one waits (during a rescan) is kept, as one, so the change it reports is not missed.
    actor Wakeup {
        private var pending = false
        private var waiter: CheckedContinuation<Void, Never>?

        func signal() {
            if let waiter {
                self.waiter = nil
                waiter.resume()
            } else {
                pending = true
            }
        }

        /// Returns after `duration`, on a signal, or when the task is cancelled.
        func wait(upTo duration: Duration) async {
            if pending {
                pending = false
                return
            }
            await withTaskGroup(of: Void.self) { group in
                group.addTask { try? await Task.sleep(for: duration) }
                group.addTask { await self.nextSignal() }
                await group.next()
                group.cancelAll()
            }
        }

        private func nextSignal() async {
            await withTaskCancellationHandler {
                await withCheckedContinuation { continuation in
                    if pending {
                        pending = false
                        continuation.resume()
                    } else if Task.isCancelled {
                        continuation.resume()
                    } else {
                        waiter = continuation
                    }
                }
            } onCancel: {
                Task { await self.stopWaiting() }
            }
        }

        private func stopWaiting() {
            waiter?.resume()
            waiter = nil
        }
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
