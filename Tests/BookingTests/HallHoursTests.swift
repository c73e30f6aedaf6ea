import Foundation
import Testing
@testable import Booking

@Suite struct HallHoursTests {
    func schedule(_ date: String, hours: HallHours = .standard) throws -> DaySchedule {
        hours.schedule(for: try Fixtures.calendar().day(for: LocalDate(date)))
    }

    @Test func ordinaryWeekdayAndWeekend() throws {
        let tuesday = try schedule("2026-12-01")
        #expect(tuesday.opening?.description == "09:00-17:00")
        #expect(tuesday.lunchDuty?.description == "12:00-13:30")
        #expect(tuesday.afterHours.map(\.time.description) == ["17:30-20:00"])
        let saturday = try schedule("2026-12-05")
        #expect(saturday.opening == nil && saturday.lunchDuty == nil)
        #expect(saturday.afterHours.map(\.time.description) == ["09:00-12:00"])
    }

    @Test func holidaysCloseAndMakeupWorkdaysOpen() throws {
        let nationalDay = try schedule("2026-10-03")  // a Saturday inside the break
        #expect(nationalDay.opening == nil && nationalDay.afterHours.isEmpty)
        let makeup = try schedule("2026-02-28")
        #expect(makeup.opening?.description == "09:00-17:00")
        #expect(makeup.afterHours.map(\.days) == [.workingDays])
        let restDays = try HallHours(afterHours: [AfterHoursWindow(days: .restDays, time: TimeRange("09:00-11:00"))])
        #expect(try schedule("2026-10-03", hours: restDays).afterHours.count == 1)
        #expect(try schedule("2026-12-05", hours: restDays).afterHours.count == 1)
        #expect(try schedule("2026-12-01", hours: restDays).afterHours.isEmpty)
    }

    @Test func summerLunchWindowBoundaries() throws {
        let hours = HallHours.standard
        #expect(!hours.isSummer(try LocalDate("2026-04-30")))
        #expect(hours.isSummer(try LocalDate("2026-05-01")))
        #expect(hours.isSummer(try LocalDate("2026-09-30")))
        #expect(!hours.isSummer(try LocalDate("2026-10-01")))
        // Last working day before summer, and the first one in it (1–5 May are the Labour Day break).
        #expect(try schedule("2026-04-30").lunchDuty?.description == "12:00-13:30")
        #expect(try schedule("2026-05-01").lunchDuty == nil)
        #expect(try schedule("2026-05-06").lunchDuty?.description == "12:00-14:30")
        #expect(try schedule("2026-05-09").lunchDuty?.description == "12:00-14:30")  // make-up Saturday
        #expect(try schedule("2026-09-30").lunchDuty?.description == "12:00-14:30")
        #expect(try schedule("2026-10-09").lunchDuty?.description == "12:00-13:30")
    }

    @Test func summerAcrossNewYear() throws {
        let hours = try HallHours(summerStart: MonthDay("11-01"), summerEnd: MonthDay("02-28"))
        #expect(try hours.isSummer(LocalDate("2026-12-31")) && hours.isSummer(LocalDate("2027-01-01")))
        #expect(!hours.isSummer(try LocalDate("2026-03-01")))
    }

    @Test func dateOverrides() throws {
        let hours = try HallHours(overrides: [
            DateOverride(date: LocalDate("2026-12-03"), hours: .closed, reason: "系统升级"),
            DateOverride(date: LocalDate("2026-12-06"), hours: DayHours("09:00-15:00"), reason: "集中办理日"),
            DateOverride(date: LocalDate("2026-10-02"), hours: DayHours("10:00-12:00")),
        ])
        let closed = try schedule("2026-12-03", hours: hours)
        #expect(closed.opening == nil && closed.afterHours.isEmpty && closed.overrideReason == "系统升级")
        let extraSunday = try schedule("2026-12-06", hours: hours)
        #expect(extraSunday.opening?.description == "09:00-15:00")
        #expect(extraSunday.lunchDuty?.description == "12:00-13:30")
        // A rest day opened by an override opens for its hours only (DateOverride documents it).
        #expect(extraSunday.afterHours.isEmpty)
        let holidayMorning = try schedule("2026-10-02", hours: hours)
        #expect(holidayMorning.opening?.description == "10:00-12:00" && holidayMorning.lunchDuty == nil)
        #expect(holidayMorning.afterHours.isEmpty)

        #expect(throws: BookingError(.invalidHours, "overrides: 2026-12-03 is changed by two overrides")) {
            try HallHours(overrides: [DateOverride(date: LocalDate("2026-12-03"), hours: .closed),
                                      DateOverride(date: LocalDate("2026-12-03"), hours: .closed)])
        }
    }

    @Test func decodesSnakeCaseKeysWithDefaults() throws {
        let json = #"""
        {"friday": "09:00-16:00", "saturday": "09:00-12:00", "lunch_duty_counters": 2,
         "summer_lunch_duty_end": "14:00",
         "after_hours": [{"days": "rest_days", "time": "09:00-11:30", "counters": 2, "services": ["hukou"]}],
         "overrides": [{"date": "2026-12-24", "hours": "closed", "reason": "培训"}]}
        """#
        let hours = try JSONDecoder().decode(HallHours.self, from: Data(json.utf8))
        #expect(hours.timeZone.identifier == "Asia/Shanghai")
        #expect(hours.weekly[.monday] == HallHours.defaultWeekday)
        #expect(hours.weekly[.friday]?.description == "09:00-16:00")
        #expect(hours.weekly[.saturday]?.description == "09:00-12:00")
        #expect(hours.weekly[.sunday] == .closed)
        #expect(hours.lunchDuty.description == "12:00-13:30" && hours.lunchDutyCounters == 2)
        #expect(hours.summerLunchDutyEnd.description == "14:00" && hours.summerStart.description == "05-01")
        #expect(hours.afterHours == [AfterHoursWindow(days: .restDays, time: try TimeRange("09:00-11:30"),
                                                      counters: 2, services: ["hukou"])])
        #expect(hours.overrides[try LocalDate("2026-12-24")]?.reason == "培训")

        let roundTrip = try JSONDecoder().decode(HallHours.self, from: JSONEncoder().encode(hours))
        #expect(roundTrip == hours)
        #expect(try JSONDecoder().decode(HallHours.self, from: Data("{}".utf8)) == HallHours.standard)
    }

    /// `00:00-24:00` is the whole day: staffed in its last minute, with a last slot that ends at
    /// midnight, walk-ins until then, and the same text when written back.
    @Test func aHallOpenAllDayIsOpenInItsLastMinute() throws {
        let allDay = try DayHours("00:00-24:00")
        let hours = try HallHours(weekly: [.tuesday: allDay], afterHours: [])
        let tuesday = try schedule("2026-12-01", hours: hours)
        #expect(tuesday.opening?.description == "00:00-24:00")
        #expect(tuesday.isStaffed(at: try LocalTime("23:59")))
        #expect(tuesday.isStaffed(at: try LocalTime("00:00")))
        let toOneMinuteBefore = try schedule("2026-12-01", hours: HallHours(weekly: [.tuesday: DayHours("00:00-23:59")]))
        #expect(!toOneMinuteBefore.isStaffed(at: try LocalTime("23:59")), "what the walks configured before")

        let service = try Service(id: "tax", nameZH: "税务", nameEN: "Tax", durationMinutes: 30,
                                  counters: ["B1"], capacityPerSlot: 1, minimumNoticeMinutes: 0)
        let slots = try SlotGenerator(calendar: Fixtures.calendar(), hours: hours)
            .slots(for: service, from: LocalDate("2026-12-01"), through: LocalDate("2026-12-01"),
                   now: Fixtures.beijing("2026-11-30 10:00"))
        #expect(slots.count == 48)
        let last = try #require(slots.last)
        #expect(last.startTime.description == "23:30")
        let midnight = try LocalDate("2026-12-02").instant(at: LocalTime("00:00"), in: Fixtures.shanghai)
        #expect(last.end == midnight)

        try QueuePolicy().checkWalkInsOpen(now: try Fixtures.beijing("2026-12-01 23:59"), schedule: tuesday, zone: Fixtures.shanghai)

        let written = try JSONDecoder().decode(HallHours.self, from: Data(#"{"tuesday": "00:00-24:00"}"#.utf8))
        #expect(written.weekly[.tuesday] == allDay)
        #expect(try JSONDecoder().decode(HallHours.self, from: JSONEncoder().encode(written)) == written)
    }

    @Test(arguments: [
        (#"{"lunch_duty_counters": 0}"#, "lunch_duty_counters"),
        (#"{"monday": "24:00-24:00"}"#, "monday"),
        (#"{"monday": "00:00-24:01"}"#, "monday"),
        (#"{"time_zone": "Mars/Olympus"}"#, "time_zone"),
        (#"{"monday": "9-17"}"#, "monday"),
        (#"{"lunch_duty": "13:30-12:00"}"#, "lunch_duty"),
        (#"{"summer_lunch_duty_end": "11:00"}"#, "summer_lunch_duty_end"),
        (#"{"summer_start": "02-30"}"#, "summer_start"),
        (#"{"after_hours": [{"days": "holidays", "time": "09:00-11:00"}]}"#, "days"),
        (#"{"after_hours": [{"days": "weekends", "time": "09:00-11:00", "counters": 0}]}"#, "counters"),
        (#"{"overrides": [{"date": "2026-12-24", "hours": "closed"}, {"date": "2026-12-24", "hours": "closed"}]}"#, "overrides"),
    ])
    func decodingErrorsNameTheKey(_ json: String, key: String) throws {
        do {
            _ = try JSONDecoder().decode(HallHours.self, from: Data(json.utf8))
            Issue.record("decoded \(json)")
        } catch let DecodingError.dataCorrupted(context) {
            #expect(context.codingPath.last?.stringValue == key)
        }
    }
}
