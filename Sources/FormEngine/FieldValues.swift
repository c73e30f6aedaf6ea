import Foundation
import JSONLogic
import KioskCore

/// One answer that cannot be accepted. `fieldPath` is the field id, or for an item of a repeat
/// group `group[index].field` (index from 0). Messages never repeat the value.
public struct FieldError: Sendable, Hashable, Codable {
    public let fieldPath: String
    public let code: String
    public let message: LocalizedText

    init(_ fieldPath: String, _ code: String, zh: String, en: String) {
        self.fieldPath = fieldPath
        self.code = code
        self.message = LocalizedText(zh: zh, en: en)
    }

    init(_ fieldPath: String, _ code: String, _ message: LocalizedText) {
        self.fieldPath = fieldPath
        self.code = code
        self.message = message
    }
}

/// What `next` says when a step cannot be left: a summary for the top of the page and one
/// entry per field, in the order of the page.
public struct ValidationReport: Sendable, Hashable, Codable {
    public let stepID: String
    public let summary: LocalizedText
    public let errors: [FieldError]

    init(stepID: String, errors: [FieldError]) {
        self.stepID = stepID
        self.errors = errors
        summary = LocalizedText(
            zh: "本页有 \(errors.count) 处需要修改", en: errors.count == 1 ? "1 answer on this page needs attention." :
                "\(errors.count) answers on this page need attention.")
    }
}

extension JSON {
    /// Null, blank text and empty lists count as "not answered".
    var isEmptyAnswer: Bool {
        switch self {
        case .null: true
        case .string(let text): text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
        case .array(let elements): elements.isEmpty
        case .object(let members): members.isEmpty
        default: false
        }
    }
}

/// Format checks per field type, independent of the form's own constraints.
enum FieldFormat {
    static func check(_ value: JSON, as field: FormField, choices: [Choice], path: String) -> FieldError? {
        switch field.type {
        case .text, .longText:
            guard case .string = value else { return mustBeText(path) }
        case .number, .money:
            guard case .number(let number) = value else {
                return FieldError(path, "notANumber", zh: "请填写数字", en: "Enter a number.")
            }
            if field.type == .money {
                guard number >= 0 else { return FieldError(path, "negativeAmount", zh: "金额不能为负数", en: "An amount cannot be negative.") }
                guard abs((number * 100).rounded() - number * 100) < 1e-6 else {
                    return FieldError(path, "tooManyDecimals", zh: "金额最多保留两位小数", en: "An amount has at most two decimal places (fen).")
                }
            }
            if let minimum = field.minimum, number < minimum {
                return FieldError(path, "belowMinimum", zh: "不能小于 \(formatBound(minimum))", en: "Must be at least \(formatBound(minimum)).")
            }
            if let maximum = field.maximum, number > maximum {
                return FieldError(path, "aboveMaximum", zh: "不能大于 \(formatBound(maximum))", en: "Must be at most \(formatBound(maximum)).")
            }
        case .date:
            guard case .string(let text) = value, isCalendarDate(text) else {
                return FieldError(path, "invalidDate", zh: "请按 年-月-日 填写有效日期", en: "Enter a valid date as YYYY-MM-DD.")
            }
        case .singleChoice:
            guard case .string(let chosen) = value, choices.contains(where: { $0.value == chosen }) else {
                return FieldError(path, "invalidChoice", zh: "请从列表中选择", en: "Choose one of the options.")
            }
        case .multipleChoice:
            guard case .array(let chosen) = value,
                chosen.allSatisfy({ element in
                    if case .string(let text) = element { choices.contains { $0.value == text } } else { false }
                }), Set(chosen).count == chosen.count
            else {
                return FieldError(path, "invalidChoice", zh: "请从列表中选择", en: "Choose from the options.")
            }
        case .yesNo:
            guard case .bool = value else { return FieldError(path, "expectedYesNo", zh: "请选择“是”或“否”", en: "Choose yes or no.") }
        case .idNumber:
            guard case .string(let text) = value else { return mustBeText(path) }
            do {
                _ = try ResidentIDNumber(text)
            } catch {
                return FieldError(path, "idNumber." + error.reason.rawValue, zh: error.messageZH, en: error.messageEN)
            }
        case .mobile:
            guard case .string(let text) = value, isMainlandMobile(text) else {
                return FieldError(path, "invalidMobile", zh: "请填写11位手机号码", en: "Enter an 11-digit mainland mobile number.")
            }
        case .creditCode:
            guard case .string(let text) = value, UnifiedSocialCreditCode.isValid(text) else {
                return FieldError(path, "invalidCreditCode", zh: "统一社会信用代码不正确，请核对",
                    en: "The unified social credit code is not valid; please check it.")
            }
        case .address:
            guard case .object(let members) = value, let region = members["region"], let detail = members["detail"],
                case .string = region, case .string = detail, !region.isEmptyAnswer, !detail.isEmptyAnswer
            else {
                return FieldError(path, "incompleteAddress", zh: "请选择所在地区并填写详细地址",
                    en: "Choose the region and enter the street address.")
            }
        case .email:
            guard case .string(let text) = value, isEmail(text) else {
                return FieldError(path, "invalidEmail", zh: "请填写有效的电子邮箱", en: "Enter a valid e-mail address.")
            }
        case .declaration:
            guard value == .bool(true) else {
                return FieldError(path, "declarationNotAccepted", zh: "请阅读并确认", en: "Please read and accept.")
            }
        case .repeatGroup:
            guard case .array(let items) = value, items.allSatisfy({ if case .object = $0 { true } else { false } }) else {
                return FieldError(path, "invalidItems", zh: "条目格式不正确", en: "The entries are not in the expected form.")
            }
            if let minimum = field.minItems, items.count < minimum {
                return FieldError(path, "tooFewItems", zh: "至少需要 \(minimum) 项", en: "At least \(minimum) entries are needed.")
            }
            if let maximum = field.maxItems, items.count > maximum {
                return FieldError(path, "tooManyItems", zh: "最多 \(maximum) 项", en: "At most \(maximum) entries are allowed.")
            }
        }
        return nil
    }

    private static func mustBeText(_ path: String) -> FieldError {
        FieldError(path, "expectedText", zh: "请填写文字", en: "Enter text.")
    }

    private static func formatBound(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    static func isCalendarDate(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.utf8.count == 10, parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
        else { return false }
        return ResidentIDNumber.BirthDate(year: year, month: month, day: day) != nil
    }

    static func isMainlandMobile(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.count == 11 && bytes[0] == UInt8(ascii: "1") && (UInt8(ascii: "3")...UInt8(ascii: "9")).contains(bytes[1])
            && bytes.allSatisfy { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
    }

    static func isEmail(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, text.utf8.count <= 254,
            !text.contains(where: \.isWhitespace)
        else { return false }
        let domain = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        return domain.count >= 2 && domain.allSatisfy { !$0.isEmpty }
    }
}

/// The unified social credit code of organisations (GB 32100-2015): 18 characters from a
/// 31-character alphabet without I, O, S, V and Z; the last is a check character.
public enum UnifiedSocialCreditCode {
    static let alphabet = Array("0123456789ABCDEFGHJKLMNPQRTUWXY")
    static let weights = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]

    /// The check character for the first 17 characters, or nil if they are not 17 characters
    /// of the alphabet.
    public static func checkCharacter(forFirst17 text: String) -> Character? {
        let characters = Array(text)
        guard characters.count == 17 else { return nil }
        var sum = 0
        for (index, character) in characters.enumerated() {
            guard let value = alphabet.firstIndex(of: character) else { return nil }
            sum += value * weights[index]
        }
        return alphabet[(31 - sum % 31) % 31]
    }

    public static func isValid(_ text: String) -> Bool {
        let characters = Array(text)
        guard characters.count == 18, let check = checkCharacter(forFirst17: String(characters.prefix(17))) else {
            return false
        }
        return characters[17] == check
    }
}
