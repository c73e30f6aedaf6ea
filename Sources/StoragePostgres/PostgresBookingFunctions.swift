import Booking
import Foundation
import KioskCore
import PostgresNIO
import Storage

/// A booking in one round trip: `kiosk_book`, the function the district migrations install
/// (`v10-bookings-in-one-call`), claims the idempotency key, takes the citizen's lock, reads what
/// `BookingRules.checkEligibility` judges, takes a place and inserts the booking, all in one
/// statement; no lock outlives it, and none is held while this process thinks.
///
/// The rules stay here. The function decides nothing about a citizen: it books only when what it
/// reads of them under their lock is exactly what the rules judged (`seen`), else it answers what
/// it found, and the rules judge that. The first call assumes a citizen with no bookings or holds
/// (most are), so a typical booking is one call.
extension PostgresBookingStore {
    func bookInOneCall(_ slot: Slot, idNumber: ResidentIDNumber, idHash: Data, idempotencyKey: String,
                       now: Date) async throws -> BookingRecord {
        let request = try IdempotentRequest(.book(slot, idHash: idHash), key: idempotencyKey)
        var identity = NewBookingIdentity()
        var seen = CitizenBookings(bookings: [], heldServiceIDs: [])
        while true {
            try rules.checkEligibility(seen, serviceID: slot.serviceID, now: now)
            let booking = identity.booking(of: BookedPlace(slot), maskedIDNumber: idNumber.masked, at: now)
            let call = BookCall(request: request, answer: StoredAnswers.encode(booking), booking: booking, capacity: slot.capacity,
                                idHash: idHash, horizon: rules.eligibilityHorizon(now: now),
                                seen: seen, now: now)
            switch try await callOnce(call) {
            case .booked:
                return booking
            case .answered(let operation, let fingerprint, let response):
                return try request.replay(BookingRecord.self, operation: operation, fingerprint: fingerprint, response: response,
                                          location: database.location)
            case .citizenChanged(let found):
                seen = found
            case .slotFull:
                throw BookingRuleError(.slotFull)
            case .codeTaken:
                identity.redrawCode()
            case .held:
                throw corruptCall("kiosk_book")
            }
        }
    }

    func callOnce(_ call: BookCall) async throws -> BookCall.Outcome {
        try await callOnce(call, codeTaken: .codeTaken, BookCall.Outcome.init)
    }

    /// A call of a function that judges a citizen (`kiosk_book`, `kiosk_hold`, `kiosk_confirm`): its
    /// one row, read by `read`; `codeTaken` when the new booking's code is another booking's.
    func callOnce<Call: PostgresPreparedStatement, Outcome: Sendable>(
        _ call: Call, codeTaken: Outcome, _ read: @escaping @Sendable (Call.Row) throws -> Outcome
    ) async throws -> Outcome {
        try await executeOnce(call) { rows in
            guard rows.count == 1 else { throw StoredRowError(column: Call.name) }
            return try read(rows[0])
        } failed: { error in
            PostgresStore.sqlState(error) == "23505" && error.serverInfo?[.constraintName] == "booking_code_key" ? codeTaken : nil
        }
    }

    /// One prepared statement on a pooled connection, in a transaction of its own, its rows read by
    /// `read`; an error `failed` recognises is its answer. A deadlock or serialization failure the
    /// server chose is tried again, as `PostgresStore.transaction` does.
    func executeOnce<Statement: PostgresPreparedStatement, Value: Sendable>(
        _ statement: Statement, _ read: @escaping @Sendable ([Statement.Row]) throws -> Value,
        failed: @escaping @Sendable (PSQLError) -> Value? = { _ in nil }
    ) async throws -> Value {
        try await database.run(inTransaction: false, passing: BookingRuleError.self) { c in
            var attempt = 0
            while true {
                attempt += 1
                do {
                    var rows: [Statement.Row] = []
                    for try await row in try await c.execute(statement, logger: logger) { rows.append(row) }
                    return try read(rows)
                } catch let error as PSQLError {
                    if let answer = failed(error) { return answer }
                    guard attempt < 5, PostgresStore.isRetryable(error) else { throw error }
                }
            }
        }
    }
}

/// `kiosk_book` as a prepared statement: parsed once per connection.
struct BookCall: PostgresPreparedStatement {
    /// Its name on each connection, also in errors: the protocol's default, `String(reflecting:)`,
    /// would be worked out again at every execution.
    static let name = "kiosk_book"
    static let sql = "SELECT * FROM kiosk_book(" + (1...23).map { "$\($0)" }.joined(separator: ", ") + ")"
    typealias Row = (String, String?, Data?, Data?, [String]?, [String]?, [Double]?, [String]?)

    let request: IdempotentRequest
    /// The stored answer of this booking, kept with the key when it is made.
    let answer: Data
    let booking: BookingRecord
    let capacity: Int
    let idHash: Data
    let horizon: Date
    let seen: CitizenBookings
    let now: Date

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 23)
        try bindings.appendClaim(request, answer: answer, now: now)
        try bindings.appendCitizen(idHash, horizon: horizon, bookings: seen.bookings, held: seen.heldServiceIDs)
        bindings.append(booking.slotID)
        bindings.append(booking.serviceID)
        bindings.append(capacity)
        bindings.append(booking.id)
        bindings.append(booking.code.value)
        bindings.append(booking.date.description)
        bindings.append(booking.start.timeIntervalSince1970)
        bindings.append(booking.end.timeIntervalSince1970)
        bindings.append(booking.maskedIDNumber)
        bindings.append(booking.status.rawValue)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }

    /// `kiosk_book`'s outcomes, and `kiosk_hold`'s ('held' for 'booked', never `codeTaken`).
    enum Outcome: Equatable {
        case booked
        case held
        /// An earlier request with the key: its operation, fingerprint and stored answer.
        case answered(String, Data, Data?)
        /// What the function read of the citizen under their lock, unlike what the rules judged.
        case citizenChanged(CitizenBookings)
        case slotFull
        /// The booking's code is another booking's (the UNIQUE index said so); nothing was written.
        case codeTaken

        init(_ row: Row) throws {
            let unreadable = StoredRowError(column: "kiosk_book")
            switch row.0 {
            case "booked": self = .booked
            case "held": self = .held
            case "full": self = .slotFull
            case "answered":
                guard let operation = row.1, let fingerprint = row.2 else { throw unreadable }
                self = .answered(operation, fingerprint, row.3)
            case "changed":
                guard let services = row.4, let statuses = row.5, let starts = row.6, let held = row.7,
                      services.count == statuses.count, services.count == starts.count else { throw unreadable }
                let booked = try zip(services, zip(statuses, starts)).map { service, statusAndStart in
                    guard let status = BookingStatus(rawValue: statusAndStart.0) else { throw unreadable }
                    return CitizenBookings.Booked(serviceID: service, status: status,
                                                  start: Date(timeIntervalSince1970: statusAndStart.1))
                }
                self = .citizenChanged(CitizenBookings(bookings: booked, heldServiceIDs: held))
            default:
                throw unreadable
            }
        }
    }
}

// MARK: - Cancellations, reschedules and check-ins

extension PostgresBookingStore {
    /// The outcome row of the booking functions that change a booking (`kiosk_cancel`,
    /// `kiosk_reschedule`, `kiosk_check_in`): the outcome, and for 'answered' the earlier request's
    /// operation, fingerprint and answer (for a check-in that is 'done', the answer it stored).
    typealias ChangeOutcome = (String, String?, Data?, Data?)

    /// A change of a booking without a transaction across round trips: one read of the rows the
    /// rules judge and of the key's earlier answer, `judge` on those rows, and one call that writes
    /// only if they are still what the rules judged; if not, they are read and judged again.
    /// `judge` gives the call and its answer, or nil when the call writes the answer itself.
    func change<Read: PostgresPreparedStatement, Call: PostgresPreparedStatement, Answer: StoredAnswer>(
        _ request: IdempotentRequest, reading read: Read, _ judge: ([BookingRecord]) throws -> (Call, Answer?)
    ) async throws -> Answer where Read.Row == PostgresRow, Call.Row == ChangeOutcome {
        let location = database.location
        while true {
            let found = try await executeOnce(read) { rows in try BookingsAndAnswer(rows) }
            if let stored = found.answer {
                return try request.replay(Answer.self, operation: stored.operation, fingerprint: stored.fingerprint,
                                          response: stored.response, location: location)
            }
            let (call, answer) = try judge(found.bookings)
            let outcome = try await executeOnce(call) { rows in
                guard let row = rows.first, rows.count == 1 else { throw StoredRowError(column: Call.name) }
                return row
            }
            switch outcome.0 {
            case "done":
                if let answer { return answer }
                guard let written = outcome.3, let answer = StoredAnswers.decode(Answer.self, from: written) else {
                    throw corruptCall(Call.name)
                }
                return answer
            case "answered":
                guard let operation = outcome.1, let fingerprint = outcome.2 else { throw corruptCall(Call.name) }
                return try request.replay(Answer.self, operation: operation, fingerprint: fingerprint, response: outcome.3,
                                          location: location)
            case "changed":
                continue
            case "full":
                throw BookingRuleError(.slotFull)
            default:
                throw corruptCall(Call.name)
            }
        }
    }

    func cancelInOneWrite(code: BookingCode, idHash: Data, idempotencyKey: String, now: Date) async throws -> BookingRecord {
        let request = try IdempotentRequest(.cancel(code: code, idHash: idHash), key: idempotencyKey)
        return try await change(request, reading: BookingAndAnswer(code: code, idHash: idHash, key: request.key)) { found in
            guard let booking = found.first else { throw BookingRuleError(.bookingNotFound) }
            try rules.checkCancel(booking, now: now)
            let cancelled = booking.cancelled(at: now)
            return (CancelCall(request: request, answer: StoredAnswers.encode(cancelled), seen: booking, now: now), cancelled)
        }
    }

    /// A reschedule to the slot the booking has changes nothing, but its key keeps the booking as
    /// its answer all the same: a retry gets it even after the booking has changed since.
    func rescheduleInOneWrite(code: BookingCode, idHash: Data, to slot: Slot, idempotencyKey: String,
                              now: Date) async throws -> BookingRecord {
        let request = try IdempotentRequest(.reschedule(code: code, idHash: idHash, to: slot), key: idempotencyKey)
        return try await change(request, reading: BookingAndAnswer(code: code, idHash: idHash, key: request.key)) { found in
            guard let booking = found.first else { throw BookingRuleError(.bookingNotFound) }
            let moves = try rules.checkReschedule(booking, to: slot, now: now)
            let answer = moves ? booking.rescheduled(to: slot, at: now) : booking
            return (RescheduleCall(request: request, answer: StoredAnswers.encode(answer), seen: booking, moves: moves, slot: slot,
                                   lockKey: Self.citizenLockKey(idHash), now: now), answer)
        }
    }

    /// A check-in by booking code, or by card (`card`: the citizen's bookings of the day, of which
    /// `BookingRules.bookingToCheckIn` picks one). The answer holds the ticket `kiosk_check_in` numbers.
    func checkInInOneWrite<Read: PostgresPreparedStatement>(
        _ request: IdempotentRequest, reading read: Read, card: LocalDate?, holder: CitizenIdentity, idHash: Data, now: Date
    ) async throws -> CheckInResult where Read.Row == PostgresRow {
        let token = RatingToken.random()
        return try await change(request, reading: read) { found in
            let booking = if card != nil {
                try rules.bookingToCheckIn(todays: found, now: now)
            } else if let booking = found.first {
                booking
            } else {
                throw BookingRuleError(.bookingNotFound)
            }
            let decision = try rules.checkIn(booking, holder: holder, now: now)
            let call = CheckInCall(request: request, seen: booking, decision: decision, card: card.map { ($0, found) }, idHash: idHash,
                                   token: token, now: now)
            return (call, CheckInResult?.none)
        }
    }

    private func corruptCall(_ function: String) -> StorageError {
        .unavailable(path: database.location, reason: "unreadable value in \(function)")
    }
}

/// What a change of a booking reads in one statement: the bookings the rules judge (none, one or
/// several rows) and the answer stored under the request's key.
struct BookingsAndAnswer: Sendable {
    /// The booking columns, and the key's.
    static let columns = """
        b.id, b.code, b.slot_id, b.service_id, b.date, b.start, b."end", b.id_masked, b.status, b.sequence, b.created_at,
        b.updated_at, b.on_day_off, k.operation AS stored_operation, k.fingerprint AS stored_fingerprint, k.response AS stored_answer
        """

    let bookings: [BookingRecord]
    let answer: (operation: String, fingerprint: Data, response: Data?)?

    init(_ rows: [PostgresRow]) throws {
        guard let first = rows.first?.makeRandomAccess() else { throw StoredRowError(column: "booking") }
        bookings = try rows.compactMap { row in
            let row = row.makeRandomAccess()
            return try row.optionalText("id") == nil ? nil : try BookingRecord(row: row)
        }
        if let operation = try first.optionalText("stored_operation") {
            guard let fingerprint = try first.optionalBlob("stored_fingerprint") else { throw StoredRowError(column: "stored_fingerprint") }
            answer = (operation, fingerprint, try first.optionalBlob("stored_answer"))
        } else {
            answer = nil
        }
    }
}

extension PostgresPreparedStatement where Row == PostgresRow {
    func decodeRow(_ row: PostgresRow) throws -> Row { row }
}

/// The functions that change a booking answer one row each.
extension PostgresPreparedStatement where Row == PostgresBookingStore.ChangeOutcome {
    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

/// A booking by code and citizen, and the answer stored under a key, in one read.
struct BookingAndAnswer: PostgresPreparedStatement {
    static let name = "booking_and_answer"
    static let sql = """
        SELECT \(BookingsAndAnswer.columns)
        FROM (VALUES (1)) AS one
        LEFT JOIN booking b ON b.code = $1 AND b.id_hash = $2
        LEFT JOIN idempotency_key k ON k.key = $3
        """
    typealias Row = PostgresRow

    let code: BookingCode
    let idHash: Data
    let key: String

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 3)
        bindings.append(code.value)
        try bindings.append(idHash)
        bindings.append(key)
        return bindings
    }
}

/// A citizen's bookings of a day that may check in (`BookingRules.checkInStatuses`), in order of
/// start, and the answer stored under a key, in one read.
struct TodaysBookingsAndAnswer: PostgresPreparedStatement {
    static let name = "todays_bookings_and_answer"
    static let sql = """
        SELECT \(BookingsAndAnswer.columns)
        FROM (VALUES (1)) AS one
        LEFT JOIN booking b ON b.id_hash = $1 AND b.date = $2 AND b.status = ANY($3)
        LEFT JOIN idempotency_key k ON k.key = $4
        ORDER BY b.start
        """
    typealias Row = PostgresRow

    let idHash: Data
    let date: LocalDate
    let key: String

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 4)
        try bindings.append(idHash)
        bindings.append(date.description)
        bindings.append(BookingRules.checkInStatuses.map(\.rawValue))
        bindings.append(key)
        return bindings
    }
}

/// `kiosk_cancel` as a prepared statement.
struct CancelCall: PostgresPreparedStatement {
    static let name = "kiosk_cancel"
    static let sql = "SELECT * FROM kiosk_cancel($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    typealias Row = PostgresBookingStore.ChangeOutcome

    let request: IdempotentRequest
    let answer: Data
    /// The booking as `BookingRules.checkCancel` judged it.
    let seen: BookingRecord
    let now: Date

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 10)
        try bindings.appendClaim(request, answer: answer, now: now)
        bindings.appendSeen(seen)
        bindings.append(BookingStatus.cancelled.rawValue)
        return bindings
    }
}

/// `kiosk_reschedule` as a prepared statement.
struct RescheduleCall: PostgresPreparedStatement {
    static let name = "kiosk_reschedule"
    static let sql = "SELECT * FROM kiosk_reschedule(" + (1...17).map { "$\($0)" }.joined(separator: ", ") + ")"
    typealias Row = PostgresBookingStore.ChangeOutcome

    let request: IdempotentRequest
    let answer: Data
    /// The booking as `BookingRules.checkReschedule` judged it, and its answer: whether it moves.
    let seen: BookingRecord
    let moves: Bool
    let slot: Slot
    let lockKey: Int64
    let now: Date

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 17)
        try bindings.appendClaim(request, answer: answer, now: now)
        bindings.append(lockKey)
        bindings.appendSeen(seen)
        bindings.append(moves)
        bindings.append(slot.id)
        bindings.append(slot.serviceID)
        bindings.append(slot.capacity)
        bindings.append(slot.date.description)
        bindings.append(slot.start.timeIntervalSince1970)
        bindings.append(slot.end.timeIntervalSince1970)
        return bindings
    }
}

/// `kiosk_check_in` as a prepared statement.
struct CheckInCall: PostgresPreparedStatement {
    static let name = "kiosk_check_in"
    static let sql = "SELECT * FROM kiosk_check_in(" + (1...29).map { "$\($0)" }.joined(separator: ", ") + ")"
    typealias Row = PostgresBookingStore.ChangeOutcome

    let request: IdempotentRequest
    /// The booking as `BookingRules.checkIn` judged it, and its decision.
    let seen: BookingRecord
    let decision: CheckInDecision
    /// By card: the day, and the citizen's bookings of that day `BookingRules.bookingToCheckIn` chose among.
    let card: (date: LocalDate, bookings: [BookingRecord])?
    let idHash: Data
    let token: String
    let now: Date

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 29)
        try bindings.appendKey(request)
        bindings.append(now.timeIntervalSince1970)
        bindings.appendSeen(seen)
        bindings.append(decision.status.rawValue)
        try bindings.append(idHash)
        if let card { bindings.append(card.date.description) } else { bindings.appendNull() }
        bindings.append(BookingRules.checkInStatuses.map(\.rawValue))
        bindings.append(card?.bookings.map(\.id) ?? [])
        bindings.append(card?.bookings.map(\.sequence) ?? [])
        let ticket = decision.ticket
        bindings.append(ticket.date.description)
        bindings.append(ticket.prefix)
        bindings.append(ticket.serviceID)
        bindings.append(ticket.priority.rawValue)
        bindings.append(ticket.queuedAt.timeIntervalSince1970)
        try bindings.append(PresentedRatingProof.tokenHash(token))
        bindings.append(TicketState.waiting.rawValue)
        bindings.append(PriorityClass.allCases.map(\.rawValue))
        bindings.append(PriorityClass.allCases.map(\.rank))
        bindings.append(QueueEvent.Kind.issued.rawValue)
        bindings.append(PostgresBookingStore.queueEventChannel)
        let checkedIn = seen.checkedIn(decision.status, at: now)
        for piece in CheckInResult.answerPieces(booking: checkedIn, ticket: ticket, ratingToken: token, late: decision.late) {
            try bindings.append(piece)
        }
        return bindings
    }
}

extension BookingRecord {
    /// This booking as `kiosk_cancel` leaves it at `now` (as SQLite's store writes it too): its
    /// next version, cancelled.
    func cancelled(at now: Date) -> BookingRecord {
        BookingRecord(id: id, code: code, slotID: slotID, serviceID: serviceID, date: date, start: start, end: end,
                      maskedIDNumber: maskedIDNumber, status: .cancelled, sequence: sequence + 1, createdAt: createdAt,
                      updatedAt: now, onDayOff: onDayOff)
    }

    /// This booking as `kiosk_reschedule` leaves it at `now`: its next version, in `slot`, no longer
    /// flagged for a day off.
    func rescheduled(to slot: Slot, at now: Date) -> BookingRecord {
        BookingRecord(id: id, code: code, slotID: slot.id, serviceID: serviceID, date: slot.date, start: slot.start, end: slot.end,
                      maskedIDNumber: maskedIDNumber, status: status, sequence: sequence + 1, createdAt: createdAt,
                      updatedAt: now, onDayOff: false)
    }

    /// This booking as `kiosk_check_in` leaves it at `now`: the same version, with the check-in's status.
    func checkedIn(_ status: BookingStatus, at now: Date) -> BookingRecord {
        BookingRecord(id: id, code: code, slotID: slotID, serviceID: serviceID, date: date, start: start, end: end,
                      maskedIDNumber: maskedIDNumber, status: status, sequence: sequence, createdAt: createdAt,
                      updatedAt: now, onDayOff: onDayOff)
    }
}

extension PostgresBindings {
    /// The request's key, operation and fingerprint: the first parameters of every booking function.
    mutating func appendKey(_ request: IdempotentRequest) throws {
        append(request.key)
        append(request.operation)
        try append(request.fingerprint)
    }

    /// The key's claim, with the answer it keeps.
    mutating func appendClaim(_ request: IdempotentRequest, answer: Data, now: Date) throws {
        try appendKey(request)
        try append(answer)
        append(now.timeIntervalSince1970)
    }

    /// The citizen a booking function locks and reads (`kiosk_citizen`), and what the rules judged of
    /// them: their bookings (nil: nothing yet, the call only reads) and the services of their live
    /// holds (nil: not judged, as a new hold replaces them). The lock's key is the hash's.
    mutating func appendCitizen(_ idHash: Data, horizon: Date, bookings: [CitizenBookings.Booked]?, held: [String]?) throws {
        try append(idHash)
        append(PostgresBookingStore.citizenLockKey(idHash))
        append(horizon.timeIntervalSince1970)
        append(BookingRules.eligibilityStatuses.map(\.rawValue))
        append(bookings?.map(\.serviceID))
        append(bookings?.map(\.status.rawValue))
        append(bookings?.map(\.start.timeIntervalSince1970))
        append(held)
    }

    /// A booking as the rules judged it: the function changes it only while it is still this version.
    mutating func appendSeen(_ booking: BookingRecord) {
        append(booking.id)
        append(booking.status.rawValue)
        append(booking.sequence)
        append(booking.onDayOff)
    }
}

// MARK: - Holds and their confirmations

/// A hold and its confirmation in one call each (`kiosk_hold`, `kiosk_confirm`, v25): the citizens'
/// own path, judged as a booking is. The rules judge here; the functions write only while what they
/// read under the citizen's lock is what the rules judged, else answer it, and it is judged again.
extension PostgresBookingStore {
    /// A new hold replaces the citizen's others once it is granted, so the rules judge their bookings only.
    func holdInOneCall(_ slot: Slot, idHash: Data, idempotencyKey: String, now: Date) async throws -> SlotHold {
        let request = try IdempotentRequest(.hold(slot, idHash: idHash), key: idempotencyKey)
        let hold = rules.hold(id: UUID.random().uuidString, of: slot, now: now)
        var seen: [CitizenBookings.Booked] = []
        while true {
            try rules.checkEligibility(CitizenBookings(bookings: seen, heldServiceIDs: []), serviceID: slot.serviceID, now: now)
            let call = HoldCall(request: request, answer: StoredAnswers.encode(hold), hold: hold, slot: slot, idHash: idHash,
                                horizon: rules.eligibilityHorizon(now: now), seen: seen, now: now)
            switch try await callOnce(call, codeTaken: .codeTaken, BookCall.Outcome.init) {
            case .held:
                return hold
            case .answered(let operation, let fingerprint, let response):
                return try request.replay(SlotHold.self, operation: operation, fingerprint: fingerprint, response: response,
                                          location: database.location)
            case .citizenChanged(let found):
                seen = found.bookings
            case .slotFull:
                throw BookingRuleError(.slotFull)
            case .booked, .codeTaken:
                throw corruptCall("kiosk_hold")
            }
        }
    }

    /// The client names the hold by its id only. The first call assumes what most confirmations
    /// are: a live hold of the citizen's, and nothing else booked or held, which the rules admit
    /// whatever the hold's service (no ban, no quota reached); only when they do not does it read first.
    func confirmInOneCall(holdID: String, idNumber: ResidentIDNumber, idHash: Data, idempotencyKey: String,
                          now: Date) async throws -> BookingRecord {
        let request = try IdempotentRequest(.confirm(holdID: holdID, idHash: idHash), key: idempotencyKey)
        var identity = NewBookingIdentity()
        let newcomer = CitizenBookings(bookings: [], heldServiceIDs: [])
        var judged: ConfirmCall.Judged = (try? rules.checkEligibility(newcomer, serviceID: "", now: now)) == nil ? .nothing : .anyLiveHold
        while true {
            let call = ConfirmCall(request: request, holdID: holdID, idHash: idHash, horizon: rules.eligibilityHorizon(now: now),
                                   judged: judged, identity: identity, maskedIDNumber: idNumber.masked, now: now)
            switch try await callOnce(call, codeTaken: .codeTaken, ConfirmCall.Outcome.init) {
            case .booked(let answer):
                guard let booking = StoredAnswers.decode(BookingRecord.self, from: answer) else { throw corruptCall("kiosk_confirm") }
                return booking
            case .answered(let operation, let fingerprint, let response):
                return try request.replay(BookingRecord.self, operation: operation, fingerprint: fingerprint, response: response,
                                          location: database.location)
            case .changed(let hold, let citizen):
                // Someone else's hold is no hold of this citizen's.
                guard let hold else { throw BookingRuleError(.holdNotFound) }
                try rules.checkLive(hold, now: now)
                try rules.checkEligibility(citizen, serviceID: hold.place.serviceID, now: now)
                judged = .hold(hold, citizen)
            case .slotFull:
                throw BookingRuleError(.slotFull)
            case .codeTaken:
                identity.redrawCode()
            }
        }
    }
}

/// `kiosk_hold` as a prepared statement; it answers as `kiosk_book` does, 'held' for 'booked'.
struct HoldCall: PostgresPreparedStatement {
    static let name = "kiosk_hold"
    static let sql = "SELECT * FROM kiosk_hold(" + (1...21).map { "$\($0)" }.joined(separator: ", ") + ")"
    typealias Row = BookCall.Row

    let request: IdempotentRequest
    let answer: Data
    let hold: SlotHold
    let slot: Slot
    let idHash: Data
    let horizon: Date
    /// The citizen's bookings as the rules judged them (not their holds: the new one replaces them).
    let seen: [CitizenBookings.Booked]
    let now: Date

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 21)
        try bindings.appendClaim(request, answer: answer, now: now)
        try bindings.appendCitizen(idHash, horizon: horizon, bookings: seen, held: nil)
        bindings.append(slot.id)
        bindings.append(slot.serviceID)
        bindings.append(slot.capacity)
        bindings.append(hold.id)
        bindings.append(slot.date.description)
        bindings.append(slot.start.timeIntervalSince1970)
        bindings.append(slot.end.timeIntervalSince1970)
        bindings.append(hold.expiresAt.timeIntervalSince1970)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

/// `kiosk_confirm` as a prepared statement.
struct ConfirmCall: PostgresPreparedStatement {
    static let name = "kiosk_confirm"
    static let sql = "SELECT * FROM kiosk_confirm(" + (1...21).map { "$\($0)" }.joined(separator: ", ") + ")"
    /// `kiosk_book`'s columns, then the hold as read: its slot, service, date, start, end and expiry.
    typealias Row = (String, String?, Data?, Data?, [String]?, [String]?, [Double]?, [String]?,
                     String?, String?, String?, Double?, Double?, Double?)

    /// What the rules judged.
    enum Judged: Sendable {
        /// Nothing: the call only reads.
        case nothing
        /// Before anything was read: any live hold of the citizen's, with nothing else booked or held.
        case anyLiveHold
        /// The hold and the citizen (less that hold), as read.
        case hold(HeldPlace, CitizenBookings)
    }

    let request: IdempotentRequest
    let holdID: String
    let idHash: Data
    let horizon: Date
    let judged: Judged
    let identity: NewBookingIdentity
    let maskedIDNumber: String
    let now: Date

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 21)
        try bindings.appendKey(request)
        bindings.append(now.timeIntervalSince1970)
        let citizen: (bookings: [CitizenBookings.Booked]?, held: [String]?) = switch judged {
        case .nothing: (nil, nil)
        case .anyLiveHold: ([], [])
        case .hold(_, let citizen): (citizen.bookings, citizen.heldServiceIDs)
        }
        try bindings.appendCitizen(idHash, horizon: horizon, bookings: citizen.bookings, held: citizen.held)
        bindings.append(holdID)
        if case .hold(let hold, _) = judged {
            bindings.append(hold.place.serviceID)
            bindings.append(hold.expiresAt.timeIntervalSince1970)
        } else {
            bindings.appendNull()
            bindings.appendNull()
        }
        bindings.append(identity.id)
        bindings.append(identity.code.value)
        bindings.append(maskedIDNumber)
        bindings.append(BookingStatus.confirmed.rawValue)
        for piece in BookingRecord.answerPieces(madeWith: identity, maskedIDNumber: maskedIDNumber, at: now) {
            try bindings.append(piece)
        }
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }

    enum Outcome: Sendable, Equatable {
        /// The answer the function stored with the key.
        case booked(Data)
        case answered(String, Data, Data?)
        /// What the function read under the citizen's lock: the hold (nil: the citizen has none of that id) and the citizen, less it.
        case changed(HeldPlace?, CitizenBookings)
        case slotFull
        case codeTaken

        init(_ row: Row) throws {
            let unreadable = StoredRowError(column: "kiosk_confirm")
            switch try BookCall.Outcome((row.0, row.1, row.2, row.3, row.4, row.5, row.6, row.7)) {
            case .booked:
                guard let answer = row.3 else { throw unreadable }
                self = .booked(answer)
            case .answered(let operation, let fingerprint, let response):
                self = .answered(operation, fingerprint, response)
            case .citizenChanged(let citizen):
                var hold: HeldPlace?
                if let slot = row.8 {
                    guard let service = row.9, let date = row.10, let day = try? LocalDate(date), let start = row.11, let end = row.12,
                          let expires = row.13 else { throw unreadable }
                    hold = HeldPlace(place: BookedPlace(slotID: slot, serviceID: service, date: day,
                                                        start: Date(timeIntervalSince1970: start), end: Date(timeIntervalSince1970: end)),
                                     expiresAt: Date(timeIntervalSince1970: expires))
                }
                self = .changed(hold, citizen)
            case .slotFull:
                self = .slotFull
            case .held, .codeTaken:
                throw unreadable
            }
        }
    }
}
