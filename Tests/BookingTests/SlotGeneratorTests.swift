import Foundation
import Testing
@testable import Booking

@Suite struct SlotGeneratorTests {
    func generator(_ hours: HallHours = .standard) throws -> SlotGenerator {
        SlotGenerator(calendar: try Fixtures.calendar(), hours: hours)
    }

    func slots(_ service: Service, _ from: String, _ through: String, now: String,
               hours: HallHours = .standard) throws -> [Slot] {
        try generator(hours).slots(for: service, from: LocalDate(from), through: LocalDate(through),
                                   now: Fixtures.beijing(now))
    }

    @Test func ordinaryWinterWeekday() throws {
        let day = try slots(Fixtures.hukou(), "2026-12-01", "2026-12-01", now: "2026-11-30 10:00")
        #expect(day.count == 21)
        #expect(day.filter { $0.kind == .regular }.count == 13)
        #expect(day.filter { $0.kind == .lunchDuty }.map(\.startTime.description) == ["12:00", "12:30", "13:00"])
        #expect(day.filter { $0.kind == .afterHours }.map(\.startTime.description)
            == ["17:30", "18:00", "18:30", "19:00", "19:30"])
        // Six per slot over three counters; one duty counter serves two, one evening counter two.
        #expect(Set(day.filter { $0.kind == .regular }.map(\.capacity)) == [6])
        #expect(Set(day.filter { $0.kind != .regular }.map(\.capacity)) == [2])

        let first = try #require(day.first)
        #expect(first.id == "hukou:2026-12-01T09:00+08:00")
        #expect(first.start.timeIntervalSince1970 == 1_796_086_800)
        #expect(first.end.timeIntervalSince1970 == 1_796_086_800 + 1800)
        #expect(first.endTime.description == "09:30" && first.serviceID == "hukou" && !first.provisional)
        #expect(day.last?.id == "hukou:2026-12-01T19:30+08:00")
    }

    @Test func instantsAreFixedPlusEight() throws {
        let all = try slots(Fixtures.hukou(), "2026-12-01", "2026-12-14", now: "2026-11-30 10:00")
        for slot in all {
            #expect(slot.id.hasSuffix("+08:00"))
            let midnight = slot.date.instant(at: try LocalTime("00:00"), in: Fixtures.shanghai)
            #expect(slot.start.timeIntervalSince(midnight) == Double(slot.startTime.minutesSinceMidnight * 60))
            #expect(slot.start.timeIntervalSince1970.truncatingRemainder(dividingBy: 86_400)
                == Double((slot.startTime.minutesSinceMidnight - 480 + 1440) % 1440 * 60))
            #expect(slot.end.timeIntervalSince(slot.start) == 1800)
        }
        #expect(Set(all.map(\.id)).count == all.count)
    }

    @Test func summerLunchDutyReducesMoreSlots() throws {
        let day = try slots(Fixtures.hukou(), "2026-06-02", "2026-06-02", now: "2026-06-01 08:00")
        #expect(day.filter { $0.kind == .lunchDuty }.map(\.startTime.description)
            == ["12:00", "12:30", "13:00", "13:30", "14:00"])
        let twoOnDuty = try HallHours(lunchDutyCounters: 2)
        let reduced = try slots(Fixtures.hukou(), "2026-06-02", "2026-06-02", now: "2026-06-01 08:00", hours: twoOnDuty)
        #expect(Set(reduced.filter { $0.kind == .lunchDuty }.map(\.capacity)) == [4])
    }

    @Test func slotsStraddlingTheLunchBoundaryCountAsDuty() throws {
        let service = try Service(id: "tax", nameZH: "税务", nameEN: "Tax", durationMinutes: 20,
                                  counters: ["B1", "B2"], capacityPerSlot: 3, minimumNoticeMinutes: 0)
        let day = try slots(service, "2026-12-01", "2026-12-01", now: "2026-12-01 00:00")
        #expect(day.count == 24)
        #expect(day.filter { $0.kind == .lunchDuty }.map(\.startTime.description)
            == ["12:00", "12:20", "12:40", "13:00", "13:20"])
        #expect(Set(day.filter { $0.kind == .lunchDuty }.map(\.capacity)) == [2])
        #expect(day.allSatisfy { $0.kind != .afterHours })
    }

    @Test func minimumNoticeAndHorizon() throws {
        let today = try slots(Fixtures.hukou(), "2026-12-01", "2026-12-01", now: "2026-12-01 10:10")
        #expect(today.first?.startTime.description == "11:30")
        #expect(today.count == 11, "11:30–16:30, and no evening: booked too late")
        #expect(try slots(Fixtures.hukou(), "2026-11-30", "2026-11-30", now: "2026-12-01 10:10").isEmpty)

        let all = try slots(Fixtures.hukou(), "2026-11-01", "2027-03-01", now: "2026-12-01 10:10")
        #expect(all.last?.date.description == "2026-12-15")
        #expect(all.first?.date.description == "2026-12-01")
        let todayOnly = try slots(Fixtures.hukou(horizonDays: 0), "2026-12-01", "2026-12-31", now: "2026-12-01 10:10")
        #expect(Set(todayOnly.map(\.date.description)) == ["2026-12-01"])
        #expect(try slots(Fixtures.hukou(), "2026-12-02", "2026-12-01", now: "2026-12-01 10:10").isEmpty)
    }

    func afterHoursDates(now: String) throws -> [String] {
        try slots(Fixtures.hukou(), "2026-12-04", "2026-12-08", now: now)
            .filter { $0.kind == .afterHours }
            .map { "\($0.date) \($0.startTime)" }
    }

    @Test func afterHoursNeedsOneWorkingDayAhead() throws {
        let friday = try afterHoursDates(now: "2026-12-04 16:59")
        #expect(friday.first == "2026-12-05 09:00")
        #expect(friday.filter { $0.hasPrefix("2026-12-05") }.count == 6)
        #expect(friday.filter { $0.hasPrefix("2026-12-06") }.count == 6)
        #expect(friday.filter { $0.hasPrefix("2026-12-07") }.count == 5)
        #expect(friday.filter { $0.hasPrefix("2026-12-04") }.isEmpty, "Friday evening needed Thursday")

        let afterClosing = try afterHoursDates(now: "2026-12-04 17:00")
        #expect(afterClosing.allSatisfy { $0.hasPrefix("2026-12-08") })
        #expect(afterClosing.count == 5)
    }

    @Test func afterHoursRespectsServiceAndWindowLists() throws {
        let noEvening = try slots(Fixtures.hukou(afterHours: false), "2026-12-01", "2026-12-14", now: "2026-11-30 10:00")
        #expect(noEvening.allSatisfy { $0.kind != .afterHours })
        let onlyTax = try HallHours(afterHours: [AfterHoursWindow(days: .workingDays, time: TimeRange("17:30-20:00"),
                                                                  services: ["tax"])])
        let hukou = try slots(Fixtures.hukou(), "2026-12-01", "2026-12-14", now: "2026-11-30 10:00", hours: onlyTax)
        #expect(hukou.allSatisfy { $0.kind != .afterHours })
    }

    @Test func holidaysAndOverridesHaveNoSlots() throws {
        let nationalDay = try slots(Fixtures.hukou(), "2026-10-01", "2026-10-07", now: "2026-09-28 09:00")
        #expect(nationalDay.isEmpty)
        let hours = try HallHours(overrides: [
            DateOverride(date: LocalDate("2026-12-03"), hours: .closed),
            DateOverride(date: LocalDate("2026-12-06"), hours: DayHours("09:00-12:00")),
        ])
        let week = try slots(Fixtures.hukou(), "2026-12-03", "2026-12-06", now: "2026-11-30 10:00", hours: hours)
        #expect(week.filter { $0.date.description == "2026-12-03" }.isEmpty)
        let sunday = week.filter { $0.date.description == "2026-12-06" }
        #expect(sunday.filter { $0.kind == .regular }.count == 6)
        #expect(sunday.filter { $0.kind == .afterHours }.isEmpty, "a Sunday opened by an override has no evening window")
    }

    @Test func afterHoursSlotsNeverOverlapOpeningHours() throws {
        let hours = try HallHours(overrides: [DateOverride(date: LocalDate("2026-12-02"), hours: DayHours("09:00-18:30"))])
        let day = try slots(Fixtures.hukou(), "2026-12-02", "2026-12-02", now: "2026-11-30 10:00", hours: hours)
        #expect(day.filter { $0.kind == .afterHours }.map(\.startTime.description) == ["18:30", "19:00", "19:30"])
        #expect(day.filter { $0.kind == .regular }.last?.startTime.description == "18:00")
    }

    @Test func provisionalYearMarksSlots() throws {
        let days = try slots(Fixtures.hukou(), "2026-12-31", "2027-01-04", now: "2026-12-28 10:00")
        #expect(days.filter { $0.date.year == 2026 }.allSatisfy { !$0.provisional })
        let january = days.filter { $0.date.year == 2027 }
        #expect(!january.isEmpty && january.allSatisfy(\.provisional))
        #expect(Set(january.map(\.date.description)) == ["2027-01-01", "2027-01-02", "2027-01-03", "2027-01-04"])
    }

    @Test func capacityShares() throws {
        let service = try Fixtures.hukou()
        #expect(service.capacity(staffedCounters: 3) == 6)
        #expect(service.capacity(staffedCounters: 1) == 2)
        #expect(service.capacity(staffedCounters: 9) == 6)
        let single = try Service(id: "a", nameZH: "甲", nameEN: "A", durationMinutes: 15, counters: ["1", "2", "3"])
        #expect(single.capacity(staffedCounters: 1) == 1)
    }

    @Test func serviceValidationAndKeys() throws {
        #expect(throws: BookingError(.invalidService, "id")) {
            try Service(id: "a:b", nameZH: "", nameEN: "", durationMinutes: 15, counters: ["1"])
        }
        #expect(throws: BookingError(.invalidService, "a.counters")) {
            try Service(id: "a", nameZH: "", nameEN: "", durationMinutes: 15, counters: [])
        }
        #expect(throws: BookingError(.invalidService, "a.duration_minutes")) {
            try Service(id: "a", nameZH: "", nameEN: "", durationMinutes: 0, counters: ["1"])
        }
        let json = #"{"id": "hukou", "name_zh": "户籍办理", "name_en": "Household registration", "duration_minutes": 30, "counters": ["A01", "A02", "A03"], "capacity_per_slot": 6, "min_notice_minutes": 60, "after_hours": true}"#
        #expect(try JSONDecoder().decode(Service.self, from: Data(json.utf8)) == Fixtures.hukou())
        let bad = #"{"id": "x", "name_zh": "", "name_en": "", "duration_minutes": 30, "counters": ["A"], "capacity_per_slot": 0}"#
        do {
            _ = try JSONDecoder().decode(Service.self, from: Data(bad.utf8))
            Issue.record("decoded a service with no capacity")
        } catch let DecodingError.dataCorrupted(context) {
            #expect(context.codingPath.last?.stringValue == "capacity_per_slot")
        }
    }
}
