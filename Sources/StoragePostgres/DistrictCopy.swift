import Foundation
import KioskCore
import PostgresNIO
import Storage

/// `kiosk db copy`: moves a terminal's bookings, queue, ratings and filings into the district
/// store, in one transaction, so the terminal can switch to district mode without losing them.
/// Running it again copies nothing twice.
///
/// Identity numbers exist only as hashes keyed with the terminal's secret, and cannot be hashed
/// again. So the district adopts the terminal's secret when it holds no booking yet (the first
/// terminal moved in, before any terminal runs in district mode); a district whose bookings are
/// keyed otherwise refuses the bookings rather than break every quota and lookup.
/// Copied tickets keep their numbers under a terminal-scoped prefix, as offline tickets do.
extension PostgresStore {
    public struct CopyReport: Sendable, Equatable {
        public var bookings = 0
        public var idempotencyKeys = 0
        public var tickets = 0
        public var ratings = 0
        public var filings = 0
        public var adoptedSecret = false
    }

    public func copy(_ export: TerminalExport, terminalID: String) async throws -> CopyReport {
        do {
            return try await transaction { c in
                var report = CopyReport()
                try await c.query("SELECT pg_advisory_xact_lock(\(PostgresMigrations.lockKey))", logger: self.logger)
                let districtSecret = try await c.query("SELECT secret FROM installation WHERE id = 1 FOR UPDATE", logger: self.logger)
                    .collect().first?.decode(Data.self)
                if districtSecret != export.secret, !export.bookings.isEmpty {
                    let booked = try await c.query("SELECT count(*) FROM booking", logger: self.logger).collect().first?.decode(Int.self) ?? 0
                    guard booked == 0 else { throw StorageError.copyRefused(Self.keyedOtherwise) }
                    try await c.query("UPDATE installation SET secret = \(export.secret) WHERE id = 1", logger: self.logger)
                    report.adoptedSecret = true
                }
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
                return report
            }
        } catch let error as StorageError {
            throw error
        } catch {
            throw Self.unavailable(error, location: location)
        }
    }

    static let keyedOtherwise = LocalizedText(
        zh: "区域数据库已有以另一密钥保存的预约，无法合并本机预约（身份证号只以密钥哈希保存）；请在各终端切换到区域模式之前复制",
        en: "the district store already holds bookings keyed with another secret, so this terminal's bookings cannot join them "
            + "(ID numbers are kept only as keyed hashes); copy before any terminal runs in district mode")
}
