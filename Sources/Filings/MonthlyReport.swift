import Booking
import Foundation
import KioskCore

/// A calendar month, `YYYY-MM`.
public struct ReportMonth: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The month's first day.
    public let first: LocalDate

    public var year: Int { first.year }
    public var month: Int { first.month }

    public init(_ text: String) throws(LifecycleRefusal) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.utf8.count == 7, parts.count == 2, parts[0].count == 4, parts[1].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), let first = try? LocalDate(year: year, month: month, day: 1)
        else { throw LifecycleRefusal(.invalidMonth, String(text.prefix(16))) }
        self.first = first
    }

    public init(containing day: LocalDate) {
        first = day.adding(days: 1 - day.day)
    }

    public var last: LocalDate { first.adding(days: LocalDate.daysInMonth(year: year, month: month) - 1) }
    public var previous: ReportMonth { ReportMonth(containing: first.adding(days: -1)) }

    /// The twelve months ending with this one, oldest first.
    public var trailingYear: [ReportMonth] {
        var months = [self]
        while months.count < 12 { months.insert(months[0].previous, at: 0) }
        return months
    }

    public var description: String { String(format: "%04d-%02d", year, month) }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.first < rhs.first }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do { try self.init(text) } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "not YYYY-MM"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// What the stores count for a month, per department and matter: the figures the monthly
/// report is made of. Each is one `GROUP BY` over the rows the stores keep.
public struct ReportCount: Sendable, Hashable {
    public enum Measure: String, Sendable, Hashable, CaseIterable {
        /// Cases submitted in the month (收件).
        case received
        case accepted, returned, completed
        /// Completed in the month on or before their due date.
        case completedOnTime
        /// Due in the month (and past) without being completed by the due date.
        case overdue
        /// Submitted in the month with 容缺 materials, and of those with every material handed in by its due date.
        case deferredFilings, deferredInTime
        /// Ratings given in the month, per grade (`grade`).
        case rating
        /// 差评 follow-ups opened in the month, and of those closed by their due date.
        case followUps, followUpsClosedInTime
    }

    public let measure: Measure
    public let departmentID: String
    public let department: LocalizedText
    public let matterKey: String
    public let matter: LocalizedText
    /// The grade of a `rating` count.
    public let grade: RatingGrade?
    public let count: Int

    public init(measure: Measure, departmentID: String, department: LocalizedText, matterKey: String, matter: LocalizedText,
                grade: RatingGrade? = nil, count: Int) {
        self.measure = measure
        self.departmentID = departmentID
        self.department = department
        self.matterKey = matterKey
        self.matter = matter
        self.grade = grade
        self.count = count
    }
}

/// Completions of one month, for the twelve-month trend.
public struct TrendCount: Sendable, Hashable, Codable {
    public let month: ReportMonth
    public let completed: Int
    public let onTime: Int
    public let badRatings: Int

    public init(month: ReportMonth, completed: Int, onTime: Int, badRatings: Int) {
        self.month = month
        self.completed = completed
        self.onTime = onTime
        self.badRatings = badRatings
    }
}

/// The monthly report of the supervision post (by the 25th): per department and matter,
/// filings received, accepted, returned, completed and completed on time, overdue, 容缺 filings
/// and those whose materials came in time, ratings per grade, 差评 follow-ups closed in time;
/// with the district's (or terminal's) totals and a twelve-month trend.
public struct MonthlyReport: Sendable, Hashable, Codable {
    public struct Row: Sendable, Hashable, Codable {
        public let departmentId: String
        public let department: LocalizedText
        public let matterKey: String
        public let matter: LocalizedText
        public var received = 0
        public var accepted = 0
        public var returned = 0
        public var completed = 0
        public var completedOnTime = 0
        public var overdue = 0
        public var deferredFilings = 0
        public var deferredInTime = 0
        /// Per grade (`verySatisfied` … `veryDissatisfied`).
        public var ratings: [String: Int] = [:]
        public var followUps = 0
        public var followUpsClosedInTime = 0

        /// Completed on time ÷ completed, nil when nothing was completed.
        public var onTimeShare: Double? { completed == 0 ? nil : Double(completedOnTime) / Double(completed) }
        public var badRatings: Int { RatingGrade.allCases.filter(\.isBad).reduce(0) { $0 + (ratings[$1.rawValue] ?? 0) } }

        init(departmentId: String, department: LocalizedText, matterKey: String, matter: LocalizedText) {
            self.departmentId = departmentId
            self.department = department
            self.matterKey = matterKey
            self.matter = matter
        }

        mutating func add(_ count: ReportCount) {
            switch count.measure {
            case .received: received += count.count
            case .accepted: accepted += count.count
            case .returned: returned += count.count
            case .completed: completed += count.count
            case .completedOnTime: completedOnTime += count.count
            case .overdue: overdue += count.count
            case .deferredFilings: deferredFilings += count.count
            case .deferredInTime: deferredInTime += count.count
            case .rating: if let grade = count.grade { ratings[grade.rawValue, default: 0] += count.count }
            case .followUps: followUps += count.count
            case .followUpsClosedInTime: followUpsClosedInTime += count.count
            }
        }

        mutating func add(_ row: Row) {
            received += row.received
            accepted += row.accepted
            returned += row.returned
            completed += row.completed
            completedOnTime += row.completedOnTime
            overdue += row.overdue
            deferredFilings += row.deferredFilings
            deferredInTime += row.deferredInTime
            ratings.merge(row.ratings, uniquingKeysWith: +)
            followUps += row.followUps
            followUpsClosedInTime += row.followUpsClosedInTime
        }

        enum CodingKeys: String, CodingKey {
            case departmentId, department, matterKey, matter, received, accepted, returned, completed, completedOnTime, overdue
            case deferredFilings, deferredInTime, ratings, followUps, followUpsClosedInTime, onTimeShare, badRatings
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(departmentId, forKey: .departmentId)
            try container.encode(department, forKey: .department)
            try container.encode(matterKey, forKey: .matterKey)
            try container.encode(matter, forKey: .matter)
            try container.encode(received, forKey: .received)
            try container.encode(accepted, forKey: .accepted)
            try container.encode(returned, forKey: .returned)
            try container.encode(completed, forKey: .completed)
            try container.encode(completedOnTime, forKey: .completedOnTime)
            try container.encode(overdue, forKey: .overdue)
            try container.encode(deferredFilings, forKey: .deferredFilings)
            try container.encode(deferredInTime, forKey: .deferredInTime)
            try container.encode(ratings, forKey: .ratings)
            try container.encode(followUps, forKey: .followUps)
            try container.encode(followUpsClosedInTime, forKey: .followUpsClosedInTime)
            try container.encodeIfPresent(onTimeShare, forKey: .onTimeShare)
            try container.encode(badRatings, forKey: .badRatings)
        }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            departmentId = try container.decode(String.self, forKey: .departmentId)
            department = try container.decode(LocalizedText.self, forKey: .department)
            matterKey = try container.decode(String.self, forKey: .matterKey)
            matter = try container.decode(LocalizedText.self, forKey: .matter)
            received = try container.decode(Int.self, forKey: .received)
            accepted = try container.decode(Int.self, forKey: .accepted)
            returned = try container.decode(Int.self, forKey: .returned)
            completed = try container.decode(Int.self, forKey: .completed)
            completedOnTime = try container.decode(Int.self, forKey: .completedOnTime)
            overdue = try container.decode(Int.self, forKey: .overdue)
            deferredFilings = try container.decode(Int.self, forKey: .deferredFilings)
            deferredInTime = try container.decode(Int.self, forKey: .deferredInTime)
            ratings = try container.decode([String: Int].self, forKey: .ratings)
            followUps = try container.decode(Int.self, forKey: .followUps)
            followUpsClosedInTime = try container.decode(Int.self, forKey: .followUpsClosedInTime)
        }
    }

    /// One department's on-time share, for the chart.
    public struct DepartmentShare: Sendable, Hashable, Codable {
        public let departmentId: String
        public let department: LocalizedText
        public let completed: Int
        public let completedOnTime: Int
        public var onTimeShare: Double? { completed == 0 ? nil : Double(completedOnTime) / Double(completed) }
    }

    public let month: ReportMonth
    /// `terminal` (standalone: this terminal's filings) or `district` (every hall's).
    public let scope: String
    public let generatedAt: Date
    /// Sorted by department, then matter.
    public let rows: [Row]
    public let totals: Row
    public let departments: [DepartmentShare]
    /// The twelve months ending with `month`, oldest first.
    public let trend: [TrendCount]
    /// Calls for a member of staff raised in the month at this terminal's screen (首问负责);
    /// nil where the ledger does not keep them (district scope: each terminal keeps its own).
    public var help: HelpFigures?
    /// Policy fact sheets printed in the month, per policy, most printed first; nil where the
    /// ledger does not keep them.
    public var policyPrints: [PolicyPrintCount]?

    /// Puts the stores' counts together: rows per department and matter, totals, the shares.
    public init(month: ReportMonth, scope: String, generatedAt: Date, counts: [ReportCount], trend: [TrendCount]) {
        self.month = month
        self.scope = scope
        self.generatedAt = generatedAt
        var rows: [String: Row] = [:]
        for count in counts {
            let key = count.departmentID + "\u{1F}" + count.matterKey
            rows[key, default: Row(departmentId: count.departmentID, department: count.department, matterKey: count.matterKey,
                                   matter: count.matter)].add(count)
        }
        self.rows = rows.values.sorted { ($0.departmentId, $0.matterKey) < ($1.departmentId, $1.matterKey) }
        var totals = Row(departmentId: "", department: .init(zh: "合计", en: "Total"), matterKey: "", matter: .init(zh: "合计", en: "Total"))
        for row in self.rows { totals.add(row) }
        self.totals = totals
        var departments: [String: DepartmentShare] = [:]
        for row in self.rows {
            let previous = departments[row.departmentId]
            departments[row.departmentId] = DepartmentShare(
                departmentId: row.departmentId, department: row.department, completed: (previous?.completed ?? 0) + row.completed,
                completedOnTime: (previous?.completedOnTime ?? 0) + row.completedOnTime)
        }
        self.departments = departments.values.sorted { $0.departmentId < $1.departmentId }
        let known = Dictionary(trend.map { ($0.month, $0) }) { first, _ in first }
        self.trend = month.trailingYear.map { known[$0] ?? TrendCount(month: $0, completed: 0, onTime: 0, badRatings: 0) }
    }
}
