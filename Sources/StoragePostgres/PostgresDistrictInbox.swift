import Booking
import Foundation
import KioskCore
import PostgresNIO
import Storage

/// What terminals send from their outboxes. Each write is idempotent on the record's own
/// identity (a filing's reference, an offline ticket's terminal-scoped number), so a record sent
/// twice (its acknowledgement lost, the terminal restarted) is stored once.
extension PostgresStore {
    /// The references of the district's filings in the order they arrived (for staff and tests).
    public func filingReferences(terminalID: String? = nil) async throws -> [String] {
        do {
            return try await withConnection { connection in
                var references: [String] = []
                for try await reference in try await connection.query("""
                    SELECT reference FROM filing WHERE \(terminalID)::text IS NULL OR terminal_id = \(terminalID) ORDER BY arrival
                    """, logger: self.logger).decode(String.self) {
                    references.append(reference)
                }
                return references
            }
        } catch {
            throw Self.unavailable(error, location: location)
        }
    }
}

extension PostgresBookingStore {
    /// A walk-in ticket a terminal issued while the district store was down, added to the
    /// district's queue with the number printed for the citizen and the time it was issued (its
    /// place in line). Its prefix is scoped to the terminal, so terminals offline at the same
    /// time cannot collide. True when it was new.
    @discardableResult
    public func receiveOfflineTicket(_ ticket: Ticket, sequence: Int, terminalID: String) async throws -> Bool {
        let prefix = queue.prefix(for: ticket.serviceID) + "@" + terminalID
        do {
            return try await database.transaction { c in
                try await c.query("""
                    INSERT INTO queue_ticket (date, prefix, sequence, number, service_id, priority, queued_at, state)
                    VALUES (\(ticket.date.description), \(prefix), \(sequence), \(ticket.number), \(ticket.serviceID),
                            \(ticket.priority.rawValue), \(ticket.queuedAt.timeIntervalSince1970), \(TicketState.waiting.rawValue))
                    ON CONFLICT (date, prefix, sequence) DO NOTHING RETURNING id
                    """, logger: logger).collect().count == 1
            }
        } catch {
            throw PostgresStore.unavailable(error, location: database.location)
        }
    }
}
