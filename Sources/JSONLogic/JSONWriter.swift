/// Writes JSON values as canonical UTF-8 text into one growing byte buffer: object keys sorted
/// by their UTF-8 bytes, no insignificant whitespace, numbers as JavaScript's `String(number)`
/// writes them (`3`, not `3.0`; `1e+21`; `1e-7`), non-ASCII text unescaped, control characters
/// escaped. The same value always gives the same bytes, so outputs can be compared as text.
struct JSONWriter {
    var bytes: [UInt8] = []

    mutating func write(_ value: JSON) {
        switch value {
        case .null: writeRaw("null")
        case .bool(let flag): writeRaw(flag ? "true" : "false")
        case .number(let number): writeNumber(number)
        case .string(let text): writeQuoted(text)
        case .array(let elements):
            bytes.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                write(element)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let members):
            bytes.append(UInt8(ascii: "{"))
            if members.count == 1, let (key, member) = members.first {
                writeQuoted(key)
                bytes.append(UInt8(ascii: ":"))
                write(member)
            } else {
                for (index, key) in members.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated() {
                    if index > 0 { bytes.append(UInt8(ascii: ",")) }
                    writeQuoted(key)
                    bytes.append(UInt8(ascii: ":"))
                    if let member = members[key] { write(member) }
                }
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    /// Raw text, written as it is.
    mutating func writeRaw(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    /// A non-finite number has no JSON form; it is written as `null`, as `JSON.stringify` does.
    mutating func writeNumber(_ value: Double) {
        guard value.isFinite else { return writeRaw("null") }
        // Integers up to 2^53 are every digit JavaScript prints; the common case, done by hand.
        if value == value.rounded(.towardZero), value.magnitude < 9_007_199_254_740_992 {
            var integer = Int64(value)
            if integer == 0 { return bytes.append(UInt8(ascii: "0")) }
            if integer < 0 {
                bytes.append(UInt8(ascii: "-"))
                integer = -integer
            }
            let start = bytes.count
            while integer > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(integer % 10))
                integer /= 10
            }
            bytes[start...].reverse()
            return
        }
        bytes.append(contentsOf: formatNumber(value).utf8)
    }

    mutating func writeQuoted(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        if text.utf8.withContiguousStorageIfAvailable({ appendEscaped($0) }) == nil {
            appendEscaped(Array(text.utf8))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static let hexDigits: StaticString = "0123456789abcdef"

    private mutating func appendEscaped(_ utf8: some RandomAccessCollection<UInt8>) {
        var runStart = utf8.startIndex
        var index = utf8.startIndex
        while index != utf8.endIndex {
            let byte = utf8[index]
            if byte >= 0x20, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") {
                utf8.formIndex(after: &index)
                continue
            }
            bytes.append(contentsOf: utf8[runStart..<index])
            switch byte {
            case UInt8(ascii: "\""): writeRaw(#"\""#)
            case UInt8(ascii: "\\"): writeRaw(#"\\"#)
            case 0x0A: writeRaw(#"\n"#)
            case 0x0D: writeRaw(#"\r"#)
            case 0x09: writeRaw(#"\t"#)
            case 0x08: writeRaw(#"\b"#)
            case 0x0C: writeRaw(#"\f"#)
            default:
                writeRaw(#"\u00"#)
                bytes.append(Self.hexDigits.utf8Start[Int(byte >> 4)])
                bytes.append(Self.hexDigits.utf8Start[Int(byte & 0xF)])
            }
            utf8.formIndex(after: &index)
            runStart = index
        }
        bytes.append(contentsOf: utf8[runStart..<index])
    }
}

/// JavaScript's `Number.prototype.toString()` (ECMA-262 Number::toString, radix 10), which
/// `cat`, `in`, `substr` and computed paths use to turn numbers into text and which the writer
/// uses for output: the shortest digits that read back as the same double, in plain notation
/// for magnitudes from 1e-7 up to 1e21 and in exponent notation (`1e+21`, `1.5e-7`) beyond.
func formatNumber(_ value: Double) -> String {
    guard value.isFinite else { return value.isNaN ? "NaN" : value < 0 ? "-Infinity" : "Infinity" }
    if value == 0 { return "0" }
    if value == value.rounded(.towardZero), value.magnitude < 9_007_199_254_740_992 {
        return String(Int64(value))
    }
    // Swift's `description` gives the same shortest, closest digits JavaScript chooses; only
    // where the decimal point goes and when to switch to exponent notation differ.
    let (digits, pointPosition) = shortestDigits(value.magnitude)
    let count = digits.count
    let sign = value < 0 ? "-" : ""
    if count <= pointPosition, pointPosition <= 21 {
        return sign + digits + String(repeating: "0", count: pointPosition - count)
    }
    if 0 < pointPosition, pointPosition <= 21 {
        let split = digits.index(digits.startIndex, offsetBy: pointPosition)
        return sign + digits[..<split] + "." + digits[split...]
    }
    if -6 < pointPosition, pointPosition <= 0 {
        return sign + "0." + String(repeating: "0", count: -pointPosition) + digits
    }
    let exponent = pointPosition - 1
    let exponentText = (exponent < 0 ? "e-" : "e+") + String(exponent.magnitude)
    guard count > 1 else { return sign + digits + exponentText }
    return sign + digits.prefix(1) + "." + digits.dropFirst() + exponentText
}

/// The significant digits of a positive finite double (no leading or trailing zeros) and the
/// position of the decimal point relative to them: value = 0.digits × 10^pointPosition.
private func shortestDigits(_ value: Double) -> (digits: String, pointPosition: Int) {
    let text = value.description  // "123.45", "1e-07", "1.5e+300", "0.001"
    let mantissa: Substring
    var exponent = 0
    if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
        mantissa = text[..<e]
        exponent = Int(text[text.index(after: e)...].drop { $0 == "+" }) ?? 0
    } else {
        mantissa = text[...]
    }
    let integerPart = mantissa.prefix { $0 != "." }
    let fractionPart = mantissa.dropFirst(integerPart.count + 1)
    var digits = String(integerPart) + fractionPart
    var pointPosition = integerPart.count + exponent
    let leadingZeros = digits.prefix { $0 == "0" }.count
    digits.removeFirst(leadingZeros)
    pointPosition -= leadingZeros
    while digits.last == "0" { digits.removeLast() }
    return (digits, pointPosition)
}
