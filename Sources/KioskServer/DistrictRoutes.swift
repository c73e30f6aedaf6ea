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
    /// `serverUnavailable`, `other`.
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
    static func addDistrictRoutes(to router: Router<KioskRequestContext>, _ status: @escaping @Sendable () async -> DistrictStatus) {
        router.get("/v1/district") { _, _ in
            json(await status())
        }
    }
}
