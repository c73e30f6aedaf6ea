import Booking
import Filings
import Foundation
import KioskCore
import PostgresNIO
import Storage

/// `kiosk db copy`: moves a terminal's bookings, queue, ratings, filings and their lifecycle into
/// the district store, in one transaction, so the terminal can switch to district mode without
/// losing them: its accepted filings keep their clocks on the district's desks, and their
/// applicants find them by card at any hall.
/// Running it again copies nothing twice.
///
/// The export's bookings are already hashed with the district's key (see
/// `SQLiteStore.exportForDistrict`), so every terminal's bookings join the district's alike.
/// Copied tickets keep their numbers under a terminal-scoped prefix, as offline tickets do.
extension PostgresStore {
    public struct CopyReport: Sendable, Equatable {
        public var bookings = 0
        public var idempotencyKeys = 0
        public var tickets = 0
        public var ratings = 0
        public var filings = 0
        /// Filings' lifecycle records (with their events), new to the district store.
        public var lifecycleRecords = 0
        /// Every booking of the export, now in the district store (copied now or before).
        public var bookingIDs: [String] = []
    }

    public func copy(_ export: TerminalExport, terminalID: String, calendar: OfficialCalendar) async throws -> CopyReport {
        do {
            return try await transaction { c in
                var report = CopyReport()
                try await self.takeMigrationLock(c)
                for slot in export.slots {
                    try await c.query("""
                        INSERT INTO slot_capacity (slot_id, service_id, capacity, taken) VALUES (\(slot.slotID), \(slot.serviceID), \(slot.capacity), 0)
                        ON CONFLICT (slot_id) DO UPDATE SET capacity = greatest(slot_capacity.capacity, excluded.capacity)
                        """, logger: self.logger)
                }
                for b in export.bookings {
                    report.bookings += try await c.query("""
                        INSERT INTO booking (id, code, slot_id, service_id, date, start, "end", id_hash, id_masked, status, sequence,
                                             created_at, updated_at, on_day_off)
                        VALUES (\(b.id), \(b.code), \(b.slotID), \(b.serviceID), \(b.date), \(b.start), \(b.end), \(b.idHash), \(b.idMasked),
                                \(b.status), \(b.sequence), \(b.createdAt), \(b.updatedAt), \(b.onDayOff))
                        ON CONFLICT DO NOTHING RETURNING id
                        """, logger: self.logger).collect().count
                }
                // What is there now, copied by this run or an earlier one (a booking whose code
                // another terminal's booking already holds is not, and stays uncopied).
                for try await id in try await c.query(
                    "SELECT id FROM booking WHERE id = ANY(\(export.bookings.map(\.id)))", logger: self.logger).decode(String.self) {
                    report.bookingIDs.append(id)
                }
                // A slot's places are its bookings not cancelled (a no-show used its place).
                try await c.query("""
                    UPDATE slot_capacity s SET capacity = greatest(s.capacity, counted.taken), taken = counted.taken
                    FROM (SELECT slot_id, count(*) FILTER (WHERE status <> 'cancelled') AS taken FROM booking
                          WHERE slot_id = ANY(\(export.slots.map(\.slotID))) GROUP BY slot_id) counted
                    WHERE s.slot_id = counted.slot_id
                    """, logger: self.logger)
                for k in export.idempotencyKeys {
                    report.idempotencyKeys += try await c.query("""
                        INSERT INTO idempotency_key (key, operation, fingerprint, response, created_at)
                        VALUES (\(k.key), \(k.operation), \(k.fingerprint), \(k.response), \(k.createdAt))
                        ON CONFLICT DO NOTHING RETURNING key
                        """, logger: self.logger).collect().count
                }
                var ticketIDs: [Int64: Int64] = [:]
                for t in export.tickets {
                    let prefix = t.prefix + "@" + terminalID
                    let inserted = try await c.query("""
                        INSERT INTO queue_ticket (date, prefix, sequence, number, service_id, priority, queued_at, state, counter,
                                                  called_at, call_count, booking_id)
                        VALUES (\(t.date), \(prefix), \(t.sequence), \(t.number), \(t.serviceID), \(t.priority), \(t.queuedAt), \(t.state),
                                \(t.counter), \(t.calledAt), \(t.callCount), \(t.bookingID))
                        ON CONFLICT (date, prefix, sequence) DO NOTHING RETURNING id
                        """, logger: self.logger).collect()
                    report.tickets += inserted.count
                    if let id = try inserted.first?.decode(Int64.self) {
                        ticketIDs[t.id] = id
                    } else {
                        ticketIDs[t.id] = try await c.query("""
                            SELECT id FROM queue_ticket WHERE date = \(t.date) AND prefix = \(prefix) AND sequence = \(t.sequence)
                            """, logger: self.logger).collect().first?.decode(Int64.self)
                    }
                }
                for r in export.ratings {
                    guard let ticketID = ticketIDs[r.ticketID] else { continue }
                    report.ratings += try await c.query("""
                        INSERT INTO rating (ticket_id, service_id, counter, score, reasons, created_at)
                        VALUES (\(ticketID), \(r.serviceID), \(r.counter), \(r.score), \(r.reasons), \(r.createdAt))
                        ON CONFLICT (ticket_id) DO NOTHING RETURNING id
                        """, logger: self.logger).collect().count
                }
                for f in export.filings {
                    report.filings += try await c.query("""
                        INSERT INTO filing (reference, terminal_id, form_id, form_version, submitted_at, document)
                        VALUES (\(f.reference), \(terminalID), \(f.formID), \(f.formVersion), \(f.submittedAt.timeIntervalSince1970), \(f.document))
                        ON CONFLICT (reference) DO NOTHING RETURNING arrival
                        """, logger: self.logger).collect().count
                }
                // A record the district already holds (an earlier copy) stays as it is there.
                var present = Set<String>()
                for try await reference in try await c.query(
                    "SELECT reference FROM lifecycle_record WHERE reference = ANY(\(export.lifecycle.map(\.record.reference)))",
                    logger: self.logger).decode(String.self) {
                    present.insert(reference)
                }
                let lifecycle = export.lifecycle.filter { !present.contains($0.record.reference) }
                try await PostgresFilingLedger.insert(c, lifecycle, calendar: calendar, logger: self.logger)
                report.lifecycleRecords = lifecycle.count
                return report
            }
        } catch let error as StorageError {
            throw error
        } catch {
            throw Self.unavailable(error, location: location)
        }
    }
}
