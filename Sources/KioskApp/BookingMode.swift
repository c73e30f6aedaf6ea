import Hosting
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
