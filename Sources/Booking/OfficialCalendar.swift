import Foundation

/// One year of the State Council's holiday schedule, as the holiday-cn dataset publishes it
/// (`Forms/calendar/YYYY.json`).
public struct HolidayYear: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public let date: LocalDate
        /// The festival the day belongs to, e.g. 春节; a make-up working day carries the name of
        /// the festival whose break it pays for.
        public let name: String
        /// `false` marks a make-up working day (调休) that falls on a weekend.
        public let isOffDay: Bool

        public init(date: LocalDate, name: String, isOffDay: Bool) {
            self.date = date
            self.name = name
            self.isOffDay = isOffDay
        }
    }

    public let year: Int
    /// The State Council notices the schedule comes from.
    public let papers: [String]
    /// Sorted by date. May hold a date of the previous year: a New Year break can begin on
    /// 31 December (holiday-cn's 2023 file lists 2022-12-31).
    public let entries: [Entry]

    public init(year: Int, papers: [String], entries: [Entry]) {
        self.year = year
        self.papers = papers
        self.entries = entries.sorted { $0.date < $1.date }
    }

    /// An empty `days` list is valid: it is how holiday-cn says "not yet published".
    public var isPublished: Bool { !entries.isEmpty }

    /// Decodes one holiday-cn year file.
    public static func decode(_ data: Data) throws(BookingError) -> HolidayYear {
        struct File: Decodable {
            struct Day: Decodable {
                let name: String
                let date: String
                let isOffDay: Bool
            }
            let year: Int
            let papers: [String]
            let days: [Day]
        }
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch let error as DecodingError {
            throw BookingError(.calendarFileMalformed, describe(error))
        } catch {
            throw BookingError(.calendarFileMalformed, "not JSON")
        }
        guard (1...9999).contains(file.year) else {
            throw BookingError(.calendarFileMalformed, "year \(file.year)")
        }
        var seen: Set<LocalDate> = []
        var entries: [Entry] = []
        for day in file.days {
            let date: LocalDate
            do { date = try LocalDate(day.date) } catch {
                throw BookingError(.calendarFileMalformed, "date \(String(day.date.prefix(32)))")
            }
            // Only the year itself and a break spilling over from the previous December belong here.
            guard date.year == file.year || (date.year == file.year - 1 && date.month == 12) else {
                throw BookingError(.calendarFileMalformed, "date \(date) outside year \(file.year)")
            }
            guard seen.insert(date).inserted else { throw BookingError(.calendarDuplicateDate, date.description) }
            entries.append(Entry(date: date, name: day.name, isOffDay: day.isOffDay))
        }
        return HolidayYear(year: file.year, papers: file.papers, entries: entries)
    }

    private static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }
            return keys.isEmpty ? "top level" : keys.joined(separator: ".")
        }
        switch error {
        case .keyNotFound(let key, let context):
            let hint = switch key.stringValue {
            case "papers": " (the list of State Council notices the schedule comes from, e.g. [\"https://www.gov.cn/…\"]; [] if none)"
            case "days": " (the list of holidays and make-up working days; [] while the year is not published)"
            default: ""
            }
            return "missing \(key.stringValue) at \(path(context))\(hint)"
        case .typeMismatch(_, let context): return "wrong type at \(path(context))"
        case .valueNotFound(_, let context): return "null at \(path(context))"
        case .dataCorrupted(let context): return context.codingPath.isEmpty ? "not JSON" : "bad value at \(path(context))"
        @unknown default: return "undecodable"
        }
    }
}

/// What the official calendar makes of a day.
public enum DayKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// Monday to Friday with no announced change.
    case workday
    /// Saturday or Sunday with no announced change.
    case weekend
    /// A statutory holiday or a day of its break, whatever weekday it falls on.
    case holiday
    /// A weekend day worked in exchange for a longer break (调休).
    case makeupWorkday

    public var isWorkingDay: Bool { self == .workday || self == .makeupWorkday }
}

public struct CalendarDay: Sendable, Hashable {
    public let date: LocalDate
    public let kind: DayKind
    /// The festival for holidays and make-up working days; nil otherwise.
    public let holidayName: String?
    /// True when the State Council has not yet published the year: the kind is then only the
    /// weekend rule and may change when the schedule is imported.
    public let provisional: Bool
}

/// The official working calendar: holiday-cn years layered over the Monday–Friday week.
public struct OfficialCalendar: Sendable, Equatable {
    public private(set) var years: [Int: HolidayYear]
    private var entries: [LocalDate: HolidayYear.Entry]

    public init(years: [HolidayYear]) throws(BookingError) {
        var byYear: [Int: HolidayYear] = [:]
        for year in years {
            guard byYear.updateValue(year, forKey: year.year) == nil else {
                throw BookingError(.calendarDuplicateYear, String(year.year))
            }
        }
        self.years = byYear
        self.entries = OfficialCalendar.index(byYear)
    }

    /// Decodes holiday-cn year files, in any order.
    public init(yearFiles: [Data]) throws(BookingError) {
        var years: [HolidayYear] = []
        for data in yearFiles { years.append(try HolidayYear.decode(data)) }
        try self.init(years: years)
    }

    /// The calendar with `year` taking the place of whatever was known for that year (what
    /// `kiosk calendar import` does when the State Council publishes a schedule).
    public func replacing(_ year: HolidayYear) -> OfficialCalendar {
        var copy = self
        copy.years[year.year] = year
        copy.entries = OfficialCalendar.index(copy.years)
        return copy
    }

    public func day(for date: LocalDate) -> CalendarDay {
        if let entry = entries[date] {
            return CalendarDay(date: date, kind: entry.isOffDay ? .holiday : .makeupWorkday,
                               holidayName: entry.name, provisional: false)
        }
        let published = years[date.year]?.isPublished ?? false
        return CalendarDay(date: date, kind: date.weekday.isWeekend ? .weekend : .workday,
                           holidayName: nil, provisional: !published)
    }

    /// The booked dates that were working days under `old` and are days off under `new`,
    /// sorted and without repeats: the bookings staff must move after an import.
    public static func datesBecomingDaysOff(_ bookedDates: [LocalDate], from old: OfficialCalendar,
                                            to new: OfficialCalendar) -> [LocalDate] {
        Set(bookedDates)
            .filter { old.day(for: $0).kind.isWorkingDay && !new.day(for: $0).kind.isWorkingDay }
            .sorted()
    }

    /// Where two files list the same date (a New Year break starting on 31 December), the later
    /// year's file wins: it was published after the earlier one and knows the final schedule.
    private static func index(_ years: [Int: HolidayYear]) -> [LocalDate: HolidayYear.Entry] {
        var entries: [LocalDate: HolidayYear.Entry] = [:]
        for year in years.keys.sorted() {
            for entry in years[year]?.entries ?? [] { entries[entry.date] = entry }
        }
        return entries
    }
}
