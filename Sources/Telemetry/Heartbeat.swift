import DeviceKit
import Foundation
import Hosting
import KioskCore
import KioskServer
import Logging
import Peripherals
import ServiceLifecycle
import Storage
import Synchronization

/// The terminal's heartbeat for the district's fleet view: every `interval` (`devices.heartbeat_seconds`)
/// it tells `send` its version, its devices (kind, state, the fault each is in, paper), its outbox
/// backlog and the code of the last fault, with the time. Between heartbeats it listens to the
/// device events for the faults (a device in `error` is in the fault it last reported).
///
/// A kind of device the terminal cannot serve without (`devices.required`) of which no device is
/// there at all is listed too, as missing: otherwise a terminal with no printer would look fine.
///
/// With no `send` (a lone terminal) it only listens, and `compose()` answers `GET /v1/fleet`
/// with this one terminal. A failed send is logged without values and tried again next time:
/// the fleet view shows the terminal silent until then.
public struct Heartbeat: ServiceLifecycle.Service {
    let devices: TerminalDevices
    let store: SQLiteStore
    let terminalID: String
    let siteID: String
    let interval: Duration
    let send: (@Sendable (TerminalHeartbeat) async throws -> Void)?
    let faults: DeviceFaults
    /// `devices.required`: each kind absent altogether is listed as missing.
    let required: Set<DeviceKind>
    let logger: Logger
    public var now: @Sendable () -> Date

    public init(devices: TerminalDevices, store: SQLiteStore, terminalID: String, siteID: String, interval: Duration,
                faults: DeviceFaults, required: Set<DeviceKind> = [], logger: Logger, now: @escaping @Sendable () -> Date = { Date() },
                send: (@Sendable (TerminalHeartbeat) async throws -> Void)?) {
        self.devices = devices
        self.required = required
        self.store = store
        self.terminalID = terminalID
        self.siteID = siteID
        self.interval = interval
        self.faults = faults
        self.logger = logger
        self.now = now
        self.send = send
    }

    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.listen() }
            if send != nil { group.addTask { await self.beat() } }
            await group.waitForAll()
        }
    }

    /// Notes the faults the devices report, until shutdown.
    public func listen() async {
        let events = await devices.events.subscribe()
        await cancelWhenGracefulShutdown {
            for await event in events { self.faults.note(event) }
        }
    }

    /// Sends a heartbeat now and then every `interval`, until shutdown.
    func beat() async {
        await repeatUntilShutdown(every: interval) { await sendOnce() }
    }

    /// Composes and sends one heartbeat; true when the district store took it.
    @discardableResult
    public func sendOnce() async -> Bool {
        guard let send else { return false }
        do {
            try await send(await compose())
            return true
        } catch {
            // The error's type and code only: nothing a heartbeat carries is personal, but a
            // store's message might name values.
            logger.warning("heartbeat not sent", metadata: ["error": "\((error as? any KioskError)?.code ?? String(describing: type(of: error)))"])
            return false
        }
    }

    /// The terminal as it is now, from what the devices last reported (no device is asked).
    public func compose() async -> TerminalHeartbeat {
        var listed: [TerminalHeartbeat.Device] = []
        for device in await devices.manager.devices() {
            let id = device.info.id
            let offline = await devices.manager.isOffline(id)
            let state = offline ? DeviceState.offline : await device.state()
            let status = await device.lastKnownStatus()
            let fault: String? = switch state {
            case .offline: DeviceFault.Code.deviceOffline.rawValue
            case .error: faults.current(id) ?? Self.fault(in: status)
            default: Self.fault(in: status)
            }
            listed.append(TerminalHeartbeat.Device(id: id, kind: device.info.kind.rawValue, state: state.rawValue,
                                                   fault: fault, paper: status.paper?.rawValue))
        }
        for kind in required.sorted(by: { $0.rawValue < $1.rawValue }) where !listed.contains(where: { $0.kind == kind.rawValue }) {
            listed.append(.missing(kind.rawValue))
        }
        let backlog = try? await store.outboxBacklog()
        return TerminalHeartbeat(terminalId: terminalID, siteId: siteID, version: KioskVersion.current, sentAt: now(),
                                 devices: listed, outboxPending: backlog?.pending ?? 0, outboxRefused: backlog?.failed ?? 0,
                                 lastError: faults.last)
    }

    /// The fault a printer's status shows by itself (an idle printer polled out of paper).
    static func fault(in status: DeviceStatus) -> String? {
        if status.paper == .out { return "paperOut" }
        if status.cover == .open { return "coverOpen" }
        if status.cutter == .error { return "cutterError" }
        if status.sam == .error { return "samSelfTestFailed" }
        return nil
    }
}

/// The fault each device is in (from its last `deviceFault` until it works again) and the code
/// of the last fault of any device, kept for the terminal's lifetime.
public final class DeviceFaults: Sendable {
    private let state = Mutex<(current: [String: String], last: String?)>(([:], nil))

    public init() {}

    func note(_ event: TerminalEvent) {
        guard let id = event.deviceId else { return }
        switch event.type {
        case .deviceFault:
            guard let code = event.fault?.code else { return }
            state.withLock {
                $0.current[id] = code
                $0.last = code
            }
        case .deviceState where event.state == .idle || event.state == .busy:
            state.withLock { $0.current[id] = nil }
        default:
            break
        }
    }

    func current(_ id: String) -> String? { state.withLock { $0.current[id] } }
    var last: String? { state.withLock { $0.last } }
}
