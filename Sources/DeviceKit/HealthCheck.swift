import Foundation
import KioskCore

/// `internal` only queries the device and changes nothing; `external` exercises it (a test
/// print, a test read of a presented card).
public enum HealthCheckLevel: String, Codable, Sendable, CaseIterable {
    case `internal`, external
}

/// The outcome of a health check: each step, and a text a technician can read at the terminal.
public struct HealthCheckResult: Codable, Sendable, Equatable {
    public struct Step: Codable, Sendable, Equatable {
        public var name: String
        public var passed: Bool
        /// What was found, as the device or transport put it (English, for logs and bug reports).
        public var detail: String
        /// What it means and, when it failed, what to do about it, in both languages (the zh-CN
        /// text is Chinese throughout: it is what the technician reads on the screen).
        public var message: LocalizedText

        public init(name: String, passed: Bool, detail: String, message: LocalizedText) {
            self.name = name
            self.passed = passed
            self.detail = detail
            self.message = message
        }

        /// A step that failed on `fault`: its meaning and the action it recommends.
        public static func failed(_ name: String, _ fault: DeviceFault, label: LocalizedText) -> Step {
            Step(name: name, passed: false, detail: fault.message.en, message: .init(
                zh: "\(label.zh)：\(fault.message.zh)。\(fault.action.instructions.zh)",
                en: "\(label.en): \(fault.message.en); \(fault.action.instructions.en)"))
        }
    }

    public var deviceID: String
    public var level: HealthCheckLevel
    public var passed: Bool
    public var steps: [Step]
    public var text: LocalizedText
    public var checkedAt: Date

    public init(deviceID: String, level: HealthCheckLevel, steps: [Step], checkedAt: Date = Date()) {
        self.deviceID = deviceID
        self.level = level
        self.steps = steps
        self.passed = steps.allSatisfy(\.passed)
        self.checkedAt = checkedAt
        let failed = steps.filter { !$0.passed }
        self.text = failed.isEmpty
            ? .init(zh: "\(level == .internal ? "内部" : "外部")检查通过（\(steps.count) 项）",
                    en: "\(level.rawValue) check passed (\(steps.count) steps)")
            : .init(zh: "检查未通过：" + failed.map(\.message.zh).joined(separator: "；"),
                    en: "check failed: " + failed.map(\.message.en).joined(separator: "; "))
    }
}

extension RecommendedAction {
    /// What a person does about a fault with this action: the words shown with it.
    public var instructions: LocalizedText {
        switch self {
        case .retry: .init(zh: "请重试；多次出现请联系维护人员", en: "try again; if it keeps happening, call a technician")
        case .clear: .init(zh: "工作人员可按提示处理后重试", en: "staff can clear it as the message says, then try again")
        case .maintenance: .init(zh: "请联系维护人员处理", en: "call a technician")
        case .reset: .init(zh: "请重启设备后重试", en: "restart the device, then try again")
        }
    }
}
