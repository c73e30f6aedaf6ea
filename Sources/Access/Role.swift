import KioskCore

/// Who is at the terminal. A request without a token is the citizen's: the terminal's
/// anonymous session. The other roles belong to staff accounts and need a sign-in.
public enum Role: String, Sendable, Hashable, Codable, CaseIterable {
    case citizen
    case staff
    case technician
    case admin
    /// The supervision post (督查督办): overdue and badly rated filings, 督办, the monthly report.
    case supervisor
    /// A department's own system (办件系统), calling with its API key (`kiosk departments add`):
    /// it takes its department's filings and reports their progress back. Not a person at the
    /// terminal, so not one of `anyone`.
    case department
    /// A hall's call display (叫号屏), with its read-only token (`kiosk displays add`): it reads
    /// the queue's feed and "now serving", nothing else. Not a person at the terminal.
    case display

    /// The roles a staff account may hold.
    public static let accountRoles: Set<Role> = [.staff, .technician, .admin, .supervisor]

    /// The roles that may override a step of a citizen's filing.
    public static let overriding: Set<Role> = [.staff, .admin]

    public init(account text: String) throws(AccessError) {
        guard let role = Role(rawValue: text), Self.accountRoles.contains(role) else { throw AccessError(.invalidRole) }
        self = role
    }
}

/// A staff member's number as the hall issues it: 1–16 ASCII letters, digits, `.`, `_` or `-`.
///
/// The audit log names actors by staff number, `citizen` or `system`; those two words are
/// refused as staff numbers so that an actor is never ambiguous.
public struct StaffNumber: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public let value: String

    public init(_ text: String) throws(AccessError) {
        let bytes = Array(text.utf8)
        guard (1...16).contains(bytes.count), bytes.allSatisfy(Self.isAllowed),
              !["citizen", "system"].contains(text.lowercased()) else { throw AccessError(.invalidStaffNumber) }
        value = text
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        do {
            try self.init(text)
        } catch {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.message.en))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }

    public var description: String { value }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.value < rhs.value }

    private static func isAllowed(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
            true
        default:
            false
        }
    }
}
