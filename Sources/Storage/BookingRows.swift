import Booking
import Foundation
import GRDB
import KioskCore

/// A row of the booking tables as either database returns it. Both schemas name and type the
/// columns alike (instants as seconds since 1970, local dates as `YYYY-MM-DD`), so one mapping
/// from row to record serves both stores; each store only says how its rows read a column.
/// A value that is absent or of another type is `StoredRowError`, which the store reports as
/// corruption of its table.
package protocol StoredRow {
    func text(_ column: String) throws -> String
    func optionalText(_ column: String) throws -> String?
    func real(_ column: String) throws -> Double
    func optionalReal(_ column: String) throws -> Double?
    func integer(_ column: String) throws -> Int64
    func flag(_ column: String) throws -> Bool
    func optionalBlob(_ column: String) throws -> Data?
}

/// A column that is absent, NULL where a value is required, or not of the type read.
package struct StoredRowError: Error {
    package let column: String

    package init(column: String) {
        self.column = column
    }
}

extension StoredRow {
    package func instant(_ column: String) throws -> Date { Date(timeIntervalSince1970: try real(column)) }

    package func localDate(_ column: String) throws -> LocalDate {
        guard let date = try? LocalDate(try text(column)) else { throw StoredRowError(column: column) }
        return date
    }

    package func value<Value: RawRepresentable<String>>(_ column: String, as _: Value.Type) throws -> Value {
        guard let value = Value(rawValue: try text(column)) else { throw StoredRowError(column: column) }
        return value
    }
}

extension BookingRecord {
    /// A row of `booking`.
    package init(row: some StoredRow) throws {
        guard let code = try? BookingCode(try row.text("code")) else { throw StoredRowError(column: "code") }
        self.init(id: try row.text("id"), code: code, slotID: try row.text("slot_id"), serviceID: try row.text("service_id"),
                  date: try row.localDate("date"), start: try row.instant("start"), end: try row.instant("end"),
                  maskedIDNumber: try row.text("id_masked"), status: try row.value("status", as: BookingStatus.self),
                  sequence: Int(try row.integer("sequence")), createdAt: try row.instant("created_at"),
                  updatedAt: try row.instant("updated_at"), onDayOff: try row.flag("on_day_off"))
    }
}

extension Ticket {
    /// A row of `queue_ticket`.
    package init(row: some StoredRow) throws {
        self.init(id: try row.integer("id"), date: try row.localDate("date"), number: try row.text("number"),
                  serviceID: try row.text("service_id"), priority: try row.value("priority", as: PriorityClass.self),
                  queuedAt: try row.instant("queued_at"), state: try row.value("state", as: TicketState.self),
                  counter: try row.optionalText("counter"),
                  calledAt: try row.optionalReal("called_at").map(Date.init(timeIntervalSince1970:)),
                  callCount: Int(try row.integer("call_count")), bookingID: try row.optionalText("booking_id"))
    }
}

extension Rating {
    /// A row of `rating`; the reason codes are stored joined by commas (a code has none).
    package init(row: some StoredRow) throws {
        let reasons = try row.text("reasons")
        try self.init(ticketID: try row.integer("ticket_id"), serviceID: try row.text("service_id"),
                      counter: try row.text("counter"), score: Int(try row.integer("score")),
                      reasons: reasons.isEmpty ? [] : reasons.split(separator: ",").map(String.init),
                      createdAt: try row.instant("created_at"))
    }

    /// The `reasons` column.
    package var storedReasons: String { reasons.joined(separator: ",") }
}

extension HeldPlace {
    /// A row of `booking_hold`.
    package init(row: some StoredRow) throws {
        self.init(place: BookedPlace(slotID: try row.text("slot_id"), serviceID: try row.text("service_id"),
                                     date: try row.localDate("date"), start: try row.instant("start"), end: try row.instant("end")),
                  expiresAt: try row.instant("expires_at"))
    }
}

extension CitizenBookings.Booked {
    /// A row of `booking` with `service_id`, `status` and `start`.
    package init(row: some StoredRow) throws {
        self.init(serviceID: try row.text("service_id"), status: try row.value("status", as: BookingStatus.self),
                  start: try row.instant("start"))
    }
}

extension Row: StoredRow {
    package func text(_ column: String) throws -> String {
        guard let value = self[column] as String? else { throw StoredRowError(column: column) }
        return value
    }

    package func optionalText(_ column: String) throws -> String? { self[column] }

    package func real(_ column: String) throws -> Double {
        guard let value = self[column] as Double? else { throw StoredRowError(column: column) }
        return value
    }

    package func optionalReal(_ column: String) throws -> Double? { self[column] }

    package func integer(_ column: String) throws -> Int64 {
        guard let value = self[column] as Int64? else { throw StoredRowError(column: column) }
        return value
    }

    package func flag(_ column: String) throws -> Bool {
        guard let value = self[column] as Bool? else { throw StoredRowError(column: column) }
        return value
    }

    package func optionalBlob(_ column: String) throws -> Data? { self[column] }
}
