import Foundation
import Testing
@testable import Booking

@Suite struct OfficialCalendarTests {
    struct Vector: Sendable, CustomStringConvertible {
        let date: String
        let kind: DayKind
        let name: String?
        var description: String { date }
    }

    static let vectors: [Vector] = [
        Vector(date: "2024-01-01", kind: .holiday, name: "元旦"),
        Vector(date: "2024-02-04", kind: .makeupWorkday, name: "春节"),  // Sunday worked
        Vector(date: "2024-02-10", kind: .holiday, name: "春节"),
        Vector(date: "2024-02-18", kind: .makeupWorkday, name: "春节"),  // Sunday worked
        Vector(date: "2024-02-19", kind: .workday, name: nil),
        Vector(date: "2024-10-01", kind: .holiday, name: "国庆节"),
        Vector(date: "2024-10-05", kind: .holiday, name: "国庆节"),      // a Saturday inside the break
        Vector(date: "2024-10-12", kind: .makeupWorkday, name: "国庆节"),
        Vector(date: "2024-10-13", kind: .weekend, name: nil),
        Vector(date: "2025-01-26", kind: .makeupWorkday, name: "春节"),
        Vector(date: "2025-01-27", kind: .workday, name: nil),           // Monday before the break
        Vector(date: "2025-10-06", kind: .holiday, name: "国庆节、中秋节"),
        Vector(date: "2026-01-04", kind: .makeupWorkday, name: "元旦"),
        Vector(date: "2026-02-14", kind: .makeupWorkday, name: "春节"),
        Vector(date: "2026-02-15", kind: .holiday, name: "春节"),
        Vector(date: "2026-02-17", kind: .holiday, name: "春节"),         // 正月初一
        Vector(date: "2026-02-23", kind: .holiday, name: "春节"),
        Vector(date: "2026-02-24", kind: .workday, name: nil),
        Vector(date: "2026-02-28", kind: .makeupWorkday, name: "春节"),
        Vector(date: "2026-12-01", kind: .workday, name: nil),
        Vector(date: "2026-12-05", kind: .weekend, name: nil),
        Vector(date: "2026-12-06", kind: .weekend, name: nil),
        Vector(date: "2022-12-31", kind: .holiday, name: "元旦"),         // listed in the 2023 file
    ]

    @Test(arguments: vectors)
    func publishedDays(_ vector: Vector) throws {
        let day = try Fixtures.calendar().day(for: LocalDate(vector.date))
        #expect(day.kind == vector.kind)
        #expect(day.holidayName == vector.name)
        #expect(day.provisional == false)
    }

    @Test func springFestival2026IsNineDaysOff() throws {
        let calendar = try Fixtures.calendar()
        let start = try LocalDate("2026-02-14")
        let kinds = (0..<16).map { calendar.day(for: start.adding(days: $0)).kind }
        #expect(kinds == [.makeupWorkday] + Array(repeating: .holiday, count: 9)
            + [.workday, .workday, .workday, .workday, .makeupWorkday, .weekend])
    }

    @Test func unpublishedYearFallsBackToWeekendsAndIsProvisional() throws {
        let calendar = try Fixtures.calendar()
        let monday = calendar.day(for: try LocalDate("2027-02-08"))
        #expect(monday.kind == .workday && monday.provisional && monday.holidayName == nil)
        let saturday = calendar.day(for: try LocalDate("2027-01-02"))
        #expect(saturday.kind == .weekend && saturday.provisional)
        #expect(calendar.day(for: try LocalDate("2031-10-01")).provisional)
        #expect(calendar.years[2027]?.isPublished == false)
    }

    @Test func decodesAYearFile() throws {
        let year = try HolidayYear.decode(Fixtures.yearFile(2025))
        #expect(year.year == 2025)
        #expect(year.papers.count == 1)
        #expect(year.entries.count == 33)
        #expect(year.entries.filter { !$0.isOffDay }.map(\.date.description)
            == ["2025-01-26", "2025-02-08", "2025-04-27", "2025-09-28", "2025-10-11"])
    }

    static func file(_ days: String, year: Int = 2027) -> Data {
        Data(#"{"year": \#(year), "papers": [], "days": [\#(days)]}"#.utf8)
    }

    @Test func rejectsMalformedFiles() {
        let cases: [(Data, BookingError)] = [
            (Data("not json".utf8), BookingError(.calendarFileMalformed, "not JSON")),
            (Data(#"{"year": 2027, "days": []}"#.utf8), BookingError(.calendarFileMalformed,
                "missing papers at top level (the list of State Council notices the schedule comes from, "
                    + "e.g. [\"https://www.gov.cn/…\"]; [] if none)")),
            (Self.file(#"{"name": "春节", "date": "2027-02-06", "isOffDay": "yes"}"#),
             BookingError(.calendarFileMalformed, "wrong type at days.[0].isOffDay")),
            (Self.file(#"{"name": "春节", "date": "2027-02-30", "isOffDay": true}"#),
             BookingError(.calendarFileMalformed, "date 2027-02-30")),
            (Self.file(#"{"name": "元旦", "date": "2025-01-01", "isOffDay": true}"#),
             BookingError(.calendarFileMalformed, "date 2025-01-01 outside year 2027")),
            (Self.file(#"{"name": "春节", "date": "2027-02-06", "isOffDay": true}, {"name": "春节", "date": "2027-02-06", "isOffDay": false}"#),
             BookingError(.calendarDuplicateDate, "2027-02-06")),
        ]
        for (data, expected) in cases {
            #expect(throws: expected) { try HolidayYear.decode(data) }
        }
    }

    @Test func rejectsTwoFilesForOneYear() throws {
        #expect(throws: BookingError(.calendarDuplicateYear, "2025")) {
            try OfficialCalendar(yearFiles: [Fixtures.yearFile(2025), Fixtures.yearFile(2024), Fixtures.yearFile(2025)])
        }
    }

    /// A made-up 2027 schedule: the break moved onto Monday 8 February, paid for on Saturday 20th.
    static let published2027 = file("""
        {"name": "春节", "date": "2027-02-06", "isOffDay": true},
        {"name": "春节", "date": "2027-02-07", "isOffDay": true},
        {"name": "春节", "date": "2027-02-08", "isOffDay": true},
        {"name": "春节", "date": "2027-02-20", "isOffDay": false}
        """)

    @Test func importingAYearReplacesItAndNamesBookingsToMove() throws {
        let old = try Fixtures.calendar()
        let new = old.replacing(try HolidayYear.decode(Self.published2027))
        let monday = new.day(for: try LocalDate("2027-02-08"))
        #expect(monday.kind == .holiday && monday.holidayName == "春节" && !monday.provisional)
        #expect(new.day(for: try LocalDate("2027-02-20")).kind == .makeupWorkday)
        #expect(new.day(for: try LocalDate("2027-03-01")).provisional == false)
        #expect(old.day(for: try LocalDate("2027-02-08")).provisional, "the old value is unchanged")
        #expect(new.day(for: try LocalDate("2026-10-01")).kind == .holiday, "other years are kept")

        let booked = try ["2027-02-09", "2027-02-08", "2027-02-20", "2027-02-08", "2027-02-07", "2027-02-05"].map(LocalDate.init)
        #expect(OfficialCalendar.datesBecomingDaysOff(booked, from: old, to: new) == [try LocalDate("2027-02-08")])
        #expect(OfficialCalendar.datesBecomingDaysOff(booked, from: new, to: old) == [try LocalDate("2027-02-20")])
    }
}
