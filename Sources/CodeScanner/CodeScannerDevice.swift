import DeviceKit
import Foundation
import KioskCore
import Logging

/// One code a scanner read. Its text may carry an ID number (a booking slip): it goes to the
/// citizen's session and nowhere else, and `description` never shows it (a log line or an
/// error that interpolates a scan by mistake gets its length only).
public struct ScannedCode: Sendable, Equatable, CustomStringConvertible {
    public let deviceID: String
    public let text: String

    public init(deviceID: String, text: String) {
        self.deviceID = deviceID
        self.text = text
    }

    public var description: String { "scanned code (\(text.count) characters)" }
}

/// A 2D code scanner in the device vocabulary: `idle` while its line is open, `offline` while
/// it is unplugged (its loop reconnects), counters `goodScans`, `overlongScans`, `droppedScans`,
/// `communicationErrors`. The scanner reports no status of its own. Its codes pass `ScanGate`:
/// a code held under it is one scan, and a flood is cut down to a few codes a second.
public actor CodeScannerDevice: Device {
    public nonisolated let info: DeviceInfo
    public nonisolated var statisticNames: [String] { StatisticNames.codeScanner }
    /// Each code as it is read (shared by the scanners of a provider).
    public nonisolated let scans: EventBus<ScannedCode>
    public nonisolated let deviceEvents: EventBus<DeviceEvent>
    let statistics: any StatisticsStore
    let logger: Logger
    let open: @Sendable () async throws(DeviceFault) -> any ScanLink
    let retryDelay: Duration

    private var currentState: DeviceState = .closed
    private var exclusive = Claim()
    private var lastFault: DeviceFault?
    private var gate = ScanGate()

    public init(info: DeviceInfo, statistics: any StatisticsStore, logger: Logger, scans: EventBus<ScannedCode> = EventBus(),
                events: EventBus<DeviceEvent> = EventBus(), retryDelay: Duration = .seconds(1),
                open: @escaping @Sendable () async throws(DeviceFault) -> any ScanLink) {
        self.info = info
        self.scans = scans
        deviceEvents = events
        self.statistics = statistics
        var logger = logger
        logger[metadataKey: "device.id"] = "\(info.id)"
        self.logger = logger
        self.retryDelay = retryDelay
        self.open = open
    }

    public func state() -> DeviceState { currentState }
    public func status() -> DeviceStatus { DeviceStatus() }

    public func claim(owner: String) throws(DeviceFault) { try exclusive.claim(by: owner) }
    public func release(owner: String) { exclusive.release(by: owner) }

    /// `internal`: is the line open. `external`: also waits up to `scanWait` for a code (the
    /// technician scans any code; its text is not shown, only that one arrived).
    public func healthCheck(_ level: HealthCheckLevel) async -> HealthCheckResult {
        var steps: [HealthCheckResult.Step] = []
        let label = LocalizedText(zh: "通信", en: "communication")
        if currentState == .idle {
            steps.append(.init(name: "communication", passed: true, detail: "line open",
                               message: .init(zh: "通信：扫码器已连接", en: "communication: the scanner is connected")))
        } else {
            steps.append(.failed("communication", lastFault ?? .offline, label: label))
        }
        if level == .external, steps.allSatisfy(\.passed) {
            steps.append(await waitForScan())
        }
        return HealthCheckResult(deviceID: info.id, level: level, steps: steps)
    }

    static let scanWait: Duration = .seconds(20)

    private func waitForScan() async -> HealthCheckResult.Step {
        let stream = await scans.subscribe()
        let scanned = await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await _ in stream { return true }
                return false
            }
            group.addTask {
                try? await Task.sleep(for: Self.scanWait)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
        guard scanned else {
            return .failed("testScan", .noTestScan, label: .init(zh: "测试扫码", en: "test scan"))
        }
        return .init(name: "testScan", passed: true, detail: "a code arrived",
                     message: .init(zh: "测试扫码：已收到扫码", en: "test scan: a code arrived"))
    }

    /// Opens the link, reads codes until it fails, and opens it again after `retryDelay`, for
    /// as long as the task runs.
    public func run() async {
        while !Task.isCancelled {
            let link: any ScanLink
            do {
                link = try await open()
            } catch {
                await enter(fault: error)
                try? await Task.sleep(for: retryDelay)
                continue
            }
            lastFault = nil
            await enter(.idle)
            do throws(DeviceFault) {
                while !Task.isCancelled {
                    await take(try await link.read(timeout: .milliseconds(500)))
                }
            } catch {
                await enter(fault: error)
            }
            await link.close()
            if !Task.isCancelled { try? await Task.sleep(for: retryDelay) }
        }
        currentState = .closed
    }

    /// One read's codes: the counters are written once for the lot, so a flood costs one write.
    private func take(_ outputs: [SerialScanFramer.Output]) async {
        guard !outputs.isEmpty else { return }
        var counted: [String: Int64] = [:]
        var passed: [ScannedCode] = []
        for output in outputs {
            switch output {
            case .code(let text):
                switch gate.admit(text, at: .now) {
                case .pass:
                    counted["goodScans", default: 0] += 1
                    passed.append(ScannedCode(deviceID: info.id, text: text))
                case .repeated:
                    break
                case .flooded:
                    counted["droppedScans", default: 0] += 1
                }
            case .overlong:
                counted["overlongScans", default: 0] += 1
            }
        }
        if counted["overlongScans"] != nil { logger.notice("overlong scan dropped") }
        if let dropped = counted["droppedScans"] { logger.notice("scans dropped as a flood", metadata: ["scans": "\(dropped)"]) }
        // Counted before they are passed on: whoever got a scan finds it counted.
        if !counted.isEmpty { await add(counted) }
        for scan in passed { await scans.publish(scan) }
    }

    private func enter(_ state: DeviceState) async {
        guard state != currentState else { return }
        currentState = state
        await deviceEvents.publish(.stateChanged(deviceID: info.id, state))
    }

    private func enter(fault: DeviceFault) async {
        if fault == .scannerCommunication { await add(["communicationErrors": 1]) }
        guard fault != lastFault || currentState == .idle else { return }
        lastFault = fault
        logger.warning("scanner fault", metadata: ["fault": "\(fault.code)"])
        await deviceEvents.publish(.fault(deviceID: info.id, fault))
        await enter(fault == .offline ? .offline : .error)
    }

    private func add(_ amounts: [String: Int64]) async {
        do {
            try await statistics.add(amounts, deviceID: info.id)
        } catch {
            logger.error("statistics not stored", metadata: ["error": "\(error)"])
        }
    }
}
