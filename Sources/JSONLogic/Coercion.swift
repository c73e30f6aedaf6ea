import Foundation

// JSONLogic inherits JavaScript's conversions. These follow the ECMAScript abstract operations
// (ToString, ToNumber, IsLooselyEqual, IsLessThan) for JSON values, with one deliberate
// difference: arrays and objects compare by value, not by identity, because rules and data here
// are values and `[1] == [1]` being false would only surprise form authors.

extension JSON {
    /// JSONLogic truthiness, as conditions use it: `[]` is false as well as JavaScript's falsy
    /// values (`null`, `false`, `0`, `""`).
    public var isTruthy: Bool {
        switch self {
        case .null: false
        case .bool(let flag): flag
        case .number(let number): number != 0 && !number.isNaN
        case .string(let text): !text.isEmpty
        case .array(let elements): !elements.isEmpty
        case .object: true
        }
    }
}

/// JavaScript's `String(value)`, used by `cat`, `in`, `substr` and computed `var` paths.
func jsString(_ value: JSON) -> String {
    switch value {
    case .null: "null"
    case .bool(let flag): flag ? "true" : "false"
    case .number(let number): formatNumber(number)
    case .string(let text): text
    case .array(let elements): elements.map { $0 == .null ? "" : jsString($0) }.joined(separator: ",")
    case .object: "[object Object]"
    }
}

/// JavaScript's `Number(value)`; nil stands for NaN.
func jsNumber(_ value: JSON) -> Double? {
    switch value {
    case .null: 0
    case .bool(let flag): flag ? 1 : 0
    case .number(let number): number
    case .string(let text): parseDecimal(text, emptyIsZero: true)
    case .array: parseDecimal(jsString(value), emptyIsZero: true)
    case .object: nil
    }
}

/// A decimal number written as text, surrounding whitespace allowed (JavaScript's: Unicode
/// spaces, line breaks and U+FEFF). Stricter than `Double(_:)`, which would also take `inf`,
/// `nan` and hexadecimal.
func parseDecimal(_ text: String, emptyIsZero: Bool) -> Double? {
    let scalars = text.unicodeScalars
    guard let first = scalars.firstIndex(where: { !isJavaScriptSpace($0) }) else { return emptyIsZero ? 0 : nil }
    let last = scalars.lastIndex(where: { !isJavaScriptSpace($0) }) ?? first
    let trimmed = Substring(scalars[first...last])
    let allowed = trimmed.utf8.allSatisfy { byte in
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"),
            UInt8(ascii: "+"), UInt8(ascii: "-"):
            true
        default: false
        }
    }
    return allowed ? Double(trimmed) : nil
}

private func isJavaScriptSpace(_ scalar: Unicode.Scalar) -> Bool {
    switch scalar.value {
    case 0x09...0x0D, 0x20: true
    case 0..<0x80: false
    case 0x85: false
    case 0xFEFF: true
    default: scalar.properties.isWhitespace
    }
}

/// JavaScript `==` over JSON values.
func looselyEqual(_ left: JSON, _ right: JSON) -> Bool {
    switch (left, right) {
    case (.null, .null): return true
    case (.null, _), (_, .null): return false
    case (.bool(let flag), _) where !isBool(right): return looselyEqual(.number(flag ? 1 : 0), right)
    case (_, .bool(let flag)) where !isBool(left): return looselyEqual(left, .number(flag ? 1 : 0))
    case (.number(let number), .string), (.string, .number(let number)):
        let text = if case .string = left { left } else { right }
        return jsNumber(text) == number
    case (.array, .number), (.array, .string), (.object, .number), (.object, .string):
        return looselyEqual(.string(jsString(left)), right)
    case (.number, .array), (.string, .array), (.number, .object), (.string, .object):
        return looselyEqual(left, .string(jsString(right)))
    default:
        return left == right
    }
}

private func isBool(_ value: JSON) -> Bool {
    if case .bool = value { true } else { false }
}

/// JavaScript's relational comparison: two strings compare by UTF-16 code units, anything else
/// as numbers. Nil when either side is NaN, which makes every comparison false.
func jsCompare(_ left: JSON, _ right: JSON) -> ComparisonResult? {
    let leftPrimitive = toPrimitive(left)
    let rightPrimitive = toPrimitive(right)
    if case .string(let leftText) = leftPrimitive, case .string(let rightText) = rightPrimitive {
        if leftText.utf16.elementsEqual(rightText.utf16) { return .orderedSame }
        return leftText.utf16.lexicographicallyPrecedes(rightText.utf16) ? .orderedAscending : .orderedDescending
    }
    guard let leftNumber = jsNumber(leftPrimitive), let rightNumber = jsNumber(rightPrimitive),
        !leftNumber.isNaN, !rightNumber.isNaN
    else { return nil }
    if leftNumber < rightNumber { return .orderedAscending }
    return leftNumber > rightNumber ? .orderedDescending : .orderedSame
}

private func toPrimitive(_ value: JSON) -> JSON {
    switch value {
    case .array, .object: .string(jsString(value))
    default: value
    }
}
