import Foundation

/// Why a service has no bookable slot on a day, for the administrator who asks (`kiosk slots`).
public enum EmptyDayReason: Sendable, Hashable {
    /// The day is over.
    case past(today: LocalDate)
    /// Further ahead than the service's `horizon_days` allows.
    case beyondHorizon(lastBookable: LocalDate, horizonDays: Int)
    /// A public holiday (or a day of its break), closed unless an override opens it.
    case holiday(name: String?)
    /// Closed by an `[[hours.overrides]]` entry.
    case closedByOverride(reason: String?)
    /// Closed by the weekly hours (a weekend, or a weekday set to "closed").
    case closedThatDay(DayKind, Weekday)
    /// Open, but every slot starts within `min_notice_minutes` of now, or is already past.
    case noticeTooShort(minutes: Int)
    /// Open, but the hours are shorter than one slot of the service.
    case hoursShorterThanASlot(durationMinutes: Int)

    public var description: String {
        switch self {
        case .past(let today): "the day is past (today is \(today))"
        case .beyondHorizon(let last, let days):
            "beyond the booking horizon: horizon_days = \(days), so the last bookable day is \(last)"
        case .holiday(let name): "a public holiday\(name.map { " (\($0))" } ?? ""): the hall is closed"
        case .closedByOverride(let reason): "closed by [[hours.overrides]]\(reason.map { " (\($0))" } ?? "")"
        case .closedThatDay(let kind, let weekday): "closed: \(weekday.rawValue) is closed in [hours] (\(kind.rawValue))"
        case .noticeTooShort(let minutes): "every slot starts within min_notice_minutes = \(minutes) of now, or has started"
        case .hoursShorterThanASlot(let duration): "the day's hours are shorter than one slot (duration_minutes = \(duration))"
        }
    }
}

extension SlotGenerator {
    /// Why `service` has no slot on `date` at `now`; nil when it has some.
    public func emptyDayReason(for service: Service, on date: LocalDate, now: Date) -> EmptyDayReason? {
        guard slots(for: service, from: date, through: date, now: now).isEmpty else { return nil }
        let today = LocalDate(containing: now, in: hours.timeZone)
        if date < today { return .past(today: today) }
        let last = today.adding(days: service.horizonDays)
        if date > last { return .beyondHorizon(lastBookable: last, horizonDays: service.horizonDays) }
        let schedule = schedule(for: date)
        let windows = service.afterHours ? schedule.afterHours.filter { $0.offers(service) } : []
        let ranges = [schedule.opening].compactMap { $0 } + windows.map(\.time)
        if ranges.isEmpty {
            if hours.overrides[date] != nil { return .closedByOverride(reason: schedule.overrideReason) }
            if schedule.day.kind == .holiday { return .holiday(name: schedule.day.holidayName) }
            return .closedThatDay(schedule.day.kind, date.weekday)
        }
        let longest = ranges.map { $0.end.minutesSinceMidnight - $0.start.minutesSinceMidnight }.max() ?? 0
        if longest < service.durationMinutes { return .hoursShorterThanASlot(durationMinutes: service.durationMinutes) }
        return .noticeTooShort(minutes: service.minimumNoticeMinutes)
    }
}
