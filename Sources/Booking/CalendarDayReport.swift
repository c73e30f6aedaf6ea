/// One line of `kiosk calendar show`: what the calendar and the hall's hours make of a day.
public struct CalendarDayReport: Sendable, Hashable, Codable {
    public let date: LocalDate
    public let weekday: Weekday
    public let kind: DayKind
    public let holidayName: String?
    public let provisional: Bool
    /// Nil when the hall is closed.
    public let opening: TimeRange?
    public let lunchDuty: TimeRange?
    public let afterHours: [TimeRange]
    /// The reason given by a date override, when one changed the day.
    public let note: String?

    public init(_ schedule: DaySchedule) {
        date = schedule.day.date
        weekday = schedule.day.date.weekday
        kind = schedule.day.kind
        holidayName = schedule.day.holidayName
        provisional = schedule.day.provisional
        opening = schedule.opening
        lunchDuty = schedule.lunchDuty
        afterHours = schedule.afterHours.map(\.time)
        note = schedule.overrideReason
    }

    /// Every day of `from...through`; empty when `through` is before `from`.
    public static func days(from: LocalDate, through: LocalDate, calendar: OfficialCalendar,
                            hours: HallHours) -> [CalendarDayReport] {
        guard from <= through else { return [] }
        return (0...from.days(until: through)).map { offset in
            CalendarDayReport(hours.schedule(for: calendar.day(for: from.adding(days: offset))))
        }
    }

    /// A fixed-width table for a terminal; the free-text column (holiday, note) comes last so
    /// that wide Chinese characters cannot break the alignment.
    public static func table(_ days: [CalendarDayReport]) -> String {
        let header = ["date", "day", "kind", "hours", "lunch duty", "after hours", "holiday / note"]
        let rows = days.map { day in
            [
                day.date.description + (day.provisional ? "*" : ""),
                String(day.weekday.rawValue.prefix(3)),
                day.kind.rawValue,
                day.opening?.description ?? "closed",
                day.lunchDuty?.description ?? "-",
                day.afterHours.isEmpty ? "-" : day.afterHours.map(\.description).joined(separator: ","),
                [day.holidayName, day.note].compactMap { $0 }.joined(separator: " · "),
            ]
        }
        let widths = header.indices.dropLast().map { column in
            ([header] + rows).map { $0[column].count }.max() ?? 0
        }
        func line(_ cells: [String]) -> String {
            let padded = zip(cells, widths).map { cell, width in
                cell + String(repeating: " ", count: width - cell.count)
            }
            let text = (padded + [cells[cells.count - 1]]).joined(separator: "  ")
            return String(text.reversed().drop { $0 == " " }.reversed())
        }
        var lines = [line(header)] + rows.map(line)
        if days.contains(where: \.provisional) {
            lines.append("* provisional: the State Council has not published this year's holidays (国务院尚未公布当年节假日安排)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    enum CodingKeys: String, CodingKey {
        case date, weekday, kind
        case holidayName = "holiday_name"
        case provisional, opening
        case lunchDuty = "lunch_duty"
        case afterHours = "after_hours"
        case note
    }
}
