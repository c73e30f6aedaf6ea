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
        public var detail: String

        public init(name: String, passed: Bool, detail: String) {
            self.name = name
            self.passed = passed
            self.detail = detail
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
            : .init(zh: "检查未通过：" + failed.map { "\($0.name)：\($0.detail)" }.joined(separator: "；"),
                    en: "check failed: " + failed.map { "\($0.name): \($0.detail)" }.joined(separator: "; "))
    }
}
