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
        var collector = ProblemCollector()
        let days = collector.attempt { try container.decode(AfterHoursDays.self, forKey: .days) }
        let time = collector.attempt { try container.decode(TimeRange.self, forKey: .time) }
        let counters = collector.attempt { try container.decodeIfPresent(Int.self, forKey: .counters) ?? 1 }
        let services = collector.attempt { try container.decodeIfPresent([String].self, forKey: .services) ?? [] }
        if let counters, counters < 1 {
            collector.keep(DecodingError.dataCorruptedError(forKey: .counters, in: container,
                                                            debugDescription: "counters must be at least 1"))
        }
        try collector.finish()
        guard let days, let time, let counters, let services else { preconditionFailure("every key decoded") }
        self.init(days: days, time: time, counters: counters, services: services)
    }
}

/// A change to one date or a range of dates: a closure (a holiday week, renovation), or other
/// hours (an early close, a day opened).
///
/// `[[hours.overrides]]` keys:
/// - `date` (string `YYYY-MM-DD`), or `from` and `to` (strings `YYYY-MM-DD`, inclusive, at most
///   366 days): the days changed; exactly one of the two forms.
/// - `hours` (string `HH:MM-HH:MM` or `closed`, required): replaces each day's opening hours.
/// - `reason` (string, optional): shown to staff on the calendar report.
///
/// After-hours windows on an overridden day: a closed day has none; a day the official calendar
/// makes a working day keeps its evening windows (`working_days`) with its new hours, so an early
/// close keeps the evening appointments; a weekend or holiday opened by an override opens for
/// those hours only, with no after-hours window.
public struct DateOverride: Sendable, Hashable, Codable {
    /// The first (or only) day.
    public var date: LocalDate
    /// The last day of a range written with `from` and `to`; nil for a single `date`.
    public var through: LocalDate?
    public var hours: DayHours
    public var reason: String?

    public init(date: LocalDate, hours: DayHours, reason: String? = nil) {
        self.date = date
        self.through = nil
        self.hours = hours
        self.reason = reason
    }

    /// `from...to`, both days included.
    public init(from: LocalDate, to: LocalDate, hours: DayHours, reason: String? = nil) throws(BookingError) {
        guard from <= to, from.days(until: to) < Self.longestRange else {
            throw BookingError(.invalidHours, "overrides: \(from) to \(to)")
        }
        self.date = from
        self.through = to
        self.hours = hours
        self.reason = reason
    }

    /// A range covers at most this many days.
    public static let longestRange = 366

    /// Every day the override changes.
    public var dates: [LocalDate] {
        (0...date.days(until: through ?? date)).map { date.adding(days: $0) }
    }

    enum CodingKeys: String, CodingKey { case date, from, to, hours, reason }

    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        var collector = ProblemCollector()
        let single = collector.attempt { try container.decodeIfPresent(LocalDate.self, forKey: .date) } ?? nil
        let from = collector.attempt { try container.decodeIfPresent(LocalDate.self, forKey: .from) } ?? nil
        let to = collector.attempt { try container.decodeIfPresent(LocalDate.self, forKey: .to) } ?? nil
        let hours = collector.attempt { try container.decode(DayHours.self, forKey: .hours) }
        let reason = collector.attempt { try container.decodeIfPresent(String.self, forKey: .reason) } ?? nil
        let written = (date: container.contains(.date), from: container.contains(.from), to: container.contains(.to))
        switch written {
        case (true, false, false), (false, true, true): break
        case (false, false, false):
            collector.keep(DecodingError.keyNotFound(CodingKeys.date, .init(
                codingPath: container.codingPath, debugDescription: "give date, or from and to for a range of days")))
        case (true, _, _):
            collector.keep(DecodingError.dataCorruptedError(forKey: .date, in: container,
                debugDescription: "give either date (one day) or from and to (a range), not both"))
        case (false, true, false), (false, false, true):
            let present: CodingKeys = written.from ? .from : .to
            collector.keep(DecodingError.dataCorruptedError(forKey: present, in: container,
                debugDescription: "a range needs both from and to (inclusive); for one day write date"))
        }
        if let from, let to, from > to || from.days(until: to) >= Self.longestRange {
            collector.keep(DecodingError.dataCorruptedError(forKey: .to, in: container, debugDescription:
                "\(to) must be on or after from (\(from)), at most \(Self.longestRange - 1) days later"))
        }
        try collector.finish()
        guard let hours else { preconditionFailure("hours decoded") }
        if let from, let to {
            try self.init(from: from, to: to, hours: hours, reason: reason)
        } else if let single {
            self.init(date: single, hours: hours, reason: reason)
        } else {
            preconditionFailure("date, or from and to, decoded")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        if let through {
            try container.encode(date, forKey: .from)
            try container.encode(through, forKey: .to)
        } else {
            try container.encode(date, forKey: .date)
        }
        try container.encode(hours, forKey: .hours)
        try container.encodeIfPresent(reason, forKey: .reason)
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
/// - `overrides` (array of tables, default none): see `DateOverride`, which also says what an
///   override does to the after-hours windows.
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
    /// The overrides as written, in date order.
    public let dateOverrides: [DateOverride]
    /// The override of each day any override changes.
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
            for date in override.dates {
                guard byDate.updateValue(override, forKey: date) == nil else {
                    throw BookingError(.invalidHours, "overrides: \(date) is changed by two overrides")
                }
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
        self.dateOverrides = overrides.sorted { $0.date < $1.date }
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
        if let override {
            // See `DateOverride`: closed has no window; a working day keeps its evenings; a
            // rest day an override opens gets its hours only.
            windows = override.hours.range != nil && day.kind.isWorkingDay ? afterHours.filter { $0.days == .workingDays } : []
        } else if opening != nil {
            windows = afterHours.filter { $0.days == .workingDays }
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

    /// Every key's problem at once: each day's hours, each after-hours window, each override.
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let keys = try DecodedKeys(container)
        do {
            self = try keys.hours()
        } catch {
            // Point the decoder's error at the key so the configuration loader can name its line.
            let keyName = error.code == .unknownTimeZone ? CodingKeys.timeZone.rawValue
                : String(error.detail.prefix { $0.isLetter || $0 == "_" })
            throw DecodingError.dataCorruptedError(forKey: CodingKeys(rawValue: keyName) ?? .overrides,
                                                   in: container, debugDescription: error.messageEN)
        }
    }

    /// Each key of `[hours]` decoded on its own, nil where absent; throws every problem found.
    private struct DecodedKeys {
        var weekly: [Weekday: DayHours] = [:]
        var timeZone: String?
        var makeupWorkday: DayHours?
        var lunchDuty: TimeRange?
        var lunchDutyCounters: Int?
        var summerStart: MonthDay?
        var summerEnd: MonthDay?
        var summerLunchDutyEnd: LocalTime?
        var afterHours: [AfterHoursWindow]?
        var overrides: [DateOverride]?

        init(_ container: KeyedDecodingContainer<CodingKeys>) throws {
            var collector = ProblemCollector()
            func optional<T: Decodable>(_ type: T.Type, _ key: CodingKeys) -> T? {
                collector.attempt { try container.decodeIfPresent(type, forKey: key) } ?? nil
            }
            for day in Weekday.allCases {
                if let hours = optional(DayHours.self, CodingKeys(day)) { weekly[day] = hours }
            }
            timeZone = optional(String.self, .timeZone)
            makeupWorkday = optional(DayHours.self, .makeupWorkday)
            lunchDuty = optional(TimeRange.self, .lunchDuty)
            lunchDutyCounters = optional(Int.self, .lunchDutyCounters)
            summerStart = optional(MonthDay.self, .summerStart)
            summerEnd = optional(MonthDay.self, .summerEnd)
            summerLunchDutyEnd = optional(LocalTime.self, .summerLunchDutyEnd)
            afterHours = collector.elements(AfterHoursWindow.self, forKey: .afterHours, in: container)
            overrides = collector.elements(DateOverride.self, forKey: .overrides, in: container)
            try collector.finish()
        }

        /// The hours these keys make, the defaults standing in for absent ones.
        func hours() throws(BookingError) -> HallHours {
            try HallHours(
                timeZone: timeZone ?? HallHours.defaultTimeZone, weekly: weekly,
                makeupWorkday: makeupWorkday ?? HallHours.defaultWeekday, lunchDuty: lunchDuty ?? HallHours.defaultLunchDuty,
                lunchDutyCounters: lunchDutyCounters ?? 1, summerStart: summerStart ?? HallHours.defaultSummerStart,
                summerEnd: summerEnd ?? HallHours.defaultSummerEnd,
                summerLunchDutyEnd: summerLunchDutyEnd ?? HallHours.defaultSummerLunchDutyEnd,
                afterHours: afterHours ?? HallHours.defaultAfterHours, overrides: overrides ?? [])
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
        try container.encode(dateOverrides, forKey: .overrides)
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

    /// Whether staff are in the hall at `time`: within the opening hours (the lunch break
    /// included, when the duty counters serve: 午间不断档) or within an after-hours window.
    public func isStaffed(at time: LocalTime) -> Bool {
        let minute = time.minutesSinceMidnight
        return ([opening].compactMap { $0 } + afterHours.map(\.time)).contains { range in
            range.overlaps(startMinute: minute, endMinute: minute + 1)
        }
    }
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
