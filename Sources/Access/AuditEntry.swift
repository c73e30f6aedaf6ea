/// Who did it: a member of staff by number, the citizen at the terminal, or kiosk itself.
public enum AuditActor: Sendable, Hashable, CustomStringConvertible {
    case citizen
    case system
    case staff(StaffNumber)

    /// `citizen`, `system` or the staff number: unambiguous, since `StaffNumber` refuses the two words.
    public var description: String {
        switch self {
        case .citizen: "citizen"
        case .system: "system"
        case .staff(let number): number.value
        }
    }
}

/// A security-relevant event's name, dotted: `staff.signIn`, `override.skipStep`, ...
public struct AuditAction: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public init(_ rawValue: String) {
        self.rawValue = rawValue
    }

    public var description: String { rawValue }

    public static let staffSignedIn = AuditAction("staff.signIn")
    public static let staffSignInFailed = AuditAction("staff.signInFailed")
    public static let staffUnlocked = AuditAction("staff.unlocked")
    public static let staffSignedOut = AuditAction("staff.signOut")
    public static let staffAdded = AuditAction("staff.added")
    public static let staffDisabled = AuditAction("staff.disabled")
    public static let staffPINReset = AuditAction("staff.pinReset")
    public static let tokenRevoked = AuditAction("token.revoked")
    public static let statisticsReset = AuditAction("device.statisticsReset")
    /// A technician printed a printer's counter slip, with the log's head on it.
    public static let counterSlipPrinted = AuditAction("device.counterSlipPrinted")
    public static let configurationChanged = AuditAction("configuration.changed")
    public static let formChanged = AuditAction("form.changed")
    public static let calendarImported = AuditAction("calendar.imported")
    public static let dataExported = AuditAction("data.exported")
    public static let auditExported = AuditAction("audit.exported")
    public static let secretsMigrated = AuditAction("secrets.migrated")
    public static let secretsRotated = AuditAction("secrets.rotated")
}

/// An event to append to the audit log, before it has a place in the chain.
///
/// Audit records hold no personal data beyond masked ID numbers: the target and the details
/// name sessions, filings, devices and staff numbers. An unmasked ID number (a run of 15 or
/// more digits) is refused, as a last line of defence against a careless caller.
public struct AuditEntry: Sendable, Hashable {
    public let actor: AuditActor
    public let action: AuditAction
    public let target: String
    public let details: [String: String]

    static let longestTarget = 200
    static let longestValue = 500
    static let mostDetails = 32

    public init(actor: AuditActor, action: AuditAction, target: String = "", details: [String: String] = [:]) throws(AccessError) {
        guard Self.isName(action.rawValue, allowingHyphen: true), target.count <= Self.longestTarget,
              details.count <= Self.mostDetails,
              details.allSatisfy({ Self.isName($0.key, allowingHyphen: false) && $0.value.count <= Self.longestValue }) else {
            throw AccessError(.auditInvalidField)
        }
        guard !Self.containsIDNumber(target), !details.values.contains(where: Self.containsIDNumber) else {
            throw AccessError(.auditPersonalData)
        }
        self.actor = actor
        self.action = action
        self.target = target
        self.details = details
    }

    /// 1–64 ASCII letters, digits, `.`, `_` (and `-` for actions): keys sort the same under
    /// every collation, so the canonical encoding is unambiguous.
    private static func isName(_ text: String, allowingHyphen: Bool) -> Bool {
        let bytes = Array(text.utf8)
        return (1...64).contains(bytes.count) && bytes.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"): true
            case UInt8(ascii: "-"): allowingHyphen
            default: false
            }
        }
    }

    /// 15 digits (first-generation numbers) or more: no masked number, phone number, booking
    /// code or reference number is that long.
    private static func containsIDNumber(_ text: String) -> Bool {
        var run = 0
        for byte in text.utf8 {
            run = (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? run + 1 : 0
            if run >= 15 { return true }
        }
        return false
    }
}
