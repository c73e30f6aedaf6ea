import Foundation
import KioskCore

/// Why a sign-in, a token, a role check, an override or an audit entry was refused.
///
/// Messages name no person: a staff number may appear in the audit log, never in an error that
/// travels to a screen or a log line, and a PIN never appears anywhere.
public struct AccessError: KioskError, Hashable {
    public enum Code: String, Sendable, Hashable, CaseIterable {
        // Staff accounts and PINs.
        case invalidStaffNumber
        case invalidStaffName
        case invalidRole
        case pinWrongLength
        case pinNotDigits
        case pinRepeated
        case pinSequence
        case staffNumberTaken
        case staffNotFound
        // Sign-in. A wrong PIN and an unknown number share one code so that the terminal does
        // not tell a passer-by which staff numbers exist.
        case signInFailed
        case accountDisabled
        /// Wrong PINs for this number at this terminal: wait `retryAfter` seconds.
        case signInDelayed
        /// Too many accounts failed at this terminal in the last minute: wait `retryAfter` seconds.
        case signInRateLimited
        case unsupportedPINAlgorithm
        // Tokens.
        case tokenMalformed
        case tokenForged
        case tokenExpired
        case tokenOtherTerminal
        case tokenRevoked
        // Role checks.
        case signInRequired
        case roleNotAllowed
        case endpointNotDeclared
        case duplicateEndpoint
        // Overrides.
        case unknownOverrideReason
        case overrideNoteRequired
        case overrideNoteTooLong
        case duplicateOverrideReason
        // Audit.
        case auditPersonalData
        case auditInvalidField
    }

    public let kind: Code
    public let message: LocalizedText
    /// Whole seconds to wait before trying again (`Retry-After`), for the codes that ask it.
    public let retryAfter: Int?
    public var code: String { kind.rawValue }

    public init(_ kind: Code) {
        self.kind = kind
        self.message = Self.text(kind)
        self.retryAfter = nil
    }

    init(_ kind: Code, message: LocalizedText, retryAfter: Int? = nil) {
        self.kind = kind
        self.message = message
        self.retryAfter = retryAfter
    }

    /// Wrong PINs for this number here: the next one is checked after `seconds`.
    public static func delayed(seconds: TimeInterval) -> AccessError {
        let wait = wholeSeconds(seconds)
        return AccessError(.signInDelayed, message: .init(
            zh: "密码错误次数过多，请 \(wait) 秒后再试（或在另一台终端登录、请管理员解锁）",
            en: "Too many wrong PINs: try again in \(wait) s (or sign in at another terminal, or ask an administrator to unlock)."),
            retryAfter: wait)
    }

    /// A wait in whole seconds, at least 1. A time read back from the database has passed through
    /// seconds since 1970 as a Double, which can add a rounding error of a few hundred
    /// nanoseconds: to whole milliseconds first, so 1 s and a rounding error is still 1 s.
    static func wholeSeconds(_ seconds: TimeInterval) -> Int {
        max(1, Int(((seconds * 1000).rounded() / 1000).rounded(.up)))
    }

    /// Many accounts failed here within a minute: someone is trying numbers.
    public static func rateLimited(seconds: TimeInterval) -> AccessError {
        let wait = wholeSeconds(seconds)
        return AccessError(.signInRateLimited, message: .init(
            zh: "本终端登录失败过多，请 \(wait) 秒后再试", en: "Too many failed sign-ins at this terminal: try again in \(wait) s."),
            retryAfter: wait)
    }

    private static func text(_ kind: Code) -> LocalizedText {
        switch kind {
        case .invalidStaffNumber: .init(zh: "工号应为1至16位字母、数字、点、下划线或连字符", en: "A staff number has 1 to 16 letters, digits, dots, underscores or hyphens.")
        case .invalidStaffName: .init(zh: "姓名应为1至40个字符", en: "A name has 1 to 40 characters.")
        case .invalidRole: .init(zh: "角色应为 staff、technician 或 admin", en: "The role must be staff, technician or admin.")
        case .pinWrongLength: .init(zh: "密码应为4至8位数字", en: "A PIN has 4 to 8 digits.")
        case .pinNotDigits: .init(zh: "密码只能包含数字", en: "A PIN has digits only.")
        case .pinRepeated: .init(zh: "密码不能全部是同一个数字", en: "A PIN cannot repeat one digit.")
        case .pinSequence: .init(zh: "密码不能是连续数字", en: "A PIN cannot be a run of consecutive digits.")
        case .staffNumberTaken: .init(zh: "该工号已存在", en: "This staff number is already in use.")
        case .staffNotFound: .init(zh: "没有该工号的账号", en: "There is no account with this staff number.")
        case .signInFailed: .init(zh: "工号或密码不正确", en: "The staff number or PIN is not correct.")
        case .accountDisabled: .init(zh: "该账号已停用，请联系管理员", en: "This account is disabled; ask an administrator.")
        case .signInDelayed: .init(zh: "密码错误次数过多，请稍后再试", en: "Too many wrong PINs: try again shortly.")
        case .signInRateLimited: .init(zh: "本终端登录失败过多，请稍后再试", en: "Too many failed sign-ins at this terminal: try again shortly.")
        case .unsupportedPINAlgorithm: .init(zh: "密码存储格式无法识别，请管理员重置密码", en: "The stored PIN uses an unknown format; ask an administrator to reset it.")
        case .tokenMalformed: .init(zh: "登录凭证格式错误，请重新登录", en: "The sign-in token is malformed; sign in again.")
        case .tokenForged: .init(zh: "登录凭证签名无效", en: "The sign-in token's signature is not valid.")
        case .tokenExpired: .init(zh: "登录已过期，请重新登录", en: "The sign-in has expired; sign in again.")
        case .tokenOtherTerminal: .init(zh: "该登录凭证属于另一台终端", en: "The sign-in token belongs to another terminal.")
        case .tokenRevoked: .init(zh: "该登录已注销，请重新登录", en: "This sign-in has been revoked; sign in again.")
        case .signInRequired: .init(zh: "此操作需要工作人员登录", en: "This needs a member of staff to sign in.")
        case .roleNotAllowed: .init(zh: "当前角色无权执行此操作", en: "This role may not do this.")
        case .endpointNotDeclared: .init(zh: "此接口未声明访问角色，已拒绝", en: "This endpoint declares no roles, so it is closed.")
        case .duplicateEndpoint: .init(zh: "同一接口的访问角色声明了两次", en: "An endpoint's roles are declared twice.")
        case .unknownOverrideReason: .init(zh: "请从列表中选择原因", en: "Choose a reason from the list.")
        case .overrideNoteRequired: .init(zh: "此原因需要填写说明", en: "This reason needs a note.")
        case .overrideNoteTooLong: .init(zh: "说明不能超过200个字符", en: "A note has at most 200 characters.")
        case .duplicateOverrideReason: .init(zh: "原因代码重复", en: "A reason code appears twice.")
        case .auditPersonalData: .init(zh: "审计记录不能包含完整证件号码", en: "An audit record cannot hold an unmasked identity number.")
        case .auditInvalidField: .init(zh: "审计记录字段无效", en: "An audit record field is not valid.")
        }
    }
}
