import Booking
import Foundation
import KioskCore
import Logging
import PostgresNIO
import Storage
import Synchronization

/// Appointments, holds, check-in, the queue and ratings in the district's PostgreSQL, shared by
/// every terminal of the district; the same behaviour as the terminal's `SQLiteBookingStore`:
/// every decision is the Booking module's (`BookingRules`), this store only reads the rows a
/// rule needs and writes what it answers.
///
/// Each mutation is one READ COMMITTED transaction that first claims its idempotency key (a row
/// under a unique key: a concurrent retry waits for the first to finish, then reads its answer).
/// A hold, its confirmation, a booking, a cancellation, a reschedule and a check-in are one statement
/// each (after one read for the last three), a function the district migrations install
/// (`PostgresBookingFunctions.swift`): no lock is held across round trips.
/// The database decides every race:
/// - a slot's places are rows (`slot_place`, v28): a booking or hold takes a free one that no
///   other request is taking (`FOR UPDATE SKIP LOCKED`), and waits for one being taken only when
///   nothing else is left, so requests for one slot at once never queue behind each other's commits;
/// - a citizen's bans and quotas are checked under `pg_advisory_xact_lock` on the ID hash, so
///   two halls booking for the same citizen at once take turns;
/// - rows a mutation changes (a booking, a ticket, the waiting queue) are read `FOR UPDATE`.
public struct PostgresBookingStore: BookingDatabase {
    public let rules: BookingRules
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
        self.rules = BookingRules(policy: policy, checkInWindow: checkInWindow, queue: queue, timeZone: timeZone)
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
        try await holdInOneCall(slot, idHash: try await hash(idNumber), idempotencyKey: idempotencyKey, now: now)
    }

    public func confirm(holdID: String, idNumber: ResidentIDNumber, idempotencyKey: String,
                        now: Date) async throws -> BookingRecord {
        try await confirmInOneCall(holdID: holdID, idNumber: idNumber, idHash: try await hash(idNumber), idempotencyKey: idempotencyKey,
                                   now: now)
    }

    public func book(_ slot: Slot, idNumber: ResidentIDNumber, idempotencyKey: String,
                     now: Date) async throws -> BookingRecord {
        try await bookInOneCall(slot, idNumber: idNumber, idHash: try await hash(idNumber), idempotencyKey: idempotencyKey, now: now)
    }

    @discardableResult
    public func deleteExpiredHolds(now: Date) async throws -> Int {
        try await write { c in try await deleteExpiredHolds(c, now: now) }
    }

    public func lookup(code: BookingCode, idNumber: ResidentIDNumber) async throws -> BookingRecord {
        let idHash = try await hash(idNumber)
        return try await write { c in try await findBooking(c, code: code, idHash: idHash) }
    }

    public func booking(code: BookingCode, calendarKey: String) async throws -> BookingRecord {
        try await write { c in
            guard let row = try await c.query("SELECT * FROM booking WHERE code = \(code.value) AND id = \(calendarKey)", logger: logger)
                .collect().first else { throw BookingRuleError(.bookingNotFound) }
            return try BookingRecord(row: row.makeRandomAccess())
        }
    }

    public func placesTaken(slotIDs: [String], now: Date) async throws -> [String: Int] {
        guard !slotIDs.isEmpty else { return [:] }
        return try await write { c in
            var taken: [String: Int] = [:]
            for try await (slotID, count) in try await c.query("""
                SELECT slot_id, count(*) FROM slot_place
                WHERE slot_id = ANY(\(slotIDs)) AND holder IS NOT NULL AND (held_until IS NULL OR held_until > \(now.timeIntervalSince1970))
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
            try await bookingRecords(c, "SELECT * FROM booking WHERE id_hash = \(idHash) ORDER BY start")
        }
    }

    public func cancel(code: BookingCode, idNumber: ResidentIDNumber, idempotencyKey: String,
                       now: Date) async throws -> BookingRecord {
        try await cancelInOneWrite(code: code, idHash: try await hash(idNumber), idempotencyKey: idempotencyKey, now: now)
    }

    public func reschedule(code: BookingCode, idNumber: ResidentIDNumber, to slot: Slot,
                           idempotencyKey: String, now: Date) async throws -> BookingRecord {
        try await rescheduleInOneWrite(code: code, idHash: try await hash(idNumber), to: slot, idempotencyKey: idempotencyKey, now: now)
    }

    @discardableResult
    public func markNoShows(now: Date) async throws -> Int {
        try await write { c in try await markNoShows(c, now: now) }
    }

    public func sweep(now: Date) async throws -> BookingSweep {
        try await write { c in
            let holds = try await deleteExpiredHolds(c, now: now), noShows = try await markNoShows(c, now: now)
            let expired = try await c.query("""
                DELETE FROM idempotency_key WHERE created_at < \(StoredAnswers.expiry(now: now).timeIntervalSince1970) RETURNING key
                """, logger: logger).collect().count
            // The numbering row, not the table, says which number came last: deleting old events changes nothing for displays.
            let pruned = try await c.query("""
                DELETE FROM queue_event WHERE at < \(now.addingTimeInterval(-QueueEvent.retention).timeIntervalSince1970) RETURNING id
                """, logger: logger).collect().count
            // The waiting counts (v23) serve only the day's check-ins; yesterday's stay for a terminal
            // whose clock is behind at midnight.
            try await c.query("DELETE FROM queue_waiting WHERE date < \(rules.today(now).adding(days: -1).description)", logger: logger)
            return BookingSweep(holdsDeleted: holds, noShowsMarked: noShows, answersExpired: expired, queueEventsPruned: pruned)
        }
    }

    // MARK: Calendar import

    public func flagBookingsOnDaysOff(from old: OfficialCalendar, to new: OfficialCalendar,
                                      now: Date) async throws -> [BookingRecord] {
        let today = rules.today(now).description
        let confirmed = BookingStatus.confirmed.rawValue
        return try await write { c in
            var booked: [String] = []
            for try await date in try await c.query("""
                SELECT DISTINCT date FROM booking WHERE status = \(confirmed) AND date >= \(today)
                """, logger: logger).decode(String.self) { booked.append(date) }
            let affected = BookingRules.datesBecomingDaysOff(booked, from: old, to: new)
            guard !affected.isEmpty else { return [] }
            try await c.query("UPDATE booking SET on_day_off = true WHERE status = \(confirmed) AND date = ANY(\(affected))",
                              logger: logger)
            return try await bookingRecords(c, "SELECT * FROM booking WHERE status = \(confirmed) AND date = ANY(\(affected)) ORDER BY start")
        }
    }

    public func bookingsOnDaysOff() async throws -> [BookingRecord] {
        try await write { c in
            try await bookingRecords(c, "SELECT * FROM booking WHERE status = \(BookingStatus.confirmed.rawValue) AND on_day_off ORDER BY start")
        }
    }

    // MARK: Check-in

    public func checkIn(code: BookingCode, holder: CitizenIdentity, idempotencyKey: String, now: Date) async throws -> CheckInResult {
        let idHash = try await hash(holder.idNumber)
        let request = try IdempotentRequest(.checkIn(code: code, idHash: idHash, source: holder.source), key: idempotencyKey)
        return try await checkInInOneWrite(request, reading: BookingAndAnswer(code: code, idHash: idHash, key: request.key), card: nil,
                                           holder: holder, idHash: idHash, now: now)
    }

    public func checkIn(holder: CitizenIdentity, idempotencyKey: String, now: Date) async throws -> CheckInResult {
        let idHash = try await hash(holder.idNumber)
        let today = rules.today(now)
        let request = try IdempotentRequest(.checkIn(idHash: idHash, source: holder.source), key: idempotencyKey)
        return try await checkInInOneWrite(request, reading: TodaysBookingsAndAnswer(idHash: idHash, date: today, key: request.key),
                                           card: today, holder: holder, idHash: idHash, now: now)
    }

    // MARK: The queue

    public func issueTicket(serviceID: String, holder: CitizenIdentity?, disabilityMarkedByStaff: Bool,
                            schedule: DaySchedule, idempotencyKey: String, now: Date) async throws -> TicketReceipt {
        var holderHash: Data?
        if let holder { holderHash = try await hash(holder.idNumber) }
        let request = Fingerprint.issueTicket(serviceID: serviceID, holder: holder, holderHash: holderHash,
                                              disabilityMarkedByStaff: disabilityMarkedByStaff)
        let token = RatingToken.random()
        return try await mutate(request, key: idempotencyKey, now: now) { [holderHash] c in
            let ticket = try rules.walkIn(serviceID: serviceID, holder: holder, disabilityMarkedByStaff: disabilityMarkedByStaff,
                                          schedule: schedule, now: now)
            return try await insertTicket(c, ticket, holderHash: holderHash, token: token, now: now)
        }
    }

    public func callNext(counter: String, serviceIDs: [String], idempotencyKey: String, now: Date) async throws -> Ticket? {
        try await mutate(.callNext(counter: counter, serviceIDs: serviceIDs), key: idempotencyKey, now: now) { c in
            // FOR UPDATE: counters calling at once take turns, and each sees the other's call.
            guard let next = try await waitingTickets(c, date: rules.today(now), serviceIDs: serviceIDs, forUpdate: true).first else {
                return nil
            }
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
        try await counterAction("recall", .recalled, ticketID: ticketID, key: idempotencyKey, now: now, """
            UPDATE queue_ticket SET called_at = \(now.timeIntervalSince1970), call_count = call_count + 1 WHERE id = \(ticketID)
            """)
    }

    public func markNoShow(ticketID: Int64, idempotencyKey: String, now: Date) async throws -> Ticket {
        try await counterAction("markNoShow", .noShow, ticketID: ticketID, key: idempotencyKey, now: now,
                                "UPDATE queue_ticket SET state = \(TicketState.noShow.rawValue) WHERE id = \(ticketID)")
    }

    public func finish(ticketID: Int64, idempotencyKey: String, now: Date) async throws -> Ticket {
        try await counterAction("finish", .finished, ticketID: ticketID, key: idempotencyKey, now: now,
                                "UPDATE queue_ticket SET state = \(TicketState.finished.rawValue) WHERE id = \(ticketID)")
    }

    public func transfer(ticketID: Int64, to serviceID: String, idempotencyKey: String, now: Date) async throws -> Ticket {
        try await counterAction("transfer:" + serviceID, .transferred, ticketID: ticketID, key: idempotencyKey, now: now, """
            UPDATE queue_ticket SET state = \(TicketState.waiting.rawValue), service_id = \(serviceID), counter = NULL,
                called_at = NULL WHERE id = \(ticketID)
            """)
    }

    public func waitingTickets(serviceIDs: [String], now: Date) async throws -> [Ticket] {
        let today = rules.today(now)
        return try await write { c in try await waitingTickets(c, date: today, serviceIDs: serviceIDs, forUpdate: false) }
    }

    public func servingTickets(serviceIDs: [String], now: Date) async throws -> [Ticket] {
        guard !serviceIDs.isEmpty else { return [] }
        let today = rules.today(now).description
        return try await write { c in
            try await c.query("""
                SELECT * FROM queue_ticket WHERE date = \(today) AND state = \(TicketState.called.rawValue)
                  AND service_id = ANY(\(serviceIDs)) ORDER BY called_at DESC, id DESC
                """, logger: logger).collect().map { try Ticket(row: $0.makeRandomAccess()) }
        }
    }

    // MARK: Ratings

    public func rate(ticketID: Int64, proof: RatingProof, score: Int, reasons: [String], idempotencyKey: String,
                     now: Date) async throws -> Rating {
        try Rating.validate(score: score, reasons: reasons)
        let presented = try await PresentedRatingProof(proof) { try await hash($0) }
        let request = Fingerprint.rate(ticketID: ticketID, score: score, reasons: reasons, proof: presented)
        return try await mutate(request, key: idempotencyKey, now: now) { c in
            let ticket = try await fetchTicket(c, id: ticketID, forUpdate: true)
            let held = try await c.query("SELECT rating_token_hash, holder_hash FROM queue_ticket WHERE id = \(ticketID)",
                                         logger: logger).collect().first?.decode((Data?, Data?).self)
            let rated = try await c.query("SELECT 1 FROM rating WHERE ticket_id = \(ticketID)", logger: logger).collect()
            let rating = try BookingRules.rating(
                of: ticket, proofMatches: presented.matches(tokenHash: held?.0, holderHash: held?.1),
                alreadyRated: !rated.isEmpty, score: score, reasons: reasons, now: now)
            try await c.query("""
                INSERT INTO rating (ticket_id, service_id, counter, score, reasons, created_at)
                VALUES (\(ticketID), \(rating.serviceID), \(rating.counter), \(score), \(rating.storedReasons),
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
                """, logger: logger).collect().map { try Rating(row: $0.makeRandomAccess()) }
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
        try await c.query("""
            UPDATE booking SET status = \(BookingStatus.noShow.rawValue), updated_at = \(now.timeIntervalSince1970)
            WHERE status = \(BookingStatus.confirmed.rawValue) AND start <= \(rules.noShowCutoff(now: now).timeIntervalSince1970)
            RETURNING id
            """, logger: logger).collect().count
    }

    /// The key of a citizen's advisory lock: the first 8 bytes of their ID hash.
    static func citizenLockKey(_ idHash: Data) -> Int64 {
        idHash.prefix(8).reduce(Int64(0)) { $0 << 8 | Int64($1) }
    }

    /// A new ticket, numbered by one upsert of the day's sequence of its prefix (terminals issue
    /// at once without reading a maximum); the store keeps only the hash of its rating token.
    private func insertTicket(_ c: PostgresConnection, _ new: NewTicket, holderHash: Data?, token: String,
                              now: Date) async throws -> TicketReceipt {
        guard let sequence = try await c.query("""
            INSERT INTO ticket_sequence (date, prefix, last) VALUES (\(new.date.description), \(new.prefix), 1)
            ON CONFLICT (date, prefix) DO UPDATE SET last = ticket_sequence.last + 1 RETURNING last
            """, logger: logger).collect().first?.decode(Int.self) else { throw corrupt("ticket_sequence") }
        guard let id = try await c.query("""
            INSERT INTO queue_ticket (date, prefix, sequence, number, service_id, priority, queued_at, state, booking_id,
                                      rating_token_hash, holder_hash)
            VALUES (\(new.date.description), \(new.prefix), \(sequence), \(new.number(sequence: sequence)),
                    \(new.serviceID), \(new.priority.rawValue), \(new.queuedAt.timeIntervalSince1970), \(TicketState.waiting.rawValue),
                    \(new.bookingID), \(PresentedRatingProof.tokenHash(token)), \(holderHash))
            RETURNING id
            """, logger: logger).collect().first?.decode(Int64.self) else { throw corrupt("queue_ticket") }
        let ticket = try await fetchTicket(c, id: id, forUpdate: false)
        try await record(.issued, ticket, counter: nil, now: now, c)
        let waiting = try await waitingTickets(c, date: new.date, serviceIDs: [new.serviceID], forUpdate: false)
        return TicketReceipt(ticket: ticket, ahead: BookingRules.ahead(of: ticket.id, inCallOrder: waiting), ratingToken: token)
    }

    private func waitingTickets(_ c: PostgresConnection, date: LocalDate, serviceIDs: [String],
                                forUpdate: Bool) async throws -> [Ticket] {
        guard !serviceIDs.isEmpty else { return [] }
        var query: PostgresQuery = """
            SELECT * FROM queue_ticket WHERE date = \(date.description) AND state = \(TicketState.waiting.rawValue)
              AND service_id = ANY(\(serviceIDs))
            """
        if forUpdate { query.sql += " FOR UPDATE" }
        return QueuePolicy.callOrder(try await c.query(query, logger: logger).collect().map { try Ticket(row: $0.makeRandomAccess()) })
    }

    private func counterAction(_ operation: String, _ event: QueueEvent.Kind, ticketID: Int64, key: String, now: Date,
                               _ update: PostgresQuery) async throws -> Ticket {
        try await mutate(.counterAction(operation, ticketID: ticketID), key: key, now: now) { c in
            let before = try await fetchTicket(c, id: ticketID, forUpdate: true)
            try BookingRules.checkCounterAction(on: before)
            try await c.query(update, logger: logger)
            let after = try await fetchTicket(c, id: ticketID, forUpdate: false)
            // The display shows the counter the ticket was called to, even once it has left it.
            try await record(event, after, counter: after.counter ?? before.counter, now: now, c)
            return after
        }
    }

    private func findBooking(_ c: PostgresConnection, code: BookingCode, idHash: Data) async throws -> BookingRecord {
        guard let booking = try await bookingRecords(c, "SELECT * FROM booking WHERE code = \(code.value) AND id_hash = \(idHash)").first else {
            throw BookingRuleError(.bookingNotFound)
        }
        return booking
    }

    private func fetchTicket(_ c: PostgresConnection, id: Int64, forUpdate: Bool) async throws -> Ticket {
        var query: PostgresQuery = "SELECT * FROM queue_ticket WHERE id = \(id)"
        if forUpdate { query.sql += " FOR UPDATE" }
        guard let row = try await c.query(query, logger: logger).collect().first else { throw BookingRuleError(.ticketNotFound) }
        return try Ticket(row: row.makeRandomAccess())
    }

    private func bookingRecords(_ c: PostgresConnection, _ query: PostgresQuery) async throws -> [BookingRecord] {
        try await c.query(query, logger: logger).collect().map { try BookingRecord(row: $0.makeRandomAccess()) }
    }
}

// MARK: - Transactions, idempotency

extension PostgresBookingStore {
    private func corrupt(_ what: String) -> StorageError {
        .unavailable(path: database.location, reason: "unreadable value in \(what)")
    }

    /// Runs `body` once per idempotency key, in one transaction with the record of the key.
    /// The key's row is claimed first: a concurrent request with the same key waits on it, then
    /// finds the first answer (or, if the first was refused and rolled back, runs itself).
    private func mutate<Response: StoredAnswer>(
        _ fingerprint: Fingerprint, key: String, now: Date,
        _ body: @escaping @Sendable (PostgresConnection) async throws -> Response
    ) async throws -> Response {
        let request = try IdempotentRequest(fingerprint, key: key)
        let location = database.location
        return try await write { c in
            let claimed = try await c.query("""
                INSERT INTO idempotency_key (key, operation, fingerprint, created_at)
                VALUES (\(key), \(request.operation), \(request.fingerprint), \(now.timeIntervalSince1970))
                ON CONFLICT (key) DO NOTHING RETURNING key
                """, logger: logger).collect()
            guard claimed.isEmpty else {
                let response = try await body(c)
                try await c.query("UPDATE idempotency_key SET response = \(StoredAnswers.encode(response)) WHERE key = \(key)",
                                  logger: logger)
                return response
            }
            guard let row = try await c.query("SELECT operation, fingerprint, response FROM idempotency_key WHERE key = \(key)",
                                              logger: logger).collect().first else { throw corrupt("idempotency_key") }
            let (operation, storedFingerprint, response) = try row.decode((String, Data, Data?).self)
            return try request.replay(Response.self, operation: operation, fingerprint: storedFingerprint, response: response,
                                      location: location)
        }
    }

    /// One transaction; an unreachable district store becomes `DistrictStoreUnavailable`, an
    /// unreadable row or any other database failure `StorageError.unavailable`, a rule's
    /// refusal passes through.
    private func write<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await database.run(passing: BookingRuleError.self, body)
    }
}

extension PostgresRandomAccessRow: StoredRow {
    package func text(_ column: String) throws -> String { try decoded(column, as: String.self) }
    package func optionalText(_ column: String) throws -> String? { try decoded(column, as: String?.self) }
    package func real(_ column: String) throws -> Double { try decoded(column, as: Double.self) }
    package func optionalReal(_ column: String) throws -> Double? { try decoded(column, as: Double?.self) }
    package func integer(_ column: String) throws -> Int64 { try decoded(column, as: Int64.self) }
    package func flag(_ column: String) throws -> Bool { try decoded(column, as: Bool.self) }
    package func optionalBlob(_ column: String) throws -> Data? { try decoded(column, as: Data?.self) }

    private func decoded<Value: PostgresDecodable>(_ column: String, as _: Value.Type) throws -> Value {
        guard contains(column) else { throw StoredRowError(column: column) }
        do {
            return try self[column].decode(Value.self)
        } catch {
            throw StoredRowError(column: column)
        }
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
