import Booking
import Filings
import Foundation
import KioskCore
import PostgresNIO
import Storage

/// `kiosk db copy`: moves a terminal's bookings, queue, ratings, filings and their lifecycle,
/// help requests and policy-sheet prints into the district store, in one transaction, so the
/// terminal can switch to district mode without losing them: its accepted filings keep their
/// clocks on the district's desks, their applicants find them by card at any hall, its hall's
/// staff consoles see its open calls, and the district's monthly report counts its calls and prints.
/// Running it again copies nothing twice, and what the district already holds stays as it is
/// there (a call staff took or closed there since is not reopened), except what the terminal
/// changed since: a booking it cancelled, moved or checked in is changed there as the terminal has
/// it (unless the district changed it as many times since), a queue ticket it called, served or
/// sent away is so there (unless the district took it as far), and the district's open copy of a
/// call the terminal closed is closed as the terminal closed it.
///
/// A row is filed under the terminal that recorded it where it says which (calls, prints); the
/// `terminalID` given names the terminal only for what does not (tickets, filings), and only on
/// their first copy: a ticket keeps the prefix the district knows it by (`TicketRow.districtPrefix`),
/// so a copy after the terminal was renamed or re-imaged under another id adds nothing twice.
///
/// The export's bookings are already hashed with the district's key (see
/// `SQLiteStore.exportForDistrict`), so every terminal's bookings join the district's alike.
/// Copied tickets keep their numbers under a terminal-scoped prefix, as offline tickets do.
extension PostgresStore {
    /// How many rows of a kind the copy added, and how many the district already held.
    public struct Copied: Sendable, Equatable {
        public var copied = 0
        public var alreadyThere = 0

        public init(copied: Int = 0, alreadyThere: Int = 0) {
            self.copied = copied
            self.alreadyThere = alreadyThere
        }
    }

    public struct CopyReport: Sendable, Equatable {
        public var bookings = Copied()
        public var idempotencyKeys = Copied()
        public var tickets = Copied()
        public var ratings = Copied()
        public var filings = Copied()
        /// Filings' lifecycle records (with their events).
        public var lifecycleRecords = Copied()
        public var helpRequests = Copied()
        /// Open calls not copied because the district already holds another open call of the
        /// same terminal (it served in district mode before this copy): one open call per terminal.
        public var helpRequestsOpenThere = 0
        public var policyPrints = Copied()
        /// Every booking of the export now in the district store (copied now or before), with the
        /// change of it (`sequence`) the terminal had when this copy ran.
        public var bookingSequences: [String: Int] = [:]
        /// Bookings the terminal cancelled, moved or checked in since their copy: changed there now.
        public var bookingsChanged = 0
        /// Every call of the export the district now holds (not those it held another open call for).
        public var helpRequestIDs: [String] = []
        /// Every print of the export (each is in the district store now), by its key.
        public var policyPrintKeys: [String] = []
        /// Every filing's lifecycle of the export (each is in the district store now).
        public var lifecycleReferences: [String] = []
        /// Every ticket of the export now in the district store (copied now or before), as the terminal has it.
        public var copiedTickets: [CopiedTicket] = []
        /// Tickets the terminal called, served, sent away or transferred since their copy: so in the district now.
        public var ticketsChanged = 0
        /// The tickets (by their id in the terminal's file) whose rating the district holds.
        public var ratedTicketIDs: [Int64] = []
        /// Every idempotency key of the export (each is in the district store now).
        public var answerKeys: [String] = []
        /// Calls the district held open that the terminal closed since: closed there now.
        public var helpRequestsClosed = 0
    }

    public func copy(_ export: TerminalExport, terminalID: String, siteID: String, calendar: OfficialCalendar) async throws -> CopyReport {
        do {
            return try await transaction { c in
                var report = CopyReport()
                try await self.takeMigrationLock(c)
                for slot in export.slots {
                    try await c.query("""
                        INSERT INTO slot_capacity (slot_id, service_id, capacity) VALUES (\(slot.slotID), \(slot.serviceID), \(slot.capacity))
                        ON CONFLICT (slot_id) DO UPDATE SET capacity = greatest(slot_capacity.capacity, excluded.capacity)
                        """, logger: self.logger)
                }
                // A booking the terminal changed since its copy (a later `sequence`) is changed there
                // as the terminal has it: a cancelled one gives back its place and the citizen's quota.
                // One the district changed as many times since is left as the district has it.
                let rows = export.bookings
                var changed: [String] = []
                for try await id in try await c.query("""
                    UPDATE booking SET slot_id = t.slot_id, date = t.date, start = t.start, "end" = t."end", status = t.status,
                                       sequence = t.sequence, updated_at = t.updated_at, on_day_off = t.on_day_off
                    FROM unnest(\(rows.map(\.id))::text[], \(rows.map(\.code))::text[], \(rows.map(\.slotID))::text[], \(rows.map(\.date))::text[],
                                \(rows.map(\.start))::float8[], \(rows.map(\.end))::float8[], \(rows.map(\.status))::text[], \(rows.map(\.sequence))::int8[],
                                \(rows.map(\.updatedAt))::float8[], \(rows.map(\.onDayOff))::boolean[])
                         AS t (id, code, slot_id, date, start, "end", status, sequence, updated_at, on_day_off)
                    WHERE booking.id = t.id AND booking.code = t.code AND booking.sequence < t.sequence RETURNING booking.id
                    """, logger: self.logger).decode(String.self) {
                    changed.append(id)
                }
                for b in export.bookings {
                    report.bookings.copied += try await c.query("""
                        INSERT INTO booking (id, code, slot_id, service_id, date, start, "end", id_hash, id_masked, status, sequence,
                                             created_at, updated_at, on_day_off)
                        VALUES (\(b.id), \(b.code), \(b.slotID), \(b.serviceID), \(b.date), \(b.start), \(b.end), \(b.idHash), \(b.idMasked),
                                \(b.status), \(b.sequence), \(b.createdAt), \(b.updatedAt), \(b.onDayOff))
                        ON CONFLICT DO NOTHING RETURNING id
                        """, logger: self.logger).collect().count
                }
                // What is there now, copied by this run or an earlier one (a booking whose code
                // another terminal's booking already holds is not, and stays uncopied).
                let sequences = Dictionary(export.bookings.map { ($0.id, $0.sequence) }, uniquingKeysWith: max)
                for try await id in try await c.query(
                    "SELECT id FROM booking WHERE id = ANY(\(export.bookings.map(\.id)))", logger: self.logger).decode(String.self) {
                    report.bookingSequences[id] = sequences[id]
                }
                // Any other booking of the export holds a code another terminal's booking holds (the CLI says so).
                report.bookings.alreadyThere = report.bookingSequences.count - report.bookings.copied
                report.bookingsChanged = changed.count
                // A changed booking's place where it no longer is, or no longer needs one, is free again.
                try await c.query("""
                    UPDATE slot_place p SET holder = NULL, held_until = NULL FROM booking b
                    WHERE b.id = ANY(\(changed)) AND p.holder = b.id AND (b.status = 'cancelled' OR p.slot_id <> b.slot_id)
                    """, logger: self.logger).collect()
                // Each booking not cancelled takes a place (a no-show used its place); a slot grows to hold them.
                try await c.query("SELECT kiosk_give_places(\(export.slots.map(\.slotID)), \(Date().timeIntervalSince1970))",
                                  logger: self.logger).collect()
                for k in export.idempotencyKeys {
                    report.idempotencyKeys.copied += try await c.query("""
                        INSERT INTO idempotency_key (key, operation, fingerprint, response, created_at)
                        VALUES (\(k.key), \(k.operation), \(k.fingerprint), \(k.response), \(k.createdAt))
                        ON CONFLICT DO NOTHING RETURNING key
                        """, logger: self.logger).collect().count
                }
                var ticketIDs: [Int64: Int64] = [:]
                for t in export.tickets {
                    let prefix = t.districtPrefix ?? t.prefix + "@" + terminalID
                    // One the district holds takes the terminal's change since its copy unless the
                    // district's has gone as far: more calls, or as many and a further state (waiting,
                    // called, then served or sent away). A tie stays as the district has it.
                    let written = try await c.query("""
                        INSERT INTO queue_ticket (date, prefix, sequence, number, service_id, priority, queued_at, state, counter,
                                                  called_at, call_count, booking_id)
                        VALUES (\(t.date), \(prefix), \(t.sequence), \(t.number), \(t.serviceID), \(t.priority), \(t.queuedAt), \(t.state),
                                \(t.counter), \(t.calledAt), \(t.callCount), \(t.bookingID))
                        ON CONFLICT (date, prefix, sequence) DO UPDATE SET
                            state = excluded.state, service_id = excluded.service_id, counter = excluded.counter,
                            called_at = excluded.called_at, call_count = excluded.call_count
                        WHERE \(t.changedSinceCopy)
                            AND (excluded.call_count, CASE excluded.state WHEN 'waiting' THEN 0 WHEN 'called' THEN 1 ELSE 2 END)
                                > (queue_ticket.call_count, CASE queue_ticket.state WHEN 'waiting' THEN 0 WHEN 'called' THEN 1 ELSE 2 END)
                        RETURNING id, xmax = 0
                        """, logger: self.logger).collect()
                    if let (id, inserted) = try written.first?.decode((Int64, Bool).self) {
                        ticketIDs[t.id] = id
                        if inserted { report.tickets.copied += 1 } else { report.ticketsChanged += 1 }
                    } else {
                        ticketIDs[t.id] = try await c.query("""
                            SELECT id FROM queue_ticket WHERE date = \(t.date) AND prefix = \(prefix) AND sequence = \(t.sequence)
                            """, logger: self.logger).collect().first?.decode(Int64.self)
                    }
                    if ticketIDs[t.id] != nil { report.copiedTickets.append(t.copied(as: prefix)) }
                }
                for r in export.ratings {
                    guard let ticketID = ticketIDs[r.ticketID] else { continue }
                    report.ratings.copied += try await c.query("""
                        INSERT INTO rating (ticket_id, service_id, counter, score, reasons, created_at)
                        VALUES (\(ticketID), \(r.serviceID), \(r.counter), \(r.score), \(r.reasons), \(r.createdAt))
                        ON CONFLICT (ticket_id) DO NOTHING RETURNING id
                        """, logger: self.logger).collect().count
                    // Inserted now, or the district held its ticket's one rating already.
                    report.ratedTicketIDs.append(r.ticketID)
                }
                for f in export.filings {
                    report.filings.copied += try await c.query("""
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
                report.lifecycleRecords = Copied(copied: lifecycle.count, alreadyThere: present.count)
                report.lifecycleReferences = export.lifecycle.map(\.record.reference)
                report.idempotencyKeys.alreadyThere = export.idempotencyKeys.count - report.idempotencyKeys.copied
                report.answerKeys = export.idempotencyKeys.map(\.key)
                report.tickets.alreadyThere = export.tickets.count - report.tickets.copied
                report.ratings.alreadyThere = export.ratings.count - report.ratings.copied
                report.filings.alreadyThere = export.filings.count - report.filings.copied
                try await self.copyHelpRequests(export.helpRequests, siteID: siteID, into: &report, c)
                try await self.copyPolicyPrints(export.policyPrints, siteID: siteID, into: &report, c)
                return report
            }
        } catch let error as StorageError {
            throw error
        } catch {
            throw Self.unavailable(error, location: location)
        }
    }

    /// The terminal's calls, under its hall. A call the district holds already (by id) stays as
    /// it is there, unless the district holds it open and the terminal closed it since its copy:
    /// then it is closed there as the terminal closed it (a call closed in the district is never
    /// reopened). The closes come first: the terminal's next open call may then take the one
    /// open place per terminal.
    private func copyHelpRequests(_ rows: [TerminalExport.HelpRequestRow], siteID: String, into report: inout CopyReport,
                                  _ c: PostgresConnection) async throws {
        let ids = rows.map(\.id)
        let closed = rows.filter { !$0.open }
        report.helpRequestsClosed = try await c.query("""
            UPDATE help_request h SET open = false, document = copied.document
            FROM unnest(\(closed.map(\.id))::text[], \(closed.map(\.document))::text[]) AS copied (id, document)
            WHERE h.id = copied.id AND h.open RETURNING h.id
            """, logger: logger).collect().count
        let inserted = try await c.query("""
            INSERT INTO help_request (id, site_id, terminal_id, raised_on, open, document)
            SELECT id, \(siteID), terminal_id, raised_on, open, document
            FROM unnest(\(ids)::text[], \(rows.map(\.terminalID))::text[], \(rows.map(\.raisedOn))::text[], \(rows.map(\.open))::boolean[],
                        \(rows.map(\.document))::text[]) AS copied (id, terminal_id, raised_on, open, document)
            ON CONFLICT DO NOTHING RETURNING id
            """, logger: logger).collect().count
        for try await id in try await c.query("SELECT id FROM help_request WHERE id = ANY(\(ids))", logger: logger).decode(String.self) {
            report.helpRequestIDs.append(id)
        }
        report.helpRequests = Copied(copied: inserted, alreadyThere: report.helpRequestIDs.count - inserted)
        // Neither inserted nor there by id: the one-open-call index refused it.
        report.helpRequestsOpenThere = rows.count - report.helpRequestIDs.count
    }

    /// The terminal's printed sheets, in the order it printed them; `copied_key` marks each as
    /// copied (v26-policy-print-copied-key): a print the district holds under its key already is
    /// not added again.
    private func copyPolicyPrints(_ rows: [TerminalExport.PolicyPrintRow], siteID: String, into report: inout CopyReport,
                                  _ c: PostgresConnection) async throws {
        let inserted = try await c.query("""
            INSERT INTO policy_print (policy_id, site_id, terminal_id, printed_on, copied_key)
            SELECT policy_id, \(siteID), terminal_id, printed_on, copied_key
            FROM unnest(\(rows.map(\.policyID))::text[], \(rows.map(\.terminalID))::text[], \(rows.map(\.printedOn))::text[],
                        \(rows.map(\.key))::text[]) WITH ORDINALITY AS copied (policy_id, terminal_id, printed_on, copied_key, position)
            ORDER BY position
            ON CONFLICT (site_id, terminal_id, copied_key) WHERE copied_key IS NOT NULL DO NOTHING RETURNING id
            """, logger: logger).collect().count
        report.policyPrints = Copied(copied: inserted, alreadyThere: rows.count - inserted)
        // Inserted, or held under its key already: the one conflict the insert lets pass.
        report.policyPrintKeys = rows.map(\.key)
    }
}
