import Foundation
import KioskCore

/// Every decision a booking store makes inside its transactions, as plain functions of the rows
/// it read: who may book, whether a hold still counts, whether a booking may change, which of
/// today's bookings a card checks in and what ticket that gives, the counter's guard on a
/// ticket, whether a rating is allowed. The stores (the terminal's SQLite, the district's
/// PostgreSQL) only read the rows a rule names, ask it, and write what it answers, so both
/// behave alike by construction. Nothing here reads a clock, a database or a random source.
public struct BookingRules: Sendable, Hashable {
    public var policy: BookingPolicy
    public var checkInWindow: CheckInWindow
    public var queue: QueuePolicy
    /// The hall's zone: what "today" means for check-in, tickets and bans.
    public var timeZone: TimeZone

    public init(policy: BookingPolicy = BookingPolicy(), checkInWindow: CheckInWindow = CheckInWindow(),
                queue: QueuePolicy = QueuePolicy(), timeZone: TimeZone) {
        self.policy = policy
        self.checkInWindow = checkInWindow
        self.queue = queue
        self.timeZone = timeZone
    }

    /// The hall's date at `now`.
    public func today(_ now: Date) -> LocalDate { LocalDate(containing: now, in: timeZone) }

    // MARK: Who may book

    /// The statuses of the bookings `checkEligibility` reads: the ones still to be kept, and the
    /// missed ones (towards a ban).
    public static let eligibilityStatuses: [BookingStatus] = [.confirmed, .noShow]

    /// The earliest start `checkEligibility` needs to see: an older no-show can neither start
    /// nor extend a ban, and an older confirmed booking is a no-show already.
    public func eligibilityHorizon(now: Date) -> Date { now.addingTimeInterval(-policy.noShowLookback) }

    /// The ban and the quotas, on what the store read of the citizen under their lock: their
    /// bookings with `eligibilityStatuses` that start after `eligibilityHorizon`, and the
    /// services of their live holds. A confirmed booking whose check-in window has closed is a
    /// no-show whether or not the sweep has marked it yet; a live hold counts like a booking (a
    /// place kept is a place taken from everyone else).
    public func checkEligibility(_ citizen: CitizenBookings, serviceID: String, now: Date) throws(BookingRuleError) {
        let windowClosed = noShowCutoff(now: now)
        var noShows: [Date] = []
        var forService = 0
        var total = 0
        for booked in citizen.bookings {
            if booked.status == .noShow || booked.start <= windowClosed {
                noShows.append(booked.start)
            } else {
                total += 1
                if booked.serviceID == serviceID { forService += 1 }
            }
        }
        for held in citizen.heldServiceIDs {
            total += 1
            if held == serviceID { forService += 1 }
        }
        try policy.checkNotBanned(noShows: noShows, now: now, zone: timeZone)
        try policy.checkQuota(activeForService: forService, activeTotal: total)
    }

    // MARK: Holds and changes

    /// A new hold of `slot`, living `policy.holdSeconds` from `now`.
    public func hold(id: String, of slot: Slot, now: Date) -> SlotHold {
        SlotHold(id: id, slotID: slot.id, expiresAt: now.addingTimeInterval(Double(policy.holdSeconds)))
    }

    /// A hold is confirmed only while it lives; an expired one has already stopped counting.
    public func checkLive(_ hold: HeldPlace, now: Date) throws(BookingRuleError) {
        guard hold.expiresAt > now else { throw BookingRuleError(.holdExpired) }
    }

    /// Only a confirmed booking is cancelled, and only before the change deadline.
    public func checkCancel(_ booking: BookingRecord, now: Date) throws(BookingRuleError) {
        guard booking.status == .confirmed else { throw BookingRuleError(.bookingNotActive) }
        try policy.checkChangeAllowed(start: booking.start, now: now)
    }

    /// Whether `booking` moves to `slot`: refused like a cancellation, or to another service;
    /// false when it is in that slot already (nothing to write, the booking is the answer).
    public func checkReschedule(_ booking: BookingRecord, to slot: Slot, now: Date) throws(BookingRuleError) -> Bool {
        guard booking.status == .confirmed else { throw BookingRuleError(.bookingNotActive) }
        guard slot.serviceID == booking.serviceID else { throw BookingRuleError(.rescheduleToOtherService) }
        try policy.checkChangeAllowed(start: booking.start, now: now)
        return slot.id != booking.slotID
    }

    // MARK: Check-in

    /// The statuses of today's bookings a citizen may check in with: a no-show of today is a
    /// citizen who may still arrive late (see `noShowCutoff`).
    public static let checkInStatuses: [BookingStatus] = [.confirmed, .noShow]

    /// Confirmed bookings that start at or before this instant are no-shows: their window closed
    /// `lateMinutes` after the start, exclusive (`CheckInWindow.closes`).
    public func noShowCutoff(now: Date) -> Date {
        now.addingTimeInterval(-Double(checkInWindow.lateMinutes) * 60)
    }

    /// Of the citizen's bookings of today with `checkInStatuses`, in order of start, the one the
    /// card checks in: the first whose window is open or still to come, else the last one (late).
    public func bookingToCheckIn(todays: [BookingRecord], now: Date) throws(BookingRuleError) -> BookingRecord {
        let pending = todays.first { now < checkInWindow.closes(forStart: $0.start) }
        guard let booking = pending ?? todays.last else { throw BookingRuleError(.bookingNotFound) }
        return booking
    }

    /// What checking in `booking` writes: on time, an appointment ticket queued at the booked
    /// start; late, a walk-in ticket queued now (elderly only when the card says so). A booking
    /// the sweep marked a no-show still checks in late the same day.
    public func checkIn(_ booking: BookingRecord, holder: CitizenIdentity, now: Date) throws(BookingRuleError) -> CheckInDecision {
        let today = today(now)
        let lateSameDay = booking.status == .noShow && booking.date == today
        guard booking.status == .confirmed || lateSameDay else { throw BookingRuleError(.bookingNotActive) }
        let late = try checkInWindow.outcome(start: booking.start, now: now, zone: timeZone) == .late
        let priority = late ? queue.walkInPriority(holder: holder, disabilityMarkedByStaff: false, on: today) : .appointment
        return CheckInDecision(
            status: late ? .checkedInLate : .checkedIn, late: late,
            ticket: NewTicket(date: today, prefix: queue.prefix(for: booking.serviceID), serviceID: booking.serviceID,
                              priority: priority, queuedAt: late ? now : booking.start, bookingID: booking.id))
    }

    // MARK: The queue

    /// A walk-in ticket, issued only while the hall is open on `schedule`'s day.
    public func walkIn(serviceID: String, holder: CitizenIdentity?, disabilityMarkedByStaff: Bool, schedule: DaySchedule,
                       now: Date) throws(BookingRuleError) -> NewTicket {
        try queue.checkWalkInsOpen(now: now, schedule: schedule, zone: timeZone)
        let priority = queue.walkInPriority(holder: holder, disabilityMarkedByStaff: disabilityMarkedByStaff, on: schedule.day.date)
        return NewTicket(date: today(now), prefix: queue.prefix(for: serviceID), serviceID: serviceID, priority: priority,
                         queuedAt: now, bookingID: nil)
    }

    /// A counter recalls, finishes, marks as a no-show or transfers only the ticket it called.
    public static func checkCounterAction(on ticket: Ticket) throws(BookingRuleError) {
        guard ticket.state == .called else { throw BookingRuleError(.ticketStateInvalid) }
    }

    /// How many tickets are called before `ticketID`, given the waiting tickets in call order.
    public static func ahead(of ticketID: Int64, inCallOrder waiting: [Ticket]) -> Int {
        waiting.prefix { $0.id != ticketID }.count
    }

    // MARK: Ratings

    /// The rating of `ticket`: only for whoever proves they took it (`proofMatches`: nothing
    /// else about the ticket is revealed without it), once, and only after it was served.
    public static func rating(of ticket: Ticket, proofMatches: Bool, alreadyRated: Bool, score: Int, reasons: [String],
                              now: Date) throws(BookingRuleError) -> Rating {
        guard proofMatches else { throw BookingRuleError(.ratingNotAllowed) }
        guard ticket.state == .finished, let counter = ticket.counter, !alreadyRated else {
            throw BookingRuleError(.ticketStateInvalid)
        }
        return try Rating(ticketID: ticket.id, serviceID: ticket.serviceID, counter: counter, score: score, reasons: reasons,
                          createdAt: now)
    }

    // MARK: Calendar import

    /// Of the dates (`YYYY-MM-DD`) that have confirmed bookings, those `new` makes days off where
    /// `old` had working days: their bookings are flagged for staff.
    public static func datesBecomingDaysOff(_ booked: [String], from old: OfficialCalendar, to new: OfficialCalendar) -> [String] {
        OfficialCalendar.datesBecomingDaysOff(booked.compactMap { try? LocalDate($0) }, from: old, to: new).map(\.description)
    }
}

/// What the ban and quota checks read of one citizen (see `BookingRules.checkEligibility`).
public struct CitizenBookings: Sendable, Hashable {
    public struct Booked: Sendable, Hashable {
        public let serviceID: String
        public let status: BookingStatus
        public let start: Date

        public init(serviceID: String, status: BookingStatus, start: Date) {
            self.serviceID = serviceID
            self.status = status
            self.start = start
        }
    }

    public var bookings: [Booked]
    public var heldServiceIDs: [String]

    public init(bookings: [Booked], heldServiceIDs: [String]) {
        self.bookings = bookings
        self.heldServiceIDs = heldServiceIDs
    }
}

/// The place a booking takes: from the slot booked directly, or from the hold it confirms.
public struct BookedPlace: Sendable, Hashable {
    public let slotID: String
    public let serviceID: String
    public let date: LocalDate
    public let start: Date
    public let end: Date

    public init(slotID: String, serviceID: String, date: LocalDate, start: Date, end: Date) {
        self.slotID = slotID
        self.serviceID = serviceID
        self.date = date
        self.start = start
        self.end = end
    }

    public init(_ slot: Slot) {
        self.init(slotID: slot.id, serviceID: slot.serviceID, date: slot.date, start: slot.start, end: slot.end)
    }
}

/// A hold as stored: its place and when it stops counting.
public struct HeldPlace: Sendable, Hashable {
    public let place: BookedPlace
    public let expiresAt: Date

    public init(place: BookedPlace, expiresAt: Date) {
        self.place = place
        self.expiresAt = expiresAt
    }
}

/// A new booking's id and code, drawn before its transaction: each draw is a system call, and
/// inside the transaction it would hold up every request queued behind it. A code that turns
/// out taken (the store's UNIQUE index decides; one in hundreds of millions) is drawn again.
public struct NewBookingIdentity: Sendable {
    public let id: String
    public private(set) var code: BookingCode

    public init() {
        id = UUID.random().uuidString
        var generator = SystemRandomNumberGenerator()
        code = BookingCode.random(using: &generator)
    }

    public mutating func redrawCode() {
        var generator = SystemRandomNumberGenerator()
        code = BookingCode.random(using: &generator)
    }

    /// The booking as made, once its row is in.
    public func booking(of place: BookedPlace, maskedIDNumber: String, at now: Date) -> BookingRecord {
        .made(id: id, code: code, slotID: place.slotID, serviceID: place.serviceID, date: place.date, start: place.start,
              end: place.end, maskedIDNumber: maskedIDNumber, at: now)
    }
}

/// What a check-in writes: the booking's new status and the ticket it gives.
public struct CheckInDecision: Sendable, Hashable {
    public let status: BookingStatus
    public let late: Bool
    public let ticket: NewTicket
}

/// A ticket about to be issued; the store numbers it (`number(sequence:)`) in the daily
/// sequence of its prefix.
public struct NewTicket: Sendable, Hashable {
    public let date: LocalDate
    public let prefix: String
    public let serviceID: String
    public let priority: PriorityClass
    public let queuedAt: Date
    public let bookingID: String?

    public func number(sequence: Int) -> String { QueuePolicy.ticketNumber(prefix: prefix, sequence: sequence) }
}
