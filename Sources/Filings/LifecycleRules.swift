import KioskCore

/// One reason on a list staff or citizens choose from, in both languages.
public struct ListedReason: Sendable, Hashable, Codable {
    public let code: String
    public let label: LocalizedText
    /// Means nothing without a note (`other`).
    public let requiresNote: Bool

    public init(code: String, label: LocalizedText, requiresNote: Bool = false) {
        self.code = code
        self.label = label
        self.requiresNote = requiresNote
    }
}

/// The hall's settings of the filing lifecycle: `[filings]` in `kiosk.conf`, and the lists of
/// reasons (the standard lists below until a hall needs its own).
public struct LifecycleRules: Sendable, Hashable {
    /// 黄灯 at this share of the time limit used (`filings.warning_percent`).
    public var warningPercent: Int
    /// 容缺 reminders appear on the staff desk this many working days before the due date.
    public var reminderWorkingDays: Int
    /// 差评 follow-ups (回访 and 整改) are due this many working days after the rating.
    public var followUpWorkingDays: Int
    /// "Repeatedly badly rated": this many 差评 …
    public var badRatingThreshold: Int
    /// … within this many days (`filings.bad_rating_window_days`).
    public var badRatingWindowDays: Int
    public var returnReasons: [ListedReason]
    public var ratingReasons: [ListedReason]

    public init(
        warningPercent: Int = 80, reminderWorkingDays: Int = 2, followUpWorkingDays: Int = 15, badRatingThreshold: Int = 3,
        badRatingWindowDays: Int = 30, returnReasons: [ListedReason] = Self.standardReturnReasons,
        ratingReasons: [ListedReason] = Self.standardRatingReasons
    ) {
        self.warningPercent = warningPercent
        self.reminderWorkingDays = reminderWorkingDays
        self.followUpWorkingDays = followUpWorkingDays
        self.badRatingThreshold = badRatingThreshold
        self.badRatingWindowDays = badRatingWindowDays
        self.returnReasons = returnReasons
        self.ratingReasons = ratingReasons
    }

    /// The longest note staff, supervisors or a department may write, in characters.
    public static let longestNote = 500
    /// The longest comment a citizen may leave with a rating, in characters.
    public static let longestComment = 200
    public static let mostRatingReasons = 8

    /// Why a filing goes back to the citizen (不予受理 / 退回补正).
    public static let standardReturnReasons: [ListedReason] = [
        ListedReason(code: "materialsIncomplete", label: .init(zh: "申请材料不齐全", en: "Materials incomplete")),
        ListedReason(code: "materialsInvalid", label: .init(zh: "申请材料不符合法定形式", en: "Materials not in the legal form")),
        ListedReason(code: "informationIncorrect", label: .init(zh: "填报信息有误", en: "Information incorrect")),
        ListedReason(code: "notEligible", label: .init(zh: "不符合申请条件", en: "Not eligible")),
        ListedReason(code: "notThisDepartment", label: .init(zh: "不属于本部门职权范围", en: "Not this department's matter")),
        ListedReason(code: "deferredMaterialMissing", label: .init(zh: "容缺材料逾期未补交", en: "Deferred material not supplied in time")),
        ListedReason(code: "other", label: .init(zh: "其他（请说明）", en: "Other (explain)"), requiresNote: true),
    ]

    /// What a citizen may tick with a rating (好差评 评价内容).
    public static let standardRatingReasons: [ListedReason] = [
        ListedReason(code: "fast", label: .init(zh: "办理快捷", en: "Quick")),
        ListedReason(code: "clearGuidance", label: .init(zh: "告知清楚", en: "Clearly explained")),
        ListedReason(code: "goodAttitude", label: .init(zh: "服务热情", en: "Friendly service")),
        ListedReason(code: "oneVisit", label: .init(zh: "一次办成", en: "Done in one visit")),
        ListedReason(code: "slowProcessing", label: .init(zh: "办理时间长", en: "Took too long")),
        ListedReason(code: "repeatedVisits", label: .init(zh: "多次跑腿", en: "Had to come back several times")),
        ListedReason(code: "unclearGuidance", label: .init(zh: "一次性告知不清", en: "Requirements not told at once")),
        ListedReason(code: "poorAttitude", label: .init(zh: "服务态度差", en: "Unfriendly service")),
        ListedReason(code: "excessiveMaterials", label: .init(zh: "材料要求多", en: "Too many materials asked")),
        ListedReason(code: "systemProblems", label: .init(zh: "系统不好用", en: "The system was hard to use")),
        ListedReason(code: "other", label: .init(zh: "其他", en: "Other")),
    ]
}

/// 好差评: the five national grades of a rating, from 非常满意 to 非常不满意.
public enum RatingGrade: String, Sendable, Hashable, Codable, CaseIterable {
    case verySatisfied, satisfied, basicallySatisfied, dissatisfied, veryDissatisfied

    /// 5 (非常满意) … 1 (非常不满意), as the national scheme scores them.
    public var score: Int {
        switch self {
        case .verySatisfied: 5
        case .satisfied: 4
        case .basicallySatisfied: 3
        case .dissatisfied: 2
        case .veryDissatisfied: 1
        }
    }

    public init?(score: Int) {
        guard let grade = Self.allCases.first(where: { $0.score == score }) else { return nil }
        self = grade
    }

    /// 差评: 不满意 or 非常不满意, followed up on the supervision desk.
    public var isBad: Bool { self == .dissatisfied || self == .veryDissatisfied }

    public var text: LocalizedText {
        switch self {
        case .verySatisfied: LocalizedText(zh: "非常满意", en: "Very satisfied")
        case .satisfied: LocalizedText(zh: "满意", en: "Satisfied")
        case .basicallySatisfied: LocalizedText(zh: "基本满意", en: "Basically satisfied")
        case .dissatisfied: LocalizedText(zh: "不满意", en: "Dissatisfied")
        case .veryDissatisfied: LocalizedText(zh: "非常不满意", en: "Very dissatisfied")
        }
    }
}
