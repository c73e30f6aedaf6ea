import Foundation
import Testing
@testable import Booking

@Suite struct CivilTimeTests {
    @Test func parsesAndFormatsDates() throws {
        let date = try LocalDate("2024-02-29")
        #expect(date.year == 2024 && date.month == 2 && date.day == 29)
        #expect(date.description == "2024-02-29")
        #expect(try LocalDate(year: 7, month: 3, day: 9).description == "0007-03-09")
    }

    @Test(arguments: ["2023-02-29", "2024-13-01", "2024-00-10", "2024-04-31", "2024-2-04", "2024/02/04",
                      "20240204", "2024-02-04 ", "0000-01-01", "２０２４-02-04", ""])
    func rejectsInvalidDates(_ text: String) {
        #expect(throws: BookingError.self) { try LocalDate(text) }
        do { _ = try LocalDate(text) } catch { #expect(error.code == .invalidDate) }
    }

    @Test func weekdays() throws {
        #expect(try LocalDate("1970-01-01").weekday == .thursday)
        #expect(try LocalDate("2000-02-29").weekday == .tuesday)
        #expect(try LocalDate("2026-12-01").weekday == .tuesday)
        #expect(try LocalDate("2026-02-14").weekday == .saturday)
        #expect(try LocalDate("1969-12-31").weekday == .wednesday)
        #expect(Weekday.sunday.isoNumber == 7 && Weekday.monday.isoNumber == 1)
    }

    @Test func addsDaysAcrossMonthsAndYears() throws {
        #expect(try LocalDate("2024-02-28").adding(days: 1).description == "2024-02-29")
        #expect(try LocalDate("2025-02-28").adding(days: 1).description == "2025-03-01")
        #expect(try LocalDate("2026-12-25").adding(days: 14).description == "2027-01-08")
        #expect(try LocalDate("2027-01-01").adding(days: -1).description == "2026-12-31")
        #expect(try LocalDate("2026-12-01").days(until: LocalDate("2027-01-01")) == 31)
        #expect(try LocalDate("1970-01-01").dayNumber == 0)
        #expect(LocalDate(dayNumber: -719_162).description == "0001-01-01")
        #expect(LocalDate(dayNumber: 2_932_896).description == "9999-12-31")
    }

    @Test func dayNumbersRoundTripThroughText() throws {
        var previous = LocalDate(dayNumber: -719_163)
        for number in stride(from: -719_162, through: 2_932_896, by: 37) {
            let date = LocalDate(dayNumber: number)
            #expect(date.dayNumber == number)
            #expect(try LocalDate(date.description) == date)
            #expect(previous < date)
            previous = date
        }
    }

    @Test func parsesTimes() throws {
        #expect(try LocalTime("09:05").minutesSinceMidnight == 545)
        #expect(try LocalTime("23:59").description == "23:59")
        for bad in ["24:00", "9:00", "09:60", "09-00", "0900", "09:00:00"] {
            #expect(throws: BookingError(.invalidTime, bad)) { try LocalTime(bad) }
        }
        #expect(try TimeRange("12:00-13:30").description == "12:00-13:30")
        #expect(throws: BookingError(.invalidTimeRange, "13:30-12:00")) { try TimeRange("13:30-12:00") }
        #expect(throws: BookingError(.invalidTimeRange, "12:00-12:00")) { try TimeRange("12:00-12:00") }
        // 24:00 ends a range (the day's last midnight) and begins none.
        #expect(try TimeRange("00:00-24:00").end.minutesSinceMidnight == 1440)
        #expect(try TimeRange("22:00-24:00").description == "22:00-24:00")
        for bad in ["24:00-24:00", "00:00-24:01", "00:00-25:00", "24:00-23:00"] {
            #expect(throws: BookingError(.invalidTimeRange, bad)) { try TimeRange(bad) }
        }
        #expect(try MonthDay("02-29").description == "02-29")
        #expect(throws: BookingError(.invalidMonthDay, "02-30")) { try MonthDay("02-30") }
    }

    @Test func beijingInstantsCarryPlusEight() throws {
        let instant = try LocalDate("2026-12-01").instant(at: LocalTime("09:00"), in: Fixtures.shanghai)
        #expect(instant.timeIntervalSince1970 == 1_796_086_800)
        #expect(LocalDate(containing: instant, in: Fixtures.shanghai).description == "2026-12-01")
        #expect(LocalTime(containing: instant, in: Fixtures.shanghai).description == "09:00")
        // 23:30 UTC on 30 November is already 1 December in Beijing.
        let lateUTC = Date(timeIntervalSince1970: 1_796_086_800 - 1.5 * 3600)
        #expect(LocalDate(containing: lateUTC, in: Fixtures.shanghai).description == "2026-12-01")
        #expect(LocalTime(containing: lateUTC, in: Fixtures.shanghai).description == "07:30")
        #expect(formatOffset(8 * 3600) == "+08:00" && formatOffset(-(3 * 3600 + 1800)) == "-03:30")
    }

    @Test func zoneWithDaylightSavingResolvesEveryWallTime() throws {
        let berlin = try #require(TimeZone(identifier: "Europe/Berlin"))
        // 2026-03-29 02:30 does not exist in Berlin; it resolves with the winter offset (+01:00).
        let skipped = try LocalDate("2026-03-29").instant(at: LocalTime("02:30"), in: berlin)
        #expect(skipped.timeIntervalSince1970 == 1_774_747_800)
        // 2026-10-25 02:30 happens twice; the first (+02:00) is chosen.
        let repeated = try LocalDate("2026-10-25").instant(at: LocalTime("02:30"), in: berlin)
        #expect(repeated.timeIntervalSince1970 == 1_792_888_200)
    }
}
