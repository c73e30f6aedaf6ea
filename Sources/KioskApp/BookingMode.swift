import Booking
import District
import Hosting
import KioskConfig
import KioskServer
import Logging
import Storage
import StoragePostgres

/// Where a terminal keeps its bookings: chosen once, at start, from `database` in the
/// configuration, so that nothing later has to find out by looking at a store's type.
public enum BookingMode: Sendable {
    /// `database` names a file: the terminal's own SQLite store.
    case standalone(SQLiteBookingStore)
    /// `database = "postgres://…"`: the district's shared store (run as a service), its booking
    /// store, and the terminal's own, which numbers walk-in tickets issued while the district
    /// store is unreachable.
    case district(store: PostgresStore, bookings: PostgresBookingStore, local: SQLiteBookingStore)

    /// The store the booking and queue routes read: the terminal's, or the district's.
    public var bookings: any BookingDatabase {
        switch self {
        case .standalone(let bookings): bookings
        case .district(_, let bookings, _): bookings
        }
    }

    /// The district's shared store; nil on a standalone terminal.
    public var district: PostgresStore? {
        guard case .district(let store, _, _) = self else { return nil }
        return store
    }
}

extension KioskApplication {
    /// The terminal's SQLite `SQLiteBookingStore`, or in district mode the district's PostgreSQL.
    public var bookings: any BookingDatabase { mode.bookings }
    /// District mode (`database = "postgres://…"`): the shared store, run as a service.
    public var district: PostgresStore? { mode.district }
}

extension KioskApplication {
    /// Runs `body` with the booking store the configuration names, migrated and running, for
    /// the commands that work on bookings outside `kiosk serve`.
    public static func withBookings<T: Sendable>(
        _ configuration: Configuration, logger: Logger,
        _ body: @Sendable (any BookingDatabase) async throws -> T
    ) async throws -> T {
        if let district = try DistrictTerminal.openStore(configuration, logger: logger) {
            let store = try openStore(configuration)
            _ = try store.migrate()
            return try await district.withRunning {
                try await district.migrate()
                let key = try await TerminalSecrets.districtKey(store.keys, store: district, configuration: configuration)
                return try await body(DistrictTerminal.bookings(district, configuration, key: key))
            }
        }
        let store = try openStore(configuration)
        _ = try store.migrate()
        return try await body(try openBookings(store, configuration))
    }

    var districtReadinessChecks: [ReadinessCheck] {
        guard let district else { return [] }
        return [DistrictTerminal.readinessCheck(district: district, outbox: store)]
    }

    /// `GET /v1/district`: the district store's state and the outbox backlog.
    var districtStatus: @Sendable () async -> DistrictStatus {
        guard let district else { return { .standalone } }
        return DistrictTerminal.status(district: district, outbox: store)
    }
}
