import DeviceKit
import Foundation
import KioskCore
import Synchronization

/// A device whose state and status the test sets, claimed exclusively like a real one: for the
/// device manager, the device routes and everything that lists or checks devices.
public actor FakeDevice: Device {
    public nonisolated let info: DeviceInfo
    public nonisolated let statisticNames: [String]
    private var claim = Claim()
    private var currentState: DeviceState = .idle
    private var currentStatus: DeviceStatus

    public init(id: String, kind: DeviceKind = .receiptPrinter, connection: String = "simulated") {
        info = DeviceInfo(id: id, kind: kind, connection: connection)
        statisticNames = StatisticNames.names(for: kind)
        currentStatus = kind == .receiptPrinter ? DeviceStatus(paper: .ok, cover: .closed, cutter: .ok)
            : DeviceStatus(card: .noCard, sam: .ok)
    }

    public func state() -> DeviceState { currentState }
    public func status() -> DeviceStatus { currentStatus }
    public func claim(owner: String) throws(DeviceFault) { try claim.claim(by: owner) }
    public func release(owner: String) { claim.release(by: owner) }

    /// An internal check queries the state; an external one passes while the device is idle.
    public func healthCheck(_ level: HealthCheckLevel) -> HealthCheckResult {
        HealthCheckResult(deviceID: info.id, level: level,
                          steps: [.init(name: level == .internal ? "query" : "exercise", passed: currentState == .idle,
                                        detail: currentState.rawValue,
                                        message: .init(zh: "状态：\(currentState.rawValue)", en: "state: \(currentState.rawValue)"))])
    }

    public func set(state: DeviceState) { currentState = state }
    public func set(status: DeviceStatus) { currentStatus = status }
}

/// Discovers its devices while `present` (plugged in), none otherwise, and counts its scans so a
/// test can wait for the manager to have looked (`scanned(atLeast:)`) instead of sleeping.
public final class FakeDeviceProvider: DeviceProvider {
    private struct State {
        var devices: [any Device]
        var present: Bool
        var holding = false
        var held: [CheckedContinuation<Void, Never>] = []
    }

    private let state: Mutex<State>
    private let scanCount = Tally()

    public init(_ devices: [any Device] = [], present: Bool = true) {
        state = Mutex(State(devices: devices, present: present))
    }

    /// The devices it finds while present.
    public var devices: [any Device] {
        get { state.withLock { $0.devices } }
        set { state.withLock { $0.devices = newValue } }
    }

    /// Whether the next scan finds the devices (plugged in) or nothing (unplugged).
    public var present: Bool {
        get { state.withLock { $0.present } }
        set { state.withLock { $0.present = newValue } }
    }

    public var scans: Int { scanCount.count }

    /// Keeps every scan that begins from here on busy until `releaseScans()`, so a test can act
    /// while the manager is known to be scanning.
    public func holdScans() { state.withLock { $0.holding = true } }

    public func releaseScans() {
        let held = state.withLock { state in
            state.holding = false
            defer { state.held = [] }
            return state.held
        }
        for continuation in held { continuation.resume() }
    }

    public func discover() async -> [any Device] {
        scanCount.add()
        await withCheckedContinuation { continuation in
            let busy = state.withLock { state in
                if state.holding { state.held.append(continuation) }
                return state.holding
            }
            if !busy { continuation.resume() }
        }
        return state.withLock { $0.present ? $0.devices : [] }
    }

    /// Returns once `count` scans have begun (at once if they have).
    public func scanned(atLeast count: Int) async { await scanCount.reached(atLeast: count) }
}

/// A hotplug source the test fires by hand (`fire()`), or one that cannot report changes.
public final class FakeChangeSource: DeviceChangeSource {
    private let changes: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation
    let supported: Bool
    private let forwardedChanges = Tally()

    public init(supported: Bool = true) {
        (changes, continuation) = AsyncStream.makeStream(of: Void.self)
        self.supported = supported
    }

    public func fire() { continuation.yield() }

    public func watch(_ changed: @escaping @Sendable () async -> Void) async {
        guard supported else { return }
        for await _ in changes {
            await changed()
            forwardedChanges.add()
        }
    }

    /// Returns once `count` changes have been handed to the watcher (at once if they have).
    public func forwarded(atLeast count: Int) async { await forwardedChanges.reached(atLeast: count) }
}

/// A count a test waits on instead of sleeping: `reached(atLeast:)` returns once it has counted
/// that far.
final class Tally: Sendable {
    private let state = Mutex((count: 0, waiting: [(count: Int, continuation: CheckedContinuation<Void, Never>)]()))

    var count: Int { state.withLock { $0.count } }

    func add() {
        let ready = state.withLock { state in
            state.count += 1
            let count = state.count
            defer { state.waiting.removeAll { $0.count <= count } }
            return state.waiting.filter { $0.count <= count }.map(\.continuation)
        }
        for continuation in ready { continuation.resume() }
    }

    func reached(atLeast count: Int) async {
        await withCheckedContinuation { continuation in
            let done = state.withLock { state in
                if state.count >= count { return true }
                state.waiting.append((count, continuation))
                return false
            }
            if done { continuation.resume() }
        }
    }
}
