import Foundation
import KioskCore

/// Who is called first. Appointments keep their booked time; elderly and disabled citizens
/// share the green channel (绿色通道); waiting time orders each class.
public enum PriorityClass: String, Sendable, Hashable, Codable, CaseIterable {
    case appointment
    case elderly
    /// Marked by a signed-in member of staff: a disability is not on the ID card and is not the
    /// terminal's to guess, nor the citizen's to declare.
    case disability
    case ordinary

    /// Lower ranks are called first.
    public var rank: Int {
        switch self {
        case .appointment: 0
        case .elderly, .disability: 1
        case .ordinary: 2
        }
    }
}

public enum TicketState: String, Sendable, Hashable, Codable, CaseIterable {
    case waiting
    case called
    case finished
    case noShow
}

/// A numbered queue ticket, `A001`…, counted per prefix and day.
public struct Ticket: Sendable, Hashable, Codable {
    public let id: Int64
    public let date: LocalDate
    public let number: String
    public let serviceID: String
    public let priority: PriorityClass
    /// Order within a class: the booked start for an appointment, the issue time otherwise;
    /// kept across a transfer so that being sent to another counter is not a trip to the back.
    public let queuedAt: Date
    public let state: TicketState
    public let counter: String?
    public let calledAt: Date?
    public let callCount: Int
    public let bookingID: String?

    public init(id: Int64, date: LocalDate, number: String, serviceID: String, priority: PriorityClass,
                queuedAt: Date, state: TicketState, counter: String?, calledAt: Date?, callCount: Int,
                bookingID: String?) {
        self.id = id
        self.date = date
        self.number = number
        self.serviceID = serviceID
        self.priority = priority
        self.queuedAt = queuedAt
        self.state = state
        self.counter = counter
        self.calledAt = calledAt
        self.callCount = callCount
        self.bookingID = bookingID
    }

    /// The call order: priority rank, then waiting time, then the ticket's id (issue order)
    /// so that tickets queued at the same instant still have one order.
    public static func callsBefore(_ lhs: Ticket, _ rhs: Ticket) -> Bool {
        (lhs.priority.rank, lhs.queuedAt, lhs.id) < (rhs.priority.rank, rhs.queuedAt, rhs.id)
    }

    /// "Now serving" as the hall shows it: each counter's latest call, the latest first. A
    /// counter serves one citizen at a time, so an earlier call it left unfinished (nobody came,
    /// or staff moved on without marking it) is not shown beside the new one; the ticket itself
    /// stays called, for staff to finish or mark.
    public static func nowServing(_ called: [Ticket]) -> [Ticket] {
        var counters: Set<String> = []
        return called.sorted { ($0.calledAt ?? $0.queuedAt, $0.id) > ($1.calledAt ?? $1.queuedAt, $1.id) }
            .filter { counters.insert($0.counter ?? "#\($0.id)").inserted }
    }
}

/// How the hall runs its queue, the `[queue]` table of configuration:
///
/// - `prefixes` (table service id → letter(s), default empty): the ticket prefix of each service
///   group, e.g. `hukou = "A"`, `tax = "B"`; unlisted services use `default_prefix`. Services
///   sharing a prefix share one daily sequence.
/// - `default_prefix` (string, default `"A"`).
/// - `elderly_age` (integer, default 65): age in full years, from the ID card's birth date, from
///   which a walk-in ticket is elderly.
/// - `average_service_minutes` (integer ≥ 1, default 10): the basis of the estimated wait.
/// - `walk_in_cutoff_minutes` (integer ≥ 0, default 0): new walk-in tickets stop this long before
///   closing time, so the last ones issued can still be served the same day.
public struct QueuePolicy: Sendable, Hashable, Codable {
    public var prefixes: [String: String]
    public var defaultPrefix: String
    public var elderlyAge: Int
    public var averageServiceMinutes: Int
    public var walkInCutoffMinutes: Int

    public init(prefixes: [String: String] = [:], defaultPrefix: String = "A", elderlyAge: Int = 65,
                averageServiceMinutes: Int = 10, walkInCutoffMinutes: Int = 0) {
        self.prefixes = prefixes
        self.defaultPrefix = defaultPrefix
        self.elderlyAge = elderlyAge
        self.averageServiceMinutes = averageServiceMinutes
        self.walkInCutoffMinutes = walkInCutoffMinutes
    }

    /// A ticket prefix is one to three capital letters A–Z, read out by the caller system.
    public static func isValidPrefix(_ text: String) -> Bool {
        (1...3).contains(text.utf8.count) && text.utf8.allSatisfy { (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains($0) }
    }

    public func prefix(for serviceID: String) -> String { prefixes[serviceID] ?? defaultPrefix }

    /// `A001` … `A999`, then `A1000`: the sequence is never cut, so numbers stay unique in a day.
    public static func ticketNumber(prefix: String, sequence: Int) -> String { prefix + pad(sequence, 3) }

    /// The class of a ticket that is not an on-time appointment. Priority is never self-declared:
    /// elderly comes only from the birth date of the ID card on the reader (`holder` read from
    /// the card), disability only from a signed-in member of staff who marked it.
    public func walkInPriority(holder: CitizenIdentity?, disabilityMarkedByStaff: Bool, on date: LocalDate) -> PriorityClass {
        if disabilityMarkedByStaff { return .disability }
        if let born = holder?.cardBirthDate, Self.age(born: born, on: date) >= elderlyAge { return .elderly }
        return .ordinary
    }

    /// Full years: the birthday counts from its day (29 February from 1 March in common years).
    public static func age(born: ResidentIDNumber.BirthDate, on date: LocalDate) -> Int {
        let hadBirthday = (date.month, date.day) >= (born.month, born.day)
        return date.year - born.year - (hadBirthday ? 0 : 1)
    }

    /// New walk-in tickets are issued only while the hall is open, until `walkInCutoffMinutes`
    /// before closing; those issued before are still served after closing (延时服务), so
    /// nothing else checks the time.
    public func checkWalkInsOpen(now: Date, schedule: DaySchedule, zone: TimeZone) throws(BookingRuleError) {
        guard let opening = schedule.opening, LocalDate(containing: now, in: zone) == schedule.day.date else {
            throw BookingRuleError(.hallClosedForWalkIns)
        }
        let minute = LocalTime(containing: now, in: zone).minutesSinceMidnight
        guard opening.start.minutesSinceMidnight <= minute,
              minute < opening.end.minutesSinceMidnight - max(walkInCutoffMinutes, 0) else {
            throw BookingRuleError(.hallClosedForWalkIns)
        }
    }

    /// Minutes until a ticket is likely called with `ahead` tickets before it and `counters`
    /// counters serving, rounded up to whole minutes.
    public func estimatedWaitMinutes(ahead: Int, counters: Int) -> Int {
        let serving = max(counters, 1)
        return (ahead * max(averageServiceMinutes, 1) + serving - 1) / serving
    }

    /// The waiting tickets in the order they will be called.
    public static func callOrder(_ tickets: [Ticket]) -> [Ticket] {
        tickets.filter { $0.state == .waiting }.sorted(by: Ticket.callsBefore)
    }
}
