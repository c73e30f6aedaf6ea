import DeviceKit
import FormEngine
import KioskCore

/// Whether one part of the terminal can serve citizens, and why not.
public enum ReadinessState: Sendable, Equatable {
    /// Ready; `warnings` name what was left out (e.g. a form refused as invalid) without
    /// keeping citizens from what works.
    case ready(String, warnings: [String] = [])
    case notReady(LocalizedText)
}

/// A named check `/readyz` runs on every call. The composition root registers one per part that
/// must work before a citizen is let in: the database, the forms, the devices.
public struct ReadinessCheck: Sendable {
    public let name: String
    /// Whether the service manager waits for it before `READY=1`. Devices do not: a terminal
    /// whose printer is missing still starts (and offers receipts as QR codes) while `/readyz`
    /// says what is missing; a start that waited would be killed and restarted in a loop.
    public let holdsStartup: Bool
    public let check: @Sendable () async -> ReadinessState

    public init(_ name: String, holdsStartup: Bool = true, check: @escaping @Sendable () async -> ReadinessState) {
        self.name = name
        self.holdsStartup = holdsStartup
        self.check = check
    }
}

/// The body of `/readyz`.
public struct ReadinessReport: Codable, Sendable, Equatable {
    public struct Component: Codable, Sendable, Equatable {
        public var name: String
        public var ready: Bool
        public var detail: String?
        public var warnings: [String]?
        public var reason: LocalizedText?
    }

    public var ready: Bool
    public var components: [Component]

    public static func run(_ checks: [ReadinessCheck]) async -> ReadinessReport {
        var components: [Component] = []
        for check in checks {
            switch await check.check() {
            case .ready(let detail, let warnings):
                components.append(.init(name: check.name, ready: true, detail: detail, warnings: warnings.isEmpty ? nil : warnings))
            case .notReady(let reason):
                components.append(.init(name: check.name, ready: false, reason: reason))
            }
        }
        return ReadinessReport(ready: components.allSatisfy(\.ready), components: components)
    }
}

/// The readiness policy of the terminal's own parts, beside the checks that run it.
extension ReadinessCheck {
    /// `forms`: ready when at least one filing can be offered.
    public static func forms(_ catalog: FormCatalog, policies: PolicyCatalog) -> ReadinessCheck {
        ReadinessCheck("forms") { formsState(catalog, policies: policies) }
    }

    /// `devices`: ready when each `required` kind of device has one that works. A device that
    /// vanished does not hold the start: the terminal starts, and says what is missing.
    public static func devices(_ manager: DeviceManager, required: Set<DeviceKind>) -> ReadinessCheck {
        ReadinessCheck("devices", holdsStartup: false) { await devicesState(manager, required: required) }
    }

    /// Ready when at least one filing can be offered; refused forms, and refused or expired
    /// policies, are named, not hidden.
    static func formsState(_ catalog: FormCatalog, policies: PolicyCatalog = PolicyCatalog()) -> ReadinessState {
        let refused = (catalog.problems + policies.problems + policies.warnings).map(\.description)
        guard !catalog.forms.isEmpty else {
            return .notReady(.init(
                zh: "没有可用的表单（\(refused.count) 个问题，见 kiosk forms validate）",
                en: "no valid form is loaded (\(refused.count) problems; see kiosk forms validate)"))
        }
        return .ready("\(catalog.forms.count) forms: \(catalog.forms.keys.sorted().joined(separator: ", ")); \(policies.policies.count) policies",
                      warnings: refused)
    }

    /// Ready when each required kind of device has one that is connected and without a fault;
    /// each that has none is named with the reason. A device that is not required but offline
    /// or faulted, and paper near its end, are warnings.
    static func devicesState(_ manager: DeviceManager, required: Set<DeviceKind>) async -> ReadinessState {
        var problems: [(device: DeviceInfo, reason: LocalizedText?)] = []
        var warnings: [String] = []
        for device in await manager.devices() {
            let id = device.info.id
            let offline = await manager.isOffline(id)
            let state = await device.state()
            if offline || state == .offline {
                problems.append((device.info, .init(zh: "设备未连接：\(id)", en: "device not connected: \(id)")))
                continue
            }
            // A faulted device is asked again: the fault may have been cleared since.
            let status = state == .error ? await device.status() : await device.lastKnownStatus()
            if await device.state() == .error {
                problems.append((device.info, faultReason(id, status)))
                continue
            }
            if status.paper == .nearEnd { warnings.append("paper near end: \(id)") }
            problems.append((device.info, nil))
        }
        var reasons: [LocalizedText] = []
        for kind in DeviceKind.allCases {
            let devices = problems.filter { $0.device.kind == kind }
            let faults = devices.compactMap(\.reason)
            // One working device of a kind is enough; the others' faults are warnings.
            guard required.contains(kind), !devices.contains(where: { $0.reason == nil }) else {
                warnings += faults.map(\.en)
                continue
            }
            reasons += devices.isEmpty ? [missingReason(kind)] : faults
        }
        guard reasons.isEmpty else {
            return .notReady(.init(zh: reasons.map(\.zh).joined(separator: "；"), en: reasons.map(\.en).joined(separator: "; ")))
        }
        let ready = problems.filter { $0.reason == nil }.map(\.device.id)
        return .ready(ready.isEmpty ? "no devices found" : ready.joined(separator: ", "), warnings: warnings)
    }

    static func missingReason(_ kind: DeviceKind) -> LocalizedText {
        switch kind {
        case .receiptPrinter: .init(zh: "没有连接回执打印机", en: "no receipt printer is connected")
        case .idCardReader: .init(zh: "没有连接身份证阅读器", en: "no ID card reader is connected")
        case .codeScanner: .init(zh: "没有连接扫码器", en: "no code scanner is connected")
        }
    }

    /// Why a faulted device cannot serve, from what it reports.
    static func faultReason(_ id: String, _ status: DeviceStatus) -> LocalizedText {
        if status.paper == .out { return .init(zh: "打印机缺纸：\(id)", en: "paper out: \(id)") }
        if status.cover == .open { return .init(zh: "打印机机盖打开：\(id)", en: "cover open: \(id)") }
        if status.cutter == .error { return .init(zh: "切刀故障：\(id)", en: "cutter fault: \(id)") }
        if status.sam == .error { return .init(zh: "读卡器安全模块故障：\(id)", en: "SAM fault: \(id)") }
        return .init(zh: "设备故障：\(id)", en: "device fault: \(id)")
    }
}
