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
    public let check: @Sendable () async -> ReadinessState

    public init(_ name: String, check: @escaping @Sendable () async -> ReadinessState) {
        self.name = name
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
    public static func forms(_ catalog: FormCatalog) -> ReadinessCheck {
        ReadinessCheck("forms") { formsState(catalog) }
    }

    /// `devices`: ready when every known device is reachable.
    public static func devices(_ manager: DeviceManager) -> ReadinessCheck {
        ReadinessCheck("devices") { await devicesState(manager) }
    }

    /// Ready when at least one filing can be offered; refused forms are named, not hidden.
    static func formsState(_ catalog: FormCatalog) -> ReadinessState {
        let refused = catalog.problems.map(\.description)
        guard !catalog.forms.isEmpty else {
            return .notReady(.init(
                zh: "没有可用的表单（\(refused.count) 个问题，见 kiosk forms validate）",
                en: "no valid form is loaded (\(refused.count) problems; see kiosk forms validate)"))
        }
        return .ready("\(catalog.forms.count) forms: \(catalog.forms.keys.sorted().joined(separator: ", "))", warnings: refused)
    }

    /// Ready when every known device is reachable; an offline device is named with the reason.
    static func devicesState(_ manager: DeviceManager) async -> ReadinessState {
        let devices = await manager.devices()
        var offline: [String] = []
        for device in devices where await manager.isOffline(device.info.id) { offline.append(device.info.id) }
        guard offline.isEmpty else {
            return .notReady(.init(zh: "设备未连接：\(offline.joined(separator: "、"))", en: "devices not connected: \(offline.joined(separator: ", "))"))
        }
        return .ready(devices.isEmpty ? "no devices found" : devices.map(\.info.id).joined(separator: ", "))
    }
}
