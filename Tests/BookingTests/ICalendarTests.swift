import Foundation
import Testing
@testable import Booking

@Suite("iCalendar (RFC 5545)")
struct ICalendarTests {
    func event(cancelled: Bool = false) throws -> CalendarEvent {
        CalendarEvent(
            uid: "b1f0c2d4-0000-4000-8000-000000000001@kiosk",
            stamp: try Fixtures.beijing("2026-12-01 08:00"), sequence: cancelled ? 1 : 0,
            start: try Fixtures.beijing("2026-12-03 09:30"), end: try Fixtures.beijing("2026-12-03 10:00"),
            summary: "户籍办理", location: "政务服务中心 2F, 窗口 A01; 自助区",
            description: "预约码 345678J\n请携带本人身份证原件，于预约时间前30分钟内到自助终端签到。过时请重新取号。",
            organizer: cancelled ? CalendarEvent.Organizer(name: "Service Centre, District", uri: "mailto:hall@example.gov.cn") : nil,
            cancelled: cancelled)
    }

    @Test func bookingInBeijingTimeWithItsTimeZone() throws {
        let expected = [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//kiosk//Appointments//ZH",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
            "BEGIN:VTIMEZONE",
            "TZID:Asia/Shanghai",
            "BEGIN:STANDARD",
            "DTSTART:19700101T000000",
            "TZOFFSETFROM:+0800",
            "TZOFFSETTO:+0800",
            "TZNAME:CST",
            "END:STANDARD",
            "END:VTIMEZONE",
            "BEGIN:VEVENT",
            "UID:b1f0c2d4-0000-4000-8000-000000000001@kiosk",
            "DTSTAMP:20261201T000000Z",
            "SEQUENCE:0",
            "STATUS:CONFIRMED",
            "DTSTART;TZID=Asia/Shanghai:20261203T093000",
            "DTEND;TZID=Asia/Shanghai:20261203T100000",
            "SUMMARY:户籍办理",
            "LOCATION:政务服务中心 2F\\, 窗口 A01\\; 自助区",
            "DESCRIPTION:预约码 345678J\\n请携带本人身份证原件，于预约",
            " 时间前30分钟内到自助终端签到。过时请重新取号。",
            "END:VEVENT",
            "END:VCALENDAR",
        ].map { $0 + "\r\n" }.joined()
        #expect(ICalendar.document(try event()) == expected)
    }

    @Test func cancellationIsAMethodCancelInUTC() throws {
        let text = ICalendar.document(try event(cancelled: true), times: .utc)
        let lines = text.components(separatedBy: "\r\n")
        #expect(lines.contains("METHOD:CANCEL"))
        #expect(lines.contains("STATUS:CANCELLED"))
        #expect(lines.contains("SEQUENCE:1"))
        #expect(lines.contains("DTSTART:20261203T013000Z"))
        #expect(lines.contains("DTEND:20261203T020000Z"))
        #expect(lines.contains("ORGANIZER;CN=\"Service Centre, District\":mailto:hall@example.gov.cn"))
        #expect(!text.contains("VTIMEZONE"))
    }

    @Test func foldsAtSeventyFiveOctetsWithoutSplittingCharacters() {
        let ascii = "SUMMARY:" + String(repeating: "x", count: 152)
        let folded = ICalendar.fold(ascii)
        #expect(folded.utf8.split(separator: UInt8(ascii: "\n")).map(\.count) == [76, 76, 13])
        let wide = ICalendar.fold("SUMMARY:" + String(repeating: "办", count: 60))
        for line in wide.components(separatedBy: "\r\n") where !line.isEmpty {
            #expect(line.utf8.count <= 75)
        }
        #expect(wide.replacingOccurrences(of: "\r\n ", with: "") == "SUMMARY:" + String(repeating: "办", count: 60) + "\r\n")
    }

    @Test func escapesText() {
        #expect(ICalendar.escape("a\\b;c,d\r\ne") == "a\\\\b\\;c\\,d\\ne")
        #expect(ICalendar.parameter("plain name") == "plain name")
        #expect(ICalendar.parameter("say \"hi\": now") == "\"say hi: now\"")
    }
}
