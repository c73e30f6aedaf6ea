import Foundation
@testable import Booking

/// The calendar files shipped in `Forms/calendar`, so the tests check the data the hall runs on.
enum Fixtures {
    static let calendarDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Forms/calendar")

    static func yearFile(_ year: Int) throws -> Data {
        try Data(contentsOf: calendarDirectory.appendingPathComponent("\(year).json"))
    }

    static func calendar() throws -> OfficialCalendar {
        try OfficialCalendar(yearFiles: (2020...2027).map(yearFile))
    }

    static let shanghai = TimeZone(identifier: "Asia/Shanghai")!

    static func date(_ text: String) throws -> LocalDate { try LocalDate(text) }

    /// An instant written as Beijing wall-clock time, `YYYY-MM-DD HH:MM`.
    static func beijing(_ text: String) throws -> Date {
        let parts = text.split(separator: " ").map(String.init)
        return try LocalDate(parts[0]).instant(at: LocalTime(parts[1]), in: shanghai)
    }

    /// Household registration: three counters, six bookings per half hour, after hours allowed.
    static func hukou(horizonDays: Int = 14, noticeMinutes: Int = 60, afterHours: Bool = true) throws -> Service {
        try Service(id: "hukou", nameZH: "户籍办理", nameEN: "Household registration", durationMinutes: 30,
                    counters: ["A01", "A02", "A03"], capacityPerSlot: 6, horizonDays: horizonDays,
                    minimumNoticeMinutes: noticeMinutes, afterHours: afterHours)
    }
}
