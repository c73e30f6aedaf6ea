/// Counting working days on the official calendar, the way legal time limits are counted:
/// the day a period starts on does not count (期间开始的当日不计入), weekends and holidays do
/// not count, make-up working days (调休) do.
extension OfficialCalendar {
    /// The working day `count` working days after `day`; `day` itself when `count` is 0.
    public func adding(workingDays count: Int, to day: LocalDate) -> LocalDate {
        // A calendar where nothing is ever a working day cannot be loaded; the bound only keeps
        // a broken one from looping.
        let bound = count * 7 + 366
        var date = day
        var counted = 0
        for _ in 0..<bound where counted < count {
            date = date.adding(days: 1)
            if self.day(for: date).kind.isWorkingDay { counted += 1 }
        }
        return date
    }

    /// The working day `count` working days before `day` (`day` itself when `count` is 0).
    public func subtracting(workingDays count: Int, from day: LocalDate) -> LocalDate {
        let bound = count * 7 + 366
        var date = day
        var counted = 0
        for _ in 0..<bound where counted < count {
            date = date.adding(days: -1)
            if self.day(for: date).kind.isWorkingDay { counted += 1 }
        }
        return date
    }

    /// Working days after `start` up to and including `end` (0 when `end` is not after `start`).
    public func workingDays(after start: LocalDate, through end: LocalDate) -> Int {
        guard start < end else { return 0 }
        var count = 0
        var date = start
        while date < end {
            date = date.adding(days: 1)
            if day(for: date).kind.isWorkingDay { count += 1 }
        }
        return count
    }

    /// The first working day on or after `day`.
    public func workingDay(onOrAfter day: LocalDate) -> LocalDate {
        var date = day
        for _ in 0..<366 where !self.day(for: date).kind.isWorkingDay { date = date.adding(days: 1) }
        return date
    }

    /// Whether any day from `start` through `end` lies in a year the State Council has not
    /// published yet: a period counted across it may still change.
    public func isProvisional(from start: LocalDate, through end: LocalDate) -> Bool {
        (start.year...max(start.year, end.year)).contains { !(years[$0]?.isPublished ?? false) }
    }
}
