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
