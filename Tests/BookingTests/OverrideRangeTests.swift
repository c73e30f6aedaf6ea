import Foundation
import Testing
@testable import Booking

/// A holiday week closed in one override, and what an override does to the after-hours windows
/// (documented on `DateOverride` and in kiosk.conf).
@Suite struct OverrideRangeTests {
    func schedule(_ date: String, _ hours: HallHours) throws -> DaySchedule {
        hours.schedule(for: try Fixtures.calendar().day(for: LocalDate(date)))
    }

    @Test func aClosedWeekClosesEveryDayAndItsEvenings() throws {
        let hours = try HallHours(overrides: [
            DateOverride(from: LocalDate("2026-12-07"), to: LocalDate("2026-12-13"), hours: .closed, reason: "搬迁"),
        ])
        for offset in 0..<7 {
            let day = try schedule(try LocalDate("2026-12-07").adding(days: offset).description, hours)
            #expect(day.opening == nil && day.afterHours.isEmpty && day.overrideReason == "搬迁")
        }
        let after = try schedule("2026-12-14", hours)
        #expect(after.opening != nil && after.overrideReason == nil)
        let slots = SlotGenerator(calendar: try Fixtures.calendar(), hours: hours)
            .slots(for: try Fixtures.hukou(), from: try LocalDate("2026-12-07"), through: try LocalDate("2026-12-13"),
                   now: try Fixtures.beijing("2026-12-04 09:00"))
        #expect(slots.isEmpty)
    }

    @Test func anEarlyCloseOnAWorkingDayKeepsItsEveningWindow() throws {
        let hours = try HallHours(overrides: [DateOverride(date: LocalDate("2026-12-31"), hours: DayHours("09:00-12:00"))])
        let day = try schedule("2026-12-31", hours)
        #expect(day.opening?.description == "09:00-12:00")
        #expect(day.afterHours.map(\.time.description) == ["17:30-20:00"])
    }

    @Test func aHolidayOrWeekendOpenedByAnOverrideHasNoAfterHoursWindow() throws {
        let hours = try HallHours(overrides: [
            DateOverride(date: LocalDate("2026-10-03"), hours: DayHours("09:00-12:00")),  // National Day break
            DateOverride(date: LocalDate("2026-12-05"), hours: DayHours("13:00-16:00")),  // a Saturday
        ])
        for date in ["2026-10-03", "2026-12-05"] {
            let day = try schedule(date, hours)
            #expect(day.opening != nil)
            #expect(day.afterHours.isEmpty, "\(date)")
        }
        // Without the override the Saturday keeps its weekend morning window.
        #expect(try schedule("2026-12-05", .standard).afterHours.map(\.time.description) == ["09:00-12:00"])
    }

    @Test func aRangeRoundTripsThroughItsKeys() throws {
        let range = try DateOverride(from: LocalDate("2027-02-10"), to: LocalDate("2027-02-17"), hours: .closed, reason: "春节")
        let data = try JSONEncoder().encode(range)
        // Untyped on purpose: which keys are written is the wire format under test.
        let keys = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any]).keys.sorted()
        #expect(keys == ["from", "hours", "reason", "to"])
        #expect(try JSONDecoder().decode(DateOverride.self, from: data) == range)
        #expect(range.dates.count == 8)
        #expect(throws: BookingError.self) {
            try DateOverride(from: LocalDate("2027-02-17"), to: LocalDate("2027-02-10"), hours: .closed)
        }
    }
}
