import Foundation

/// One appointment as an iCalendar event (RFC 5545), for citizens who scan the booking's QR
/// code into their phone's calendar.
public struct CalendarEvent: Sendable, Hashable {
    public struct Organizer: Sendable, Hashable {
        public var name: String
        /// A `mailto:` or other URI; iTIP requires an organizer on a cancellation.
        public var uri: String

        public init(name: String, uri: String) {
            self.name = name
            self.uri = uri
        }
    }

    /// Stable across every version of the booking, so a phone replaces its copy.
    public var uid: String
    /// When this version of the event was made (the booking's last change).
    public var stamp: Date
    public var sequence: Int
    public var start: Date
    public var end: Date
    public var summary: String
    public var location: String?
    public var description: String?
    public var organizer: Organizer?
    public var cancelled: Bool

    public init(uid: String, stamp: Date, sequence: Int, start: Date, end: Date, summary: String,
                location: String? = nil, description: String? = nil, organizer: Organizer? = nil,
                cancelled: Bool = false) {
        self.uid = uid
        self.stamp = stamp
        self.sequence = sequence
        self.start = start
        self.end = end
        self.summary = summary
        self.location = location
        self.description = description
        self.organizer = organizer
        self.cancelled = cancelled
    }
}

/// Writes iCalendar objects: CRLF line ends, lines folded at 75 octets without splitting a
/// UTF-8 character, TEXT values escaped.
public enum ICalendar {
    /// How DTSTART and DTEND are written. Beijing time carries its VTIMEZONE, which is a single
    /// fixed offset: China has not observed daylight saving time since 1991.
    public enum Times: Sendable, Hashable {
        case utc
        case asiaShanghai
    }

    public static let productID = "-//kiosk//Appointments//ZH"

    /// A whole calendar file holding `event`: `METHOD:PUBLISH` for a live booking,
    /// `METHOD:CANCEL` with `STATUS:CANCELLED` for a cancelled one.
    public static func document(_ event: CalendarEvent, times: Times = .asiaShanghai) -> String {
        var lines = [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:" + productID,
            "CALSCALE:GREGORIAN",
            "METHOD:" + (event.cancelled ? "CANCEL" : "PUBLISH"),
        ]
        if times == .asiaShanghai {
            lines += [
                "BEGIN:VTIMEZONE",
                "TZID:Asia/Shanghai",
                "BEGIN:STANDARD",
                "DTSTART:19700101T000000",
                "TZOFFSETFROM:+0800",
                "TZOFFSETTO:+0800",
                "TZNAME:CST",
                "END:STANDARD",
                "END:VTIMEZONE",
            ]
        }
        lines += [
            "BEGIN:VEVENT",
            "UID:" + escape(event.uid),
            "DTSTAMP:" + utc(event.stamp),
            "SEQUENCE:\(max(event.sequence, 0))",
            "STATUS:" + (event.cancelled ? "CANCELLED" : "CONFIRMED"),
            dateTime("DTSTART", event.start, times),
            dateTime("DTEND", event.end, times),
            "SUMMARY:" + escape(event.summary),
        ]
        if let location = event.location { lines.append("LOCATION:" + escape(location)) }
        if let description = event.description { lines.append("DESCRIPTION:" + escape(description)) }
        if let organizer = event.organizer {
            lines.append("ORGANIZER;CN=" + parameter(organizer.name) + ":" + organizer.uri)
        }
        lines += ["END:VEVENT", "END:VCALENDAR"]
        return lines.map(fold).joined()
    }

    /// RFC 5545 §3.1: a content line longer than 75 octets continues on lines starting with a
    /// space; each line ends in CRLF.
    static func fold(_ line: String) -> String {
        var output: [UInt8] = []
        var lineLength = 0
        var index = line.utf8.startIndex
        let bytes = line.utf8
        while index < bytes.endIndex {
            var characterEnd = bytes.index(after: index)
            while characterEnd < bytes.endIndex, bytes[characterEnd] & 0xC0 == 0x80 {
                characterEnd = bytes.index(after: characterEnd)
            }
            let width = bytes.distance(from: index, to: characterEnd)
            if lineLength + width > 75 {
                output += [0x0D, 0x0A, 0x20]
                lineLength = 1
            }
            output += bytes[index..<characterEnd]
            lineLength += width
            index = characterEnd
        }
        output += [0x0D, 0x0A]
        return String(decoding: output, as: UTF8.self)
    }

    /// TEXT escaping (§3.3.11); a carriage return is dropped, every line break becomes `\n`.
    static func escape(_ text: String) -> String {
        var escaped = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": escaped += "\\\\"
            case ";": escaped += "\\;"
            case ",": escaped += "\\,"
            case "\n": escaped += "\\n"
            case "\r": break
            default: escaped.unicodeScalars.append(scalar)
            }
        }
        return escaped
    }

    /// A parameter value may not contain a double quote or control characters; one holding
    /// `:`, `;` or `,` is quoted (§3.2).
    static func parameter(_ text: String) -> String {
        let cleaned = String(text.unicodeScalars.filter { $0 != "\"" && $0.value >= 0x20 && $0.value != 0x7F })
        return cleaned.contains(where: { ":;,".contains($0) }) ? "\"" + cleaned + "\"" : cleaned
    }

    private static func dateTime(_ name: String, _ instant: Date, _ times: Times) -> String {
        switch times {
        case .utc: name + ":" + utc(instant)
        case .asiaShanghai: name + ";TZID=Asia/Shanghai:" + wall(instant, offsetSeconds: 8 * 3600)
        }
    }

    private static func utc(_ instant: Date) -> String { wall(instant, offsetSeconds: 0) + "Z" }

    /// `YYYYMMDDTHHMMSS` of the wall clock `offsetSeconds` east of UTC.
    private static func wall(_ instant: Date, offsetSeconds: Int) -> String {
        let seconds = Int(instant.timeIntervalSince1970.rounded(.down)) + offsetSeconds
        let day = floorDivide(seconds, 86_400)
        let date = LocalDate(dayNumber: day)
        let ofDay = seconds - day * 86_400
        return pad(date.year, 4) + pad(date.month, 2) + pad(date.day, 2) + "T"
            + pad(ofDay / 3600, 2) + pad(ofDay / 60 % 60, 2) + pad(ofDay % 60, 2)
    }
}
