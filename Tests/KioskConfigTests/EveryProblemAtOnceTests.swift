import Booking
import Foundation
import KioskTesting
import Testing
@testable import KioskConfig

/// `kiosk config check` promises every problem at once: a hall administrator fixes the file in
/// one pass, not one run per mistake. Each message says what to write.
@Suite struct EveryProblemAtOnceTests {
    let scratch: ScratchDirectory

    init() throws {
        scratch = try ScratchDirectory(prefix: "kiosk-config")
        for folder in ["Forms", "Devices"] {
            try FileManager.default.createDirectory(atPath: "\(scratch.path)/\(folder)", withIntermediateDirectories: true)
        }
    }

    func problems(_ text: String) -> [String] {
        do {
            _ = try ConfigurationLoader.load(text: text, path: "kiosk.conf", baseDirectory: scratch.path, environment: [:])
            return []
        } catch {
            return error.problems.map(\.description)
        }
    }

    @Test func everyServiceEveryKeyAndTheHoursInOneRun() {
        let found = problems("""
            [hours]
            monday = "9-17"
            lunch_duty_counters = "two"

            [[hours.overrides]]
            date = "2026-02-30"
            hours = "closed"

            [[hours.overrides]]
            from = "2026-10-01"
            hours = "closed"

            [[services]]
            id = "hukou 1"
            name_zh = "户籍"
            name_en = "Household registration"
            duration_minutes = 0
            counters = "D1"

            [[services]]
            id = "tax"
            name_zh = "税务"
            duration_minutes = 20
            counters = ["T1"]
            horizon_days = 400
            """)
        #expect(found == [
            "kiosk.conf:2: hours.monday: Not a valid time range (HH:MM-HH:MM, start before end): 9-17",
            "kiosk.conf:3: hours.lunch_duty_counters: expected an integer, found a string",
            "kiosk.conf:6: hours.overrides[0].date: Not a valid date (YYYY-MM-DD): 2026-02-30",
            "kiosk.conf:10: hours.overrides[1].from: a range needs both from and to (inclusive); for one day write date",
            "kiosk.conf:18: services[0].counters: expected an array, found a string; write counters = [\"D1\"], or several: counters = [\"D1\", \"D2\"]",
            "kiosk.conf:14: services[0].id: 'hukou 1' is not a service id: use only letters a-z and A-Z, digits 0-9, '-', '_' and '.', 1 to 64 of them",
            "kiosk.conf:17: services[0].duration_minutes: 0 is outside 1...720 (minutes)",
            "kiosk.conf:20: services[1]: missing required key 'name_en'",
            "kiosk.conf:25: services[1].horizon_days: 400 is outside 0...366 (days)",
        ], "\(found.joined(separator: "\n"))")
    }

    @Test func aRangeOfDatesOverridesEachDay() throws {
        let configuration = try ConfigurationLoader.load(text: """
            [[hours.overrides]]
            from = "2026-10-09"
            to = "2026-10-12"
            hours = "closed"
            reason = "系统升级"

            [[hours.overrides]]
            date = "2026-12-31"
            hours = "09:00-12:00"
            """, path: "kiosk.conf", baseDirectory: scratch.path, environment: [:])
        let hours = configuration.hours
        #expect(hours.dateOverrides.count == 2)
        for day in ["2026-10-09", "2026-10-10", "2026-10-11", "2026-10-12"] {
            #expect(hours.overrides[try LocalDate(day)]?.reason == "系统升级", "\(day)")
        }
        #expect(hours.overrides[try LocalDate("2026-10-13")] == nil)
        #expect(configuration.rendered().contains("2 after-hours windows, 2 overrides"))
    }

    @Test func overlappingAndBackwardRangesAreNamed() {
        #expect(problems("""
            [[hours.overrides]]
            from = "2026-10-09"
            to = "2026-10-01"
            hours = "closed"
            """) == ["kiosk.conf:3: hours.overrides[0].to: 2026-10-01 must be on or after from (2026-10-09), at most 365 days later"])
        #expect(problems("""
            [[hours.overrides]]
            from = "2026-10-01"
            to = "2026-10-07"
            hours = "closed"

            [[hours.overrides]]
            date = "2026-10-05"
            hours = "09:00-12:00"
            """) == ["kiosk.conf:1: hours.overrides: The hall hours are invalid: overrides: 2026-10-05 is changed by two overrides"])
        #expect(problems("""
            [[hours.overrides]]
            date = "2026-10-01"
            from = "2026-10-01"
            to = "2026-10-02"
            hours = "closed"
            """) == ["kiosk.conf:2: hours.overrides[0].date: give either date (one day) or from and to (a range), not both"])
    }
}
