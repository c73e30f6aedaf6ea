import Booking

/// The legal time limit of one accepted filing (承诺办结时限), counted as the law counts it: in
/// working days of the official calendar, the day of acceptance not counted, holidays out and
/// make-up working days (调休) in.
///
/// The clock starts at acceptance and stops at a return. When the corrected filing is accepted
/// again, the form's `afterReturn` says how it runs on:
/// - `restart` (the default, 补正后重新计算): the whole time limit again from the new acceptance;
/// - `resume` (中止后继续计算): only what was left; the working days used before the return
///   (from the acceptance to the day of the return, that day included) are not given back.
///
/// 黄灯 (nearly overdue) comes on the working day on which the configured share of the whole
/// time limit is used (`warningPercent`, rounded up to whole days); 红灯 (overdue) the day after
/// the due date. A clock that runs into a year the State Council has not published is
/// `provisional`: its due date may still move.
public struct LegalClock: Sendable, Hashable, Codable {
    /// The day of (the latest) acceptance.
    public let startedOn: LocalDate
    /// The working days this run of the clock has: the time limit, less what `resume` keeps used.
    public let days: Int
    public let dueDate: LocalDate
    public let warnOn: LocalDate
    public let provisional: Bool

    /// Starts the clock on `day` for a time limit of `limit` working days of which
    /// `usedBefore` were used before a return.
    public init(startedOn day: LocalDate, limit: Int, usedBefore: Int, warningPercent: Int, calendar: OfficialCalendar) {
        startedOn = day
        days = max(limit - usedBefore, 0)
        dueDate = calendar.adding(workingDays: days, to: day)
        let warnAfter = (limit * warningPercent + 99) / 100
        warnOn = calendar.adding(workingDays: min(max(warnAfter - usedBefore, 0), days), to: day)
        provisional = calendar.isProvisional(from: day, through: dueDate)
    }

    /// Green, yellow or red on `today`.
    public func level(on today: LocalDate) -> WarningLevel {
        if today > dueDate { return .red }
        if today >= warnOn { return .yellow }
        return .none
    }

    /// Working days used from the acceptance through `today`.
    public func used(through today: LocalDate, calendar: OfficialCalendar) -> Int {
        calendar.workingDays(after: startedOn, through: today)
    }
}
