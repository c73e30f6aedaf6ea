import KioskCore

/// Why the lifecycle refused a command: a stable code and a message in both languages, never
/// anyone's personal data. The HTTP layer maps each kind to a status.
public struct LifecycleRefusal: KioskError, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        /// No filing under this reference (or, for a citizen, not theirs: the same answer).
        case filingNotFound
        /// A bundle was addressed without saying which part, or with a part it does not have.
        case partRequired, unknownPart
        /// This actor may not do this (a department acting on another's filing, a citizen on a window's step).
        case actorNotAllowed
        /// The filing is not in a state this step starts from.
        case invalidTransition
        case unknownReason, reasonRequired, noteRequired, noteTooLong, tooManyReasons
        case unknownMaterial
        /// The material is no longer waiting (received, or its due date passed).
        case deferralClosed
        case commitmentAlreadyChecked
        /// Rating before the filing is completed, or a second rating.
        case notYetCompleted, alreadyRated
        case commentTooLong
        /// No 差评 follow-up on this filing, it is already closed, or 回访/整改 are missing.
        case noFollowUp, followUpClosed, followUpIncomplete
        /// A resubmission that is not the next version of a returned filing.
        case notReturned, versionMismatch
        /// A stored record that does not decode.
        case invalidRecord
        /// A report month that is not `YYYY-MM`.
        case invalidMonth
    }

    public let kind: Kind
    public let detail: String

    public init(_ kind: Kind, _ detail: String = "") {
        self.kind = kind
        self.detail = detail
    }

    public var code: String { kind.rawValue }

    public var message: LocalizedText {
        let suffix = detail.isEmpty ? LocalizedText(zh: "", en: "") : LocalizedText(zh: "：\(detail)", en: ": \(detail)")
        let text: LocalizedText =
            switch kind {
            case .filingNotFound: .init(zh: "找不到该办件", en: "No such filing")
            case .partRequired: .init(zh: "该办件是“一件事”，请指明其中的事项", en: "This filing is a bundle; name its part")
            case .unknownPart: .init(zh: "该办件没有此事项", en: "The filing has no such part")
            case .actorNotAllowed: .init(zh: "无权进行此操作", en: "Not allowed to do this")
            case .invalidTransition: .init(zh: "办件当前状态不能进行此操作", en: "The filing's state does not allow this")
            case .unknownReason: .init(zh: "原因不在列表中", en: "The reason is not on the list")
            case .reasonRequired: .init(zh: "请至少选择一个原因", en: "Give at least one reason")
            case .noteRequired: .init(zh: "请填写说明", en: "A note is required")
            case .noteTooLong: .init(zh: "说明过长（最多\(LifecycleRules.longestNote)字）",
                                     en: "The note is too long (at most \(LifecycleRules.longestNote) characters)")
            case .tooManyReasons: .init(zh: "原因过多或重复", en: "Too many reasons, or one given twice")
            case .unknownMaterial: .init(zh: "该办件没有此材料", en: "The filing has no such material")
            case .deferralClosed: .init(zh: "该容缺材料已不在待补交状态", en: "This deferred material is no longer awaited")
            case .commitmentAlreadyChecked: .init(zh: "该承诺已核查", en: "This commitment has been checked already")
            case .notYetCompleted: .init(zh: "办件办结后才能评价", en: "A filing can be rated once it is completed")
            case .alreadyRated: .init(zh: "该办件已评价，每件只能评价一次", en: "This filing has been rated; each filing is rated once")
            case .commentTooLong: .init(zh: "评价内容过长（最多\(LifecycleRules.longestComment)字）",
                                        en: "The comment is too long (at most \(LifecycleRules.longestComment) characters)")
            case .noFollowUp: .init(zh: "该办件没有差评整改", en: "This filing has no follow-up of a bad rating")
            case .followUpClosed: .init(zh: "该差评整改已办结", en: "This follow-up is closed")
            case .followUpIncomplete: .init(zh: "请先记录回访和整改情况", en: "Record the call back and the rectification first")
            case .notReturned: .init(zh: "该办件未被退回，不能补正重交", en: "The filing was not returned; it cannot be resubmitted")
            case .versionMismatch: .init(zh: "补正版本不连续", en: "The corrected version does not follow the stored one")
            case .invalidRecord: .init(zh: "办件记录无法读取", en: "The filing's record cannot be read")
            case .invalidMonth: .init(zh: "月份须为 YYYY-MM 格式", en: "The month must be written YYYY-MM")
            }
        return LocalizedText(zh: text.zh + suffix.zh, en: text.en + suffix.en)
    }
}
