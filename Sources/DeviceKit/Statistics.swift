import Foundation

/// A named counter kept across restarts, resettable on its own.
public struct Statistic: Codable, Sendable, Equatable {
    public var name: String
    public var value: Int64
    /// When it was last reset, or first counted.
    public var since: Date

    public init(name: String, value: Int64, since: Date) {
        self.name = name
        self.value = value
        self.since = since
    }
}

/// The counter names technicians know, per device kind.
public enum StatisticNames {
    public static let receiptPrinter = [
        "receiptLinesPrinted", "receiptCharactersPrinted", "paperCuts", "failedPaperCuts", "coverOpenCount",
        "paperOutCount", "paperNearEndCount", "communicationErrors", "jobsPrinted", "jobsFailed", "hoursPowered",
    ]
    public static let idCardReader = ["goodReads", "failedReads", "unreadableCards", "samErrors", "communicationErrors", "hoursPowered"]

    public static func names(for kind: DeviceKind) -> [String] {
        switch kind {
        case .receiptPrinter: receiptPrinter
        case .idCardReader: idCardReader
        }
    }
}

/// Where counters live. The SQLite store keeps them across restarts; tests use the in-memory one.
public protocol StatisticsStore: Sendable {
    func add(_ amounts: [String: Int64], deviceID: String) async throws
    /// Every counter of the device, known names included at 0.
    func statistics(deviceID: String, names: [String]) async throws -> [Statistic]
    func reset(_ name: String, deviceID: String) async throws -> Statistic
    /// Adds powered time: whole hours to `hoursPowered`, the rest kept toward the next hour
    /// (across restarts, in a persistent store) so short runs add up.
    func addPoweredTime(seconds: Int64, deviceID: String) async throws
}

/// Splits powered time into whole hours and the seconds left toward the next one.
public enum PoweredTime {
    public static let secondsPerHour: Int64 = 3_600

    public static func carry(_ seconds: Int64, onto kept: Int64) -> (hours: Int64, kept: Int64) {
        let total = max(kept, 0) + max(seconds, 0)
        return (total / secondsPerHour, total % secondsPerHour)
    }
}

public actor InMemoryStatisticsStore: StatisticsStore {
    private var counters: [String: [String: Statistic]] = [:]
    private var poweredSeconds: [String: Int64] = [:]
    private let created = Date()

    public init() {}

    public func add(_ amounts: [String: Int64], deviceID: String) {
        for (name, amount) in amounts {
            counters[deviceID, default: [:]][name, default: Statistic(name: name, value: 0, since: created)].value += amount
        }
    }

    public func statistics(deviceID: String, names: [String]) -> [Statistic] {
        let known = counters[deviceID] ?? [:]
        let all = Set(names).union(known.keys).sorted()
        return all.map { known[$0] ?? Statistic(name: $0, value: 0, since: created) }
    }

    public func reset(_ name: String, deviceID: String) -> Statistic {
        let fresh = Statistic(name: name, value: 0, since: Date())
        counters[deviceID, default: [:]][name] = fresh
        return fresh
    }

    public func addPoweredTime(seconds: Int64, deviceID: String) {
        let (hours, kept) = PoweredTime.carry(seconds, onto: poweredSeconds[deviceID] ?? 0)
        poweredSeconds[deviceID] = kept
        if hours > 0 { add(["hoursPowered": hours], deviceID: deviceID) }
    }
}
