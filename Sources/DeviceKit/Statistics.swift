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

    public static let codeScanner = ["goodScans", "overlongScans", "droppedScans", "communicationErrors"]

    public static func names(for kind: DeviceKind) -> [String] {
        switch kind {
        case .receiptPrinter: receiptPrinter
        case .idCardReader: idCardReader
        case .codeScanner: codeScanner
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
    /// Adds to today's counts, the day being the hall's (in its time zone) by the store's clock.
    func addToday(_ amounts: [String: Int64], deviceID: String) async throws
    /// The counts of the last `days` days up to today, oldest first; a day without counts is
    /// there with none.
    func dailyCounts(deviceID: String, days: Int) async throws -> [DailyCount]
}

/// What a device did on one day of the hall (`DailyCounts.names`).
public struct DailyCount: Codable, Sendable, Equatable {
    /// `YYYY-MM-DD` in the hall's time zone.
    public var day: String
    public var counts: [String: Int64]

    public init(day: String, counts: [String: Int64]) {
        self.day = day
        self.counts = counts
    }
}

/// The counts kept by day: a printer's receipts (jobs printed, test pages included) and the
/// lines they took, what a technician plans paper rolls and visits with.
public enum DailyCounts {
    public static let receipts = "receiptsPrinted"
    public static let lines = "receiptLinesPrinted"
    /// Days kept: a year and a month, so a month compares with the same month a year before.
    public static let keptDays = 400

    /// The hall's day of `date`, and the `count` days up to it, oldest first.
    public static func days(endingAt date: Date, count: Int, timeZone: TimeZone) -> [String] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let today = calendar.startOfDay(for: date)
        return (0..<max(count, 0)).reversed().compactMap { back in
            calendar.date(byAdding: .day, value: -back, to: today).map { day(of: $0, timeZone: timeZone) }
        }
    }

    public static func day(of date: Date, timeZone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        func two(_ value: Int?) -> String { (value ?? 0) < 10 ? "0\(value ?? 0)" : "\(value ?? 0)" }
        return "\(parts.year ?? 0)-\(two(parts.month))-\(two(parts.day))"
    }
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
    private var daily: [String: [String: [String: Int64]]] = [:]
    private let created = Date()
    let timeZone: TimeZone
    let now: @Sendable () -> Date

    public init(timeZone: TimeZone = TimeZone(identifier: "Asia/Shanghai")!, now: @escaping @Sendable () -> Date = { Date() }) {
        self.timeZone = timeZone
        self.now = now
    }

    public func addToday(_ amounts: [String: Int64], deviceID: String) {
        let day = DailyCounts.day(of: now(), timeZone: timeZone)
        for (name, amount) in amounts { daily[deviceID, default: [:]][day, default: [:]][name, default: 0] += amount }
    }

    public func dailyCounts(deviceID: String, days: Int) -> [DailyCount] {
        DailyCounts.days(endingAt: now(), count: days, timeZone: timeZone).map {
            DailyCount(day: $0, counts: daily[deviceID]?[$0] ?? [:])
        }
    }

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
