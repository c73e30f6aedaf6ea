import Foundation

/// A day on the wall calendar, with no time zone: what a citizen means by "1 December".
///
/// Civil values keep the calendar arithmetic exact and free of `Date`'s instant semantics;
/// they become instants only through `instant(at:in:)` with an explicit zone.
public struct LocalDate: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let year: Int
    public let month: Int
    public let day: Int

    /// Years outside 1...9999 cannot be written as `YYYY-MM-DD`.
    public init(year: Int, month: Int, day: Int) throws(BookingError) {
        guard (1...9999).contains(year), (1...12).contains(month),
              (1...LocalDate.daysInMonth(year: year, month: month)).contains(day) else {
            throw BookingError(.invalidDate, "\(year)-\(month)-\(day)")
        }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses exactly `YYYY-MM-DD`.
    public init(_ text: String) throws(BookingError) {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"),
              let year = decimal(bytes[0..<4]), let month = decimal(bytes[5..<7]),
              let day = decimal(bytes[8..<10]) else {
            throw BookingError(.invalidDate, String(text.prefix(32)))
        }
        do { try self.init(year: year, month: month, day: day) } catch { throw BookingError(.invalidDate, text) }
    }

    /// Days since 1970-01-01 (negative before it), the proleptic Gregorian day count.
    public var dayNumber: Int {
        // Howard Hinnant's days_from_civil: March-based years put the leap day last.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * ((month + 9) % 12) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    init(dayNumber: Int) {
        let z = dayNumber + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let marchMonth = (5 * dayOfYear + 2) / 153
        let month = marchMonth < 10 ? marchMonth + 3 : marchMonth - 9
        self.year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        self.month = month
        self.day = dayOfYear - (153 * marchMonth + 2) / 5 + 1
    }

    public func adding(days: Int) -> LocalDate { LocalDate(dayNumber: dayNumber + days) }

    /// Whole days from `self` to `other` (positive when `other` is later).
    public func days(until other: LocalDate) -> Int { other.dayNumber - dayNumber }

    public var weekday: Weekday {
        // 1970-01-01 was a Thursday (ISO 4).
        Weekday.iso(((dayNumber % 7) + 7 + 3) % 7 + 1)
    }

    public var monthDay: MonthDay { MonthDay(validMonth: month, day: day) }

    public var description: String { pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2) }

    public static func < (lhs: LocalDate, rhs: LocalDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// The civil date at `instant` in `zone`.
    public init(containing instant: Date, in zone: TimeZone) {
        let local = Int(instant.timeIntervalSince1970.rounded(.down)) + zone.secondsFromGMT(for: instant)
        self.init(dayNumber: floorDivide(local, 86_400))
    }

    /// The instant at which the wall clock in `zone` shows `time` on this date. A time that
    /// a daylight-saving change skips resolves with the offset in force before the change,
    /// one that repeats resolves to its first occurrence, so the result is always one instant.
    public func instant(at time: LocalTime, in zone: TimeZone) -> Date {
        Date(timeIntervalSince1970: Double(resolve(dayNumber * 86_400 + time.minutesSinceMidnight * 60, in: zone).epochSeconds))
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do { try self.init(text) } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.messageEN)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// ISO weekdays, Monday first, as Chinese working weeks are counted.
public enum Weekday: String, Sendable, Hashable, Codable, CaseIterable {
    case monday, tuesday, wednesday, thursday, friday, saturday, sunday

    /// 1 = Monday ... 7 = Sunday.
    public var isoNumber: Int {
        switch self {
        case .monday: 1
        case .tuesday: 2
        case .wednesday: 3
        case .thursday: 4
        case .friday: 5
        case .saturday: 6
        case .sunday: 7
        }
    }

    public var isWeekend: Bool { self == .saturday || self == .sunday }

    static func iso(_ number: Int) -> Weekday { allCases[number - 1] }
}

/// A wall-clock time within one day, to the minute.
public struct LocalTime: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let hour: Int
    public let minute: Int

    public init(hour: Int, minute: Int) throws(BookingError) {
        guard (0...23).contains(hour), (0...59).contains(minute) else {
            throw BookingError(.invalidTime, "\(hour):\(minute)")
        }
        self.hour = hour
        self.minute = minute
    }

    /// Parses exactly `HH:MM`, 24-hour clock.
    public init(_ text: String) throws(BookingError) {
        let bytes = Array(text.utf8)
        guard bytes.count == 5, bytes[2] == UInt8(ascii: ":"),
              let hour = decimal(bytes[0..<2]), let minute = decimal(bytes[3..<5]),
              hour <= 23, minute <= 59 else {
            throw BookingError(.invalidTime, String(text.prefix(32)))
        }
        self.hour = hour
        self.minute = minute
    }

    init(minutesSinceMidnight minutes: Int) {
        hour = minutes / 60
        minute = minutes % 60
    }

    public var minutesSinceMidnight: Int { hour * 60 + minute }

    public var description: String {
        String(unsafeUninitializedCapacity: 5) { buffer in
            buffer[0] = UInt8(ascii: "0") + UInt8(hour / 10)
            buffer[1] = UInt8(ascii: "0") + UInt8(hour % 10)
            buffer[2] = UInt8(ascii: ":")
            buffer[3] = UInt8(ascii: "0") + UInt8(minute / 10)
            buffer[4] = UInt8(ascii: "0") + UInt8(minute % 10)
            return 5
        }
    }

    public static func < (lhs: LocalTime, rhs: LocalTime) -> Bool {
        lhs.minutesSinceMidnight < rhs.minutesSinceMidnight
    }

    /// The wall-clock time at `instant` in `zone`.
    public init(containing instant: Date, in zone: TimeZone) {
        let local = Int(instant.timeIntervalSince1970.rounded(.down)) + zone.secondsFromGMT(for: instant)
        self.init(minutesSinceMidnight: (local - floorDivide(local, 86_400) * 86_400) / 60)
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do { try self.init(text) } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.messageEN)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A span of wall-clock time within one day, `start` inclusive, `end` exclusive, written
/// `HH:MM-HH:MM` in configuration and JSON. The end may be `24:00`, the midnight that ends the
/// day, so `00:00-24:00` is the whole day (a time of day is never `24:00`: only an end is).
public struct TimeRange: Sendable, Hashable, Codable, CustomStringConvertible {
    public let start: LocalTime
    public let end: LocalTime

    public init(start: LocalTime, end: LocalTime) throws(BookingError) {
        guard start < end else { throw BookingError(.invalidTimeRange, "\(start)-\(end)") }
        self.start = start
        self.end = end
    }

    public init(_ text: String) throws(BookingError) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2 else { throw BookingError(.invalidTimeRange, String(text.prefix(32))) }
        do {
            let end = parts[1] == "24:00" ? TimeRange.endOfDay : try LocalTime(String(parts[1]))
            try self.init(start: LocalTime(String(parts[0])), end: end)
        } catch {
            throw BookingError(.invalidTimeRange, String(text.prefix(32)))
        }
    }

    /// `24:00`: the end of a range that runs to midnight, described as written.
    static let endOfDay = LocalTime(minutesSinceMidnight: 24 * 60)

    public func overlaps(startMinute: Int, endMinute: Int) -> Bool {
        startMinute < end.minutesSinceMidnight && start.minutesSinceMidnight < endMinute
    }

    public var description: String { "\(start)-\(end)" }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do { try self.init(text) } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.messageEN)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A day of the year without the year, `MM-DD`, for periods that recur every year.
public struct MonthDay: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let month: Int
    public let day: Int

    /// 02-29 is allowed: in a common year it simply never matches.
    public init(_ text: String) throws(BookingError) {
        let bytes = Array(text.utf8)
        guard bytes.count == 5, bytes[2] == UInt8(ascii: "-"),
              let month = decimal(bytes[0..<2]), let day = decimal(bytes[3..<5]),
              (1...12).contains(month), (1...LocalDate.daysInMonth(year: 2000, month: month)).contains(day) else {
            throw BookingError(.invalidMonthDay, String(text.prefix(32)))
        }
        self.month = month
        self.day = day
    }

    init(validMonth month: Int, day: Int) {
        self.month = month
        self.day = day
    }

    public var description: String { pad(month, 2) + "-" + pad(day, 2) }

    public static func < (lhs: MonthDay, rhs: MonthDay) -> Bool { (lhs.month, lhs.day) < (rhs.month, rhs.day) }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do { try self.init(text) } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.messageEN)
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// Converts wall-clock seconds (counted as if the zone were UTC) to the one instant they name.
/// The offsets a day either side of the wall time bracket any daylight-saving change (no zone
/// changes offset twice within two days).
func resolve(_ wallSeconds: Int, in zone: TimeZone) -> (epochSeconds: Int, offset: Int) {
    func offset(at epochSeconds: Int) -> Int { zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(epochSeconds))) }
    let before = offset(at: wallSeconds - 86_400)
    let after = offset(at: wallSeconds + 86_400)
    if before == after { return (wallSeconds - before, before) }
    let earlier = max(before, after)
    let later = min(before, after)
    // A repeated wall time maps onto both candidates: take the first occurrence.
    if offset(at: wallSeconds - earlier) == earlier { return (wallSeconds - earlier, earlier) }
    if offset(at: wallSeconds - later) == later { return (wallSeconds - later, later) }
    // A skipped wall time maps onto neither: read it with the offset in force before the change.
    return (wallSeconds - before, before)
}

/// `+08:00` style, as RFC 3339 writes an offset.
func formatOffset(_ seconds: Int) -> String {
    let sign = seconds < 0 ? "-" : "+"
    let minutes = abs(seconds) / 60
    return sign + pad(minutes / 60, 2) + ":" + pad(minutes % 60, 2)
}

func floorDivide(_ a: Int, _ b: Int) -> Int {
    a >= 0 ? a / b : -((-a + b - 1) / b)
}

/// Zero-padded decimal of a non-negative value; written straight into the string's storage
/// because slot listing formats thousands of ids per request.
func pad(_ value: Int, _ width: Int) -> String {
    var digits = 1
    var rest = value / 10
    while rest > 0 {
        digits += 1
        rest /= 10
    }
    let count = max(digits, width)
    return String(unsafeUninitializedCapacity: count) { buffer in
        var remaining = value
        for index in stride(from: count - 1, through: 0, by: -1) {
            buffer[index] = UInt8(ascii: "0") + UInt8(remaining % 10)
            remaining /= 10
        }
        return count
    }
}

private func decimal(_ bytes: ArraySlice<UInt8>) -> Int? {
    var value = 0
    for byte in bytes {
        guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
        value = value * 10 + Int(byte - UInt8(ascii: "0"))
    }
    return value
}
