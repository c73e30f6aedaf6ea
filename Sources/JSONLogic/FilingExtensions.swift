/// Operators added to JSONLogic for filings. Dates are `YYYY-MM-DD` strings on the proleptic
/// Gregorian calendar; anything else (including `null` from an empty field) is `invalidDate`.
///
/// - `today` — the context's current date in the context's time zone (default Asia/Shanghai):
///   `{"today": []}` → `"2026-11-29"`.
/// - `age` — whole years from a date to today, or to a second date. The years count up on the
///   birthday itself; someone born on 29 February counts up on 1 March in common years. A date
///   after the second gives a negative age, so `>=` checks simply fail.
///   `{"age": [{"var": "applicant.birthDate"}]}` → `36`;
///   `{"age": ["2008-02-29", "2026-02-28"]}` → `17`; `{"age": ["2008-02-29", "2026-03-01"]}` → `18`.
/// - `date_diff` — days from the first date to the second (negative when the second is earlier):
///   `{"date_diff": ["2026-01-01", "2026-03-01"]}` → `59`.
/// - `count` — the length of an array, or with a second argument the number of elements for
///   which it is truthy; like `filter`, the second argument sees each element as its data.
///   Anything but an array counts as empty.
///   `{"count": [{"var": "children"}]}` → `2`;
///   `{"count": [{"var": "materials"}, {"var": "provided"}]}` → number of provided materials;
///   `{"count": [[1, 0, "", "x"], {"var": ""}]}` → `2` (truthy elements).
/// - `matches` — whether a string (or number) contains a match of a regular expression
///   (ICU syntax, as `NSRegularExpression`; anchor with `^…$` to match the whole string).
///   Other values never match. Patterns longer than 256 characters, invalid patterns and
///   patterns that quantify a group that itself contains a quantifier, such as `(a+)+`, which can
///   backtrack exponentially, are `invalidPattern`; literal patterns are checked when the rule
///   is parsed.
///   `{"matches": [{"var": "phone"}, "^1[3-9][0-9]{9}$"]}` → `true` for a mainland mobile number.
import Foundation

struct CivilDate: Sendable, Hashable {
    let year: Int
    let month: Int
    let day: Int

    /// Strictly `YYYY-MM-DD`, with the day checked against the month and leap years.
    init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
        func field(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = field(0..<4), let month = field(5..<7), let day = field(8..<10),
            (1...12).contains(month), (1...CivilDate.daysInMonth(month, year: year)).contains(day)
        else { return nil }
        self.init(year: year, month: month, day: day)
    }

    init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// The date `days` after 1970-01-01 (Howard Hinnant's `civil_from_days`).
    init(daysSinceEpoch days: Int) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        self.init(year: yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month: month, day: day)
    }

    /// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
    var daysSinceEpoch: Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    var text: String {
        func padded(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(padded(year, 4))-\(padded(month, 2))-\(padded(day, 2))"
    }

    static func daysInMonth(_ month: Int, year: Int) -> Int {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

let maximumPatternLength = 256

func compilePattern(_ pattern: String) throws(LogicError) -> NSRegularExpression {
    guard pattern.count <= maximumPatternLength, !quantifiesQuantifiedGroup(pattern) else {
        throw LogicError(.invalidPattern, operatorName: Operator.matches.rawValue)
    }
    do {
        return try NSRegularExpression(pattern: pattern)
    } catch {
        throw LogicError(.invalidPattern, operatorName: Operator.matches.rawValue)
    }
}

/// Finds `*`, `+` or `{…}` applied to a group that contains a quantifier (`(a+)+`, `(\d*x)*`),
/// the shape behind catastrophic backtracking. Conservative: it also rejects some safe patterns,
/// which a form author can rewrite; it does not catch overlapping alternations like `(a|a)*`.
func quantifiesQuantifiedGroup(_ pattern: String) -> Bool {
    let scalars = Array(pattern.unicodeScalars)
    var groupContainsQuantifier: [Bool] = [false]
    var previousAtomIsQuantifiedGroup = false
    var index = 0
    while index < scalars.count {
        var atomIsQuantifiedGroup = false
        switch scalars[index] {
        case "\\":
            index += 1
        case "[":
            index += 1
            if index < scalars.count, scalars[index] == "^" { index += 1 }
            if index < scalars.count, scalars[index] == "]" { index += 1 }
            while index < scalars.count, scalars[index] != "]" {
                if scalars[index] == "\\" { index += 1 }
                index += 1
            }
        case "(":
            groupContainsQuantifier.append(false)
            // `(?:`, `(?<name>` and friends: the `?` is syntax, not a quantifier.
            if index + 1 < scalars.count, scalars[index + 1] == "?" { index += 1 }
        case ")":
            let inner = groupContainsQuantifier.count > 1 ? groupContainsQuantifier.removeLast() : false
            if inner { groupContainsQuantifier[groupContainsQuantifier.count - 1] = true }
            atomIsQuantifiedGroup = inner
        case "*", "+", "{":
            if previousAtomIsQuantifiedGroup { return true }
            groupContainsQuantifier[groupContainsQuantifier.count - 1] = true
        case "?":
            groupContainsQuantifier[groupContainsQuantifier.count - 1] = true
        default:
            break
        }
        previousAtomIsQuantifiedGroup = atomIsQuantifiedGroup
        index += 1
    }
    return false
}

extension Evaluator {
    func today() -> CivilDate {
        let offset = context.timeZone.secondsFromGMT(for: context.now)
        let seconds = context.now.timeIntervalSince1970 + Double(offset)
        return CivilDate(daysSinceEpoch: Int((seconds / 86_400).rounded(.down)))
    }

    func date(_ value: JSON, _ op: Operator) throws(LogicError) -> CivilDate {
        guard case .string(let text) = value, let date = CivilDate(text) else {
            throw LogicError(.invalidDate, operatorName: op.rawValue)
        }
        return date
    }

    func age(_ values: [JSON]) throws(LogicError) -> JSON {
        let birth = try date(values[0], .age)
        let on = values.count > 1 ? try date(values[1], .age) : today()
        let beforeBirthday = (on.month, on.day) < (birth.month, birth.day)
        return .number(Double(on.year - birth.year - (beforeBirthday ? 1 : 0)))
    }

    func dateDifference(_ values: [JSON]) throws(LogicError) -> JSON {
        let from = try date(values[0], .dateDiff)
        let to = try date(values[1], .dateDiff)
        return .number(Double(to.daysSinceEpoch - from.daysSinceEpoch))
    }

    mutating func count(_ arguments: [Node], _ data: JSON) throws(LogicError) -> JSON {
        let elements = try elements(of: arguments[0], data, .count)
        guard arguments.count > 1 else { return .number(Double(elements.count)) }
        var matching = 0
        for element in elements where try evaluate(arguments[1], element).isTruthy { matching += 1 }
        return .number(Double(matching))
    }

    mutating func patternText(_ node: Node, _ data: JSON) throws(LogicError) -> String {
        guard case .string(let pattern) = try evaluate(node, data) else {
            throw LogicError(.invalidPattern, operatorName: Operator.matches.rawValue)
        }
        return pattern
    }

    mutating func matches(_ subject: JSON, _ pattern: NSRegularExpression) throws(LogicError) -> JSON {
        let text: String
        switch subject {
        case .string(let value): text = value
        case .number(let value): text = formatNumber(value)
        default: return .bool(false)
        }
        let length = text.utf16.count
        try charge(length, .matches)
        return .bool(pattern.firstMatch(in: text, range: NSRange(location: 0, length: length)) != nil)
    }
}
