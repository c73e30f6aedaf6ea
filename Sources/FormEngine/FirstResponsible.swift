import Foundation

/// 首问负责 (first asked, first responsible): the member of staff who takes a citizen's call for
/// help answers for the citizen's matter until they hand it over to a named colleague, which is
/// recorded; responsibility is never dropped silently. Staff numbers only: a staff number is
/// what receipts print, never a name.
public struct Responsibility: Sendable, Hashable, Codable {
    public enum How: String, Sendable, Hashable, Codable {
        /// Took the citizen's call for help: the first one asked.
        case tookCall
        /// Received the matter from `from`, explicitly.
        case handedOver
    }

    public let staffNumber: String
    public let how: How
    /// The staff number it was handed over from; nil for the first one asked.
    public let from: String?
    public let since: Date

    public init(staffNumber: String, how: How, from: String? = nil, since: Date) {
        self.staffNumber = staffNumber
        self.how = how
        self.from = from
        self.since = since
    }
}

extension FormSession {
    /// Who has answered for the matter, the current one last; empty while nobody has.
    public var responsibility: [Responsibility] { responsibilityHistory ?? [] }

    /// The staff number of the member of staff responsible now (首问责任人), if any.
    public var responsibleStaff: String? { responsibility.last?.staffNumber }

    /// A member of staff took the citizen's call for help. The first one asked stays responsible:
    /// a later call taken by someone else leaves the matter with them (only a handover moves it).
    /// Returns whether `staffNumber` became responsible.
    @discardableResult
    public mutating func recordCallTaken(by staffNumber: String, at now: Date) -> Bool {
        guard responsibleStaff == nil, !staffNumber.isEmpty else { return false }
        responsibilityHistory = [Responsibility(staffNumber: staffNumber, how: .tookCall, since: now)]
        return true
    }

    /// The responsible member of staff hands the matter to `staffNumber`; the history keeps both.
    public mutating func recordHandover(to staffNumber: String, at now: Date) {
        let from = responsibleStaff
        guard from != staffNumber, !staffNumber.isEmpty else { return }
        responsibilityHistory = responsibility + [Responsibility(staffNumber: staffNumber, how: .handedOver, from: from, since: now)]
    }
}
