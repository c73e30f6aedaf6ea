/// Every failure of the booking core. `code` is stable for machines; `detail` names only the
/// offending key, date or value (never a citizen's data), so errors are safe to log and show.
public struct BookingError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Equatable, CaseIterable {
        /// A date that is not `YYYY-MM-DD` or not a day of the calendar (2026-02-30).
        case invalidDate
        /// A time that is not `HH:MM` on a 24-hour clock.
        case invalidTime
        /// A time range that is not `HH:MM-HH:MM` with the start before the end.
        case invalidTimeRange
        /// A month-day that is not `MM-DD`.
        case invalidMonthDay
        /// A time zone identifier the system does not know.
        case unknownTimeZone
        /// A holiday year file that is not holiday-cn JSON.
        case calendarFileMalformed
        /// A holiday year file listing the same date twice.
        case calendarDuplicateDate
        /// Two holiday files for the same year given at once.
        case calendarDuplicateYear
        /// Hall hours that cannot work, e.g. a lunch duty with no counters.
        case invalidHours
        /// A service definition that cannot be booked, e.g. no counters or zero duration.
        case invalidService
    }

    public let code: Code
    /// The key, date or value at fault, e.g. `lunch_duty_counters` or `2026-02-30`.
    public let detail: String

    public init(_ code: Code, _ detail: String) {
        self.code = code
        self.detail = detail
    }

    public var messageEN: String {
        switch code {
        case .invalidDate: "Not a valid date (YYYY-MM-DD): \(detail)"
        case .invalidTime: "Not a valid time (HH:MM): \(detail)"
        case .invalidTimeRange: "Not a valid time range (HH:MM-HH:MM, start before end): \(detail)"
        case .invalidMonthDay: "Not a valid month and day (MM-DD): \(detail)"
        case .unknownTimeZone: "Unknown time zone: \(detail)"
        case .calendarFileMalformed: "The holiday calendar file is malformed: \(detail)"
        case .calendarDuplicateDate: "The holiday calendar file lists a date twice: \(detail)"
        case .calendarDuplicateYear: "Two holiday calendar files for the same year: \(detail)"
        case .invalidHours: "The hall hours are invalid: \(detail)"
        case .invalidService: "The service definition is invalid: \(detail)"
        }
    }

    public var messageZH: String {
        switch code {
        case .invalidDate: "日期无效（应为 YYYY-MM-DD）：\(detail)"
        case .invalidTime: "时间无效（应为 HH:MM）：\(detail)"
        case .invalidTimeRange: "时间段无效（应为 HH:MM-HH:MM，且开始早于结束）：\(detail)"
        case .invalidMonthDay: "月日无效（应为 MM-DD）：\(detail)"
        case .unknownTimeZone: "未知时区：\(detail)"
        case .calendarFileMalformed: "节假日日历文件格式错误：\(detail)"
        case .calendarDuplicateDate: "节假日日历文件中日期重复：\(detail)"
        case .calendarDuplicateYear: "同一年份的节假日日历文件重复：\(detail)"
        case .invalidHours: "办公时间配置无效：\(detail)"
        case .invalidService: "服务事项配置无效：\(detail)"
        }
    }

    public var description: String { "BookingError.\(code.rawValue): \(messageEN)" }
}
