import Foundation
import Hummingbird
import KioskCore

/// What the technician sees of district mode: the shared store's state and the terminal's
/// outbox backlog. A lone terminal answers `mode: standalone` and nothing else.
public struct DistrictStatus: Sendable, Codable, Equatable {
    /// `standalone` or `district`.
    public var mode: String
    /// The district store's URL without its password.
    public var store: String?
    /// `ready`, `unreachable` or `failed`.
    public var state: String?
    public var schemaVersion: Int?
    /// Why the store is unreachable, for the technician: `connectionRefused`, `hostNotFound`,
    /// `timedOut`, `authenticationFailed`, `databaseMissing`, `tlsUnavailable`,
    /// `serverUnavailable`, `migrationPending` (reachable, not yet migrated), `other`.
    public var cause: String?
    public var reason: LocalizedText?
    public var outbox: OutboxBacklog?

    public init(mode: String, store: String? = nil, state: String? = nil, schemaVersion: Int? = nil,
                reason: LocalizedText? = nil, outbox: OutboxBacklog? = nil) {
        self.mode = mode
        self.store = store
        self.state = state
        self.schemaVersion = schemaVersion
        self.reason = reason
        self.outbox = outbox
    }

    public static let standalone = DistrictStatus(mode: "standalone")
}

extension KioskRoutes {
    static func addDistrictRoutes(to router: Router<KioskRequestContext>, _ status: @escaping @Sendable () async -> DistrictStatus,
                                  fleet: @escaping @Sendable () async throws -> [TerminalHeartbeat], now: @escaping @Sendable () -> Date) {
        router.get("/v1/district") { _, _ in
            json(await status())
        }
        // Every terminal of the district from its last heartbeat (a lone terminal: itself).
        router.get("/v1/fleet") { _, _ in
            let heartbeats = try await fleet()
            return json(FleetView(terminals: Fleet.view(heartbeats, now: now()), silenceSeconds: Int(Fleet.silenceLimit)))
        }
    }
}

/// `GET /v1/fleet`: the district's terminals, the silent and the troubled first.
public struct FleetView: Codable, Sendable, Equatable {
    public var terminals: [FleetTerminal]
    /// After how many seconds without a heartbeat a terminal is shown silent.
    public var silenceSeconds: Int
}
