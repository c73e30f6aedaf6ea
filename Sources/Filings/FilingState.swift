import KioskCore

/// Where a filing (or one sub-filing of a bundle) stands after the terminal.
///
/// ```
/// submitted ─▶ received ─▶ accepted ─▶ inProgress ─▶ completed ─▶ collected
///     │            │           │            │
///     └────────────┴───────────┴────────────┴─▶ returned ─(corrected, resubmitted)─▶ submitted
/// ```
/// A window or a department system receives and accepts (受理: the legal clock starts), returns
/// (不予受理 / 退回补正: the clock stops), processes and completes (办结, with a result); the
/// citizen collects. A returned filing is corrected and resubmitted by the citizen at the
/// terminal under the same reference, as a new version.
public enum FilingState: String, Sendable, Hashable, Codable, CaseIterable {
    case submitted
    /// A window or a department system has taken it, not yet accepted.
    case received
    /// 受理: the legal time limit runs.
    case accepted
    /// 不予受理 / 退回补正: back with the citizen, the clock stopped.
    case returned
    case inProgress
    /// 办结: a result (approved or refused) and where to collect it.
    case completed
    case collected

    /// The legal clock runs in these states.
    public var clockRuns: Bool { self == .accepted || self == .inProgress }

    /// Nothing more happens at the window.
    public var isFinished: Bool { self == .completed || self == .collected }

    public var text: LocalizedText {
        switch self {
        case .submitted: LocalizedText(zh: "已提交", en: "Submitted")
        case .received: LocalizedText(zh: "已接收", en: "Received")
        case .accepted: LocalizedText(zh: "已受理", en: "Accepted")
        case .returned: LocalizedText(zh: "已退回", en: "Returned")
        case .inProgress: LocalizedText(zh: "办理中", en: "In progress")
        case .completed: LocalizedText(zh: "已办结", en: "Completed")
        case .collected: LocalizedText(zh: "已领取", en: "Collected")
        }
    }
}

/// Who acted on a filing: the one vocabulary of the lifecycle, the audit log and the department
/// interface. Staff at a window and a department system do the same things the same way.
public enum LifecycleActor: Sendable, Hashable, Codable, CustomStringConvertible {
    /// A member of staff at a window (the staff console), by staff number.
    case window(staff: String)
    /// A department's own system, by department id.
    case department(String)
    /// The supervision post (督办), by staff number.
    case supervisor(staff: String)
    /// The applicant at a terminal.
    case citizen
    /// kiosk itself: warnings, missed 容缺 due dates.
    case system

    public var kind: String {
        switch self {
        case .window: "window"
        case .department: "department"
        case .supervisor: "supervisor"
        case .citizen: "citizen"
        case .system: "system"
        }
    }

    /// The staff number or department id; empty for the citizen and the system.
    public var id: String {
        switch self {
        case .window(let staff), .supervisor(let staff): staff
        case .department(let id): id
        case .citizen, .system: ""
        }
    }

    public init(kind: String, id: String) throws(LifecycleRefusal) {
        switch kind {
        case "window": self = .window(staff: id)
        case "department": self = .department(id)
        case "supervisor": self = .supervisor(staff: id)
        case "citizen": self = .citizen
        case "system": self = .system
        default: throw LifecycleRefusal(.invalidRecord)
        }
    }

    public var description: String { id.isEmpty ? kind : "\(kind):\(id)" }

    enum CodingKeys: String, CodingKey { case kind, id }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let kind = try container.decode(String.self, forKey: .kind)
        let id = try container.decodeIfPresent(String.self, forKey: .id) ?? ""
        do { try self.init(kind: kind, id: id) } catch {
            throw DecodingError.dataCorruptedError(forKey: .kind, in: container, debugDescription: "unknown actor kind")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(kind, forKey: .kind)
        if !id.isEmpty { try container.encode(id, forKey: .id) }
    }
}

/// 黄灯 / 红灯: how far a running legal clock has gone.
public enum WarningLevel: String, Sendable, Hashable, Codable, Comparable, CaseIterable {
    case none
    /// The configured share of the time limit is used (黄灯, nearly overdue).
    case yellow
    /// Past the due date (红灯, 超期).
    case red

    var rank: Int {
        switch self {
        case .none: 0
        case .yellow: 1
        case .red: 2
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }
}
