import Booking
import Foundation
import KioskCore

/// The booking ledger in memory: a third dialect of the one booking behaviour. Every decision is
/// `BookingRules`', as in the SQLite and PostgreSQL stores; this keeps the rows in dictionaries
/// and runs each request alone (an actor), with the same idempotency: a retried key gets its
/// first answer, another request under it `idempotencyKeyReused`, a refused request stores nothing.
public actor FakeBookingLedger: BookingLedger {
    public let rules: BookingRules
    private var capacities: [String: (capacity: Int, taken: Int)] = [:]
    private var holds: [String: (held: HeldPlace, idNumber: ResidentIDNumber)] = [:]
    private var records: [String: (booking: BookingRecord, idNumber: ResidentIDNumber)] = [:]
    private var tickets: [Int64: (ticket: Ticket, token: String?, holder: ResidentIDNumber?)] = [:]
    private var sequences: [String: Int] = [:]
    private var ratings: [Int64: Rating] = [:]
    private var answers: [String: (request: String, answer: any Sendable)] = [:]
    private var lastTicketID: Int64 = 0

    public init(rules: BookingRules) {
        self.rules = rules
    }

    /// Every booking made, soonest first.
    public var bookings: [BookingRecord] { records.values.map(\.booking).sorted { $0.start < $1.start } }
    public var allTickets: [Ticket] { tickets.values.map(\.ticket).sorted { $0.id < $1.id } }
    public var allRatings: [Rating] { ratings.values.sorted { $0.ticketID < $1.ticketID } }

    // MARK: Holds and bookings

    public func hold(_ slot: Slot, idNumber: ResidentIDNumber, idempotencyKey: String, now: Date) throws -> SlotHold {
        try once(idempotencyKey, "hold|\(slot.id)|\(slot.capacity)|\(idNumber.value)") {
            let replaced = holds.filter { $0.value.idNumber == idNumber }.map(\.key)
            try rules.checkEligibility(citizen(idNumber, now: now, without: Set(replaced)), serviceID: slot.serviceID, now: now)
            register(slot)
            guard occupied(slot.id, now: now, without: Set(replaced)) < capacity(slot.id) else { throw BookingRuleError(.slotFull) }
            for id in replaced { holds[id] = nil }
            let hold = rules.hold(id: UUID().uuidString, of: slot, now: now)
            holds[hold.id] = (HeldPlace(place: BookedPlace(slot), expiresAt: hold.expiresAt), idNumber)
            return hold
        }
    }

    public func confirm(holdID: String, idNumber: ResidentIDNumber, idempotencyKey: String, now: Date) throws -> BookingRecord {
        try once(idempotencyKey, "confirm|\(holdID)|\(idNumber.value)") {
            guard let hold = holds[holdID], hold.idNumber == idNumber else { throw BookingRuleError(.holdNotFound) }
            try rules.checkLive(hold.held, now: now)
            let place = hold.held.place
            try rules.checkEligibility(citizen(idNumber, now: now, without: [holdID]), serviceID: place.serviceID, now: now)
            guard occupied(place.slotID, now: now, without: [holdID]) < capacity(place.slotID) else { throw BookingRuleError(.slotFull) }
            holds[holdID] = nil
            return book(place, idNumber: idNumber, now: now)
        }
    }

    public func lookup(code: BookingCode, idNumber: ResidentIDNumber) throws -> BookingRecord {
        try find(code, idNumber)
    }

    public func booking(code: BookingCode, calendarKey: String) throws -> BookingRecord {
        guard let record = records[calendarKey], record.booking.code == code else { throw BookingRuleError(.bookingNotFound) }
        return record.booking
    }

    public func cancel(code: BookingCode, idNumber: ResidentIDNumber, idempotencyKey: String, now: Date) throws -> BookingRecord {
        try once(idempotencyKey, "cancel|\(code.value)|\(idNumber.value)") {
            let booking = try find(code, idNumber)
            try rules.checkCancel(booking, now: now)
            capacities[booking.slotID]?.taken -= 1
            return update(booking, status: .cancelled, changed: true, now: now)
        }
    }

    public func reschedule(code: BookingCode, idNumber: ResidentIDNumber, to slot: Slot, idempotencyKey: String,
                           now: Date) throws -> BookingRecord {
        try once(idempotencyKey, "reschedule|\(code.value)|\(idNumber.value)|\(slot.id)|\(slot.capacity)") {
            let booking = try find(code, idNumber)
            guard try rules.checkReschedule(booking, to: slot, now: now) else { return booking }
            register(slot)
            guard occupied(slot.id, now: now) < capacity(slot.id) else { throw BookingRuleError(.slotFull) }
            capacities[slot.id]?.taken += 1
            capacities[booking.slotID]?.taken -= 1
            let moved = BookingRecord(id: booking.id, code: booking.code, slotID: slot.id, serviceID: booking.serviceID,
                                      date: slot.date, start: slot.start, end: slot.end, maskedIDNumber: booking.maskedIDNumber,
                                      status: booking.status, sequence: booking.sequence + 1, createdAt: booking.createdAt,
                                      updatedAt: now, onDayOff: false)
            records[booking.id]?.booking = moved
            return moved
        }
    }

    public func placesTaken(slotIDs: [String], now: Date) -> [String: Int] {
        var taken: [String: Int] = [:]
        for id in slotIDs where capacities[id] != nil || holds.values.contains(where: { $0.held.place.slotID == id }) {
            taken[id] = occupied(id, now: now)
        }
        return taken
    }

    // MARK: Check-in

    public func checkIn(code: BookingCode, holder: CitizenIdentity, idempotencyKey: String, now: Date) throws -> CheckInResult {
        try once(idempotencyKey, "checkInByCode|\(code.value)|\(holder.idNumber.value)|\(holder.source.rawValue)") {
            try checkIn(try find(code, holder.idNumber), holder: holder, now: now)
        }
    }

    public func checkIn(holder: CitizenIdentity, idempotencyKey: String, now: Date) throws -> CheckInResult {
        try once(idempotencyKey, "checkInByID|\(holder.idNumber.value)|\(holder.source.rawValue)") {
            let today = rules.today(now)
            let todays = records.values.filter {
                $0.idNumber == holder.idNumber && BookingRules.checkInStatuses.contains($0.booking.status) && $0.booking.date == today
            }.map(\.booking).sorted { $0.start < $1.start }
            return try checkIn(try rules.bookingToCheckIn(todays: todays, now: now), holder: holder, now: now)
        }
    }

    // MARK: The queue

    public func issueTicket(serviceID: String, holder: CitizenIdentity?, disabilityMarkedByStaff: Bool, schedule: DaySchedule,
                            idempotencyKey: String, now: Date) throws -> TicketReceipt {
        let who = holder.map { "|\($0.idNumber.value)|\($0.source.rawValue)" } ?? ""
        return try once(idempotencyKey, "issueTicket|\(serviceID)|\(disabilityMarkedByStaff)" + who) {
            let ticket = try rules.walkIn(serviceID: serviceID, holder: holder, disabilityMarkedByStaff: disabilityMarkedByStaff,
                                          schedule: schedule, now: now)
            return issue(ticket, holder: holder?.idNumber)
        }
    }

    public func callNext(counter: String, serviceIDs: [String], idempotencyKey: String, now: Date) throws -> Ticket? {
        try once(idempotencyKey, "callNext|\(counter)|\(serviceIDs.sorted())") {
            guard let next = waiting(serviceIDs, on: rules.today(now)).first else { return nil }
            return change(next.id) { Ticket(next, state: .called, counter: counter, calledAt: now, callCount: next.callCount + 1) }
        }
    }

    public func recall(ticketID: Int64, idempotencyKey: String, now: Date) throws -> Ticket {
        try counterAction("recall", ticketID, idempotencyKey) { Ticket($0, calledAt: now, callCount: $0.callCount + 1) }
    }

    public func markNoShow(ticketID: Int64, idempotencyKey: String, now: Date) throws -> Ticket {
        try counterAction("markNoShow", ticketID, idempotencyKey) { Ticket($0, state: .noShow) }
    }

    public func finish(ticketID: Int64, idempotencyKey: String, now: Date) throws -> Ticket {
        try counterAction("finish", ticketID, idempotencyKey) { Ticket($0, state: .finished) }
    }

    public func transfer(ticketID: Int64, to serviceID: String, idempotencyKey: String, now: Date) throws -> Ticket {
        try counterAction("transfer:" + serviceID, ticketID, idempotencyKey) {
            Ticket($0, serviceID: serviceID, state: .waiting, counter: .some(nil), calledAt: .some(nil))
        }
    }

    public func waitingTickets(serviceIDs: [String], now: Date) -> [Ticket] {
        waiting(serviceIDs, on: rules.today(now))
    }

    public func servingTickets(serviceIDs: [String], now: Date) -> [Ticket] {
        let today = rules.today(now)
        return tickets.values.map(\.ticket).filter { $0.date == today && $0.state == .called && serviceIDs.contains($0.serviceID) }
            .sorted { ($0.calledAt ?? .distantPast, $0.id) > ($1.calledAt ?? .distantPast, $1.id) }
    }

    // MARK: Ratings

    public func rate(ticketID: Int64, proof: RatingProof, score: Int, reasons: [String], idempotencyKey: String,
                     now: Date) throws -> Rating {
        try Rating.validate(score: score, reasons: reasons)
        let proofText: String = switch proof {
        case .token(let token): "token:" + token
        case .holder(let idNumber): "holder:" + idNumber.value
        }
        return try once(idempotencyKey, "rate|\(ticketID)|\(score)|\(proofText)|\(reasons)") {
            guard let held = tickets[ticketID] else { throw BookingRuleError(.ticketNotFound) }
            let matches = switch proof {
            case .token(let token): held.token != nil && held.token == token
            case .holder(let idNumber): held.holder != nil && held.holder == idNumber
            }
            let rating = try BookingRules.rating(of: held.ticket, proofMatches: matches, alreadyRated: ratings[ticketID] != nil,
                                                 score: score, reasons: reasons, now: now)
            ratings[ticketID] = rating
            return rating
        }
    }

    // MARK: Rows

    private func once<Answer: Sendable>(_ key: String, _ request: String, _ body: () throws -> Answer) throws -> Answer {
        guard (1...128).contains(key.utf8.count), key.utf8.allSatisfy({ (0x21...0x7E).contains($0) }) else {
            throw BookingRuleError(.invalidIdempotencyKey)
        }
        if let stored = answers[key] {
            guard stored.request == request, let answer = stored.answer as? Answer else {
                throw BookingRuleError(.idempotencyKeyReused)
            }
            return answer
        }
        let answer = try body()
        answers[key] = (request, answer)
        return answer
    }

    private func register(_ slot: Slot) {
        let taken = capacities[slot.id]?.taken ?? 0
        capacities[slot.id] = (max(slot.capacity, taken), taken)
    }

    private func capacity(_ slotID: String) -> Int { capacities[slotID]?.capacity ?? 0 }

    private func occupied(_ slotID: String, now: Date, without excluded: Set<String> = []) -> Int {
        (capacities[slotID]?.taken ?? 0)
            + holds.filter { !excluded.contains($0.key) && $0.value.held.place.slotID == slotID && $0.value.held.expiresAt > now }.count
    }

    private func citizen(_ idNumber: ResidentIDNumber, now: Date, without excluded: Set<String>) -> CitizenBookings {
        let horizon = rules.eligibilityHorizon(now: now)
        return CitizenBookings(
            bookings: records.values.filter {
                $0.idNumber == idNumber && BookingRules.eligibilityStatuses.contains($0.booking.status) && $0.booking.start > horizon
            }.map { CitizenBookings.Booked(serviceID: $0.booking.serviceID, status: $0.booking.status, start: $0.booking.start) },
            heldServiceIDs: holds.filter { !excluded.contains($0.key) && $0.value.idNumber == idNumber && $0.value.held.expiresAt > now }
                .map(\.value.held.place.serviceID))
    }

    private func book(_ place: BookedPlace, idNumber: ResidentIDNumber, now: Date) -> BookingRecord {
        var identity = NewBookingIdentity()
        while records.values.contains(where: { $0.booking.code == identity.code }) { identity.redrawCode() }
        capacities[place.slotID]?.taken += 1
        let booking = identity.booking(of: place, maskedIDNumber: idNumber.masked, at: now)
        records[booking.id] = (booking, idNumber)
        return booking
    }

    private func find(_ code: BookingCode, _ idNumber: ResidentIDNumber) throws(BookingRuleError) -> BookingRecord {
        guard let record = records.values.first(where: { $0.booking.code == code && $0.idNumber == idNumber }) else {
            throw BookingRuleError(.bookingNotFound)
        }
        return record.booking
    }

    private func update(_ booking: BookingRecord, status: BookingStatus, changed: Bool, now: Date) -> BookingRecord {
        let updated = BookingRecord(id: booking.id, code: booking.code, slotID: booking.slotID, serviceID: booking.serviceID,
                                    date: booking.date, start: booking.start, end: booking.end,
                                    maskedIDNumber: booking.maskedIDNumber, status: status,
                                    sequence: booking.sequence + (changed ? 1 : 0), createdAt: booking.createdAt, updatedAt: now,
                                    onDayOff: booking.onDayOff)
        records[booking.id]?.booking = updated
        return updated
    }

    private func checkIn(_ booking: BookingRecord, holder: CitizenIdentity, now: Date) throws -> CheckInResult {
        let decision = try rules.checkIn(booking, holder: holder, now: now)
        let checkedIn = update(booking, status: decision.status, changed: false, now: now)
        return CheckInResult(booking: checkedIn, receipt: issue(decision.ticket, holder: holder.idNumber), late: decision.late)
    }

    private func issue(_ new: NewTicket, holder: ResidentIDNumber?) -> TicketReceipt {
        let key = new.date.description + "|" + new.prefix
        let sequence = (sequences[key] ?? 0) + 1
        sequences[key] = sequence
        lastTicketID += 1
        let ticket = Ticket(id: lastTicketID, date: new.date, number: new.number(sequence: sequence), serviceID: new.serviceID,
                            priority: new.priority, queuedAt: new.queuedAt, state: .waiting, counter: nil, calledAt: nil,
                            callCount: 0, bookingID: new.bookingID)
        let token = RatingToken.random()
        tickets[ticket.id] = (ticket, token, holder)
        let ahead = BookingRules.ahead(of: ticket.id, inCallOrder: waiting([ticket.serviceID], on: ticket.date))
        return TicketReceipt(ticket: ticket, ahead: ahead, ratingToken: token)
    }

    private func waiting(_ serviceIDs: [String], on date: LocalDate) -> [Ticket] {
        QueuePolicy.callOrder(tickets.values.map(\.ticket).filter { $0.date == date && serviceIDs.contains($0.serviceID) })
    }

    private func change(_ id: Int64, _ changed: () -> Ticket) -> Ticket {
        let ticket = changed()
        tickets[id]?.ticket = ticket
        return ticket
    }

    private func counterAction(_ operation: String, _ ticketID: Int64, _ key: String,
                               _ changed: @escaping (Ticket) -> Ticket) throws -> Ticket {
        try once(key, operation + "|\(ticketID)") {
            guard let ticket = tickets[ticketID]?.ticket else { throw BookingRuleError(.ticketNotFound) }
            try BookingRules.checkCounterAction(on: ticket)
            return change(ticketID) { changed(ticket) }
        }
    }
}

extension Ticket {
    /// `ticket` with the given fields changed (`.some(nil)` clears an optional one).
    init(_ ticket: Ticket, serviceID: String? = nil, state: TicketState? = nil, counter: String?? = nil, calledAt: Date?? = nil,
         callCount: Int? = nil) {
        self.init(id: ticket.id, date: ticket.date, number: ticket.number, serviceID: serviceID ?? ticket.serviceID,
                  priority: ticket.priority, queuedAt: ticket.queuedAt, state: state ?? ticket.state,
                  counter: counter ?? ticket.counter, calledAt: calledAt ?? ticket.calledAt, callCount: callCount ?? ticket.callCount,
                  bookingID: ticket.bookingID)
    }
}
