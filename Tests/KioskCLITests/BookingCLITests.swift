import Booking
import Foundation
import KioskCore
import KioskTesting
import Storage
import Testing

/// `kiosk calendar show|import` and `kiosk slots`, as hall staff run them.
@Suite("kiosk calendar and slots", .serialized, .waitsOffPool)
struct BookingCLITests {
    static let config = """
    [[services]]
    id = "hukou"
    name_zh = "户籍业务"
    name_en = "Household registration"
    duration_minutes = 20
    counters = ["A1", "A2"]
    capacity_per_slot = 2
    horizon_days = 366
    """

    func tokens(_ line: Substring) -> [String] { line.split(separator: " ").map(String.init) }

    @Test func calendarShowAroundNationalDay() throws {
        let installation = try TestInstallation(config: Self.config)
        defer { installation.remove() }
        let result = try KioskProcess.run(["calendar", "show", "--from", "2026-09-28", "--to", "2026-10-11"], in: installation.root)
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty)
        let lines = result.stdout.split(separator: "\n")
        #expect(lines.count == 15)
        #expect(tokens(lines[0]) == ["date", "day", "kind", "hours", "lunch", "duty", "after", "hours", "holiday", "/", "note"])
        let rows = Dictionary(lines.dropFirst().map { (String($0.prefix(10)), tokens($0)) }) { first, _ in first }
        // Still summer: the lunch break runs to 14:30.
        #expect(rows["2026-09-30"] == ["2026-09-30", "wed", "workday", "09:00-17:00", "12:00-14:30", "17:30-20:00"])
        #expect(rows["2026-10-01"] == ["2026-10-01", "thu", "holiday", "closed", "-", "-", "国庆节"])
        #expect(rows["2026-10-07"] == ["2026-10-07", "wed", "holiday", "closed", "-", "-", "国庆节"])
        #expect(rows["2026-10-08"] == ["2026-10-08", "thu", "workday", "09:00-17:00", "12:00-13:30", "17:30-20:00"])
        #expect(rows["2026-10-10"] == ["2026-10-10", "sat", "makeupWorkday", "09:00-17:00", "12:00-13:30", "17:30-20:00", "国庆节"])
        #expect(rows["2026-10-11"] == ["2026-10-11", "sun", "weekend", "closed", "-", "09:00-12:00"])
    }

    @Test func calendarShowAsJSON() throws {
        let installation = try TestInstallation(config: Self.config)
        defer { installation.remove() }
        let result = try KioskProcess.run(["calendar", "show", "--from", "2026-10-01", "--to", "2026-10-10", "--json"], in: installation.root)
        #expect(result.status == 0)
        let days = try JSONDecoder().decode([CalendarDayReport].self, from: Data(result.stdout.utf8))
        #expect(days.count == 10)
        let first = days[0]
        #expect(first.date.description == "2026-10-01")
        #expect(first.kind == .holiday)
        #expect(first.holidayName == "国庆节")
        #expect(first.provisional == false)
        #expect(first.opening == nil)
        let makeup = days[9]
        #expect(makeup.kind == .makeupWorkday)
        #expect(makeup.opening?.description == "09:00-17:00")
        #expect(makeup.lunchDuty?.description == "12:00-13:30")
        #expect(makeup.afterHours.map(\.description) == ["17:30-20:00"])
    }

    @Test func badDatesAreOneLine() throws {
        let installation = try TestInstallation(config: Self.config)
        defer { installation.remove() }
        let result = try KioskProcess.run(["calendar", "show", "--from", "2026-13-01", "--to", "2026-10-11"], in: installation.root)
        #expect(result.status == 1)
        #expect(result.stderr == "kiosk: --from: Not a valid date (YYYY-MM-DD): 2026-13-01\n")
        let backwards = try KioskProcess.run(["calendar", "show", "--from", "2026-10-11", "--to", "2026-10-01"], in: installation.root)
        #expect(backwards.status == 1)
        #expect(backwards.stderr == "kiosk: --to must be on or after --from, at most 366 days later\n")
    }

    @Test func slotsOfAServiceOnADay() throws {
        let installation = try TestInstallation(config: Self.config)
        defer { installation.remove() }
        let asOf = "2026-09-28T10:00:00+08:00"
        let result = try KioskProcess.run(["slots", "--service", "hukou", "--date", "2026-10-10", "--as-of", asOf], in: installation.root)
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "hukou 户籍业务 / Household registration, 2026-10-10 (makeupWorkday): 24 slots")
        #expect(lines.dropFirst().first == "09:00-09:20  regular     capacity 2")
        #expect(lines.contains("12:00-12:20  lunchDuty   capacity 1"))
        #expect(lines.count == 25)

        let holiday = try KioskProcess.run(["slots", "--service", "hukou", "--date", "2026-10-01", "--as-of", asOf, "--json"], in: installation.root)
        #expect(holiday.status == 0)
        #expect(try JSONDecoder().decode([Slot].self, from: Data(holiday.stdout.utf8)).isEmpty)
        #expect(holiday.stderr == "0 slots (a public holiday (国庆节): the hall is closed)\n")

        // An empty day says why: beyond the horizon, a weekend, too soon.
        let reasons = [
            ("2027-10-20", "0 slots (beyond the booking horizon: horizon_days = 366, so the last bookable day is 2027-09-29)"),
            ("2026-10-11", "0 slots (closed: sunday is closed in [hours] (weekend))"),
            ("2026-09-27", "0 slots (the day is past (today is 2026-09-28))"),
        ]
        for (date, why) in reasons {
            let empty = try KioskProcess.run(["slots", "--service", "hukou", "--date", date, "--as-of", asOf], in: installation.root)
            #expect(empty.status == 0)
            #expect(empty.stdout.hasSuffix(": \(why)\n"), "\(empty.stdout)")
        }
        let late = try KioskProcess.run(
            ["slots", "--service", "hukou", "--date", "2026-09-28", "--as-of", "2026-09-28T16:45:00+08:00"], in: installation.root)
        #expect(late.stdout.hasSuffix("0 slots (every slot starts within min_notice_minutes = 30 of now, or has started)\n"), "\(late.stdout)")

        let unknown = try KioskProcess.run(["slots", "--service", "passport", "--date", "2026-10-10"], in: installation.root)
        #expect(unknown.status == 1)
        #expect(unknown.stderr == "kiosk: no service 'passport' in [[services]] (known: hukou)\n")
    }

    /// The State Council publishes 2027: a booking made on a provisional working day that is now
    /// National Day is flagged, listed for staff, and the imported year replaces the shipped one.
    @Test func importingAYearFlagsBookingsOnNewDaysOff() async throws {
        let installation = try TestInstallation(config: Self.config)
        defer { installation.remove() }
        #expect(try KioskProcess.run(["db", "migrate"], in: installation.root).status == 0)

        let store = try installation.store()
        let bookings = try SQLiteBookingStore(store: store, timeZone: TimeZone(identifier: "Asia/Shanghai")!)
        let service = try Service(id: "hukou", nameZH: "户籍业务", nameEN: "Household registration", durationMinutes: 20,
                                  counters: ["A1", "A2"], capacityPerSlot: 2, horizonDays: 366)
        let generator = SlotGenerator(calendar: try OfficialCalendar(years: []), hours: .standard)
        let october1 = try LocalDate("2027-10-01")
        let slot = try #require(generator.slots(for: service, from: october1, through: october1, now: Date()).first)
        let first17 = "11010519900517001"
        let idNumber = try ResidentIDNumber(first17 + String(ResidentIDNumber.checkCharacter(forFirst17: first17)!))
        let booking = try await bookings.book(slot, idNumber: idNumber, idempotencyKey: "import-test", now: Date())

        let shipped = installation.root + "/Forms/calendar/2027.json"
        let shippedBefore = try Data(contentsOf: URL(fileURLWithPath: shipped))
        let file = installation.root + "/2027.json"
        try """
        {"year": 2027, "papers": ["https://www.gov.cn/example"], "days": [
          {"name": "国庆节", "date": "2027-09-26", "isOffDay": false},
          {"name": "国庆节", "date": "2027-10-01", "isOffDay": true}
        ]}
        """.write(toFile: file, atomically: true, encoding: .utf8)
        let result = try KioskProcess.run(["calendar", "import", file], in: installation.root)
        #expect(result.status == 0)
        #expect(result.stderr.isEmpty)
        #expect(result.stdout == """
        imported 2027: 1 holidays, 1 make-up working days -> \(installation.dataDirectory)/calendar/2027.json
        1 bookings now fall on a day off; contact the citizens to reschedule:
          \(booking.code)  2027-10-01 09:00  hukou  \(idNumber.masked)

        """)
        // Forms/calendar/README.md: the import goes to the data directory; the shipped file stays.
        #expect(try Data(contentsOf: URL(fileURLWithPath: shipped)) == shippedBefore)
        #expect(try await bookings.bookingsOnDaysOff().map(\.code) == [booking.code])
        #expect(try await bookings.lookup(code: booking.code, idNumber: idNumber).onDayOff)

        let shown = try KioskProcess.run(["calendar", "show", "--from", "2027-10-01", "--to", "2027-10-01"], in: installation.root)
        #expect(tokens(try #require(shown.stdout.split(separator: "\n").dropFirst().first)) ==
            ["2027-10-01", "fri", "holiday", "closed", "-", "-", "国庆节"])
    }

    @Test func aMalformedYearIsRefusedAndNothingIsStored() throws {
        let installation = try TestInstallation(config: Self.config)
        defer { installation.remove() }
        let file = installation.root + "/bad.json"
        try #"{"year": 2027, "papers": [], "days": [{"name": "x", "date": "2027-02-30", "isOffDay": true}]}"#
            .write(toFile: file, atomically: true, encoding: .utf8)
        let result = try KioskProcess.run(["calendar", "import", file], in: installation.root)
        #expect(result.status == 1)
        #expect(result.stderr == "kiosk: \(file): The holiday calendar file is malformed: date 2027-02-30 [calendarFileMalformed]\n")
        #expect(!FileManager.default.fileExists(atPath: installation.dataDirectory + "/calendar/2027.json"))
    }
}
