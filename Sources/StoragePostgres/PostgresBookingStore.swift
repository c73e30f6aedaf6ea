import Booking
import Foundation
import KioskCore
import Logging
import PostgresNIO
import Storage
import Synchronization

/// Appointments, holds, check-in, the queue and ratings in the district's PostgreSQL, shared by
/// every terminal of the district; the same behaviour as the terminal's `BookingStore`.
///
/// Each mutation is one READ COMMITTED transaction that first claims its idempotency key (a row
/// under a unique key: a concurrent retry waits for the first to finish, then reads its answer).
/// The database decides every race:
/// - a place is taken by a conditional `UPDATE … WHERE taken + live holds < capacity RETURNING`,
///   issued after the slot's row is locked, so the statement's snapshot sees every hold and
///   booking of the terminals that held the lock before;
/// - a citizen's bans and quotas are checked under `pg_advisory_xact_lock` on the ID hash, so
///   two halls booking for the same citizen at once take turns;
/// - rows a mutation changes (a booking, a ticket, the waiting queue) are read `FOR UPDATE`.
public struct PostgresBookingStore: BookingDatabase {
    public let policy: BookingPolicy
    public let checkInWindow: CheckInWindow
    public let queue: QueuePolicy
    public let timeZone: TimeZone
    let database: PostgresStore
    private let keys: DistrictKeys

    /// Keys identity numbers with `hasher`: the district's key (`district-id.key`), which every
    /// terminal of the district imports, so a citizen hashes alike in every hall.
    public init(store: PostgresStore, policy: BookingPolicy = BookingPolicy(),
                checkInWindow: CheckInWindow = CheckInWindow(), queue: QueuePolicy = QueuePolicy(),
                timeZone: TimeZone, hasher: any IDHasher) {
        self.init(store: store, policy: policy, checkInWindow: checkInWindow, queue: queue, timeZone: timeZone,
                  districtHasher: { hasher })
    }

    /// Finds the hasher on first use (and again after a failure), so a terminal starts while the
    /// district store, which checks the district's key, is down.
    public init(store: PostgresStore, policy: BookingPolicy = BookingPolicy(),
                checkInWindow: CheckInWindow = CheckInWindow(), queue: QueuePolicy = QueuePolicy(),
                timeZone: TimeZone, districtHasher: @escaping @Sendable () async throws -> any IDHasher) {
        self.database = store
        self.policy = policy
        self.checkInWindow = checkInWindow
        self.queue = queue
        self.timeZone = timeZone
        self.keys = DistrictKeys(resolve: districtHasher)
    }

    private func hash(_ idNumber: ResidentIDNumber) async throws -> Data {
        do {
            return try await keys.hasher().hash(idNumber)
        } catch let error as any KioskError {
            throw error
        } catch {
            throw PostgresStore.unavailable(error, location: database.location)
        }
    }

    var logger: Logger { database.logger }

    // MARK: Holds and bookings

    public func hold(_ slot: Slot, idNumber: ResidentIDNumber, idempotencyKey: String, now: Date) async throws -> SlotHold {
        let idHash = try await hash(idNumber)
        let request = Fingerprint("hold").add(slot.id).add(slot.capacity).add(idHash)
        return try await mutate(request, key: idempotencyKey, now: now) { c in
            // Under the citizen's lock (taken by `checkEligibility`): one open hold per ID number,
            // in every hall, counted against the quota.
            try await lockCitizen(c, idHash: idHash)
            try await c.query("DELETE FROM booking_hold WHERE id_hash = \(idHash)", logger: logger)
            try await checkEligibility(c, idHash: idHash, serviceID: slot.serviceID, now: now)
            try await register(slot, c)
            let hold = SlotHold(id: UUID().uuidString, slotID: slot.id,
                                expiresAt: now.addingTimeInterval(Double(policy.holdSeconds)))
            let inserted = try await c.query("""
                INSERT INTO booking_hold (id, slot_id, service_id, date, start, "end", expires_at, id_hash)
                SELECT \(hold.id), slot_id, \(slot.serviceID), \(slot.date.description), \(slot.start.timeIntervalSince1970),
                       \(slot.end.timeIntervalSince1970), \(hold.expiresAt.timeIntervalSince1970), \(idHash)
                FROM slot_capacity
                WHERE slot_id = \(slot.id)
                  AND taken + (SELECT count(*) FROM booking_hold WHERE slot_id = \(slot.id) AND expires_at > \(now.timeIntervalSince1970)) < capacity
                RETURNING id
                """, logger: logger).collect()
            guard inserted.count == 1 else { throw BookingRuleError(.slotFull) }
            return hold
        }
    }

    public func confirm(holdID: String, idNumber: ResidentIDNumber, idempotencyKey: String,
                        now: Date) async throws -> BookingRecord {
        let idHash = try await hash(idNumber)
        let request = Fingerprint("confirm").add(holdID).add(idHash)
        return try await mutate(request, key: idempotencyKey, now: now) { c in
            // Deleting the hold claims it: a second confirmation of the same hold finds nothing, and
            // someone else's hold is no hold of this citizen's.
            try await lockCitizen(c, idHash: idHash)
            guard let hold = try await c.query("""
                DELETE FROM booking_hold WHERE id = \(holdID) AND id_hash = \(idHash)
                RETURNING slot_id, service_id, date, start, "end", expires_at
                """, logger: logger).collect().first?.makeRandomAccess() else {
                throw BookingRuleError(.holdNotFound)
            }
            guard Date(timeIntervalSince1970: try hold["expires_at"].decode(Double.self)) > now else {
                throw BookingRuleError(.holdExpired)
            }
            let serviceID = try hold["service_id"].decode(String.self)
            let slotID = try hold["slot_id"].decode(String.self)
            try await checkEligibility(c, idHash: idHash, serviceID: serviceID, now: now)
            try await takePlace(slotID: slotID, now: now, c)
            return try await insertBooking(c, slotID: slotID, serviceID: serviceID, date: hold["date"].decode(String.self),
                                           start: hold["start"].decode(Double.self), end: hold["end"].decode(Double.self),
                                           idNumber: idNumber, idHash: idHash, now: now)
        }
    }

    public func book(_ slot: Slot, idNumber: ResidentIDNumber, idempotencyKey: String,
                     now: Date) async throws -> BookingRecord {
        let idHash = try await hash(idNumber)
        let request = Fingerprint("book").add(slot.id).add(slot.capacity).add(idHash)
        return try await mutate(request, key: idempotencyKey, now: now) { c in
            try await checkEligibility(c, idHash: idHash, serviceID: slot.serviceID, now: now)
            try await register(slot, c)
            try await takePlace(slotID: slot.id, now: now, locked: true, c)
            return try await insertBooking(c, slotID: slot.id, serviceID: slot.serviceID, date: slot.date.description,
                                           start: slot.start.timeIntervalSince1970, end: slot.end.timeIntervalSince1970,
                                           idNumber: idNumber, idHash: idHash, now: now)
        }
    }

    @discardableResult
    public func deleteExpiredHolds(now: Date) async throws -> Int {
        try await write { c in try await deleteExpiredHolds(c, now: now) }
    }

    public func lookup(code: BookingCode, idNumber: ResidentIDNumber) async throws -> BookingRecord {
        let idHash = try await hash(idNumber)
        return try await write { c in try await findBooking(c, code: code, idHash: idHash, forUpdate: false) }
    }

    public func booking(code: BookingCode, calendarKey: String) async throws -> BookingRecord {
        try await write { c in
            guard let row = try await c.query("SELECT * FROM booking WHERE code = \(code.value) AND id = \(calendarKey)", logger: logger)
                .collect().first else { throw BookingRuleError(.bookingNotFound) }
            return try bookingRecord(row)
        }
    }

    public func placesTaken(slotIDs: [String], now: Date) async throws -> [String: Int] {
        guard !slotIDs.isEmpty else { return [:] }
        return try await write { c in
            var taken: [String: Int] = [:]
            for try await (slotID, count) in try await c.query("""
                SELECT slot_id, taken FROM slot_capacity WHERE slot_id = ANY(\(slotIDs))
                UNION ALL
                SELECT slot_id, count(*) FROM booking_hold WHERE expires_at > \(now.timeIntervalSince1970) AND slot_id = ANY(\(slotIDs))
                GROUP BY slot_id
                """, logger: logger).decode((String, Int).self) {
                taken[slotID, default: 0] += count
            }
            return taken
        }
    }

    public func bookings(of idNumber: ResidentIDNumber) async throws -> [BookingRecord] {
        let idHash = try await hash(idNumber)
        return try await write { c in
            try await c.query("SELECT * FROM booking WHERE id_hash = \(idHash) ORDER BY start", logger: logger)
                .collect().map(bookingRecord)
        }
    }

    public func cancel(code: BookingCode, idNumber: ResidentIDNumber, idempotencyKey: String,
                       now: Date) async throws -> BookingRecord {
        let idHash = try await hash(idNumber)
        let request = Fingerprint("cancel").add(code.value).add(idHash)
        return try await mutate(request, key: idempotencyKey, now: now) { c in
            let booking = try await findBooking(c, code: code, idHash: idHash, forUpdate: true)
            guard booking.status == .confirmed else { throw BookingRuleError(.bookingNotActive) }
            try policy.checkChangeAllowed(start: booking.start, now: now)
            try await c.query("UPDATE slot_capacity SET taken = taken - 1 WHERE slot_id = \(booking.slotID)", logger: logger)
            try await c.query("""
                UPDATE booking SET status = \(BookingStatus.cancelled.rawValue), sequence = sequence + 1,
                    updated_at = \(now.timeIntervalSince1970) WHERE id = \(booking.id)
                """, logger: logger)
            return try await fetchBooking(c, id: booking.id)
        }
    }

    public func reschedule(code: BookingCode, idNumber: ResidentIDNumber, to slot: Slot,
                           idempotencyKey: String, now: Date) async throws -> BookingRecord {
        let idHash = try await hash(idNumber)
        let request = Fingerprint("reschedule").add(code.value).add(idHash).add(slot.id).add(slot.capacity)
        return try await mutate(request, key: idempotencyKey, now: now) { c in
            let booking = try await findBooking(c, code: code, idHash: idHash, forUpdate: true)
            guard booking.status == .confirmed else { throw BookingRuleError(.bookingNotActive) }
            guard slot.serviceID == booking.serviceID else { throw BookingRuleError(.rescheduleToOtherService) }
            try policy.checkChangeAllowed(start: booking.start, now: now)
            guard slot.id != booking.slotID else { return booking }
            try await register(slot, c)
            try await takePlace(slotID: slot.id, now: now, locked: true, c)
            try await c.query("UPDATE slot_capacity SET taken = taken - 1 WHERE slot_id = \(booking.slotID)", logger: logger)
            try await c.query("""
                UPDATE booking SET slot_id = \(slot.id), date = \(slot.date.description), start = \(slot.start.timeIntervalSince1970),
                    "end" = \(slot.end.timeIntervalSince1970), sequence = sequence + 1, updated_at = \(now.timeIntervalSince1970),
                    on_day_off = false
                WHERE id = \(booking.id)
                """, logger: logger)
            return try await fetchBooking(c, id: booking.id)
        }
    }

    @discardableResult
    public func markNoShows(now: Date) async throws -> Int {
        try await write { c in try await markNoShows(c, now: now) }
    }

    public func sweep(now: Date) async throws -> BookingSweep {
        try await write { c in
            BookingSweep(holdsDeleted: try await deleteExpiredHolds(c, now: now), noShowsMarked: try await markNoShows(c, now: now))
        }
    }

    // MARK: Calendar import

    public func flagBookingsOnDaysOff(from old: OfficialCalendar, to new: OfficialCalendar,
                                      now: Date) async throws -> [BookingRecord] {
        let today = LocalDate(containing: now, in: timeZone).description
        let confirmed = BookingStatus.confirmed.rawValue
        return try await write { c in
            var booked: [String] = []
            for try await date in try await c.query("""
                SELECT DISTINCT date FROM booking WHERE status = \(confirmed) AND date >= \(today)
                """, logger: logger).decode(String.self) { booked.append(date) }
            let dates = booked.compactMap { text in try? LocalDate(text) }
            let affected = OfficialCalendar.datesBecomingDaysOff(dates, from: old, to: new).map(\.description)
            guard !affected.isEmpty else { return [] }
            try await c.query("UPDATE booking SET on_day_off = true WHERE status = \(confirmed) AND date = ANY(\(affected))",
                              logger: logger)
            return try await c.query("""
                SELECT * FROM booking WHERE status = \(confirmed) AND date = ANY(\(affected)) ORDER BY start
                """, logger: logger).collect().map(bookingRecord)
        }
    }

    public func bookingsOnDaysOff() async throws -> [BookingRecord] {
        try await write { c in
            try await c.query("""
                SELECT * FROM booking WHERE status = \(BookingStatus.confirmed.rawValue) AND on_day_off ORDER BY start
                """, logger: logger).collect().map(bookingRecord)
        }
    }

    // MARK: Check-in

    public func checkIn(code: BookingCode, holder: CitizenIdentity, idempotencyKey: String, now: Date) async throws -> CheckInResult {
        let idHash = try await hash(holder.idNumber)
        let request = Fingerprint("checkInByCode").add(code.value).add(idHash).add(holder.source.rawValue)
        let token = RatingToken.random()
        return try await mutate(request, key: idempotencyKey, now: now) { c in
            let booking = try await findBooking(c, code: code, idHash: idHash, forUpdate: true)
            return try await checkIn(c, booking: booking, holder: holder, idHash: idHash, token: token, now: now)
        }
    }

    public func checkIn(holder: CitizenIdentity, idempotencyKey: String, now: Date) async throws -> CheckInResult {
        let idHash = try await hash(holder.idNumber)
        let today = LocalDate(containing: now, in: timeZone).description
        let token = RatingToken.random()
        let request = Fingerprint("checkInByID").add(idHash).add(holder.source.rawValue)
        return try await mutate(request, key: idempotencyKey, now: now) { c in
            let todays = try await c.query("""
                SELECT * FROM booking WHERE id_hash = \(idHash)
                  AND status IN (\(BookingStatus.confirmed.rawValue), \(BookingStatus.noShow.rawValue)) AND date = \(today)
                ORDER BY start FOR UPDATE
                """, logger: logger).collect().map(bookingRecord)
            let pending = todays.first { now < checkInWindow.closes(forStart: $0.start) }
            guard let booking = pending ?? todays.last else { throw BookingRuleError(.bookingNotFound) }
            return try await checkIn(c, booking: booking, holder: holder, idHash: idHash, token: token, now: now)
        }
    }

    // MARK: The queue

    public func issueTicket(serviceID: String, holder: CitizenIdentity?, disabilityMarkedByStaff: Bool,
                            schedule: DaySchedule, idempotencyKey: String, now: Date) async throws -> TicketReceipt {
        var holderHash: Data?
        if let holder { holderHash = try await hash(holder.idNumber) }
        var request = Fingerprint("issueTicket").add(serviceID).add(disabilityMarkedByStaff ? "1" : "0")
        if let holder, let holderHash { request = request.add(holderHash).add(holder.source.rawValue) }
        let token = RatingToken.random()
        return try await mutate(request, key: idempotencyKey, now: now) { [holderHash] c in
            try queue.checkWalkInsOpen(now: now, schedule: schedule, zone: timeZone)
            let priority = queue.walkInPriority(holder: holder, disabilityMarkedByStaff: disabilityMarkedByStaff, on: schedule.day.date)
            return try await insertTicket(c, serviceID: serviceID, priority: priority, queuedAt: now, bookingID: nil,
                                          holderHash: holderHash, token: token, now: now)
        }
    }

    public func callNext(counter: String, serviceIDs: [String], idempotencyKey: String, now: Date) async throws -> Ticket? {
        let request = serviceIDs.sorted().reduce(Fingerprint("callNext").add(counter)) { $0.add($1) }
        return try await mutate(request, key: idempotencyKey, now: now) { c in
            let today = LocalDate(containing: now, in: timeZone)
            // FOR UPDATE: counters calling at once take turns, and each sees the other's call.
            let waiting = try await waitingTickets(c, date: today, serviceIDs: serviceIDs, forUpdate: true)
            guard let next = waiting.first else { return nil }
            try await c.query("""
                UPDATE queue_ticket SET state = \(TicketState.called.rawValue), counter = \(counter),
                    called_at = \(now.timeIntervalSince1970), call_count = call_count + 1 WHERE id = \(next.id)
                """, logger: logger)
            let called = try await fetchTicket(c, id: next.id, forUpdate: false)
            try await record(.called, called, counter: counter, now: now, c)
            return called
        }
    }

    public func recall(ticketID: Int64, idempotencyKey: String, now: Date) async throws -> Ticket {
        try await counterAction("recall", .recalled, ticketID: ticketID, key: idempotencyKey, now: now) { c in
            try await c.query("""
                UPDATE queue_ticket SET called_at = \(now.timeIntervalSince1970), call_count = call_count + 1 WHERE id = \(ticketID)
                """, logger: logger)
        }
    }

    public func markNoShow(ticketID: Int64, idempotencyKey: String, now: Date) async throws -> Ticket {
        try await counterAction("markNoShow", .noShow, ticketID: ticketID, key: idempotencyKey, now: now) { c in
            try await c.query("UPDATE queue_ticket SET state = \(TicketState.noShow.rawValue) WHERE id = \(ticketID)", logger: logger)
        }
    }

    public func finish(ticketID: Int64, idempotencyKey: String, now: Date) async throws -> Ticket {
        try await counterAction("finish", .finished, ticketID: ticketID, key: idempotencyKey, now: now) { c in
            try await c.query("UPDATE queue_ticket SET state = \(TicketState.finished.rawValue) WHERE id = \(ticketID)", logger: logger)
        }
    }

    public func transfer(ticketID: Int64, to serviceID: String, idempotencyKey: String, now: Date) async throws -> Ticket {
        try await counterAction("transfer:" + serviceID, .transferred, ticketID: ticketID, key: idempotencyKey, now: now) { c in
            try await c.query("""
                UPDATE queue_ticket SET state = \(TicketState.waiting.rawValue), service_id = \(serviceID), counter = NULL,
                    called_at = NULL WHERE id = \(ticketID)
                """, logger: logger)
        }
    }

    public func waitingTickets(serviceIDs: [String], now: Date) async throws -> [Ticket] {
        let today = LocalDate(containing: now, in: timeZone)
        return try await write { c in try await waitingTickets(c, date: today, serviceIDs: serviceIDs, forUpdate: false) }
    }

    public func servingTickets(serviceIDs: [String], now: Date) async throws -> [Ticket] {
        guard !serviceIDs.isEmpty else { return [] }
        let today = LocalDate(containing: now, in: timeZone).description
        return try await write { c in
            try await c.query("""
                SELECT * FROM queue_ticket WHERE date = \(today) AND state = \(TicketState.called.rawValue)
                  AND service_id = ANY(\(serviceIDs)) ORDER BY called_at DESC, id DESC
                """, logger: logger).collect().map(ticket)
        }
    }

    // MARK: Ratings

    public func rate(ticketID: Int64, proof: RatingProof, score: Int, reasons: [String], idempotencyKey: String,
                     now: Date) async throws -> Rating {
        try Rating.validate(score: score, reasons: reasons)
        let presented: PresentedRatingProof = switch proof {
        case .token(let token): PresentedRatingProof(tokenHash: PresentedRatingProof.tokenHash(token), holderHash: nil)
        case .holder(let idNumber): PresentedRatingProof(tokenHash: nil, holderHash: try await hash(idNumber))
        }
        let request = reasons.reduce(Fingerprint("rate").add(ticketID).add(score).add(presented.digest)) { $0.add($1) }
        return try await mutate(request, key: idempotencyKey, now: now) { c in
            let ticket = try await fetchTicket(c, id: ticketID, forUpdate: true)
            let held = try await c.query("SELECT rating_token_hash, holder_hash FROM queue_ticket WHERE id = \(ticketID)",
                                         logger: logger).collect().first?.decode((Data?, Data?).self)
            guard presented.matches(tokenHash: held?.0, holderHash: held?.1) else { throw BookingRuleError(.ratingNotAllowed) }
            let rated = try await c.query("SELECT 1 FROM rating WHERE ticket_id = \(ticketID)", logger: logger).collect()
            guard ticket.state == .finished, let counter = ticket.counter, rated.isEmpty else {
                throw BookingRuleError(.ticketStateInvalid)
            }
            let rating = try Rating(ticketID: ticketID, serviceID: ticket.serviceID, counter: counter, score: score,
                                    reasons: reasons, createdAt: now)
            try await c.query("""
                INSERT INTO rating (ticket_id, service_id, counter, score, reasons, created_at)
                VALUES (\(ticketID), \(rating.serviceID), \(counter), \(score), \(reasons.joined(separator: ",")),
                        \(now.timeIntervalSince1970))
                """, logger: logger)
            return rating
        }
    }

    public func ratings(serviceID: String, counter: String?) async throws -> [Rating] {
        try await write { c in
            try await c.query("""
                SELECT ticket_id, service_id, counter, score, reasons, created_at FROM rating
                WHERE service_id = \(serviceID) AND (\(counter)::text IS NULL OR counter = \(counter)) ORDER BY id
                """, logger: logger).collect().map { row in
                let (ticketID, service, counter, score, reasons, createdAt) =
                    try row.decode((Int64, String, String, Int, String, Double).self)
                return try Rating(ticketID: ticketID, serviceID: service, counter: counter, score: score,
                                  reasons: reasons.isEmpty ? [] : reasons.split(separator: ",").map(String.init),
                                  createdAt: Date(timeIntervalSince1970: createdAt))
            }
        }
    }
}

// MARK: - Inside a transaction

extension PostgresBookingStore {
    private func deleteExpiredHolds(_ c: PostgresConnection, now: Date) async throws -> Int {
        try await c.query("DELETE FROM booking_hold WHERE expires_at <= \(now.timeIntervalSince1970) RETURNING id",
                          logger: logger).collect().count
    }

    private func markNoShows(_ c: PostgresConnection, now: Date) async throws -> Int {
        let closed = now.timeIntervalSince1970 - Double(checkInWindow.lateMinutes) * 60
        return try await c.query("""
            UPDATE booking SET status = \(BookingStatus.noShow.rawValue), updated_at = \(now.timeIntervalSince1970)
            WHERE status = \(BookingStatus.confirmed.rawValue) AND start <= \(closed) RETURNING id
            """, logger: logger).collect().count
    }

    /// Records `slot` with the capacity its service has now (never below the places taken).
    /// The upsert also locks the slot's row until the transaction ends.
    private func register(_ slot: Slot, _ c: PostgresConnection) async throws {
        try await c.query("""
            INSERT INTO slot_capacity (slot_id, service_id, capacity, taken) VALUES (\(slot.id), \(slot.serviceID), \(slot.capacity), 0)
            ON CONFLICT (slot_id) DO UPDATE SET capacity = greatest(excluded.capacity, slot_capacity.taken)
            """, logger: logger)
    }

    /// One place of a slot. The row lock comes first, in its own statement (`locked`: `register`
    /// took it already): under READ COMMITTED the conditional update then runs on a snapshot
    /// taken after every earlier holder of the lock committed, so its count of live holds is
    /// current too.
    private func takePlace(slotID: String, now: Date, locked: Bool = false, _ c: PostgresConnection) async throws {
        if !locked {
            try await c.query("SELECT 1 FROM slot_capacity WHERE slot_id = \(slotID) FOR UPDATE", logger: logger)
        }
        let updated = try await c.query("""
            UPDATE slot_capacity SET taken = taken + 1
            WHERE slot_id = \(slotID)
              AND taken + (SELECT count(*) FROM booking_hold WHERE slot_id = \(slotID) AND expires_at > \(now.timeIntervalSince1970)) < capacity
            RETURNING taken
            """, logger: logger).collect()
        guard updated.count == 1 else { throw BookingRuleError(.slotFull) }
    }

    /// The ban and quota checks, under a transaction-scoped advisory lock on the citizen's ID
    /// hash: the bookings read here cannot change until this transaction ends, in any hall.
    private func checkEligibility(_ c: PostgresConnection, idHash: Data, serviceID: String, now: Date) async throws {
        try await lockCitizen(c, idHash: idHash)
        let windowClosed = now.timeIntervalSince1970 - Double(checkInWindow.lateMinutes) * 60
        var noShows: [Date] = []
        var forService = 0
        var total = 0
        for try await (service, status, start) in try await c.query("""
            SELECT service_id, status, start FROM booking WHERE id_hash = \(idHash) AND start > \(now.timeIntervalSince1970 - policy.noShowLookback)
              AND status IN (\(BookingStatus.confirmed.rawValue), \(BookingStatus.noShow.rawValue))
            """, logger: logger).decode((String, String, Double).self) {
            if status == BookingStatus.noShow.rawValue || start <= windowClosed {
                noShows.append(Date(timeIntervalSince1970: start))
            } else {
                total += 1
                if service == serviceID { forService += 1 }
            }
        }
        // Open holds count like bookings: a place kept is a place taken from everyone else.
        for try await held in try await c.query("""
            SELECT service_id FROM booking_hold WHERE id_hash = \(idHash) AND expires_at > \(now.timeIntervalSince1970)
            """, logger: logger).decode(String.self) {
            total += 1
            if held == serviceID { forService += 1 }
        }
        try policy.checkNotBanned(noShows: noShows, now: now, zone: timeZone)
        try policy.checkQuota(activeForService: forService, activeTotal: total)
    }

    /// The transaction-scoped advisory lock on a citizen's ID hash: what one transaction reads of
    /// the citizen's bookings and holds cannot change until it ends, in any hall. Taken again in
    /// the same transaction it is a no-op.
    private func lockCitizen(_ c: PostgresConnection, idHash: Data) async throws {
        let lockKey = idHash.prefix(8).reduce(Int64(0)) { $0 << 8 | Int64($1) }
        try await c.query("SELECT pg_advisory_xact_lock(\(lockKey))", logger: logger)
    }

    private func insertBooking(_ c: PostgresConnection, slotID: String, serviceID: String, date: String, start: Double,
                               end: Double, idNumber: ResidentIDNumber, idHash: Data, now: Date) async throws -> BookingRecord {
        var generator = SystemRandomNumberGenerator()
        let id = UUID().uuidString
        var code: BookingCode
        // The UNIQUE index decides; a collision (one in hundreds of millions) draws again.
        repeat {
            code = BookingCode.random(using: &generator)
            let inserted = try await c.query("""
                INSERT INTO booking (id, code, slot_id, service_id, date, start, "end", id_hash, id_masked, status,
                                     sequence, created_at, updated_at)
                VALUES (\(id), \(code.value), \(slotID), \(serviceID), \(date), \(start), \(end), \(idHash), \(idNumber.masked),
                        \(BookingStatus.confirmed.rawValue), 0, \(now.timeIntervalSince1970), \(now.timeIntervalSince1970))
                ON CONFLICT (code) DO NOTHING RETURNING id
                """, logger: logger).collect()
            if inserted.count == 1 { break }
        } while true
        guard let localDate = try? LocalDate(date) else { throw corrupt("booking.date") }
        return .made(id: id, code: code, slotID: slotID, serviceID: serviceID, date: localDate,
                     start: Date(timeIntervalSince1970: start), end: Date(timeIntervalSince1970: end),
                     maskedIDNumber: idNumber.masked, at: now)
    }

    private func checkIn(_ c: PostgresConnection, booking: BookingRecord, holder: CitizenIdentity, idHash: Data,
                         token: String, now: Date) async throws -> CheckInResult {
        let today = LocalDate(containing: now, in: timeZone)
        let lateSameDay = booking.status == .noShow && booking.date == today
        guard booking.status == .confirmed || lateSameDay else { throw BookingRuleError(.bookingNotActive) }
        let outcome = try checkInWindow.outcome(start: booking.start, now: now, zone: timeZone)
        let late = outcome == .late
        let priority = late ? queue.walkInPriority(holder: holder, disabilityMarkedByStaff: false, on: today) : .appointment
        try await c.query("""
            UPDATE booking SET status = \((late ? BookingStatus.checkedInLate : .checkedIn).rawValue),
                updated_at = \(now.timeIntervalSince1970) WHERE id = \(booking.id)
            """, logger: logger)
        let receipt = try await insertTicket(c, serviceID: booking.serviceID, priority: priority,
                                             queuedAt: late ? now : booking.start, bookingID: booking.id,
                                             holderHash: idHash, token: token, now: now)
        return CheckInResult(booking: try await fetchBooking(c, id: booking.id), receipt: receipt, late: late)
    }

    private func insertTicket(_ c: PostgresConnection, serviceID: String, priority: PriorityClass, queuedAt: Date,
                              bookingID: String?, holderHash: Data?, token: String, now: Date) async throws -> TicketReceipt {
        let date = LocalDate(containing: now, in: timeZone)
        let prefix = queue.prefix(for: serviceID)
        guard let sequence = try await c.query("""
            INSERT INTO ticket_sequence (date, prefix, last) VALUES (\(date.description), \(prefix), 1)
            ON CONFLICT (date, prefix) DO UPDATE SET last = ticket_sequence.last + 1 RETURNING last
            """, logger: logger).collect().first?.decode(Int.self) else { throw corrupt("ticket_sequence") }
        guard let id = try await c.query("""
            INSERT INTO queue_ticket (date, prefix, sequence, number, service_id, priority, queued_at, state, booking_id,
                                      rating_token_hash, holder_hash)
            VALUES (\(date.description), \(prefix), \(sequence), \(QueuePolicy.ticketNumber(prefix: prefix, sequence: sequence)),
                    \(serviceID), \(priority.rawValue), \(queuedAt.timeIntervalSince1970), \(TicketState.waiting.rawValue), \(bookingID),
                    \(PresentedRatingProof.tokenHash(token)), \(holderHash))
            RETURNING id
            """, logger: logger).collect().first?.decode(Int64.self) else { throw corrupt("queue_ticket") }
        let ticket = try await fetchTicket(c, id: id, forUpdate: false)
        try await record(.issued, ticket, counter: nil, now: now, c)
        let ahead = try await waitingTickets(c, date: date, serviceIDs: [serviceID], forUpdate: false)
            .prefix { $0.id != ticket.id }.count
        return TicketReceipt(ticket: ticket, ahead: ahead, ratingToken: token)
    }

    private func waitingTickets(_ c: PostgresConnection, date: LocalDate, serviceIDs: [String],
                                forUpdate: Bool) async throws -> [Ticket] {
        guard !serviceIDs.isEmpty else { return [] }
        var query: PostgresQuery = """
            SELECT * FROM queue_ticket WHERE date = \(date.description) AND state = \(TicketState.waiting.rawValue)
              AND service_id = ANY(\(serviceIDs))
            """
        if forUpdate { query.sql += " FOR UPDATE" }
        return QueuePolicy.callOrder(try await c.query(query, logger: logger).collect().map(ticket))
    }

    private func counterAction(_ operation: String, _ event: QueueEvent.Kind, ticketID: Int64, key: String, now: Date,
                               _ update: @escaping @Sendable (PostgresConnection) async throws -> Void) async throws -> Ticket {
        try await mutate(Fingerprint(operation).add(ticketID), key: key, now: now) { c in
            let before = try await fetchTicket(c, id: ticketID, forUpdate: true)
            guard before.state == .called else { throw BookingRuleError(.ticketStateInvalid) }
            try await update(c)
            let after = try await fetchTicket(c, id: ticketID, forUpdate: false)
            // The display shows the counter the ticket was called to, even once it has left it.
            try await record(event, after, counter: after.counter ?? before.counter, now: now, c)
            return after
        }
    }

    private func findBooking(_ c: PostgresConnection, code: BookingCode, idHash: Data, forUpdate: Bool) async throws -> BookingRecord {
        var query: PostgresQuery = try "SELECT * FROM booking WHERE code = \(code.value) AND id_hash = \(idHash)"
        if forUpdate { query.sql += " FOR UPDATE" }
        guard let row = try await c.query(query, logger: logger).collect().first else { throw BookingRuleError(.bookingNotFound) }
        return try bookingRecord(row)
    }

    private func fetchBooking(_ c: PostgresConnection, id: String) async throws -> BookingRecord {
        guard let row = try await c.query("SELECT * FROM booking WHERE id = \(id)", logger: logger).collect().first else {
            throw BookingRuleError(.bookingNotFound)
        }
        return try bookingRecord(row)
    }

    private func fetchTicket(_ c: PostgresConnection, id: Int64, forUpdate: Bool) async throws -> Ticket {
        var query: PostgresQuery = "SELECT * FROM queue_ticket WHERE id = \(id)"
        if forUpdate { query.sql += " FOR UPDATE" }
        guard let row = try await c.query(query, logger: logger).collect().first else { throw BookingRuleError(.ticketNotFound) }
        return try ticket(row)
    }
}

// MARK: - Rows, transactions, idempotency

extension PostgresBookingStore {
    private func bookingRecord(_ row: PostgresRow) throws -> BookingRecord {
        let row = row.makeRandomAccess()
        guard let status = BookingStatus(rawValue: try row["status"].decode(String.self)),
              let code = try? BookingCode(try row["code"].decode(String.self)),
              let date = try? LocalDate(try row["date"].decode(String.self)) else { throw corrupt("booking") }
        return BookingRecord(
            id: try row["id"].decode(String.self), code: code, slotID: try row["slot_id"].decode(String.self),
            serviceID: try row["service_id"].decode(String.self), date: date,
            start: Date(timeIntervalSince1970: try row["start"].decode(Double.self)),
            end: Date(timeIntervalSince1970: try row["end"].decode(Double.self)),
            maskedIDNumber: try row["id_masked"].decode(String.self), status: status,
            sequence: try row["sequence"].decode(Int.self),
            createdAt: Date(timeIntervalSince1970: try row["created_at"].decode(Double.self)),
            updatedAt: Date(timeIntervalSince1970: try row["updated_at"].decode(Double.self)),
            onDayOff: try row["on_day_off"].decode(Bool.self))
    }

    private func ticket(_ row: PostgresRow) throws -> Ticket {
        let row = row.makeRandomAccess()
        guard let priority = PriorityClass(rawValue: try row["priority"].decode(String.self)),
              let state = TicketState(rawValue: try row["state"].decode(String.self)),
              let date = try? LocalDate(try row["date"].decode(String.self)) else { throw corrupt("queue_ticket") }
        return Ticket(id: try row["id"].decode(Int64.self), date: date, number: try row["number"].decode(String.self),
                      serviceID: try row["service_id"].decode(String.self), priority: priority,
                      queuedAt: Date(timeIntervalSince1970: try row["queued_at"].decode(Double.self)), state: state,
                      counter: try row["counter"].decode(String?.self),
                      calledAt: try row["called_at"].decode(Double?.self).map(Date.init(timeIntervalSince1970:)),
                      callCount: try row["call_count"].decode(Int.self),
                      bookingID: try row["booking_id"].decode(String?.self))
    }

    private func corrupt(_ what: String) -> StorageError {
        .unavailable(path: database.location, reason: "unreadable value in \(what)")
    }

    /// Runs `body` once per idempotency key, in one transaction with the record of the key.
    /// The key's row is claimed first: a concurrent request with the same key waits on it, then
    /// finds the first answer (or, if the first was refused and rolled back, runs itself).
    private func mutate<Response: StoredAnswer>(
        _ request: Fingerprint, key: String, now: Date,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Response
    ) async throws -> Response {
        guard (1...128).contains(key.utf8.count), key.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw BookingRuleError(.invalidIdempotencyKey)
        }
        let fingerprint = request.digest
        return try await write { c in
            let claimed = try await c.query("""
                INSERT INTO idempotency_key (key, operation, fingerprint, created_at)
                VALUES (\(key), \(request.operation), \(fingerprint), \(now.timeIntervalSince1970))
                ON CONFLICT (key) DO NOTHING RETURNING key
                """, logger: logger).collect()
            guard claimed.isEmpty else {
                let response = try await body(c)
                var writer = AnswerWriter()
                response.write(to: &writer)
                try await c.query("UPDATE idempotency_key SET response = \(Data(writer.bytes)) WHERE key = \(key)", logger: logger)
                return response
            }
            guard let row = try await c.query("SELECT operation, fingerprint, response FROM idempotency_key WHERE key = \(key)",
                                              logger: logger).collect().first else { throw corrupt("idempotency_key") }
            let (operation, storedFingerprint, stored) = try row.decode((String, Data, Data?).self)
            guard operation == request.operation, storedFingerprint == fingerprint else {
                throw BookingRuleError(.idempotencyKeyReused)
            }
            guard let stored else { throw corrupt("idempotency_key") }
            var reader = AnswerReader(Array(stored))
            guard let answer = try? Response(from: &reader), reader.isAtEnd else { throw corrupt("idempotency_key") }
            return answer
        }
    }

    /// One transaction; an unreachable district store becomes `DistrictStoreUnavailable`, any
    /// other database failure `StorageError.unavailable`, a rule's refusal passes through.
    private func write<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await database.run(passing: BookingRuleError.self, body)
    }
}

/// The district's ID hasher, found once and kept.
final class DistrictKeys: Sendable {
    let resolve: @Sendable () async throws -> any IDHasher
    let cached = Mutex<(any IDHasher)?>(nil)

    init(resolve: @escaping @Sendable () async throws -> any IDHasher) {
        self.resolve = resolve
    }

    func hasher() async throws -> any IDHasher {
        if let hasher = cached.withLock({ $0 }) { return hasher }
        let hasher = try await resolve()
        cached.withLock { $0 = hasher }
        return hasher
    }
}
