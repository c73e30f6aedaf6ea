import Booking
import Foundation
import KioskCore

/// How the days of a 容缺 period are counted (`deferrable.days`); a form must say which.
public enum DayCounting: String, Sendable, Hashable, Codable, CaseIterable {
    /// Working days of the official calendar: weekends and holidays do not count, make-up
    /// working days (调休) do.
    case working
    /// Calendar days. A period whose last day is a day off ends on the next working day
    /// instead (民法典 第二百零三条).
    case calendar
}

extension Material.Deferral {
    /// The last day to hand the material in, for a filing accepted on `day`. The day of
    /// acceptance itself does not count (期间开始的当日不计入).
    public func dueDate(acceptedOn day: LocalDate, calendar: OfficialCalendar) -> LocalDate {
        switch days {
        case .working: calendar.adding(workingDays: maxDays, to: day)
        case .calendar: calendar.workingDay(onOrAfter: day.adding(days: maxDays))
        }
    }

    /// The period as the citizen reads it, saying how it is counted.
    public var dueText: LocalizedText { days.periodText(maxDays) }
}

extension DayCounting {
    /// `maxDays` of this kind as the citizen reads them, from the day of acceptance.
    public func periodText(_ maxDays: Int) -> LocalizedText {
        switch self {
        case .working:
            LocalizedText(zh: "受理之日起\(maxDays)个工作日内（按国家法定节假日安排计算）",
                          en: "within \(maxDays) working days of acceptance (on the official holiday calendar)")
        case .calendar:
            LocalizedText(zh: "受理之日起\(maxDays)日内（自然日，最后一日为休息日的顺延至下一个工作日）",
                          en: "within \(maxDays) calendar days of acceptance (a last day that is a day off moves to the next working day)")
        }
    }
}

extension Filing.DeferredMaterial {
    /// The period as the citizen was told it; nil in filings stored before it was kept.
    public var dueText: LocalizedText? {
        guard let maxDays, let days else { return nil }
        return days.periodText(maxDays)
    }
}
