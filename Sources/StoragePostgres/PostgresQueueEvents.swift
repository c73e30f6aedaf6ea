import Booking
import Foundation
import Logging
import PostgresNIO
import Storage

extension PostgresBookingStore: QueueEventLog {
    /// The channel every terminal of the district LISTENs on; the payload is the event's number.
    public static let queueEventChannel = "kiosk_queue_event"

    /// Records `kind` for `ticket` in the transaction that changed it (`kiosk_queue_event`). The
    /// numbering row stays locked until that transaction ends, so numbers follow commit order; the
    /// notification is delivered at the commit, and not at all if the transaction rolls back.
    func record(_ kind: QueueEvent.Kind, _ ticket: Ticket, counter: String?, now: Date, _ c: PostgresConnection) async throws {
        try await c.query("""
            SELECT kiosk_queue_event(\(kind.rawValue), \(ticket.id), \(ticket.number), \(ticket.serviceID), \(counter),
                                     \(now.timeIntervalSince1970), \(Self.queueEventChannel))
            """, logger: logger)
    }

    public func queueEvents(after id: Int64, limit: Int) async throws -> [QueueEvent] {
        try await database.run(inTransaction: false, passing: BookingRuleError.self) { [logger, location = database.location] c in
            try await c.query("SELECT * FROM queue_event WHERE id > \(id) ORDER BY id LIMIT \(limit)", logger: logger)
                .collect().map { row in
                    let row = row.makeRandomAccess()
                    guard let kind = QueueEvent.Kind(rawValue: try row["kind"].decode(String.self)) else {
                        throw StorageError.unavailable(path: location, reason: "unreadable value in queue_event")
                    }
                    return QueueEvent(id: try row["id"].decode(Int64.self), kind: kind, ticketID: try row["ticket_id"].decode(Int64.self),
                                      number: try row["number"].decode(String.self), serviceID: try row["service_id"].decode(String.self),
                                      counter: try row["counter"].decode(String?.self),
                                      at: Date(timeIntervalSince1970: try row["at"].decode(Double.self)))
                }
        }
    }

    public func lastQueueEventID() async throws -> Int64 {
        try await database.run(inTransaction: false, passing: BookingRuleError.self) { [logger] c in
            try await c.query("SELECT last FROM queue_event_sequence WHERE id = 1", logger: logger).collect().first?.decode(Int64.self) ?? 0
        }
    }

    /// Calls `changed` once listening has begun and after every event recorded anywhere in the
    /// district, until the task is cancelled or the connection fails (it then throws). Runs on a
    /// connection of the pool for as long as it listens, outside the operations' deadline.
    public func listenForQueueEvents(_ changed: @escaping @Sendable () async -> Void) async throws {
        try await database.client.withConnection { connection in
            try await connection.listen(on: Self.queueEventChannel) { notifications in
                await changed()
                for try await _ in notifications { await changed() }
            }
        }
    }
}
