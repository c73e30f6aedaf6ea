import Booking
import Foundation
import KioskTesting
import Testing
@testable import KioskConfig

/// `[hours]`, `[[services]]`, `[booking]` and `[check_in]`: decoded into the Booking types, every
/// problem named at the line of the key it concerns.
@Suite("kiosk.conf booking tables")
struct BookingConfigurationTests {
    let scratch: ScratchDirectory
    let base: String

    init() throws {
        scratch = try ScratchDirectory(prefix: "kiosk-config")
        base = scratch.path
        for folder in ["Forms", "Devices"] {
            try FileManager.default.createDirectory(atPath: "\(base)/\(folder)", withIntermediateDirectories: true)
        }
    }

    func load(_ text: String) throws(ConfigurationErrors) -> Configuration {
        try ConfigurationLoader.load(text: text, path: "kiosk.conf", baseDirectory: base, environment: [:])
    }

    func problems(_ text: String) -> [String] {
        do {
            _ = try load(text)
            return []
        } catch {
            return error.problems.map(\.description)
        }
    }

    static let services = """
    [[services]]
    id = "hukou"
    name_zh = "户籍业务"
    name_en = "Household registration"
    duration_minutes = 20
    counters = ["A1", "A2"]
    capacity_per_slot = 2

    [[services]]
    id = "exit-entry"
    name_zh = "出入境证件"
    name_en = "Exit-entry documents"
    duration_minutes = 15
    counters = ["B1"]
    after_hours = true
    """

    @Test func anEmptyFileHasStandardHoursAndNoServices() throws {
        let config = try load("")
        #expect(config.hours == HallHours.standard)
        #expect(config.services.isEmpty)
        #expect(config.bookingPolicy == BookingPolicy())
        #expect(config.checkInWindow == CheckInWindow())
        #expect(config.sources["hours"] == .defaultValue)
    }

    @Test func hoursAndServicesAreDecoded() throws {
        let config = try load("""
        [hours]
        saturday = "09:00-12:00"
        lunch_duty = "11:45-13:15"
        lunch_duty_counters = 2
        summer_lunch_duty_end = "14:00"
        [[hours.after_hours]]
        days = "weekends"
        time = "13:00-16:00"
        counters = 2
        services = ["exit-entry"]
        [[hours.overrides]]
        date = 2026-12-31
        hours = "09:00-12:00"
        reason = "年末盘点"

        """ + Self.services)
        #expect(config.hours.weekly[.saturday] == DayHours.open(try TimeRange("09:00-12:00")))
        #expect(config.hours.weekly[.monday] == HallHours.defaultWeekday)
        #expect(config.hours.lunchDuty == (try TimeRange("11:45-13:15")))
        #expect(config.hours.lunchDutyCounters == 2)
        #expect(config.hours.summerLunchDutyEnd == (try LocalTime("14:00")))
        #expect(config.hours.afterHours == [AfterHoursWindow(days: .weekends, time: try TimeRange("13:00-16:00"),
                                                             counters: 2, services: ["exit-entry"])])
        #expect(config.hours.overrides[try LocalDate("2026-12-31")]?.reason == "年末盘点")
        #expect(config.services.map(\.id) == ["hukou", "exit-entry"])
        #expect(config.services[0].capacityPerSlot == 2)
        #expect(config.services[1].afterHours)
        #expect(config.services[1].horizonDays == 14)
        #expect(config.sources["hours"] == .file(path: "kiosk.conf", line: 1))
        #expect(config.sources["services"] == .file(path: "kiosk.conf", line: 15))
    }

    @Test func badHoursNameTheKeyAndItsLine() {
        #expect(problems("[hours]\nmonday = \"09:00-17:00\"\nlunch_duty = \"12:00-11:00\"\n") == [
            "kiosk.conf:3: hours.lunch_duty: Not a valid time range (HH:MM-HH:MM, start before end): 12:00-11:00",
        ])
        #expect(problems("[hours]\nlunch_duty_counters = 0\n") == [
            "kiosk.conf:2: hours.lunch_duty_counters: The hall hours are invalid: lunch_duty_counters",
        ])
        #expect(problems("[hours]\nfriday = 17\n") == ["kiosk.conf:2: hours.friday: expected a string, found an integer"])
        #expect(problems("hours = \"9-5\"\n") == ["kiosk.conf:1: hours: expected a table, found a string"])
        #expect(problems("""
        [hours]
        monday = "09:00-17:00"

        [[hours.after_hours]]
        days = "working_days"
        time = "17:30-20:00"

        [[hours.after_hours]]
        days = "evenings"
        time = "17:30-20:00"
        """) == [
            "kiosk.conf:9: hours.after_hours[1].days: Cannot initialize AfterHoursDays from invalid String value evenings",
        ])
        #expect(problems("[[hours.overrides]]\nhours = \"closed\"\n") == [
            "kiosk.conf:1: hours.overrides[0]: missing required key 'date'",
        ])
    }

    @Test func unknownKeysInTheTablesAreTypos() {
        #expect(problems("[hours]\nlunch_dutty = \"12:00-13:00\"\n") == [
            "kiosk.conf:2: unknown key 'hours.lunch_dutty'; did you mean 'hours.lunch_duty'?",
        ])
        #expect(problems(Self.services + "\ncolour = \"red\"\n") == [
            "kiosk.conf:16: unknown key 'services[1].colour'",
        ])
        #expect(problems("[[hours.after_hours]]\ndays = \"weekends\"\ntime = \"09:00-12:00\"\ncounter = 2\n") == [
            "kiosk.conf:4: unknown key 'hours.after_hours[0].counter'; did you mean 'hours.after_hours[0].counters'?",
        ])
    }

    @Test func badServicesNameTheKeyAndItsLine() {
        let missing = Self.services.replacingOccurrences(of: "name_en = \"Exit-entry documents\"\n", with: "")
        #expect(problems(missing) == ["kiosk.conf:9: services[1]: missing required key 'name_en'"])
        let wrongType = Self.services.replacingOccurrences(of: "duration_minutes = 20", with: "duration_minutes = \"20\"")
        #expect(problems(wrongType) == ["kiosk.conf:5: services[0].duration_minutes: expected an integer, found a string"])
        let noCounters = Self.services.replacingOccurrences(of: "counters = [\"B1\"]", with: "counters = []")
        #expect(problems(noCounters) == [
            "kiosk.conf:14: services[1].counters: name at least one counter, e.g. counters = [\"D1\", \"D2\"]",
        ])
        let twice = Self.services.replacingOccurrences(of: "id = \"exit-entry\"", with: "id = \"hukou\"")
        #expect(problems(twice) == ["kiosk.conf:10: services[1].id: 'hukou' is used by an earlier service"])
        #expect(problems("services = \"hukou\"") == ["kiosk.conf:1: services: expected an array of tables ([[services]]), found a string"])
    }

    @Test func afterHoursWindowsNameExistingServices() {
        #expect(problems(Self.services + "\n[[hours.after_hours]]\ndays = \"weekends\"\ntime = \"09:00-12:00\"\nservices = [\"passport\"]\n") == [
            "kiosk.conf:19: hours.after_hours[0].services: no service has the id 'passport'",
        ])
    }

    @Test func hoursFollowTheTerminalTimeZone() throws {
        #expect(try load("time_zone = \"Asia/Urumqi\"").hours.timeZone.identifier == "Asia/Urumqi")
        #expect(problems("time_zone = \"Asia/Urumqi\"\n[hours]\ntime_zone = \"Asia/Shanghai\"\n") == [
            "kiosk.conf:3: hours.time_zone: differs from time_zone ('Asia/Urumqi'); leave it out to use time_zone",
        ])
    }

    @Test func bookingAndCheckInSettings() throws {
        let config = try load("[booking]\nmax_active_total = 5\nhold_seconds = 120\n[check_in]\nlate_minutes = 10\n")
        #expect(config.bookingPolicy == BookingPolicy(maxActiveTotal: 5, holdSeconds: 120))
        #expect(config.checkInWindow == CheckInWindow(earlyMinutes: 30, lateMinutes: 10))
        #expect(problems("[booking]\nhold_seconds = 1\n") == ["kiosk.conf:2: booking.hold_seconds: 1 is outside 10...3600"])
    }

    @Test func configCheckShowsTheTables() throws {
        let rendered = try load(Self.services).rendered()
        #expect(rendered.contains(#"services = ["hukou", "exit-entry"]  # kiosk.conf:1"#))
        #expect(rendered.contains("hours = { mon 09:00-17:00, tue 09:00-17:00, wed 09:00-17:00, thu 09:00-17:00, fri 09:00-17:00, sat closed, sun closed; lunch duty 12:00-13:30 (1 counters, summer 05-01…09-30 until 14:30); 2 after-hours windows, 0 overrides }  # default"))
    }

    /// The shipped file's `[hours]` are the defaults, its services are valid, and every key of
    /// both tables is documented.
    @Test func shippedFileDocumentsTheBookingTables() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("kiosk.conf"), encoding: .utf8)
        let shipped = try ConfigurationLoader.load(text: text, path: "kiosk.conf", baseDirectory: root.path, environment: [:])
        #expect(shipped.hours == HallHours.standard)
        #expect(shipped.services.map(\.id) == ["hukou", "exit-entry", "social-insurance"])
        #expect(shipped.services.contains { $0.afterHours })
        for key in TableDecoding.knownKeys(of: HallHours.standard) {
            #expect(text.contains("hours.\(key) (") || text.contains("hours.\(key),"),
                    "kiosk.conf does not document hours.\(key)")
        }
        for key in TableDecoding.knownKeys(of: shipped.services) {
            #expect(text.contains("services\(key) ("), "kiosk.conf does not document services\(key)")
        }
    }

    @Test func queueSettingsAndPrefixes() throws {
        let defaults = try load("")
        #expect(defaults.queue == QueuePolicy())
        let config = try load(Self.services + """

            [queue]
            default_prefix = "Z"
            elderly_age = 70
            average_service_minutes = 8
            walk_in_cutoff_minutes = 30

            [queue.prefixes]
            hukou = "A"
            exit-entry = "BX"
            """)
        #expect(config.queue == QueuePolicy(prefixes: ["hukou": "A", "exit-entry": "BX"], defaultPrefix: "Z", elderlyAge: 70,
                                            averageServiceMinutes: 8, walkInCutoffMinutes: 30))
        #expect(config.rendered().contains(#"queue.prefixes = { exit-entry = "BX", hukou = "A" }"#))
        let overridden = try ConfigurationLoader.load(text: "", path: "kiosk.conf", baseDirectory: base,
                                                      environment: ["KIOSK_QUEUE_ELDERLY_AGE": "60", "KIOSK_QUEUE_DEFAULT_PREFIX": "W"])
        #expect(overridden.queue.elderlyAge == 60 && overridden.queue.defaultPrefix == "W")
    }

    @Test func queueProblemsNameTheirLine() {
        let lines = Self.services.split(separator: "\n", omittingEmptySubsequences: false).count
        #expect(problems(Self.services + """

            [queue]
            default_prefix = "a1"
            elderly_age = 20
            walk_in_cutof_minutes = 10

            [queue.prefixes]
            hukou = "ABCD"
            passport = "P"
            exit-entry = 2
            hukuo = "H"
            """) == [
            "kiosk.conf:\(lines + 4): unknown key 'queue.walk_in_cutof_minutes'; did you mean 'queue.walk_in_cutoff_minutes'?",
            "kiosk.conf:\(lines + 2): queue.default_prefix: 'a1' is not a ticket prefix (one to three capital letters A-Z)",
            "kiosk.conf:\(lines + 3): queue.elderly_age: 20 is outside 50...120",
            "kiosk.conf:\(lines + 7): queue.prefixes.hukou: 'ABCD' is not a ticket prefix (one to three capital letters A-Z)",
            "kiosk.conf:\(lines + 8): queue.prefixes.passport: no service has the id 'passport'",
            "kiosk.conf:\(lines + 9): queue.prefixes.exit-entry: expected a string, found an integer",
            "kiosk.conf:\(lines + 10): queue.prefixes.hukuo: no service has the id 'hukuo'; did you mean 'hukou'?",
        ])
        #expect(problems("[queue]\nprefixes = \"A\"\n") == ["kiosk.conf:2: queue.prefixes: expected a table, found a string"])
    }

    /// The shipped file documents every `[queue]` key; its prefixes example names shipped services.
    @Test func shippedFileDocumentsTheQueue() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("kiosk.conf"), encoding: .utf8)
        let shipped = try ConfigurationLoader.load(text: text, path: "kiosk.conf", baseDirectory: root.path, environment: [:])
        #expect(shipped.queue == QueuePolicy())
        #expect(text.contains("# queue.prefixes ("))
        for (id, prefix) in [("hukou", "A"), ("exit-entry", "B"), ("social-insurance", "C")] {
            #expect(text.contains("#   \(id) = \"\(prefix)\"\n"))
            #expect(shipped.services.contains { $0.id == id }, "the example names a service kiosk.conf does not have")
        }
    }
}
