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
                                idHash: idHash, lockKey: Self.citizenLockKey(idHash), horizon: rules.eligibilityHorizon(now: now),
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
            }
        }
    }

    func callOnce(_ call: BookCall) async throws -> BookCall.Outcome {
        try await executeOnce(call) { rows in
            guard rows.count == 1 else { throw StoredRowError(column: "kiosk_book") }
            return try BookCall.Outcome(rows[0])
        } failed: { error in
            PostgresStore.sqlState(error) == "23505" && error.serverInfo?[.constraintName] == "booking_code_key" ? .codeTaken : nil
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
    static let sql = "SELECT * FROM kiosk_book(" + (1...23).map { "$\($0)" }.joined(separator: ", ") + ")"
    typealias Row = (String, String?, Data?, Data?, [String]?, [String]?, [Double]?, [String]?)

    let request: IdempotentRequest
    /// The stored answer of this booking, kept with the key when it is made.
    let answer: Data
    let booking: BookingRecord
    let capacity: Int
    let idHash: Data
    let lockKey: Int64
    let horizon: Date
    let seen: CitizenBookings
    let now: Date

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 23)
        try bindings.appendClaim(request, answer: answer, now: now)
        try bindings.append(idHash)
        bindings.append(lockKey)
        bindings.append(horizon.timeIntervalSince1970)
        bindings.append(BookingRules.eligibilityStatuses.map(\.rawValue))
        bindings.append(seen.bookings.map(\.serviceID))
        bindings.append(seen.bookings.map(\.status.rawValue))
        bindings.append(seen.bookings.map(\.start.timeIntervalSince1970))
        bindings.append(seen.heldServiceIDs)
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

    enum Outcome: Equatable {
        case booked
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

// MARK: - Cancellation

extension PostgresBookingStore {
    /// A cancellation without a transaction across round trips: one read of the booking and of
    /// the key's earlier answer, `BookingRules.checkCancel` on it, and one call of
    /// `kiosk_cancel`, which writes only if the booking is still what the rule judged (else it
    /// is read and judged again).
    func cancelInOneWrite(code: BookingCode, idHash: Data, idempotencyKey: String, now: Date) async throws -> BookingRecord {
        let request = try IdempotentRequest(.cancel(code: code, idHash: idHash), key: idempotencyKey)
        let location = database.location
        while true {
            let found = try await executeOnce(BookingAndAnswer(code: code, idHash: idHash, key: request.key)) { rows in
                guard rows.count == 1 else { throw StoredRowError(column: "booking") }
                return try BookingAndAnswer.Found(rows[0].makeRandomAccess())
            }
            if let stored = found.answer {
                return try request.replay(BookingRecord.self, operation: stored.operation, fingerprint: stored.fingerprint,
                                          response: stored.response, location: location)
            }
            guard let booking = found.booking else { throw BookingRuleError(.bookingNotFound) }
            try rules.checkCancel(booking, now: now)
            let cancelled = booking.cancelled(at: now)
            let call = CancelCall(request: request, answer: StoredAnswers.encode(cancelled), seen: booking, now: now)
            let outcome = try await executeOnce(call) { rows in
                guard let row = rows.first, rows.count == 1 else { throw StoredRowError(column: "kiosk_cancel") }
                return row
            }
            switch outcome.0 {
            case "done":
                return cancelled
            case "answered":
                guard let operation = outcome.1, let fingerprint = outcome.2 else { throw corruptCall("kiosk_cancel") }
                return try request.replay(BookingRecord.self, operation: operation, fingerprint: fingerprint, response: outcome.3,
                                          location: location)
            case "changed":
                continue
            default:
                throw corruptCall("kiosk_cancel")
            }
        }
    }

    private func corruptCall(_ function: String) -> StorageError {
        .unavailable(path: database.location, reason: "unreadable value in \(function)")
    }
}

/// A booking by code and citizen, and the answer stored under a key, in one read.
struct BookingAndAnswer: PostgresPreparedStatement {
    static let sql = """
        SELECT b.id, b.code, b.slot_id, b.service_id, b.date, b.start, b."end", b.id_masked, b.status, b.sequence, b.created_at,
               b.updated_at, b.on_day_off, k.operation AS stored_operation, k.fingerprint AS stored_fingerprint, k.response AS stored_answer
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

    func decodeRow(_ row: PostgresRow) throws -> Row { row }

    struct Found: Sendable {
        let booking: BookingRecord?
        let answer: (operation: String, fingerprint: Data, response: Data?)?

        init(_ row: PostgresRandomAccessRow) throws {
            booking = try row.optionalText("id") == nil ? nil : try BookingRecord(row: row)
            if let operation = try row.optionalText("stored_operation") {
                guard let fingerprint = try row.optionalBlob("stored_fingerprint") else { throw StoredRowError(column: "stored_fingerprint") }
                answer = (operation, fingerprint, try row.optionalBlob("stored_answer"))
            } else {
                answer = nil
            }
        }
    }
}

/// `kiosk_cancel` as a prepared statement.
struct CancelCall: PostgresPreparedStatement {
    static let sql = "SELECT * FROM kiosk_cancel($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"
    typealias Row = (String, String?, Data?, Data?)

    let request: IdempotentRequest
    let answer: Data
    /// The booking as `BookingRules.checkCancel` judged it.
    let seen: BookingRecord
    let now: Date

    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings(capacity: 10)
        try bindings.appendClaim(request, answer: answer, now: now)
        bindings.append(seen.id)
        bindings.append(seen.status.rawValue)
        bindings.append(seen.sequence)
        bindings.append(seen.onDayOff)
        bindings.append(BookingStatus.cancelled.rawValue)
        return bindings
    }

    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

extension BookingRecord {
    /// This booking as `kiosk_cancel` leaves it at `now` (as SQLite's store writes it too): its
    /// next version, cancelled.
    func cancelled(at now: Date) -> BookingRecord {
        BookingRecord(id: id, code: code, slotID: slotID, serviceID: serviceID, date: date, start: start, end: end,
                      maskedIDNumber: maskedIDNumber, status: .cancelled, sequence: sequence + 1, createdAt: createdAt,
                      updatedAt: now, onDayOff: onDayOff)
    }
}

extension PostgresBindings {
    /// The first parameters of every booking function: the key's claim, with the answer it keeps.
    mutating func appendClaim(_ request: IdempotentRequest, answer: Data, now: Date) throws {
        append(request.key)
        append(request.operation)
        try append(request.fingerprint)
        try append(answer)
        append(now.timeIntervalSince1970)
    }
}
