import Booking
import Foundation
import GRDB
import KioskCore

/// Appointments, holds, check-in, the queue and ratings, in the terminal's SQLite database.
///
/// Every decision is the Booking module's (`BookingRules`); this store reads the rows a rule
/// needs and writes what it answers. Every mutation runs inside a `BEGIN IMMEDIATE`
/// transaction, in a savepoint of its own that also records its idempotency key (concurrent
/// requests share the transaction, see `GroupCommitWriter`): a killed process leaves either all
/// of an operation or none of it, and a retried request returns its first answer. Capacity is
/// taken only by a conditional update of the slot's counter, so no interleaving of requests,
/// threads or processes can overbook.
///
/// Methods throw `BookingRuleError` when a rule refuses the request and `StorageError` when the
/// database fails; both are `KioskError`s. Times are passed in, never read from a clock.
public struct SQLiteBookingStore: BookingDatabase {
    public let rules: BookingRules
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
        self.rules = BookingRules(policy: policy, checkInWindow: checkInWindow, queue: queue, timeZone: timeZone)
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
        let hold = rules.hold(id: UUID.random().uuidString, of: slot, now: now)
        return try await mutate(.hold(slot, idHash: idHash), key: idempotencyKey, now: now) { db in
            try db.cachedStatement(sql: SQL.deleteHoldsOfCitizen).run([.blob(idHash)])
            try rules.checkEligibility(citizenBookings(db, idHash: idHash, now: now), serviceID: slot.serviceID, now: now)
            try register(slot, db)
            try db.cachedStatement(sql: SQL.insertHold).run([
                .text(hold.id), .text(slot.serviceID), .text(slot.date.description), .instant(slot.start), .instant(slot.end),
                .instant(hold.expiresAt), .blob(idHash), .text(slot.id), .text(slot.id), .instant(now),
            ])
            guard db.changesCount == 1 else { throw BookingRuleError(.slotFull) }
            return hold
        }
    }

    /// Turns a live hold into a booking for `idNumber`, after the ban and quota checks.
    public func confirm(holdID: String, idNumber: ResidentIDNumber, idempotencyKey: String,
                        now: Date) async throws -> BookingRecord {
        let idHash = hasher.hash(idNumber)
        let identity = NewBookingIdentity()
        return try await mutate(.confirm(holdID: holdID, idHash: idHash), key: idempotencyKey, now: now) { db in
            // Someone else's hold is no hold of this citizen's.
            guard let row = try Row.fetchOne(db.cachedStatement(sql: SQL.selectHold), arguments: [holdID, idHash]) else {
                throw BookingRuleError(.holdNotFound)
            }
            let hold = try HeldPlace(row: row)
            try rules.checkLive(hold, now: now)
            // The hold counted against the quota; the booking replaces it.
            try db.cachedStatement(sql: SQL.deleteHold).run([.text(holdID)])
            try rules.checkEligibility(citizenBookings(db, idHash: idHash, now: now), serviceID: hold.place.serviceID, now: now)
            try takePlace(slotID: hold.place.slotID, now: now, db)
            return try insertBooking(db, hold.place, idNumber: idNumber, idHash: idHash, identity: identity, now: now)
        }
    }

    /// Holds and confirms in one step, for clients that ask for the ID card first.
    public func book(_ slot: Slot, idNumber: ResidentIDNumber, idempotencyKey: String,
                     now: Date) async throws -> BookingRecord {
        let idHash = hasher.hash(idNumber)
        let identity = NewBookingIdentity()
        return try await mutate(.book(slot, idHash: idHash), key: idempotencyKey, now: now) { db in
            try rules.checkEligibility(citizenBookings(db, idHash: idHash, now: now), serviceID: slot.serviceID, now: now)
            try registerAndTakePlace(slot, now: now, db)
            return try insertBooking(db, BookedPlace(slot), idNumber: idNumber, idHash: idHash, identity: identity, now: now)
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
            return try BookingRecord(row: row)
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
                .map(BookingRecord.init(row:))
        }
    }

    public func cancel(code: BookingCode, idNumber: ResidentIDNumber, idempotencyKey: String,
                       now: Date) async throws -> BookingRecord {
        let idHash = hasher.hash(idNumber)
        return try await mutate(.cancel(code: code, idHash: idHash), key: idempotencyKey, now: now) { db in
            let booking = try findBooking(db, code: code, idHash: idHash)
            try rules.checkCancel(booking, now: now)
            try db.cachedStatement(sql: "UPDATE slot_capacity SET taken = taken - 1 WHERE slot_id = ?").execute(arguments: [booking.slotID])
            try db.cachedStatement(sql: """
                UPDATE booking SET status = ?, sequence = sequence + 1, updated_at = ? WHERE id = ?
                """).execute(arguments: [BookingStatus.cancelled.rawValue, now.timeIntervalSince1970, booking.id])
            return try fetchBooking(db, id: booking.id)
        }
    }

    /// Moves a booking to another slot of the same service: the new place is taken before the
    /// old one is released, so a full slot leaves the booking where it was.
    public func reschedule(code: BookingCode, idNumber: ResidentIDNumber, to slot: Slot,
                           idempotencyKey: String, now: Date) async throws -> BookingRecord {
        let idHash = hasher.hash(idNumber)
        return try await mutate(.reschedule(code: code, idHash: idHash, to: slot), key: idempotencyKey, now: now) { db in
            let booking = try findBooking(db, code: code, idHash: idHash)
            guard try rules.checkReschedule(booking, to: slot, now: now) else { return booking }
            try registerAndTakePlace(slot, now: now, db)
            try db.cachedStatement(sql: "UPDATE slot_capacity SET taken = taken - 1 WHERE slot_id = ?").execute(arguments: [booking.slotID])
            try db.cachedStatement(sql: """
                UPDATE booking SET slot_id = ?, date = ?, start = ?, "end" = ?, sequence = sequence + 1,
                    updated_at = ?, on_day_off = 0
                WHERE id = ?
                """).execute(arguments: [slot.id, slot.date.description, slot.start.timeIntervalSince1970,
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
    /// expired holds, marks the no-shows, deletes the answers kept for retries past
    /// `StoredAnswers.retention` and the queue events past `QueueEvent.retention`. Each is a conditional change on the rows' own state, so a
    /// second run, or one on another terminal sharing the database, changes nothing the first
    /// has done.
    public func sweep(now: Date) async throws -> BookingSweep {
        try await write { db in
            let holds = try deleteExpiredHolds(db, now: now), noShows = try markNoShows(db, now: now)
            try db.cachedStatement(sql: "DELETE FROM idempotency_key WHERE created_at < ?")
                .execute(arguments: [StoredAnswers.expiry(now: now).timeIntervalSince1970])
            let answers = db.changesCount
            try db.cachedStatement(sql: "DELETE FROM queue_event WHERE at < ?")
                .execute(arguments: [now.addingTimeInterval(-QueueEvent.retention).timeIntervalSince1970])
            return BookingSweep(holdsDeleted: holds, noShowsMarked: noShows, answersExpired: answers, queueEventsPruned: db.changesCount)
        }
    }

    // MARK: Calendar import

    /// After `kiosk calendar import`: flags the upcoming confirmed bookings whose date was a
    /// working day under `old` and is a day off under `new`, and returns them for staff.
    public func flagBookingsOnDaysOff(from old: OfficialCalendar, to new: OfficialCalendar,
                                      now: Date) async throws -> [BookingRecord] {
        let today = rules.today(now).description
        return try await write { db in
            let booked = try String.fetchAll(db.cachedStatement(sql: """
                SELECT DISTINCT date FROM booking WHERE status = ? AND date >= ?
                """), arguments: [BookingStatus.confirmed.rawValue, today])
            let affected = BookingRules.datesBecomingDaysOff(booked, from: old, to: new)
            guard !affected.isEmpty else { return [] }
            let placeholders = databaseQuestionMarks(count: affected.count)
            try db.cachedStatement(sql: "UPDATE booking SET on_day_off = 1 WHERE status = ? AND date IN (\(placeholders))").execute(
                arguments: StatementArguments([BookingStatus.confirmed.rawValue] + affected))
            return try Row.fetchAll(db.cachedStatement(sql: """
                SELECT * FROM booking WHERE status = ? AND date IN (\(placeholders)) ORDER BY start
                """), arguments: StatementArguments([BookingStatus.confirmed.rawValue] + affected)).map(BookingRecord.init(row:))
        }
    }

    /// Confirmed bookings on a date that became a day off, for the staff list.
    public func bookingsOnDaysOff() async throws -> [BookingRecord] {
        try await read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM booking WHERE status = ? AND on_day_off = 1 ORDER BY start"),
                             arguments: [BookingStatus.confirmed.rawValue]).map(BookingRecord.init(row:))
        }
    }

    // MARK: Check-in

    /// Checks in by booking code and the holder's identity: the code finds the booking, the
    /// card or number must be the one it was made with (`BookingRules.checkIn`).
    public func checkIn(code: BookingCode, holder: CitizenIdentity, idempotencyKey: String, now: Date) async throws -> CheckInResult {
        let idHash = hasher.hash(holder.idNumber)
        let token = RatingToken.random()
        return try await mutate(.checkIn(code: code, idHash: idHash, source: holder.source), key: idempotencyKey, now: now) { db in
            let booking = try findBooking(db, code: code, idHash: idHash)
            return try checkIn(db, booking: booking, holder: holder, idHash: idHash, token: token, now: now)
        }
    }

    /// Checks in with the ID card (or number): the booking of today `BookingRules.bookingToCheckIn` picks.
    public func checkIn(holder: CitizenIdentity, idempotencyKey: String, now: Date) async throws -> CheckInResult {
        let idHash = hasher.hash(holder.idNumber)
        let token = RatingToken.random()
        let today = rules.today(now).description
        let statuses = BookingRules.checkInStatuses.map(\.rawValue)
        return try await mutate(.checkIn(idHash: idHash, source: holder.source), key: idempotencyKey, now: now) { db in
            let todays = try Row.fetchAll(db.cachedStatement(sql: """
                SELECT * FROM booking WHERE id_hash = ? AND status IN (?, ?) AND date = ? ORDER BY start
                """), arguments: [idHash, statuses[0], statuses[1], today]).map(BookingRecord.init(row:))
            let booking = try rules.bookingToCheckIn(todays: todays, now: now)
            return try checkIn(db, booking: booking, holder: holder, idHash: idHash, token: token, now: now)
        }
    }

    // MARK: The queue

    /// A walk-in ticket for `serviceID`, issued only while the hall is open on `schedule`'s day.
    public func issueTicket(serviceID: String, holder: CitizenIdentity?, disabilityMarkedByStaff: Bool,
                            schedule: DaySchedule, idempotencyKey: String, now: Date) async throws -> TicketReceipt {
        try await issueTicket(serviceID: serviceID, holder: holder, disabilityMarkedByStaff: disabilityMarkedByStaff, schedule: schedule,
                              carriage: nil, idempotencyKey: idempotencyKey, now: now)
    }

    /// What carries a terminal's offline ticket to its district: the terminal's id, which the
    /// district files the ticket under (`prefix@terminal`), and the outbox record made of the ticket.
    public struct DistrictCarriage: Sendable {
        public let terminalID: String
        public let record: @Sendable (Ticket) throws -> Data

        public init(terminalID: String, record: @escaping @Sendable (Ticket) throws -> Data) {
            self.terminalID = terminalID
            self.record = record
        }
    }

    /// A ticket issued while a terminal in district mode cannot reach its district: issued,
    /// queued in the outbox and marked carried (the ticket and its key, so neither counts as left
    /// for `kiosk db copy`) in one transaction. In two, a power cut between them handed out a
    /// ticket the district would never hear of, and barred the next start in district mode.
    public func issueOfflineTicket(serviceID: String, holder: CitizenIdentity?, disabilityMarkedByStaff: Bool,
                                   schedule: DaySchedule, carriage: DistrictCarriage, idempotencyKey: String,
                                   now: Date) async throws -> TicketReceipt {
        try await issueTicket(serviceID: serviceID, holder: holder, disabilityMarkedByStaff: disabilityMarkedByStaff, schedule: schedule,
                              carriage: carriage, idempotencyKey: idempotencyKey, now: now)
    }

    /// The ticket this file issued for the same walk-in request under `idempotencyKey` (an offline
    /// ticket), if any; a key used for another request is refused (`idempotencyKeyReused`).
    public func keptTicket(serviceID: String, holder: CitizenIdentity?, disabilityMarkedByStaff: Bool,
                           idempotencyKey: String) async throws -> TicketReceipt? {
        let request = try IdempotentRequest(
            Fingerprint.issueTicket(serviceID: serviceID, holder: holder, holderHash: holder.map { hasher.hash($0.idNumber) },
                                    disabilityMarkedByStaff: disabilityMarkedByStaff),
            key: idempotencyKey)
        let location = database.path
        return try await read { db in try storedAnswer(TicketReceipt.self, request, location: location, db) }
    }

    private func issueTicket(serviceID: String, holder: CitizenIdentity?, disabilityMarkedByStaff: Bool, schedule: DaySchedule,
                             carriage: DistrictCarriage?, idempotencyKey: String, now: Date) async throws -> TicketReceipt {
        let holderHash = holder.map { hasher.hash($0.idNumber) }
        let request = Fingerprint.issueTicket(serviceID: serviceID, holder: holder, holderHash: holderHash,
                                              disabilityMarkedByStaff: disabilityMarkedByStaff)
        let token = RatingToken.random()
        let sealer = database.sealer
        return try await mutate(request, key: idempotencyKey, carriedToDistrict: carriage != nil, now: now) { db in
            let ticket = try rules.walkIn(serviceID: serviceID, holder: holder, disabilityMarkedByStaff: disabilityMarkedByStaff,
                                          schedule: schedule, now: now)
            let receipt = try insertTicket(db, ticket, holderHash: holderHash, token: token, now: now)
            if let carriage {
                try SQLiteStore.enqueue(db, .ticket, key: "ticket:" + idempotencyKey, payload: try carriage.record(receipt.ticket),
                                        sealer: sealer, now: now)
                try db.execute(sql: "UPDATE queue_ticket SET copied = 1, district_prefix = prefix || '@' || ? WHERE id = ?",
                               arguments: [carriage.terminalID, receipt.ticket.id])
            }
            return receipt
        }
    }

    /// Calls the first waiting ticket of today for any of `serviceIDs` to `counter`, or nil
    /// when nobody waits. Tickets issued before closing are called after it too.
    public func callNext(counter: String, serviceIDs: [String], idempotencyKey: String, now: Date) async throws -> Ticket? {
        try await mutate(.callNext(counter: counter, serviceIDs: serviceIDs), key: idempotencyKey, now: now) { db in
            guard let next = try waitingTickets(db, date: rules.today(now), serviceIDs: serviceIDs).first else { return nil }
            try db.cachedStatement(sql: """
                UPDATE queue_ticket SET state = ?, counter = ?, called_at = ?, call_count = call_count + 1 WHERE id = ?
                """).execute(arguments: [TicketState.called.rawValue, counter, now.timeIntervalSince1970, next.id])
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
        let today = rules.today(now)
        return try await read { db in try waitingTickets(db, date: today, serviceIDs: serviceIDs) }
    }

    /// Today's tickets being served for `serviceIDs`, the latest call first ("now serving").
    public func servingTickets(serviceIDs: [String], now: Date) async throws -> [Ticket] {
        guard !serviceIDs.isEmpty else { return [] }
        let today = rules.today(now)
        return try await read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT * FROM queue_ticket WHERE date = ? AND state = ? AND service_id IN (\(databaseQuestionMarks(count: serviceIDs.count)))
                ORDER BY called_at DESC, id DESC
                """), arguments: StatementArguments([today.description, TicketState.called.rawValue] + serviceIDs)).map(Ticket.init(row:))
        }
    }

    // MARK: Ratings

    /// Rates a finished ticket once, for whoever proves they took it (`BookingRules.rating`);
    /// the service and counter come from the ticket.
    public func rate(ticketID: Int64, proof: RatingProof, score: Int, reasons: [String], idempotencyKey: String,
                     now: Date) async throws -> Rating {
        try Rating.validate(score: score, reasons: reasons)
        let presented = await PresentedRatingProof(proof) { hasher.hash($0) }
        let request = Fingerprint.rate(ticketID: ticketID, score: score, reasons: reasons, proof: presented)
        return try await mutate(request, key: idempotencyKey, now: now) { db in
            let ticket = try fetchTicket(db, id: ticketID)
            let held = try Row.fetchOne(db.cachedStatement(sql: "SELECT rating_token_hash, holder_hash FROM queue_ticket WHERE id = ?"),
                                        arguments: [ticketID])
            let rated = try Row.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM rating WHERE ticket_id = ?"), arguments: [ticketID]) != nil
            let rating = try BookingRules.rating(
                of: ticket, proofMatches: presented.matches(tokenHash: held?["rating_token_hash"], holderHash: held?["holder_hash"]),
                alreadyRated: rated, score: score, reasons: reasons, now: now)
            try db.cachedStatement(sql: """
                INSERT INTO rating (ticket_id, service_id, counter, score, reasons, created_at) VALUES (?, ?, ?, ?, ?, ?)
                """).execute(arguments: [ticketID, rating.serviceID, rating.counter, score, rating.storedReasons,
                                         now.timeIntervalSince1970])
            return rating
        }
    }

    /// Ratings of a service, of one counter when given, oldest first.
    public func ratings(serviceID: String, counter: String?) async throws -> [Rating] {
        try await read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT * FROM rating WHERE service_id = ? AND (? IS NULL OR counter = ?) ORDER BY id
                """), arguments: [serviceID, counter, counter]).map(Rating.init(row:))
        }
    }
}

// MARK: - Inside a transaction

extension SQLiteBookingStore {
    private func deleteExpiredHolds(_ db: Database, now: Date) throws -> Int {
        try db.cachedStatement(sql: "DELETE FROM booking_hold WHERE expires_at <= ?")
            .execute(arguments: [now.timeIntervalSince1970])
        return db.changesCount
    }

    private func markNoShows(_ db: Database, now: Date) throws -> Int {
        try db.cachedStatement(sql: """
            UPDATE booking SET status = ?, updated_at = ? WHERE status = ? AND start <= ?
            """).execute(arguments: [BookingStatus.noShow.rawValue, now.timeIntervalSince1970,
                                     BookingStatus.confirmed.rawValue, rules.noShowCutoff(now: now).timeIntervalSince1970])
        return db.changesCount
    }

    /// Records `slot` with the capacity its service has now; a capacity lowered by
    /// configuration never drops below the places already taken.
    private func register(_ slot: Slot, _ db: Database) throws {
        try db.cachedStatement(sql: SQL.registerSlot).run([.text(slot.id), .text(slot.serviceID), .integer(slot.capacity)])
    }

    /// One place of a slot, by the conditional update the whole design relies on: the
    /// database decides, so concurrent writers cannot both see room and both take it. Live
    /// holds count as taken places.
    private func takePlace(slotID: String, now: Date, _ db: Database) throws {
        try db.cachedStatement(sql: SQL.takePlace).run([.text(slotID), .text(slotID), .instant(now)])
        guard db.changesCount == 1 else { throw BookingRuleError(.slotFull) }
    }

    /// `register` and `takePlace` in one statement, for the requests that take a place of a slot
    /// they may be the first to use: the insert of a new slot takes its first place, the update
    /// of a known one takes a place only where one is free at the capacity the service has now.
    private func registerAndTakePlace(_ slot: Slot, now: Date, _ db: Database) throws {
        try db.cachedStatement(sql: SQL.registerAndTakePlace).run([
            .text(slot.id), .text(slot.serviceID), .integer(slot.capacity), .integer(slot.capacity), .instant(now),
        ])
        guard db.changesCount == 1 else { throw BookingRuleError(.slotFull) }
    }

    /// What `BookingRules.checkEligibility` reads, in the transaction that books (the write
    /// lock is held from its start, so it cannot change underneath).
    private func citizenBookings(_ db: Database, idHash: Data, now: Date) throws -> CitizenBookings {
        let statuses = BookingRules.eligibilityStatuses.map(\.rawValue)
        var booked: [CitizenBookings.Booked] = []
        try db.cachedStatement(sql: SQL.citizenBookings).forEachRow([
            .blob(idHash), .instant(rules.eligibilityHorizon(now: now)), .text(statuses[0]), .text(statuses[1]),
        ]) { row in
            guard let serviceID = Statement.text(row, 0) else { throw StoredRowError(column: "service_id") }
            guard let status = Statement.text(row, 1).flatMap(BookingStatus.init(rawValue:)) else {
                throw StoredRowError(column: "status")
            }
            guard !Statement.isNull(row, 2) else { throw StoredRowError(column: "start") }
            booked.append(CitizenBookings.Booked(serviceID: serviceID, status: status,
                                                 start: Date(timeIntervalSince1970: Statement.real(row, 2))))
        }
        var held: [String] = []
        try db.cachedStatement(sql: SQL.citizenHolds).forEachRow([.blob(idHash), .instant(now)]) { row in
            guard let serviceID = Statement.text(row, 0) else { throw StoredRowError(column: "service_id") }
            held.append(serviceID)
        }
        return CitizenBookings(bookings: booked, heldServiceIDs: held)
    }

    private func insertBooking(_ db: Database, _ place: BookedPlace, idNumber: ResidentIDNumber, idHash: Data,
                               identity: NewBookingIdentity, now: Date) throws -> BookingRecord {
        var identity = identity
        // The UNIQUE index decides whether the code is free.
        repeat {
            do {
                try db.cachedStatement(sql: SQL.insertBooking).run([
                    .text(identity.id), .text(identity.code.value), .text(place.slotID), .text(place.serviceID),
                    .text(place.date.description), .instant(place.start), .instant(place.end), .blob(idHash),
                    .text(idNumber.masked), .text(BookingStatus.confirmed.rawValue), .instant(now), .instant(now),
                ])
                break
            } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
                identity.redrawCode()
            }
        } while true
        return identity.booking(of: place, maskedIDNumber: idNumber.masked, at: now)
    }

    private func checkIn(_ db: Database, booking: BookingRecord, holder: CitizenIdentity, idHash: Data, token: String,
                         now: Date) throws -> CheckInResult {
        let decision = try rules.checkIn(booking, holder: holder, now: now)
        try db.cachedStatement(sql: "UPDATE booking SET status = ?, updated_at = ? WHERE id = ?").execute(arguments: [
            decision.status.rawValue, now.timeIntervalSince1970, booking.id,
        ])
        let receipt = try insertTicket(db, decision.ticket, holderHash: idHash, token: token, now: now)
        return CheckInResult(booking: try fetchBooking(db, id: booking.id), receipt: receipt, late: decision.late)
    }

    /// A new ticket, numbered after the day's last of its prefix; its taker gets `token` to rate
    /// it with, the store keeps only its hash (and the hash of the ID number it was taken with,
    /// if any, for rating with the card).
    private func insertTicket(_ db: Database, _ new: NewTicket, holderHash: Data?, token: String, now: Date) throws -> TicketReceipt {
        let sequence = try (Int.fetchOne(db.cachedStatement(sql: "SELECT max(sequence) FROM queue_ticket WHERE date = ? AND prefix = ?"),
                                         arguments: [new.date.description, new.prefix]) ?? 0) + 1
        try db.cachedStatement(sql: """
            INSERT INTO queue_ticket (date, prefix, sequence, number, service_id, priority, queued_at, state, booking_id,
                                      rating_token_hash, holder_hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """).execute(arguments: [new.date.description, new.prefix, sequence, new.number(sequence: sequence),
                                     new.serviceID, new.priority.rawValue, new.queuedAt.timeIntervalSince1970,
                                     TicketState.waiting.rawValue, new.bookingID, PresentedRatingProof.tokenHash(token), holderHash])
        let ticket = try fetchTicket(db, id: db.lastInsertedRowID)
        try record(.issued, ticket, counter: nil, now: now, db)
        let waiting = try waitingTickets(db, date: new.date, serviceIDs: [new.serviceID])
        return TicketReceipt(ticket: ticket, ahead: BookingRules.ahead(of: ticket.id, inCallOrder: waiting), ratingToken: token)
    }

    private func waitingTickets(_ db: Database, date: LocalDate, serviceIDs: [String]) throws -> [Ticket] {
        guard !serviceIDs.isEmpty else { return [] }
        let rows = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT * FROM queue_ticket WHERE date = ? AND state = ? AND service_id IN (\(databaseQuestionMarks(count: serviceIDs.count)))
            """), arguments: StatementArguments([date.description, TicketState.waiting.rawValue] + serviceIDs))
        return QueuePolicy.callOrder(try rows.map(Ticket.init(row:)))
    }

    private func counterAction(_ operation: String, _ event: QueueEvent.Kind, ticketID: Int64, key: String, now: Date,
                               sql: String, arguments: StatementArguments) async throws -> Ticket {
        try await mutate(.counterAction(operation, ticketID: ticketID), key: key, now: now) { db in
            let before = try fetchTicket(db, id: ticketID)
            try BookingRules.checkCounterAction(on: before)
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
        return try BookingRecord(row: row)
    }

    private func fetchBooking(_ db: Database, id: String) throws -> BookingRecord {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM booking WHERE id = ?"), arguments: [id]) else {
            throw BookingRuleError(.bookingNotFound)
        }
        return try BookingRecord(row: row)
    }

    private func fetchTicket(_ db: Database, id: Int64) throws -> Ticket {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM queue_ticket WHERE id = ?"), arguments: [id]) else {
            throw BookingRuleError(.ticketNotFound)
        }
        return try Ticket(row: row)
    }
}

// MARK: - The writer's prepared statements

extension SQLiteBookingStore {
    /// The statements of holds, bookings and idempotency keys, which nearly every request runs
    /// in the serial writer: prepared once for its connection (GRDB's statement cache, which
    /// finalizes them with it) and run through SQLite's C API (`Statement.run`).
    enum SQL {
        static let deleteHoldsOfCitizen = "DELETE FROM booking_hold WHERE id_hash = ?"
        /// The conditional form of `takePlace`: the hold row is the place.
        static let insertHold = """
            INSERT INTO booking_hold (id, slot_id, service_id, date, start, "end", expires_at, id_hash)
            SELECT ?, slot_id, ?, ?, ?, ?, ?, ? FROM slot_capacity
            WHERE slot_id = ?
              AND taken + (SELECT count(*) FROM booking_hold WHERE slot_id = ? AND expires_at > ?) < capacity
            """
        static let selectHold = "SELECT * FROM booking_hold WHERE id = ? AND id_hash = ?"
        static let deleteHold = "DELETE FROM booking_hold WHERE id = ?"
        static let registerSlot = """
            INSERT INTO slot_capacity (slot_id, service_id, capacity, taken) VALUES (?, ?, ?, 0)
            ON CONFLICT (slot_id) DO UPDATE SET capacity = max(excluded.capacity, taken)
            """
        static let takePlace = """
            UPDATE slot_capacity SET taken = taken + 1
            WHERE slot_id = ?
              AND taken + (SELECT count(*) FROM booking_hold WHERE slot_id = ? AND expires_at > ?) < capacity
            """
        static let registerAndTakePlace = """
            INSERT INTO slot_capacity (slot_id, service_id, capacity, taken) SELECT ?, ?, ?, 1 WHERE ? > 0
            ON CONFLICT (slot_id) DO UPDATE SET capacity = max(excluded.capacity, taken), taken = taken + 1
            WHERE taken + (SELECT count(*) FROM booking_hold WHERE slot_id = excluded.slot_id AND expires_at > ?)
                < max(excluded.capacity, taken)
            """
        static let citizenBookings = """
            SELECT service_id, status, start FROM booking WHERE id_hash = ? AND start > ? AND status IN (?, ?)
            """
        static let citizenHolds = "SELECT service_id FROM booking_hold WHERE id_hash = ? AND expires_at > ?"
        static let insertBooking = """
            INSERT INTO booking (id, code, slot_id, service_id, date, start, "end", id_hash, id_masked, status,
                                 sequence, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)
            """
        static let recordKey = """
            INSERT INTO idempotency_key (key, operation, fingerprint, response, created_at) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (key) DO NOTHING
            """
        static let storedAnswer = "SELECT operation, fingerprint, response FROM idempotency_key WHERE key = ?"
    }
}

// MARK: - Transactions, idempotency

extension SQLiteBookingStore {
    /// Runs `body` once per idempotency key, in one immediate transaction with the record of
    /// the key: a retry with the same request gets the stored answer, a different request
    /// under the same key is refused. A refused request stores nothing, so it can be retried.
    ///
    /// The key is looked up only when it cannot be recorded (or `body` fails): a retry is rare,
    /// and its work is undone with its savepoint, while a first request, the common case, then
    /// costs one statement less inside the serial writer.
    ///
    /// `carriedToDistrict`: the key and its answer travel to the district with what `body` queued
    /// in the outbox, so the key is marked copied with them.
    private func mutate<Response: StoredAnswer>(
        _ fingerprint: Fingerprint, key: String, carriedToDistrict: Bool = false, now: Date,
        _ body: @escaping @Sendable (Database) throws -> Response
    ) async throws -> Response {
        let request = try IdempotentRequest(fingerprint, key: key)
        let location = database.path
        do {
            return try await write { db in
                let response: Response
                do {
                    response = try body(db)
                } catch {
                    // A retry may fail where the first request succeeded (its place is taken,
                    // by itself): the first answer stands.
                    if let stored = try storedAnswer(Response.self, request, location: location, db) {
                        throw Retried(answer: stored)
                    }
                    throw error
                }
                try db.cachedStatement(sql: SQL.recordKey).run([
                    .text(key), .text(request.operation), .blob(request.fingerprint), .blob(StoredAnswers.encode(response)),
                    .instant(now),
                ])
                if db.changesCount == 0, let stored = try storedAnswer(Response.self, request, location: location, db) {
                    throw Retried(answer: stored)
                }
                if carriedToDistrict {
                    try db.execute(sql: "UPDATE idempotency_key SET copied = 1 WHERE key = ?", arguments: [key])
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

    /// The answer stored under the request's key, if any.
    private func storedAnswer<Response: StoredAnswer>(
        _: Response.Type, _ request: IdempotentRequest, location: String, _ db: Database
    ) throws -> Response? {
        var stored: (operation: String?, fingerprint: Data?, response: Data?)?
        try db.cachedStatement(sql: SQL.storedAnswer).forEachRow([.text(request.key)]) { row in
            stored = (Statement.text(row, 0), Statement.blob(row, 1), Statement.blob(row, 2))
        }
        guard let stored else { return nil }
        guard let operation = stored.operation, let fingerprint = stored.fingerprint else {
            throw StorageError.unavailable(path: location, reason: "unreadable value in idempotency_key")
        }
        return try request.replay(Response.self, operation: operation, fingerprint: fingerprint, response: stored.response,
                                  location: location)
    }

    /// Runs `body` in its own savepoint of a `BEGIN IMMEDIATE` transaction (see
    /// `GroupCommitWriter`): the write lock is taken before the first read, so what `body`
    /// reads cannot change under it, in this process or any other.
    private func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        let value: any Sendable
        do {
            value = try await writer.write(body)
        } catch {
            throw failure(error)
        }
        guard let result = value as? T else { throw corrupt("transaction") }
        return result
    }

    private func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await database.pool.read(body)
        } catch {
            throw failure(error)
        }
    }

    /// A database failure or an unreadable row becomes `StorageError`; a rule's refusal (and a
    /// retry's stored answer) passes through.
    private func failure(_ error: any Error) -> any Error {
        switch error {
        case let error as DatabaseError:
            StorageError.unavailable(path: database.path, reason: error.message ?? "SQLite error \(error.resultCode.rawValue)")
        case let error as StoredRowError:
            corrupt(error.column)
        default:
            error
        }
    }

    private func corrupt(_ what: String) -> StorageError {
        .unavailable(path: database.path, reason: "unreadable value in \(what)")
    }
}
