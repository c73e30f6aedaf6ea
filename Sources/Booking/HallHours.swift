import Foundation

/// Opening hours of one day: `"HH:MM-HH:MM"` or `"closed"` in configuration.
public enum DayHours: Sendable, Hashable, Codable, CustomStringConvertible {
    case closed
    case open(TimeRange)

    public init(_ text: String) throws(BookingError) {
        self = text == "closed" ? .closed : .open(try TimeRange(text))
    }

    public var range: TimeRange? {
        if case .open(let range) = self { range } else { nil }
    }

    public var description: String { range?.description ?? "closed" }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do { try self.init(text) } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.messageEN)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Which days an after-hours window is offered on.
public enum AfterHoursDays: String, Sendable, Hashable, Codable, CaseIterable {
    /// Days the hall opens (evenings after closing).
    case workingDays = "working_days"
    /// Saturdays and Sundays that are neither holidays nor make-up working days.
    case weekends
    /// Weekends and public holidays alike.
    case restDays = "rest_days"
}

/// Appointments outside opening hours (延时/预约服务), for services marked `after_hours`.
///
/// `[[hours.after_hours]]` keys:
/// - `days` (string, required): `working_days`, `weekends` or `rest_days`.
/// - `time` (string `HH:MM-HH:MM`, required): the window.
/// - `counters` (integer ≥ 1, default 1): counters staffed in the window.
/// - `services` (array of service ids, default `[]`): the services offered; empty means every
///   service with `after_hours = true`.
public struct AfterHoursWindow: Sendable, Hashable, Codable {
    public var days: AfterHoursDays
    public var time: TimeRange
    public var counters: Int
    public var services: [String]

    public init(days: AfterHoursDays, time: TimeRange, counters: Int = 1, services: [String] = []) {
        self.days = days
        self.time = time
        self.counters = counters
        self.services = services
    }

    public func offers(_ service: Service) -> Bool {
        service.afterHours && (services.isEmpty || services.contains(service.id))
    }

    enum CodingKeys: String, CodingKey { case days, time, counters, services }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        days = try container.decode(AfterHoursDays.self, forKey: .days)
        time = try container.decode(TimeRange.self, forKey: .time)
        counters = try container.decodeIfPresent(Int.self, forKey: .counters) ?? 1
        services = try container.decodeIfPresent([String].self, forKey: .services) ?? []
        guard counters >= 1 else {
            throw DecodingError.dataCorruptedError(forKey: .counters, in: container,
                                                   debugDescription: "counters must be at least 1")
        }
    }
}

/// A one-off change to one date: a closure, or an extra open day with its hours.
///
/// `[[hours.overrides]]` keys:
/// - `date` (string `YYYY-MM-DD`, required).
/// - `hours` (string `HH:MM-HH:MM` or `closed`, required): replaces the day's hours.
/// - `reason` (string, optional): shown to staff on the calendar report.
public struct DateOverride: Sendable, Hashable, Codable {
    public var date: LocalDate
    public var hours: DayHours
    public var reason: String?

    public init(date: LocalDate, hours: DayHours, reason: String? = nil) {
        self.date = date
        self.hours = hours
        self.reason = reason
    }
}

/// The hall's opening hours, the `[hours]` table of `kiosk.conf`. Every key is optional:
///
/// - `time_zone` (string, default `"Asia/Shanghai"`): the zone all wall-clock times are in.
/// - `monday` … `friday` (string `HH:MM-HH:MM` or `closed`, default `"09:00-17:00"`).
/// - `saturday`, `sunday` (same, default `"closed"`).
/// - `makeup_workday` (same, default `"09:00-17:00"`): hours on a weekend made a working day (调休).
/// - `lunch_duty` (string `HH:MM-HH:MM`, default `"12:00-13:30"`): the lunch break, during which
///   only the duty counters serve (午间值守).
/// - `lunch_duty_counters` (integer ≥ 1, default 1): counters on lunch duty.
/// - `summer_start`, `summer_end` (string `MM-DD`, defaults `"05-01"`, `"09-30"`): the summer
///   timetable (夏令作息), inclusive.
/// - `summer_lunch_duty_end` (string `HH:MM`, default `"14:30"`): when the lunch break ends in
///   summer; set it to the end of `lunch_duty` for no summer timetable.
/// - `after_hours` (array of tables, default weekday evenings 17:30-20:00 and weekend mornings
///   09:00-12:00, one counter each): see `AfterHoursWindow`.
/// - `overrides` (array of tables, default none): see `DateOverride`.
///
/// Public holidays are closed unless an override opens them.
public struct HallHours: Sendable, Equatable, Codable {
    public let timeZone: TimeZone
    public let weekly: [Weekday: DayHours]
    public let makeupWorkday: DayHours
    public let lunchDuty: TimeRange
    public let lunchDutyCounters: Int
    public let summerStart: MonthDay
    public let summerEnd: MonthDay
    public let summerLunchDutyEnd: LocalTime
    public let afterHours: [AfterHoursWindow]
    public let overrides: [LocalDate: DateOverride]

    public static let defaultTimeZone = "Asia/Shanghai"
    public static let defaultWeekday = DayHours.open(TimeRange(fixedStart: 9 * 60, end: 17 * 60))
    public static let defaultLunchDuty = TimeRange(fixedStart: 12 * 60, end: 13 * 60 + 30)
    public static let defaultSummerStart = MonthDay(validMonth: 5, day: 1)
    public static let defaultSummerEnd = MonthDay(validMonth: 9, day: 30)
    public static let defaultSummerLunchDutyEnd = LocalTime(minutesSinceMidnight: 14 * 60 + 30)
    public static let defaultAfterHours = [
        AfterHoursWindow(days: .workingDays, time: TimeRange(fixedStart: 17 * 60 + 30, end: 20 * 60)),
        AfterHoursWindow(days: .weekends, time: TimeRange(fixedStart: 9 * 60, end: 12 * 60)),
    ]

    public init(
        timeZone: String = HallHours.defaultTimeZone,
        weekly: [Weekday: DayHours] = [:],
        makeupWorkday: DayHours = HallHours.defaultWeekday,
        lunchDuty: TimeRange = HallHours.defaultLunchDuty,
        lunchDutyCounters: Int = 1,
        summerStart: MonthDay = HallHours.defaultSummerStart,
        summerEnd: MonthDay = HallHours.defaultSummerEnd,
        summerLunchDutyEnd: LocalTime = HallHours.defaultSummerLunchDutyEnd,
        afterHours: [AfterHoursWindow] = HallHours.defaultAfterHours,
        overrides: [DateOverride] = []
    ) throws(BookingError) {
        guard let zone = TimeZone(identifier: timeZone) else { throw BookingError(.unknownTimeZone, timeZone) }
        guard lunchDutyCounters >= 1 else { throw BookingError(.invalidHours, CodingKeys.lunchDutyCounters.rawValue) }
        guard lunchDuty.start < summerLunchDutyEnd else {
            throw BookingError(.invalidHours, CodingKeys.summerLunchDutyEnd.rawValue)
        }
        for (index, window) in afterHours.enumerated() where window.counters < 1 {
            throw BookingError(.invalidHours, "after_hours[\(index)].counters")
        }
        var byDate: [LocalDate: DateOverride] = [:]
        for override in overrides {
            guard byDate.updateValue(override, forKey: override.date) == nil else {
                throw BookingError(.invalidHours, "overrides: \(override.date) twice")
            }
        }
        self.timeZone = zone
        self.weekly = Dictionary(uniqueKeysWithValues: Weekday.allCases.map { day in
            (day, weekly[day] ?? (day.isWeekend ? .closed : HallHours.defaultWeekday))
        })
        self.makeupWorkday = makeupWorkday
        self.lunchDuty = lunchDuty
        self.lunchDutyCounters = lunchDutyCounters
        self.summerStart = summerStart
        self.summerEnd = summerEnd
        self.summerLunchDutyEnd = summerLunchDutyEnd
        self.afterHours = afterHours
        self.overrides = byDate
    }

    /// Everything `[hours]` left at its default.
    public static let standard: HallHours = {
        do { return try HallHours() } catch { preconditionFailure("default hall hours are valid: \(error)") }
    }()

    public func isSummer(_ date: LocalDate) -> Bool {
        let day = date.monthDay
        return summerStart <= summerEnd
            ? summerStart <= day && day <= summerEnd
            : day >= summerStart || day <= summerEnd
    }

    /// What the hall does on `day`: the one place calendar, weekly hours, summer timetable and
    /// overrides are combined, shared by slot generation and the calendar report.
    public func schedule(for day: CalendarDay) -> DaySchedule {
        let override = overrides[day.date]
        let hours: DayHours = override?.hours ?? {
            switch day.kind {
            case .workday, .weekend: weekly[day.date.weekday] ?? .closed
            case .makeupWorkday: makeupWorkday
            case .holiday: .closed
            }
        }()
        let opening = hours.range
        let summer = isSummer(day.date)
        let lunchEnd = summer ? summerLunchDutyEnd : lunchDuty.end
        var lunch: TimeRange?
        if let opening {
            let start = max(opening.start, lunchDuty.start)
            let end = min(opening.end, lunchEnd)
            lunch = try? TimeRange(start: start, end: end)
        }
        let windows: [AfterHoursWindow]
        if opening != nil {
            windows = afterHours.filter { $0.days == .workingDays }
        } else if override != nil {
            windows = []
        } else {
            windows = afterHours.filter { window in
                switch window.days {
                case .workingDays: false
                case .weekends: day.kind == .weekend
                case .restDays: day.kind == .weekend || day.kind == .holiday
                }
            }
        }
        return DaySchedule(day: day, opening: opening, lunchDuty: lunch, lunchDutyCounters: lunchDutyCounters,
                           afterHours: windows, isSummer: summer, overrideReason: override?.reason)
    }

    enum CodingKeys: String, CodingKey {
        case timeZone = "time_zone"
        case monday, tuesday, wednesday, thursday, friday, saturday, sunday
        case makeupWorkday = "makeup_workday"
        case lunchDuty = "lunch_duty"
        case lunchDutyCounters = "lunch_duty_counters"
        case summerStart = "summer_start"
        case summerEnd = "summer_end"
        case summerLunchDutyEnd = "summer_lunch_duty_end"
        case afterHours = "after_hours"
        case overrides

        init(_ weekday: Weekday) {
            self = switch weekday {
            case .monday: .monday
            case .tuesday: .tuesday
            case .wednesday: .wednesday
            case .thursday: .thursday
            case .friday: .friday
            case .saturday: .saturday
            case .sunday: .sunday
            }
        }
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        var weekly: [Weekday: DayHours] = [:]
        for day in Weekday.allCases {
            weekly[day] = try container.decodeIfPresent(DayHours.self, forKey: CodingKeys(day))
        }
        do {
            try self.init(
                timeZone: container.decodeIfPresent(String.self, forKey: .timeZone) ?? HallHours.defaultTimeZone,
                weekly: weekly,
                makeupWorkday: container.decodeIfPresent(DayHours.self, forKey: .makeupWorkday) ?? HallHours.defaultWeekday,
                lunchDuty: container.decodeIfPresent(TimeRange.self, forKey: .lunchDuty) ?? HallHours.defaultLunchDuty,
                lunchDutyCounters: container.decodeIfPresent(Int.self, forKey: .lunchDutyCounters) ?? 1,
                summerStart: container.decodeIfPresent(MonthDay.self, forKey: .summerStart) ?? HallHours.defaultSummerStart,
                summerEnd: container.decodeIfPresent(MonthDay.self, forKey: .summerEnd) ?? HallHours.defaultSummerEnd,
                summerLunchDutyEnd: container.decodeIfPresent(LocalTime.self, forKey: .summerLunchDutyEnd)
                    ?? HallHours.defaultSummerLunchDutyEnd,
                afterHours: container.decodeIfPresent([AfterHoursWindow].self, forKey: .afterHours) ?? HallHours.defaultAfterHours,
                overrides: container.decodeIfPresent([DateOverride].self, forKey: .overrides) ?? []
            )
        } catch let error as BookingError {
            // Point the decoder's error at the key so the configuration loader can name its line.
            let keyName = error.code == .unknownTimeZone ? CodingKeys.timeZone.rawValue
                : String(error.detail.prefix { $0.isLetter || $0 == "_" })
            throw DecodingError.dataCorruptedError(forKey: CodingKeys(rawValue: keyName) ?? .overrides,
                                                   in: container, debugDescription: error.messageEN)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(timeZone.identifier, forKey: .timeZone)
        for day in Weekday.allCases { try container.encode(weekly[day] ?? .closed, forKey: CodingKeys(day)) }
        try container.encode(makeupWorkday, forKey: .makeupWorkday)
        try container.encode(lunchDuty, forKey: .lunchDuty)
        try container.encode(lunchDutyCounters, forKey: .lunchDutyCounters)
        try container.encode(summerStart, forKey: .summerStart)
        try container.encode(summerEnd, forKey: .summerEnd)
        try container.encode(summerLunchDutyEnd, forKey: .summerLunchDutyEnd)
        try container.encode(afterHours, forKey: .afterHours)
        try container.encode(overrides.values.sorted { $0.date < $1.date }, forKey: .overrides)
    }
}

/// One day as the hall runs it.
public struct DaySchedule: Sendable, Hashable {
    public let day: CalendarDay
    /// Regular opening hours; nil when the hall is closed.
    public let opening: TimeRange?
    /// The part of the lunch break inside the opening hours, served by the duty counters only.
    public let lunchDuty: TimeRange?
    public let lunchDutyCounters: Int
    /// The after-hours windows offered that day (service filtering aside).
    public let afterHours: [AfterHoursWindow]
    public let isSummer: Bool
    /// Why an override changed the day, when one did.
    public let overrideReason: String?
}

extension TimeRange {
    /// For ranges written as constants in code, known to be valid.
    init(fixedStart startMinute: Int, end endMinute: Int) {
        do {
            try self.init(start: LocalTime(minutesSinceMidnight: startMinute),
                          end: LocalTime(minutesSinceMidnight: endMinute))
        } catch {
            preconditionFailure("fixed range \(startMinute)-\(endMinute) is valid")
        }
    }
}
