import Booking
import Crypto
import Foundation
import GRDB
import KioskCore
import Synchronization

/// Appointments, holds, check-in, the queue and ratings, in the terminal's SQLite database.
///
/// Every mutation runs inside a `BEGIN IMMEDIATE` transaction, in a savepoint of its own that
/// also records its idempotency key (concurrent requests share the transaction, see
/// `GroupCommitWriter`): a killed process leaves either all of an operation or none of it, and
/// a retried request returns its first answer. Capacity is taken only by a conditional update
/// of the slot's counter, so no interleaving of requests, threads or processes can overbook.
///
/// Methods throw `BookingRuleError` when a rule refuses the request and `StorageError` when the
/// database fails; both are `KioskError`s. Times are passed in, never read from a clock.
public struct BookingStore: Sendable {
    public let policy: BookingPolicy
    public let checkInWindow: CheckInWindow
    public let queue: QueuePolicy
    public let timeZone: TimeZone
    let database: SQLiteStore
    let hasher: any IDHasher
    let writer: GroupCommitWriter

    /// Keys identity numbers with the terminal's ID-hashing key (see `SQLiteStore.idHasher`)
    /// unless `hasher` is given.
    public init(store: SQLiteStore, policy: BookingPolicy = BookingPolicy(),
                checkInWindow: CheckInWindow = CheckInWindow(), queue: QueuePolicy = QueuePolicy(),
                timeZone: TimeZone, hasher: (any IDHasher)? = nil) throws(StorageError) {
        self.database = store
        self.writer = GroupCommitWriter(pool: store.pool)
        self.policy = policy
        self.checkInWindow = checkInWindow
        self.queue = queue
        self.timeZone = timeZone
        if let hasher {
            self.hasher = hasher
        } else {
            self.hasher = store.idHasher()
        }
    }

    // MARK: Holds and bookings

    /// Keeps one place of `slot` for `idNumber` for `policy.holdSeconds`: the hold counts as a
    /// taken place until it is confirmed or expires, and an expired hold simply stops counting.
    /// A citizen has one open hold at most (a new one replaces it), and it counts against their
    /// quota, so nobody holds a day's places without booking them.
    public func hold(_ slot: Slot, idNumber: ResidentIDNumber, idempotencyKey: String, now: Date) async throws -> SlotHold {
        let idHash = hasher.hash(idNumber)
        let request = Fingerprint("hold").add(slot.id).add(slot.capacity).add(idHash)
        let holdID = UUID().uuidString
        return try await mutate(request, key: idempotencyKey, now: now) { db in
            try db.cachedStatement(sql: "DELETE FROM booking_hold WHERE id_hash = ?").execute(arguments: [idHash])
            try checkEligibility(db, idHash: idHash, serviceID: slot.serviceID, now: now)
            try register(slot, db)
            let hold = SlotHold(id: holdID, slotID: slot.id,
                                expiresAt: now.addingTimeInterval(Double(policy.holdSeconds)))
            // The conditional form of `takePlace`: the hold row is the place.
            try db.cachedStatement(sql: """
                INSERT INTO booking_hold (id, slot_id, service_id, date, start, "end", expires_at, id_hash)
                SELECT ?, slot_id, ?, ?, ?, ?, ?, ? FROM slot_capacity
                WHERE slot_id = ?
                  AND taken + (SELECT count(*) FROM booking_hold WHERE slot_id = ? AND expires_at > ?) < capacity
                """).execute(arguments: [hold.id, slot.serviceID, slot.date.description, slot.start.timeIntervalSince1970,
                                         slot.end.timeIntervalSince1970, hold.expiresAt.timeIntervalSince1970, idHash,
                                         slot.id, slot.id, now.timeIntervalSince1970])
            guard db.changesCount == 1 else { throw BookingRuleError(.slotFull) }
            return hold
        }
    }

    /// Turns a live hold into a booking for `idNumber`, after the ban and quota checks.
    public func confirm(holdID: String, idNumber: ResidentIDNumber, idempotencyKey: String,
                        now: Date) async throws -> BookingRecord {
        let idHash = hasher.hash(idNumber)
        let request = Fingerprint("confirm").add(holdID).add(idHash)
        let identity = NewBookingIdentity()
        return try await mutate(request, key: idempotencyKey, now: now) { db in
            // Someone else's hold is no hold of this citizen's.
            guard let hold = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM booking_hold WHERE id = ? AND id_hash = ?"),
                                              arguments: [holdID, idHash]) else {
                throw BookingRuleError(.holdNotFound)
            }
            guard Date(timeIntervalSince1970: hold["expires_at"]) > now else { throw BookingRuleError(.holdExpired) }
            let serviceID: String = hold["service_id"]
            // The hold counted against the quota; the booking replaces it.
            try db.cachedStatement(sql: "DELETE FROM booking_hold WHERE id = ?").execute(arguments: [holdID])
            try checkEligibility(db, idHash: idHash, serviceID: serviceID, now: now)
            try takePlace(slotID: hold["slot_id"], now: now, db)
            return try insertBooking(db, slotID: hold["slot_id"], serviceID: serviceID, date: hold["date"],
                                     start: hold["start"], end: hold["end"], idNumber: idNumber,
                                     idHash: idHash, identity: identity, now: now)
        }
    }

    /// Holds and confirms in one step, for clients that ask for the ID card first.
    public func book(_ slot: Slot, idNumber: ResidentIDNumber, idempotencyKey: String,
                     now: Date) async throws -> BookingRecord {
        let idHash = hasher.hash(idNumber)
        let request = Fingerprint("book").add(slot.id).add(slot.capacity).add(idHash)
        let identity = NewBookingIdentity()
        return try await mutate(request, key: idempotencyKey, now: now) { db in
            try checkEligibility(db, idHash: idHash, serviceID: slot.serviceID, now: now)
            try registerAndTakePlace(slot, now: now, db)
            return try insertBooking(db, slotID: slot.id, serviceID: slot.serviceID, date: slot.date.description,
                                     start: slot.start.timeIntervalSince1970, end: slot.end.timeIntervalSince1970,
                                     idNumber: idNumber, idHash: idHash, identity: identity, now: now)
        }
    }

    /// Deletes expired holds, which no longer count against their slot: housekeeping only.
    /// Returns how many were deleted.
    @discardableResult
    public func deleteExpiredHolds(now: Date) async throws -> Int {
        try await write { db in try deleteExpiredHolds(db, now: now) }
    }

    /// The booking with `code` made with `idNumber`; both must match.
    public func lookup(code: BookingCode, idNumber: ResidentIDNumber) async throws -> BookingRecord {
        let idHash = hasher.hash(idNumber)
        return try await read { db in try findBooking(db, code: code, idHash: idHash) }
    }

    /// The booking with `code` and the calendar key its holder was given (the booking's id), for
    /// the iCalendar file: its time and service. Never the way to show or change a booking.
    public func booking(code: BookingCode, calendarKey: String) async throws -> BookingRecord {
        try await read { db in
            guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM booking WHERE code = ? AND id = ?"),
                                             arguments: [code.value, calendarKey]) else {
                throw BookingRuleError(.bookingNotFound)
            }
            return try bookingRecord(row)
        }
    }

    /// The places taken in each of `slotIDs` at `now`, live holds included; slots nobody has
    /// booked are absent (none taken).
    public func placesTaken(slotIDs: [String], now: Date) async throws -> [String: Int] {
        guard !slotIDs.isEmpty else { return [:] }
        return try await read { db in
            let marks = databaseQuestionMarks(count: slotIDs.count)
            var taken: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT slot_id, taken FROM slot_capacity WHERE slot_id IN (\(marks))",
                                        arguments: StatementArguments(slotIDs)) {
                taken[row["slot_id"], default: 0] += row["taken"] as Int
            }
            for row in try Row.fetchAll(db, sql: """
                SELECT slot_id, count(*) AS held FROM booking_hold WHERE expires_at > ? AND slot_id IN (\(marks)) GROUP BY slot_id
                """, arguments: StatementArguments([now.timeIntervalSince1970 as any DatabaseValueConvertible] + slotIDs)) {
                taken[row["slot_id"], default: 0] += row["held"] as Int
            }
            return taken
        }
    }

    /// Every booking made with `idNumber`, soonest first.
    public func bookings(of idNumber: ResidentIDNumber) async throws -> [BookingRecord] {
        let idHash = hasher.hash(idNumber)
        return try await read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM booking WHERE id_hash = ? ORDER BY start"), arguments: [idHash])
                .map(bookingRecord)
        }
    }

    public func cancel(code: BookingCode, idNumber: ResidentIDNumber, idempotencyKey: String,
                       now: Date) async throws -> BookingRecord {
        let idHash = hasher.hash(idNumber)
        let request = Fingerprint("cancel").add(code.value).add(idHash)
        return try await mutate(request, key: idempotencyKey, now: now) { db in
            let booking = try findBooking(db, code: code, idHash: idHash)
            guard booking.status == .confirmed else { throw BookingRuleError(.bookingNotActive) }
            try policy.checkChangeAllowed(start: booking.start, now: now)
            try db.cachedStatement(sql: "UPDATE slot_capacity SET taken = taken - 1 WHERE slot_id = ?").execute( arguments: [booking.slotID])
            try db.cachedStatement(sql: """
                UPDATE booking SET status = ?, sequence = sequence + 1, updated_at = ? WHERE id = ?
                """).execute( arguments: [BookingStatus.cancelled.rawValue, now.timeIntervalSince1970, booking.id])
            return try fetchBooking(db, id: booking.id)
        }
    }

    /// Moves a booking to another slot of the same service: the new place is taken before the
    /// old one is released, so a full slot leaves the booking where it was.
    public func reschedule(code: BookingCode, idNumber: ResidentIDNumber, to slot: Slot,
                           idempotencyKey: String, now: Date) async throws -> BookingRecord {
        let idHash = hasher.hash(idNumber)
        let request = Fingerprint("reschedule").add(code.value).add(idHash).add(slot.id).add(slot.capacity)
        return try await mutate(request, key: idempotencyKey, now: now) { db in
            let booking = try findBooking(db, code: code, idHash: idHash)
            guard booking.status == .confirmed else { throw BookingRuleError(.bookingNotActive) }
            guard slot.serviceID == booking.serviceID else { throw BookingRuleError(.rescheduleToOtherService) }
            try policy.checkChangeAllowed(start: booking.start, now: now)
            guard slot.id != booking.slotID else { return booking }
            try registerAndTakePlace(slot, now: now, db)
            try db.cachedStatement(sql: "UPDATE slot_capacity SET taken = taken - 1 WHERE slot_id = ?").execute( arguments: [booking.slotID])
            try db.cachedStatement(sql: """
                UPDATE booking SET slot_id = ?, date = ?, start = ?, "end" = ?, sequence = sequence + 1,
                    updated_at = ?, on_day_off = 0
                WHERE id = ?
                """).execute( arguments: [slot.id, slot.date.description, slot.start.timeIntervalSince1970,
                                 slot.end.timeIntervalSince1970, now.timeIntervalSince1970, booking.id])
            return try fetchBooking(db, id: booking.id)
        }
    }

    /// Marks as no-shows the confirmed bookings whose check-in window has closed. The ban
    /// does not wait for this sweep (it counts such bookings itself); staff reports do.
    /// A citizen who still arrives that day checks in late all the same.
    @discardableResult
    public func markNoShows(now: Date) async throws -> Int {
        try await write { db in try markNoShows(db, now: now) }
    }

    /// The periodic housekeeping of `BookingMaintenance`, in one write transaction: deletes the
    /// expired holds and marks the no-shows. Both are conditional updates on the rows' own
    /// state, so a second run, or one on another terminal sharing the database, changes nothing
    /// the first has done.
    public func sweep(now: Date) async throws -> BookingSweep {
        try await write { db in
            BookingSweep(holdsDeleted: try deleteExpiredHolds(db, now: now), noShowsMarked: try markNoShows(db, now: now))
        }
    }

    // MARK: Calendar import

    /// After `kiosk calendar import`: flags the upcoming confirmed bookings whose date was a
    /// working day under `old` and is a day off under `new`, and returns them for staff.
    public func flagBookingsOnDaysOff(from old: OfficialCalendar, to new: OfficialCalendar,
                                      now: Date) async throws -> [BookingRecord] {
        let today = LocalDate(containing: now, in: timeZone).description
        return try await write { db in
            let booked = try String.fetchAll(db.cachedStatement(sql: """
                SELECT DISTINCT date FROM booking WHERE status = ? AND date >= ?
                """), arguments: [BookingStatus.confirmed.rawValue, today])
            let dates = booked.compactMap { text in try? LocalDate(text) }
            let affected = OfficialCalendar.datesBecomingDaysOff(dates, from: old, to: new).map(\.description)
            guard !affected.isEmpty else { return [] }
            let placeholders = databaseQuestionMarks(count: affected.count)
            try db.cachedStatement(sql: "UPDATE booking SET on_day_off = 1 WHERE status = ? AND date IN (\(placeholders))").execute(
                           arguments: StatementArguments([BookingStatus.confirmed.rawValue] + affected))
            return try Row.fetchAll(db.cachedStatement(sql: """
                SELECT * FROM booking WHERE status = ? AND date IN (\(placeholders)) ORDER BY start
                """), arguments: StatementArguments([BookingStatus.confirmed.rawValue] + affected)).map(bookingRecord)
        }
    }

    /// Confirmed bookings on a date that became a day off, for the staff list.
    public func bookingsOnDaysOff() async throws -> [BookingRecord] {
        try await read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM booking WHERE status = ? AND on_day_off = 1 ORDER BY start"),
                             arguments: [BookingStatus.confirmed.rawValue]).map(bookingRecord)
        }
    }

    // MARK: Check-in

    /// Checks in by booking code and the holder's identity: the code finds the booking, the
    /// card or number must be the one it was made with. On time gives an appointment ticket;
    /// late gives a walk-in ticket (elderly only when the card says so).
    public func checkIn(code: BookingCode, holder: CitizenIdentity, idempotencyKey: String, now: Date) async throws -> CheckInResult {
        let idHash = hasher.hash(holder.idNumber)
        let request = Fingerprint("checkInByCode").add(code.value).add(idHash).add(holder.source.rawValue)
        let token = RatingToken.random()
        return try await mutate(request, key: idempotencyKey, now: now) { db in
            let booking = try findBooking(db, code: code, idHash: idHash)
            return try checkIn(db, booking: booking, holder: holder, idHash: idHash, token: token, now: now)
        }
    }

    /// Checks in with the ID card (or number): today's confirmed booking whose window is open or
    /// still to come, else the last one whose window has passed (which checks in late).
    public func checkIn(holder: CitizenIdentity, idempotencyKey: String, now: Date) async throws -> CheckInResult {
        let idHash = hasher.hash(holder.idNumber)
        let token = RatingToken.random()
        let today = LocalDate(containing: now, in: timeZone).description
        let request = Fingerprint("checkInByID").add(idHash).add(holder.source.rawValue)
        return try await mutate(request, key: idempotencyKey, now: now) { db in
            // A no-show of today is a citizen who may still arrive late (see `markNoShows`).
            let todays = try Row.fetchAll(db.cachedStatement(sql: """
                SELECT * FROM booking WHERE id_hash = ? AND status IN (?, ?) AND date = ? ORDER BY start
                """), arguments: [idHash, BookingStatus.confirmed.rawValue, BookingStatus.noShow.rawValue, today])
                .map(bookingRecord)
            let pending = todays.first { now < checkInWindow.closes(forStart: $0.start) }
            guard let booking = pending ?? todays.last else { throw BookingRuleError(.bookingNotFound) }
            return try checkIn(db, booking: booking, holder: holder, idHash: idHash, token: token, now: now)
        }
    }

    // MARK: The queue

    /// A walk-in ticket for `serviceID`, issued only while the hall is open on `schedule`'s day.
    public func issueTicket(serviceID: String, holder: CitizenIdentity?, disabilityMarkedByStaff: Bool,
                            schedule: DaySchedule, idempotencyKey: String, now: Date) async throws -> TicketReceipt {
        let holderHash = holder.map { hasher.hash($0.idNumber) }
        var request = Fingerprint("issueTicket").add(serviceID).add(disabilityMarkedByStaff ? "1" : "0")
        if let holder, let holderHash { request = request.add(holderHash).add(holder.source.rawValue) }
        let token = RatingToken.random()
        return try await mutate(request, key: idempotencyKey, now: now) { db in
            try queue.checkWalkInsOpen(now: now, schedule: schedule, zone: timeZone)
            let priority = queue.walkInPriority(holder: holder, disabilityMarkedByStaff: disabilityMarkedByStaff,
                                                on: schedule.day.date)
            return try insertTicket(db, serviceID: serviceID, priority: priority, queuedAt: now, bookingID: nil,
                                    holderHash: holderHash, token: token, now: now)
        }
    }

    /// Calls the first waiting ticket of today for any of `serviceIDs` to `counter`, or nil
    /// when nobody waits. Tickets issued before closing are called after it too.
    public func callNext(counter: String, serviceIDs: [String], idempotencyKey: String, now: Date) async throws -> Ticket? {
        let request = serviceIDs.sorted().reduce(Fingerprint("callNext").add(counter)) { $0.add($1) }
        return try await mutate(request, key: idempotencyKey, now: now) { db in
            let today = LocalDate(containing: now, in: timeZone)
            let waiting = try waitingTickets(db, date: today, serviceIDs: serviceIDs)
            guard let next = waiting.first else { return nil }
            try db.cachedStatement(sql: """
                UPDATE queue_ticket SET state = ?, counter = ?, called_at = ?, call_count = call_count + 1 WHERE id = ?
                """).execute( arguments: [TicketState.called.rawValue, counter, now.timeIntervalSince1970, next.id])
            let called = try fetchTicket(db, id: next.id)
            try record(.called, called, counter: counter, now: now, db)
            return called
        }
    }

    /// Calls a called ticket again (the citizen did not come forward yet).
    public func recall(ticketID: Int64, idempotencyKey: String, now: Date) async throws -> Ticket {
        try await counterAction("recall", .recalled, ticketID: ticketID, key: idempotencyKey, now: now, sql: """
            UPDATE queue_ticket SET called_at = ?, call_count = call_count + 1 WHERE id = ?
            """, arguments: [now.timeIntervalSince1970, ticketID])
    }

    public func markNoShow(ticketID: Int64, idempotencyKey: String, now: Date) async throws -> Ticket {
        try await counterAction("markNoShow", .noShow, ticketID: ticketID, key: idempotencyKey, now: now,
                                sql: "UPDATE queue_ticket SET state = ? WHERE id = ?",
                                arguments: [TicketState.noShow.rawValue, ticketID])
    }

    public func finish(ticketID: Int64, idempotencyKey: String, now: Date) async throws -> Ticket {
        try await counterAction("finish", .finished, ticketID: ticketID, key: idempotencyKey, now: now,
                                sql: "UPDATE queue_ticket SET state = ? WHERE id = ?",
                                arguments: [TicketState.finished.rawValue, ticketID])
    }

    /// Sends a called ticket to another service's queue; it keeps its number, class and place
    /// in time.
    public func transfer(ticketID: Int64, to serviceID: String, idempotencyKey: String, now: Date) async throws -> Ticket {
        try await counterAction("transfer:" + serviceID, .transferred, ticketID: ticketID, key: idempotencyKey, now: now, sql: """
            UPDATE queue_ticket SET state = ?, service_id = ?, counter = NULL, called_at = NULL WHERE id = ?
            """, arguments: [TicketState.waiting.rawValue, serviceID, ticketID])
    }

    /// Today's waiting tickets for `serviceIDs`, in call order.
    public func waitingTickets(serviceIDs: [String], now: Date) async throws -> [Ticket] {
        let today = LocalDate(containing: now, in: timeZone)
        return try await read { db in try waitingTickets(db, date: today, serviceIDs: serviceIDs) }
    }

    public func servingTickets(serviceIDs: [String], now: Date) async throws -> [Ticket] {
        guard !serviceIDs.isEmpty else { return [] }
        let today = LocalDate(containing: now, in: timeZone)
        return try await read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT * FROM queue_ticket WHERE date = ? AND state = ? AND service_id IN (\(databaseQuestionMarks(count: serviceIDs.count)))
                ORDER BY called_at DESC, id DESC
                """), arguments: StatementArguments([today.description, TicketState.called.rawValue] + serviceIDs)).map(ticket)
        }
    }

    // MARK: Ratings

    /// Rates a finished ticket once, for whoever proves they took it; the service and counter
    /// come from the ticket. Without the proof nothing about the ticket is revealed.
    public func rate(ticketID: Int64, proof: RatingProof, score: Int, reasons: [String], idempotencyKey: String,
                     now: Date) async throws -> Rating {
        try Rating.validate(score: score, reasons: reasons)
        let presented = presentedProof(proof)
        let request = reasons.reduce(Fingerprint("rate").add(ticketID).add(score).add(presented.digest)) { $0.add($1) }
        return try await mutate(request, key: idempotencyKey, now: now) { db in
            let ticket = try fetchTicket(db, id: ticketID)
            let held = try Row.fetchOne(db.cachedStatement(sql: "SELECT rating_token_hash, holder_hash FROM queue_ticket WHERE id = ?"),
                                        arguments: [ticketID])
            guard presented.matches(tokenHash: held?["rating_token_hash"], holderHash: held?["holder_hash"]) else {
                throw BookingRuleError(.ratingNotAllowed)
            }
            guard ticket.state == .finished, let counter = ticket.counter,
                  try !exists(db, "SELECT 1 FROM rating WHERE ticket_id = ?", [ticketID]) else {
                throw BookingRuleError(.ticketStateInvalid)
            }
            let rating = try Rating(ticketID: ticketID, serviceID: ticket.serviceID, counter: counter, score: score,
                                    reasons: reasons, createdAt: now)
            try db.cachedStatement(sql: """
                INSERT INTO rating (ticket_id, service_id, counter, score, reasons, created_at) VALUES (?, ?, ?, ?, ?, ?)
                """).execute( arguments: [ticketID, rating.serviceID, counter, score, reasons.joined(separator: ","),
                                 now.timeIntervalSince1970])
            return rating
        }
    }

    /// Ratings of a service, of one counter when given, oldest first.
    public func ratings(serviceID: String, counter: String?) async throws -> [Rating] {
        try await read { db in
            let rows = try Row.fetchAll(db.cachedStatement(sql: """
                SELECT * FROM rating WHERE service_id = ? AND (? IS NULL OR counter = ?) ORDER BY id
                """), arguments: [serviceID, counter, counter])
            return try rows.map { row in
                let reasons: String = row["reasons"]
                return try Rating(ticketID: row["ticket_id"], serviceID: row["service_id"], counter: row["counter"],
                                  score: row["score"],
                                  reasons: reasons.isEmpty ? [] : reasons.split(separator: ",").map(String.init),
                                  createdAt: Date(timeIntervalSince1970: row["created_at"]))
            }
        }
    }
}

// MARK: - Inside a transaction

extension BookingStore {
    private func deleteExpiredHolds(_ db: Database, now: Date) throws -> Int {
        try db.cachedStatement(sql: "DELETE FROM booking_hold WHERE expires_at <= ?")
            .execute(arguments: [now.timeIntervalSince1970])
        return db.changesCount
    }

    /// The window closes `lateMinutes` after the start, exclusive (`CheckInWindow.closes`).
    private func markNoShows(_ db: Database, now: Date) throws -> Int {
        let closed = now.timeIntervalSince1970 - Double(checkInWindow.lateMinutes) * 60
        try db.cachedStatement(sql: """
            UPDATE booking SET status = ?, updated_at = ? WHERE status = ? AND start <= ?
            """).execute(arguments: [BookingStatus.noShow.rawValue, now.timeIntervalSince1970,
                                     BookingStatus.confirmed.rawValue, closed])
        return db.changesCount
    }

    /// Records `slot` with the capacity its service has now; a capacity lowered by
    /// configuration never drops below the places already taken.
    private func register(_ slot: Slot, _ db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO slot_capacity (slot_id, service_id, capacity, taken) VALUES (?, ?, ?, 0)
            ON CONFLICT (slot_id) DO UPDATE SET capacity = max(excluded.capacity, taken)
            """).execute(arguments: [slot.id, slot.serviceID, slot.capacity])
    }

    /// One place of a slot, by the conditional update the whole design relies on: the
    /// database decides, so concurrent writers cannot both see room and both take it. Live
    /// holds count as taken places.
    private func takePlace(slotID: String, now: Date, _ db: Database) throws {
        try db.cachedStatement(sql: """
            UPDATE slot_capacity SET taken = taken + 1
            WHERE slot_id = ?
              AND taken + (SELECT count(*) FROM booking_hold WHERE slot_id = ? AND expires_at > ?) < capacity
            """).execute(arguments: [slotID, slotID, now.timeIntervalSince1970])
        guard db.changesCount == 1 else { throw BookingRuleError(.slotFull) }
    }

    /// `register` and `takePlace` in one statement, for the requests that take a place of a slot
    /// they may be the first to use: the insert of a new slot takes its first place, the update
    /// of a known one takes a place only where one is free at the capacity the service has now.
    private func registerAndTakePlace(_ slot: Slot, now: Date, _ db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO slot_capacity (slot_id, service_id, capacity, taken) SELECT ?, ?, ?, 1 WHERE ? > 0
            ON CONFLICT (slot_id) DO UPDATE SET capacity = max(excluded.capacity, taken), taken = taken + 1
            WHERE taken + (SELECT count(*) FROM booking_hold WHERE slot_id = excluded.slot_id AND expires_at > ?)
                < max(excluded.capacity, taken)
            """).execute(arguments: [slot.id, slot.serviceID, slot.capacity, slot.capacity, now.timeIntervalSince1970])
        guard db.changesCount == 1 else { throw BookingRuleError(.slotFull) }
    }

    /// The ban and quota checks, reading the citizen's bookings in the transaction that books.
    private func checkEligibility(_ db: Database, idHash: Data, serviceID: String, now: Date) throws {
        let windowClosed = now.timeIntervalSince1970 - Double(checkInWindow.lateMinutes) * 60
        let recent = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT service_id, status, start FROM booking WHERE id_hash = ? AND start > ? AND status IN (?, ?)
            """), arguments: [idHash, now.timeIntervalSince1970 - policy.noShowLookback,
                              BookingStatus.confirmed.rawValue, BookingStatus.noShow.rawValue])
        var noShows: [Date] = []
        var forService = 0
        var total = 0
        for row in recent {
            let start: Double = row["start"]
            if row["status"] as String == BookingStatus.noShow.rawValue || start <= windowClosed {
                noShows.append(Date(timeIntervalSince1970: start))
            } else {
                total += 1
                if row["service_id"] as String == serviceID { forService += 1 }
            }
        }
        // Open holds count like bookings: a place kept is a place taken from everyone else.
        for held in try String.fetchAll(db.cachedStatement(sql: """
            SELECT service_id FROM booking_hold WHERE id_hash = ? AND expires_at > ?
            """), arguments: [idHash, now.timeIntervalSince1970]) {
            total += 1
            if held == serviceID { forService += 1 }
        }
        try policy.checkNotBanned(noShows: noShows, now: now, zone: timeZone)
        try policy.checkQuota(activeForService: forService, activeTotal: total)
    }

    private func insertBooking(_ db: Database, slotID: String, serviceID: String, date: String, start: Double,
                               end: Double, idNumber: ResidentIDNumber, idHash: Data, identity: NewBookingIdentity,
                               now: Date) throws -> BookingRecord {
        let id = identity.id
        var code = identity.code
        // The UNIQUE index decides; a collision (one in hundreds of millions) draws again.
        repeat {
            do {
                try db.cachedStatement(sql: """
                    INSERT INTO booking (id, code, slot_id, service_id, date, start, "end", id_hash, id_masked, status,
                                         sequence, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)
                    """).execute(arguments: [id, code.value, slotID, serviceID, date, start, end, idHash, idNumber.masked,
                                             BookingStatus.confirmed.rawValue, now.timeIntervalSince1970, now.timeIntervalSince1970])
                break
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
                var generator = SystemRandomNumberGenerator()
                code = BookingCode.random(using: &generator)
            }
        } while true
        guard let localDate = try? LocalDate(date) else { throw corrupt("booking.date") }
        return .made(id: id, code: code, slotID: slotID, serviceID: serviceID, date: localDate,
                     start: Date(timeIntervalSince1970: start), end: Date(timeIntervalSince1970: end),
                     maskedIDNumber: idNumber.masked, at: now)
    }

    private func checkIn(_ db: Database, booking: BookingRecord, holder: CitizenIdentity, idHash: Data, token: String,
                         now: Date) throws -> CheckInResult {
        let today = LocalDate(containing: now, in: timeZone)
        // The sweep marks a booking a no-show when its window closes; arriving later that day
        // is still a late check-in, as it was before the sweep ran.
        let lateSameDay = booking.status == .noShow && booking.date == today
        guard booking.status == .confirmed || lateSameDay else { throw BookingRuleError(.bookingNotActive) }
        let outcome = try checkInWindow.outcome(start: booking.start, now: now, zone: timeZone)
        let late = outcome == .late
        let priority = late ? queue.walkInPriority(holder: holder, disabilityMarkedByStaff: false, on: today) : .appointment
        try db.cachedStatement(sql: "UPDATE booking SET status = ?, updated_at = ? WHERE id = ?").execute( arguments: [
            (late ? BookingStatus.checkedInLate : .checkedIn).rawValue, now.timeIntervalSince1970, booking.id,
        ])
        let receipt = try insertTicket(db, serviceID: booking.serviceID, priority: priority,
                                       queuedAt: late ? now : booking.start, bookingID: booking.id, holderHash: idHash,
                                       token: token, now: now)
        return CheckInResult(booking: try fetchBooking(db, id: booking.id), receipt: receipt, late: late)
    }

    /// A new ticket; its taker gets `token` to rate it with, the store keeps only its hash (and
    /// the hash of the ID number it was taken with, if any, for rating with the card).
    private func insertTicket(_ db: Database, serviceID: String, priority: PriorityClass, queuedAt: Date,
                              bookingID: String?, holderHash: Data?, token: String, now: Date) throws -> TicketReceipt {
        let date = LocalDate(containing: now, in: timeZone)
        let prefix = queue.prefix(for: serviceID)
        let last = try Int.fetchOne(db.cachedStatement(sql: "SELECT max(sequence) FROM queue_ticket WHERE date = ? AND prefix = ?"),
                                    arguments: [date.description, prefix]) ?? 0
        try db.cachedStatement(sql: """
            INSERT INTO queue_ticket (date, prefix, sequence, number, service_id, priority, queued_at, state, booking_id,
                                      rating_token_hash, holder_hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute( arguments: [date.description, prefix, last + 1, QueuePolicy.ticketNumber(prefix: prefix, sequence: last + 1),
                             serviceID, priority.rawValue, queuedAt.timeIntervalSince1970, TicketState.waiting.rawValue,
                             bookingID, PresentedRatingProof.tokenHash(token), holderHash])
        let ticket = try fetchTicket(db, id: db.lastInsertedRowID)
        try record(.issued, ticket, counter: nil, now: now, db)
        let ahead = try waitingTickets(db, date: date, serviceIDs: [serviceID]).prefix { $0.id != ticket.id }.count
        return TicketReceipt(ticket: ticket, ahead: ahead, ratingToken: token)
    }

    private func waitingTickets(_ db: Database, date: LocalDate, serviceIDs: [String]) throws -> [Ticket] {
        guard !serviceIDs.isEmpty else { return [] }
        let rows = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT * FROM queue_ticket WHERE date = ? AND state = ? AND service_id IN (\(databaseQuestionMarks(count: serviceIDs.count)))
            """), arguments: StatementArguments([date.description, TicketState.waiting.rawValue] + serviceIDs))
        return QueuePolicy.callOrder(try rows.map(ticket))
    }

    private func counterAction(_ operation: String, _ event: QueueEvent.Kind, ticketID: Int64, key: String, now: Date,
                               sql: String, arguments: StatementArguments) async throws -> Ticket {
        try await mutate(Fingerprint(operation).add(ticketID), key: key, now: now) { db in
            let before = try fetchTicket(db, id: ticketID)
            guard before.state == .called else { throw BookingRuleError(.ticketStateInvalid) }
            try db.cachedStatement(sql: sql).execute(arguments: arguments)
            let after = try fetchTicket(db, id: ticketID)
            // The display shows the counter the ticket was called to, even once it has left it.
            try record(event, after, counter: after.counter ?? before.counter, now: now, db)
            return after
        }
    }

    private func findBooking(_ db: Database, code: BookingCode, idHash: Data) throws -> BookingRecord {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM booking WHERE code = ? AND id_hash = ?"),
                                         arguments: [code.value, idHash]) else {
            throw BookingRuleError(.bookingNotFound)
        }
        return try bookingRecord(row)
    }

    private func fetchBooking(_ db: Database, id: String) throws -> BookingRecord {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM booking WHERE id = ?"), arguments: [id]) else {
            throw BookingRuleError(.bookingNotFound)
        }
        return try bookingRecord(row)
    }

    private func fetchTicket(_ db: Database, id: Int64) throws -> Ticket {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM queue_ticket WHERE id = ?"), arguments: [id]) else {
            throw BookingRuleError(.ticketNotFound)
        }
        return try ticket(row)
    }

    private func exists(_ db: Database, _ sql: String, _ arguments: StatementArguments) throws -> Bool {
        try Row.fetchOne(db.cachedStatement(sql: sql), arguments: arguments) != nil
    }
}

// MARK: - Rows, transactions, idempotency

/// A new booking's id and code, drawn before its transaction: each draw is a system call, and
/// inside the transaction it would hold up every request queued behind it.
struct NewBookingIdentity: Sendable {
    let id = UUID().uuidString
    let code: BookingCode = {
        var generator = SystemRandomNumberGenerator()
        return BookingCode.random(using: &generator)
    }()
}

extension BookingStore {
    private func bookingRecord(_ row: Row) throws -> BookingRecord {
        guard let status = BookingStatus(rawValue: row["status"]), let code = try? BookingCode(row["code"] as String),
              let date = try? LocalDate(row["date"] as String) else { throw corrupt("booking") }
        return BookingRecord(
            id: row["id"], code: code, slotID: row["slot_id"], serviceID: row["service_id"], date: date,
            start: Date(timeIntervalSince1970: row["start"]), end: Date(timeIntervalSince1970: row["end"]),
            maskedIDNumber: row["id_masked"], status: status, sequence: row["sequence"],
            createdAt: Date(timeIntervalSince1970: row["created_at"]),
            updatedAt: Date(timeIntervalSince1970: row["updated_at"]), onDayOff: row["on_day_off"])
    }

    private func ticket(_ row: Row) throws -> Ticket {
        guard let priority = PriorityClass(rawValue: row["priority"]), let state = TicketState(rawValue: row["state"]),
              let date = try? LocalDate(row["date"] as String) else { throw corrupt("queue_ticket") }
        let calledAt: Double? = row["called_at"]
        return Ticket(id: row["id"], date: date, number: row["number"],
                      serviceID: row["service_id"], priority: priority,
                      queuedAt: Date(timeIntervalSince1970: row["queued_at"]), state: state, counter: row["counter"],
                      calledAt: calledAt.map(Date.init(timeIntervalSince1970:)), callCount: row["call_count"],
                      bookingID: row["booking_id"])
    }

    private func corrupt(_ what: String) -> StorageError {
        .unavailable(path: database.path, reason: "unreadable value in \(what)")
    }

    /// Runs `body` once per idempotency key, in one immediate transaction with the record of
    /// the key: a retry with the same request gets the stored answer, a different request
    /// under the same key is refused. A refused request stores nothing, so it can be retried.
    ///
    /// The key is looked up only when it cannot be recorded (or `body` fails): a retry is rare,
    /// and its work is undone with its savepoint, while a first request, the common case, then
    /// costs one statement less inside the serial writer.
    private func mutate<Response: StoredAnswer>(
        _ request: Fingerprint, key: String, now: Date,
        _ body: @escaping @Sendable (Database) throws -> Response
    ) async throws -> Response {
        guard (1...128).contains(key.utf8.count), key.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw BookingRuleError(.invalidIdempotencyKey)
        }
        let fingerprint = request.digest
        do {
            return try await write { db in
                let response: Response
                do {
                    response = try body(db)
                } catch {
                    // A retry may fail where the first request succeeded (its place is taken,
                    // by itself): the first answer stands.
                    if let stored = try storedAnswer(Response.self, key: key, request, fingerprint, db) {
                        throw Retried(answer: stored)
                    }
                    throw error
                }
                var writer = AnswerWriter()
                response.write(to: &writer)
                try db.cachedStatement(sql: """
                    INSERT INTO idempotency_key (key, operation, fingerprint, response, created_at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (key) DO NOTHING
                    """).execute(arguments: [key, request.operation, fingerprint, Data(writer.bytes), now.timeIntervalSince1970])
                if db.changesCount == 0, let stored = try storedAnswer(Response.self, key: key, request, fingerprint, db) {
                    throw Retried(answer: stored)
                }
                return response
            }
        } catch let retried as Retried<Response> {
            return retried.answer
        }
    }

    /// Thrown out of a retried request's savepoint, so that its second run is undone, carrying
    /// the answer the first run stored.
    private struct Retried<Answer: StoredAnswer>: Error {
        let answer: Answer
    }

    /// The answer stored under `key`, if any; a different request under the key is refused.
    private func storedAnswer<Response: StoredAnswer>(
        _: Response.Type, key: String, _ request: Fingerprint, _ fingerprint: Data, _ db: Database
    ) throws -> Response? {
        guard let row = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT operation, fingerprint, response FROM idempotency_key WHERE key = ?"),
            arguments: [key])
        else { return nil }
        guard row["operation"] as String == request.operation, row["fingerprint"] as Data == fingerprint else {
            throw BookingRuleError(.idempotencyKeyReused)
        }
        var reader = AnswerReader(Array(row["response"] as Data))
        guard let answer = try? Response(from: &reader), reader.isAtEnd else { throw corrupt("idempotency_key") }
        return answer
    }

    /// Runs `body` in its own savepoint of a `BEGIN IMMEDIATE` transaction (see
    /// `GroupCommitWriter`): the write lock is taken before the first read, so what `body`
    /// reads cannot change under it, in this process or any other.
    private func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let value: any Sendable
        do {
            value = try await writer.write(body)
        } catch let error as DatabaseError {
            throw StorageError.unavailable(path: database.path, reason: error.message ?? "SQLite error \(error.resultCode.rawValue)")
        }
        guard let result = value as? T else { throw corrupt("transaction") }
        return result
    }

    private func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await database.pool.read(body)
        } catch let error as DatabaseError {
            throw StorageError.unavailable(path: database.path, reason: error.message ?? "SQLite error \(error.resultCode.rawValue)")
        }
    }
}

/// Group commit: concurrent write requests share one `BEGIN IMMEDIATE … COMMIT`, each in its
/// own savepoint, so each takes effect entirely or not at all and none is answered before the
/// commit that makes it durable, while the cost of a commit (the hop to the writer queue, the
/// WAL write and sync) is paid once per batch instead of once per request.
///
/// The database's writer queue drives itself: a request that finds it idle schedules a batch,
/// and a batch that finishes with requests waiting schedules the next. Batches run on that
/// queue, so the cancellation of one caller's task cannot fail the others' requests.
final class GroupCommitWriter: Sendable {
    typealias Work = @Sendable (Database) throws -> any Sendable
    typealias Outcome = Result<any Sendable, any Error>

    private struct Request {
        let work: Work
        let answer: CheckedContinuation<Outcome, Never>
    }

    private struct State {
        var queue: [Request] = []
        var scheduled = false
    }

    /// Bounds how long the first request of a batch waits for the last.
    static let maximumBatch = 64
    private let pool: DatabasePool
    private let state = Mutex(State())

    init(pool: DatabasePool) {
        self.pool = pool
    }

    func write(_ work: @escaping Work) async throws -> any Sendable {
        try await withCheckedContinuation { (answer: CheckedContinuation<Outcome, Never>) in
            let schedules = state.withLock { state in
                state.queue.append(Request(work: work, answer: answer))
                defer { state.scheduled = true }
                return !state.scheduled
            }
            if schedules { scheduleBatch() }
        }.get()
    }

    private func scheduleBatch() {
        pool.asyncWriteWithoutTransaction { db in self.runBatch(db) }
    }

    private func runBatch(_ db: Database) {
        let batch = state.withLock { state in
            let count = min(state.queue.count, Self.maximumBatch)
            defer { state.queue.removeFirst(count) }
            return Array(state.queue.prefix(count))
        }
        var outcomes: [Outcome] = []
        do {
            try db.inTransaction(.immediate) {
                for request in batch {
                    // Cached statements: GRDB's inSavepoint parses its SQL on every call.
                    try db.cachedStatement(sql: "SAVEPOINT request").execute()
                    let outcome = Result { try request.work(db) }
                    if case .failure = outcome { try db.cachedStatement(sql: "ROLLBACK TO SAVEPOINT request").execute() }
                    try db.cachedStatement(sql: "RELEASE SAVEPOINT request").execute()
                    outcomes.append(outcome)
                }
                return .commit
            }
        } catch {
            outcomes = batch.map { _ in .failure(error) }
        }
        for (request, outcome) in zip(batch, outcomes) { request.answer.resume(returning: outcome) }
        let more = state.withLock { state in
            state.scheduled = !state.queue.isEmpty
            return state.scheduled
        }
        if more { scheduleBatch() }
    }
}

/// An answer kept for idempotent retries, in a compact positional form: encoding it sits inside
/// the write transaction of every request, where JSON would cost more than the SQL.
package protocol StoredAnswer: Sendable {
    func write(to writer: inout AnswerWriter)
    init(from reader: inout AnswerReader) throws
}

package struct AnswerWriter {
    package init() {}

    package private(set) var bytes: [UInt8] = []

    package mutating func add(_ value: Int) {
        withUnsafeBytes(of: Int64(value).littleEndian) { bytes += $0 }
    }

    package mutating func add(_ value: Double) {
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 }
    }

    package mutating func add(_ value: Date) { add(value.timeIntervalSince1970) }

    package mutating func add(_ value: Bool) { bytes.append(value ? 1 : 0) }

    package mutating func add(_ value: String) {
        add(value.utf8.count)
        bytes += value.utf8
    }

    package mutating func add<Value>(_ value: Value?, _ write: (inout AnswerWriter, Value) -> Void) {
        add(value != nil)
        if let value { write(&self, value) }
    }
}

package struct AnswerReader {
    package struct Malformed: Error {}

    private let bytes: [UInt8]
    private var offset = 0

    package init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    package var isAtEnd: Bool { offset == bytes.count }

    package var remaining: Int { bytes.count - offset }

    private mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
        guard count >= 0, count <= bytes.count - offset else { throw Malformed() }
        defer { offset += count }
        return bytes[offset..<(offset + count)]
    }

    private mutating func word() throws -> UInt64 {
        try take(8).reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }

    package mutating func int() throws -> Int { Int(Int64(bitPattern: try word())) }

    package mutating func double() throws -> Double { Double(bitPattern: try word()) }

    package mutating func date() throws -> Date { Date(timeIntervalSince1970: try double()) }

    package mutating func bool() throws -> Bool { try take(1).first == 1 }

    package mutating func string() throws -> String { String(decoding: try take(try int()), as: UTF8.self) }

    package mutating func optional<Value>(_ read: (inout AnswerReader) throws -> Value) throws -> Value? {
        try bool() ? try read(&self) : nil
    }

    package mutating func value<Value: RawRepresentable<String>>(_: Value.Type) throws -> Value {
        guard let value = Value(rawValue: try string()) else { throw Malformed() }
        return value
    }

    package mutating func localDate() throws -> LocalDate {
        guard let date = try? LocalDate(try string()) else { throw Malformed() }
        return date
    }
}

extension SlotHold: StoredAnswer {
    package func write(to writer: inout AnswerWriter) {
        writer.add(id)
        writer.add(slotID)
        writer.add(expiresAt)
    }

    package init(from reader: inout AnswerReader) throws {
        self.init(id: try reader.string(), slotID: try reader.string(), expiresAt: try reader.date())
    }
}

extension BookingRecord: StoredAnswer {
    package func write(to writer: inout AnswerWriter) {
        writer.add(id)
        writer.add(code.value)
        writer.add(slotID)
        writer.add(serviceID)
        writer.add(date.description)
        writer.add(start)
        writer.add(end)
        writer.add(maskedIDNumber)
        writer.add(status.rawValue)
        writer.add(sequence)
        writer.add(createdAt)
        writer.add(updatedAt)
        writer.add(onDayOff)
    }

    package init(from reader: inout AnswerReader) throws {
        self.init(id: try reader.string(), code: try BookingCode(try reader.string()), slotID: try reader.string(),
                  serviceID: try reader.string(), date: try reader.localDate(), start: try reader.date(), end: try reader.date(),
                  maskedIDNumber: try reader.string(), status: try reader.value(BookingStatus.self),
                  sequence: try reader.int(), createdAt: try reader.date(), updatedAt: try reader.date(),
                  onDayOff: try reader.bool())
    }
}

extension Ticket: StoredAnswer {
    package func write(to writer: inout AnswerWriter) {
        writer.add(Int(id))
        writer.add(date.description)
        writer.add(number)
        writer.add(serviceID)
        writer.add(priority.rawValue)
        writer.add(queuedAt)
        writer.add(state.rawValue)
        writer.add(counter) { $0.add($1) }
        writer.add(calledAt) { $0.add($1) }
        writer.add(callCount)
        writer.add(bookingID) { $0.add($1) }
    }

    package init(from reader: inout AnswerReader) throws {
        self.init(id: Int64(try reader.int()), date: try reader.localDate(), number: try reader.string(),
                  serviceID: try reader.string(), priority: try reader.value(PriorityClass.self), queuedAt: try reader.date(),
                  state: try reader.value(TicketState.self), counter: try reader.optional { try $0.string() },
                  calledAt: try reader.optional { try $0.date() }, callCount: try reader.int(),
                  bookingID: try reader.optional { try $0.string() })
    }
}

extension TicketReceipt: StoredAnswer {
    package func write(to writer: inout AnswerWriter) {
        ticket.write(to: &writer)
        // -1: not known (a terminal's own store always counts; kept faithful all the same).
        writer.add(ahead ?? -1)
        writer.add(ratingToken) { $0.add($1) }
    }

    /// Answers stored before tickets had rating tokens end after `ahead`.
    package init(from reader: inout AnswerReader) throws {
        let ticket = try Ticket(from: &reader), ahead = try reader.int()
        self.init(ticket: ticket, ahead: ahead < 0 ? nil : ahead, ratingToken: reader.isAtEnd ? nil : try reader.optional { try $0.string() })
    }
}

extension CheckInResult: StoredAnswer {
    package func write(to writer: inout AnswerWriter) {
        booking.write(to: &writer)
        receipt.write(to: &writer)
        writer.add(late)
    }

    package init(from reader: inout AnswerReader) throws {
        let booking = try BookingRecord(from: &reader)
        let ticket = try Ticket(from: &reader), ahead = try reader.int()
        // After `ahead`: the late flag (1 byte) of an answer stored before rating tokens, or the token then the flag.
        let token: String? = try reader.remaining == 1 ? nil : reader.optional { try $0.string() }
        self.init(booking: booking, receipt: TicketReceipt(ticket: ticket, ahead: ahead < 0 ? nil : ahead, ratingToken: token), late: try reader.bool())
    }
}

extension Rating: StoredAnswer {
    package func write(to writer: inout AnswerWriter) {
        writer.add(Int(ticketID))
        writer.add(serviceID)
        writer.add(counter)
        writer.add(score)
        writer.add(reasons.count)
        for reason in reasons { writer.add(reason) }
        writer.add(createdAt)
    }

    package init(from reader: inout AnswerReader) throws {
        let ticketID = Int64(try reader.int())
        let serviceID = try reader.string()
        let counter = try reader.string()
        let score = try reader.int()
        let reasons = try (0..<max(try reader.int(), 0)).map { _ in try reader.string() }
        try self.init(ticketID: ticketID, serviceID: serviceID, counter: counter, score: score, reasons: reasons,
                      createdAt: try reader.date())
    }
}

extension Optional: StoredAnswer where Wrapped: StoredAnswer {
    package func write(to writer: inout AnswerWriter) {
        writer.add(self) { $1.write(to: &$0) }
    }

    package init(from reader: inout AnswerReader) throws {
        self = try reader.optional { try Wrapped(from: &$0) }
    }
}

/// What makes two requests "the same": the operation and its parameters, length-prefixed and
/// hashed. Identity numbers enter only as their keyed hash.
package struct Fingerprint: Sendable {
    package let operation: String
    private var bytes: [UInt8] = []

    package init(_ operation: String) {
        self.operation = operation
    }

    package func add(_ text: String) -> Fingerprint { add(Data(text.utf8)) }

    package func add(_ value: some BinaryInteger) -> Fingerprint { add(String(value)) }

    package func add(_ data: Data) -> Fingerprint {
        var copy = self
        let count = UInt32(truncatingIfNeeded: data.count)
        copy.bytes += (0..<4).map { UInt8(truncatingIfNeeded: count >> (24 - 8 * UInt32($0))) }
        copy.bytes += data
        return copy
    }

    package var digest: Data { Data(SHA256.hash(data: bytes)) }
}

/// A rating's proof as the store compares it: the hash of a token (the store keeps only hashes),
/// or the keyed hash of the card's ID number.
package struct PresentedRatingProof: Sendable {
    package let tokenHash: Data?
    package let holderHash: Data?

    package static func tokenHash(_ token: String) -> Data { Fingerprint("ratingToken").add(token).digest }

    /// What enters the request's fingerprint: the same proof retried is the same request.
    package var digest: Data { tokenHash ?? holderHash ?? Data() }

    package init(_ proof: RatingProof, hash: (ResidentIDNumber) -> Data) {
        switch proof {
        case .token(let token): (tokenHash, holderHash) = (Self.tokenHash(token), nil)
        case .holder(let idNumber): (tokenHash, holderHash) = (nil, hash(idNumber))
        }
    }

    package init(tokenHash: Data?, holderHash: Data?) {
        self.tokenHash = tokenHash
        self.holderHash = holderHash
    }

    /// A ticket taken before rating tokens existed has neither hash and can be rated by nobody.
    package func matches(tokenHash stored: Data?, holderHash storedHolder: Data?) -> Bool {
        if let tokenHash, let stored { return constantTimeEqual(tokenHash, stored) }
        if let holderHash, let storedHolder { return constantTimeEqual(holderHash, storedHolder) }
        return false
    }

    private func constantTimeEqual(_ a: Data, _ b: Data) -> Bool {
        guard a.count == b.count else { return false }
        return zip(a, b).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}

extension BookingStore {
    func presentedProof(_ proof: RatingProof) -> PresentedRatingProof {
        PresentedRatingProof(proof, hash: hasher.hash)
    }
}
