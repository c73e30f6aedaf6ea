import Foundation

/// One device the terminal drives. Implementations are actors or otherwise thread-safe; every
/// blocking transport call runs off Swift's cooperative pool inside the transport.
public protocol Device: Sendable {
    var info: DeviceInfo { get }
    /// `info` with what was learned since it was made (a printer's `GS I` answers) and what its
    /// profile says it can do: what the device pages and `kiosk devices list` show.
    func currentInfo() async -> DeviceInfo
    func state() async -> DeviceState
    func status() async -> DeviceStatus
    /// The status last seen, without asking the device (readiness, metrics). By default the
    /// same as `status()`, for devices whose status is kept fresh by a loop of their own.
    func lastKnownStatus() async -> DeviceStatus
    /// Exclusive use: a second claim by another owner fails with `deviceClaimed`.
    func claim(owner: String) async throws(DeviceFault)
    func release(owner: String) async
    func healthCheck(_ level: HealthCheckLevel) async -> HealthCheckResult
    /// The counter names this device keeps (see `StatisticNames`).
    var statisticNames: [String] { get }
}

extension Device {
    public func currentInfo() async -> DeviceInfo { info }
    public func lastKnownStatus() async -> DeviceStatus { await status() }
}

/// Exclusive claims, shared by device implementations.
public struct Claim: Sendable {
    public private(set) var owner: String?

    public init() {}

    public mutating func claim(by owner: String) throws(DeviceFault) {
        if let current = self.owner, current != owner { throw .claimed(by: current) }
        self.owner = owner
    }

    public mutating func release(by owner: String) {
        if self.owner == owner { self.owner = nil }
    }
}
