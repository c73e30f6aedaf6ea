import Foundation
import Testing
@testable import Booking

@Suite struct CalendarDayReportTests {
    func report(_ from: String, _ through: String, hours: HallHours = .standard) throws -> [CalendarDayReport] {
        CalendarDayReport.days(from: try LocalDate(from), through: try LocalDate(through),
                               calendar: try Fixtures.calendar(), hours: hours)
    }

    @Test func jsonUsesSnakeCaseAndOmitsAbsentValues() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let days = try report("2026-09-30", "2026-10-01")
        let json = String(decoding: try encoder.encode(days), as: UTF8.self)
        #expect(json == #"""
            [{"after_hours":["17:30-20:00"],"date":"2026-09-30","kind":"workday","lunch_duty":"12:00-14:30",\#
            "opening":"09:00-17:00","provisional":false,"weekday":"wednesday"},\#
            {"after_hours":[],"date":"2026-10-01","holiday_name":"国庆节","kind":"holiday","provisional":false,\#
            "weekday":"thursday"}]
            """#)
        #expect(try JSONDecoder().decode([CalendarDayReport].self, from: Data(json.utf8)) == days)
    }

    @Test func plainTextTable() throws {
        let hours = try HallHours(overrides: [DateOverride(date: LocalDate("2027-01-04"), hours: .closed, reason: "盘点")])
        let text = CalendarDayReport.table(try report("2026-12-31", "2027-01-04", hours: hours))
        #expect(text == """
            date         day  kind     hours        lunch duty   after hours  holiday / note
            2026-12-31   thu  workday  09:00-17:00  12:00-13:30  17:30-20:00
            2027-01-01*  fri  workday  09:00-17:00  12:00-13:30  17:30-20:00
            2027-01-02*  sat  weekend  closed       -            09:00-12:00
            2027-01-03*  sun  weekend  closed       -            09:00-12:00
            2027-01-04*  mon  workday  closed       -            -            盘点
            * provisional: the State Council has not published this year's holidays (国务院尚未公布当年节假日安排)

            """)
    }

    @Test func makeupWorkdayShowsItsFestival() throws {
        let text = CalendarDayReport.table(try report("2026-02-28", "2026-02-28"))
        #expect(text == """
            date        day  kind           hours        lunch duty   after hours  holiday / note
            2026-02-28  sat  makeupWorkday  09:00-17:00  12:00-13:30  17:30-20:00  春节

            """)
        #expect(try report("2026-03-02", "2026-03-01").isEmpty)
    }
}
