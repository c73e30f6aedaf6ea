/// The JSON parser: strict RFC 8259 over UTF-8 bytes, one pass, no `String` per token and no
/// Foundation. What RFC 8259 leaves to implementations is decided here, and each decision
/// refuses rather than guesses:
///
/// - **Encoding**: the text must be UTF-8 (RFC 8259 §8.1). Ill-formed UTF-8 anywhere (overlong
///   forms, encoded surrogates, code points above U+10FFFF, truncated sequences, stray
///   continuation bytes) is `invalidJSON` at the offending byte; nothing is replaced with U+FFFD,
///   so what a citizen typed is never silently changed. A byte order mark is not whitespace and
///   is refused too (§8.1: "MUST NOT add a byte order mark").
/// - **Escaped surrogates** (§8.2): `\uD83D\uDE00` is one character; a lone or reversed surrogate
///   (`"\uDEAD"`, `"\uD800x"`) is `invalidJSON` — a Swift string cannot hold one, and
///   replacing it would change the text.
/// - **Duplicate keys** (§4 "SHOULD be unique"): an object naming a key twice is
///   `duplicateKey`, since parsers disagree on which value wins (first, last, both) and a
///   request read one way by a proxy and another by the server must not be possible.
///   Keys are compared after unescaping, as Swift compares strings: `"a"` and `"\u0061"` are
///   the same key, and so are canonically equivalent spellings (`"é"`, `"e\u0301"`), which one
///   dictionary could not hold apart.
/// - **Numbers** (§6): IEEE 754 doubles, correctly rounded. A magnitude beyond the largest
///   double (`1e400`) is `numberOutOfRange`; one below the smallest subnormal underflows to
///   zero (`1e-400` is 0), as every double-based reader does; `-0` is negative zero, written back
///   as `0`. Integers beyond 2^53 lose precision like every double-based reader's.
/// - **Nesting** (§9): more than `JSON.maximumDepth` nested arrays and objects is `tooDeep`,
///   so outside input cannot exhaust the stack.
struct JSONParser {
    private var bytes = UnsafeBufferPointer<UInt8>(start: nil, count: 0)
    private var position = 0
    /// Buffers kept from one document to the next: decoded escapes, and the elements and
    /// members of the arrays and objects still open, so each finished array or dictionary is
    /// allocated once, at its final size.
    private var unescaped: [UInt8] = []
    private var elements: [JSON] = []
    private var members: [(key: String, value: JSON, offset: Int)] = []

    /// Parses one document: any value at top level, surrounded by optional whitespace.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(LogicError) -> JSON {
        var parser = JSONParser()
        return try parser.parse(bytes)
    }

    mutating func parse(_ document: UnsafeBufferPointer<UInt8>) throws(LogicError) -> JSON {
        start(document)
        skipWhitespace()
        let value = try parseValue(depth: 1)
        skipWhitespace()
        guard position == bytes.count else { throw invalid() }
        return value
    }

    private mutating func start(_ document: UnsafeBufferPointer<UInt8>) {
        bytes = document
        position = 0
        elements.removeAll(keepingCapacity: true)
        members.removeAll(keepingCapacity: true)
    }

    private func invalid(at offset: Int? = nil) -> LogicError {
        LogicError(.invalidJSON, offset: offset ?? position)
    }

    @inline(__always)
    private mutating func skipWhitespace() {
        while position < bytes.count {
            switch bytes[position] {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            default: return
            }
        }
    }

    private mutating func parseValue(depth: Int) throws(LogicError) -> JSON {
        guard position < bytes.count else { throw invalid() }
        switch bytes[position] {
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "t"): try expect("true"); return .bool(true)
        case UInt8(ascii: "f"): try expect("false"); return .bool(false)
        case UInt8(ascii: "n"): try expect("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw invalid()
        }
    }

    private mutating func expect(_ word: StaticString) throws(LogicError) {
        let count = word.utf8CodeUnitCount
        guard bytes.count - position >= count else { throw invalid() }
        for index in 0..<count where bytes[position + index] != word.utf8Start[index] {
            throw invalid(at: position + index)
        }
        position += count
    }

    private mutating func parseArray(depth: Int) throws(LogicError) -> JSON {
        guard depth <= JSON.maximumDepth else { throw LogicError(.tooDeep, offset: position) }
        position += 1
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
            position += 1
            return .array([])
        }
        let start = elements.count
        while true {
            skipWhitespace()
            let element = try parseValue(depth: depth + 1)
            elements.append(element)
            skipWhitespace()
            guard position < bytes.count else { throw invalid() }
            switch bytes[position] {
            case UInt8(ascii: ","):
                position += 1
            case UInt8(ascii: "]"):
                position += 1
                let array = Array(elements[start...])
                elements.removeSubrange(start...)
                return .array(array)
            default:
                throw invalid()
            }
        }
    }

    private mutating func parseObject(depth: Int) throws(LogicError) -> JSON {
        guard depth <= JSON.maximumDepth else { throw LogicError(.tooDeep, offset: position) }
        position += 1
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") {
            position += 1
            return .object([:])
        }
        let start = members.count
        while true {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw invalid() }
            let offset = position
            let key = try parseString()
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw invalid() }
            position += 1
            skipWhitespace()
            let value = try parseValue(depth: depth + 1)
            members.append((key, value, offset))
            skipWhitespace()
            guard position < bytes.count else { throw invalid() }
            switch bytes[position] {
            case UInt8(ascii: ","):
                position += 1
            case UInt8(ascii: "}"):
                position += 1
                var object: [String: JSON] = .init(minimumCapacity: members.count - start)
                for member in members[start...] where object.updateValue(member.value, forKey: member.key) != nil {
                    throw LogicError(.duplicateKey, offset: member.offset)
                }
                members.removeSubrange(start...)
                return .object(object)
            default:
                throw invalid()
            }
        }
    }

    // MARK: Rules

    /// A `kiosk logic eval` request, `{"rule": R}` or `{"rule": R, "data": D}` in either order,
    /// with the rule read straight into its tree: no JSON objects for its operations, no
    /// request object. Nil for any other document. Throws whenever the general path — `parse`,
    /// then `Rule(_:)` — would fail (it reads the same bytes with the same checks), though not
    /// always with the same error: on nil or an error the caller takes the general path,
    /// which finds the error to report.
    mutating func parseRequestRule(_ document: UnsafeBufferPointer<UInt8>) throws(LogicError) -> (rule: Node, data: JSON)? {
        start(document)
        skipWhitespace()
        guard position < bytes.count, bytes[position] == UInt8(ascii: "{") else { return nil }
        position += 1
        var rule: Node?
        var data: JSON?
        while true {
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { return nil }
            let key = try parseString()
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { return nil }
            position += 1
            skipWhitespace()
            if key == "rule", rule == nil {
                rule = try parseRule(depth: 2, ruleDepth: 1)
            } else if key == "data", data == nil {
                data = try parseValue(depth: 2)
            } else {
                return nil
            }
            skipWhitespace()
            guard position < bytes.count else { return nil }
            if bytes[position] == UInt8(ascii: ",") {
                position += 1
                continue
            }
            guard bytes[position] == UInt8(ascii: "}") else { return nil }
            position += 1
            skipWhitespace()
            guard position == bytes.count, let rule else { return nil }
            return (rule, data ?? .null)
        }
    }

    /// One node of a rule at `position`: `depth` counts JSON nesting (as `parseValue` does),
    /// `ruleDepth` the rule's (as `RuleBuilder.build` does).
    private mutating func parseRule(depth: Int, ruleDepth: Int) throws(LogicError) -> Node {
        guard ruleDepth <= Rule.maximumDepth else { throw LogicError(.tooDeep) }
        guard position < bytes.count else { throw invalid() }
        switch bytes[position] {
        case UInt8(ascii: "["):
            let nodes = try parseRuleList(depth: depth, ruleDepth: ruleDepth + 1)
            return RuleBuilder.allLiteral(nodes) ?? .array(nodes)
        case UInt8(ascii: "{"):
            guard depth <= JSON.maximumDepth else { throw LogicError(.tooDeep, offset: position) }
            let start = position
            position += 1
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else {
                position = start
                return .literal(try parseValue(depth: depth))
            }
            let name = try parseString()
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw invalid() }
            position += 1
            skipWhitespace()
            let arguments: [Node]
            if position < bytes.count, bytes[position] == UInt8(ascii: "[") {
                arguments = try parseRuleList(depth: depth + 1, ruleDepth: ruleDepth + 1)
            } else {
                arguments = [try parseRule(depth: depth + 1, ruleDepth: ruleDepth + 1)]
            }
            skipWhitespace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "}") else {
                // More than one key: not an operation but an object, read again as a value.
                position = start
                return .literal(try parseValue(depth: depth))
            }
            position += 1
            let op = try RuleBuilder.op(name)
            try RuleBuilder.checkArity(op, arguments.count)
            return try RuleBuilder.operation(op, arguments)
        default:
            return .literal(try parseValue(depth: depth))
        }
    }

    /// The elements of an array at `position`, each a rule node.
    private mutating func parseRuleList(depth: Int, ruleDepth: Int) throws(LogicError) -> [Node] {
        guard depth <= JSON.maximumDepth else { throw LogicError(.tooDeep, offset: position) }
        position += 1
        skipWhitespace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
            position += 1
            return []
        }
        var nodes: [Node] = []
        while true {
            skipWhitespace()
            let node = try parseRule(depth: depth + 1, ruleDepth: ruleDepth)
            nodes.append(node)
            skipWhitespace()
            guard position < bytes.count else { throw invalid() }
            switch bytes[position] {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"): position += 1; return nodes
            default: throw invalid()
            }
        }
    }

    // MARK: Numbers

    /// Powers of ten a double holds exactly: a mantissa of at most 15 digits times or divided by
    /// one of these is one correctly rounded operation (Clinger's fast path).
    private static let exactPowersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
        1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    private mutating func parseNumber() throws(LogicError) -> Double {
        let start = position
        var index = position
        let negative = bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        // The digits that matter, at most 19 of them, and the power of ten they are scaled by.
        var mantissa: UInt64 = 0
        var significantDigits = 0
        var exponent = 0
        var exact = true
        @inline(__always) func digit(_ index: Int) -> UInt64? {
            guard index < bytes.count else { return nil }
            let value = bytes[index] &- UInt8(ascii: "0")
            return value < 10 ? UInt64(value) : nil
        }
        @inline(__always) func accumulate(_ value: UInt64) {
            if significantDigits < 19 {
                if mantissa != 0 || value != 0 {
                    mantissa = mantissa * 10 + value
                    significantDigits += 1
                }
            } else {
                exponent += 1
                exact = false
            }
        }

        guard let first = digit(index) else { throw invalid(at: index) }
        index += 1
        if first != 0 {
            accumulate(first)
            while let next = digit(index) {
                accumulate(next)
                index += 1
            }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digit(index) != nil else { throw invalid(at: index) }
            while let next = digit(index) {
                if significantDigits < 19 {
                    accumulate(next)
                    exponent -= 1
                } else {
                    exact = false
                }
                index += 1
            }
        }
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            var exponentNegative = false
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                exponentNegative = bytes[index] == UInt8(ascii: "-")
                index += 1
            }
            guard digit(index) != nil else { throw invalid(at: index) }
            var written = 0
            while let next = digit(index) {
                // Past a million the value is zero or out of range either way; stop counting.
                if written < 1_000_000 { written = written * 10 + Int(next) }
                index += 1
            }
            exponent += exponentNegative ? -written : written
        }
        position = index

        if mantissa == 0 { return negative ? -0.0 : 0 }
        if exact, significantDigits <= 15, (-22...22).contains(exponent) {
            let magnitude = Double(mantissa)
            let value = exponent >= 0
                ? magnitude * Self.exactPowersOfTen[exponent] : magnitude / Self.exactPowersOfTen[-exponent]
            return negative ? -value : value
        }
        // Long mantissas and large exponents: the standard library's correctly rounded reader.
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else { throw LogicError(.numberOutOfRange, offset: start) }
        return value
    }

    // MARK: Strings

    /// A string's contents, the opening quote at `position`. Runs without escapes become the
    /// string directly; ASCII needs no further check, anything else is validated as UTF-8.
    private mutating func parseString() throws(LogicError) -> String {
        var index = position + 1
        let start = index
        var ascii = true
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                if !ascii { try validateUTF8(start..<index) }
                position = index + 1
                return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            }
            if byte == UInt8(ascii: "\\") {
                if !ascii { try validateUTF8(start..<index) }
                return try parseEscapedString(from: start, escapeAt: index)
            }
            if byte < 0x20 { throw invalid(at: index) }
            if byte >= 0x80 { ascii = false }
            index += 1
        }
        throw invalid(at: index)
    }

    /// The slow path: a string with escapes is assembled in `unescaped`.
    private mutating func parseEscapedString(from start: Int, escapeAt firstEscape: Int) throws(LogicError) -> String {
        unescaped.removeAll(keepingCapacity: true)
        unescaped.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[start..<firstEscape]))
        var index = firstEscape
        var runStart = index
        var ascii = true
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                if !ascii { try validateUTF8(runStart..<index) }
                unescaped.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                if byte == UInt8(ascii: "\"") {
                    position = index + 1
                    return String(decoding: unescaped, as: UTF8.self)
                }
                index = try appendEscape(at: index)
                runStart = index
                ascii = true
            case 0..<0x20:
                throw invalid(at: index)
            default:
                if byte >= 0x80 { ascii = false }
                index += 1
            }
        }
        throw invalid(at: index)
    }

    /// Decodes the escape at `index` (a backslash) into `unescaped`; returns the index after it.
    private mutating func appendEscape(at index: Int) throws(LogicError) -> Int {
        guard index + 1 < bytes.count else { throw invalid(at: index + 1) }
        let replacement: UInt8
        switch bytes[index + 1] {
        case UInt8(ascii: "\""): replacement = UInt8(ascii: "\"")
        case UInt8(ascii: "\\"): replacement = UInt8(ascii: "\\")
        case UInt8(ascii: "/"): replacement = UInt8(ascii: "/")
        case UInt8(ascii: "b"): replacement = 0x08
        case UInt8(ascii: "f"): replacement = 0x0C
        case UInt8(ascii: "n"): replacement = 0x0A
        case UInt8(ascii: "r"): replacement = 0x0D
        case UInt8(ascii: "t"): replacement = 0x09
        case UInt8(ascii: "u"):
            var scalar = try hexQuad(at: index + 2)
            var next = index + 6
            if (0xDC00..<0xE000).contains(scalar) { throw invalid(at: index) }
            if (0xD800..<0xDC00).contains(scalar) {
                guard next + 1 < bytes.count, bytes[next] == UInt8(ascii: "\\"), bytes[next + 1] == UInt8(ascii: "u") else {
                    throw invalid(at: index)
                }
                let low = try hexQuad(at: next + 2)
                guard (0xDC00..<0xE000).contains(low) else { throw invalid(at: next) }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                next += 6
            }
            appendUTF8(scalar)
            return next
        default:
            throw invalid(at: index + 1)
        }
        unescaped.append(replacement)
        return index + 2
    }

    private func hexQuad(at index: Int) throws(LogicError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw invalid(at: min(index, bytes.count)) }
        var value: UInt32 = 0
        for offset in index..<index + 4 {
            let byte = bytes[offset]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw invalid(at: offset)
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }

    private mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            unescaped.append(UInt8(scalar))
        case 0x80..<0x800:
            unescaped.append(UInt8(0xC0 | scalar >> 6))
            unescaped.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            unescaped.append(UInt8(0xE0 | scalar >> 12))
            unescaped.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            unescaped.append(UInt8(0x80 | scalar & 0x3F))
        default:
            unescaped.append(UInt8(0xF0 | scalar >> 18))
            unescaped.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            unescaped.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            unescaped.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    /// Well-formed UTF-8 as Unicode's table 3-7 defines it; the error names the first byte of
    /// the first ill-formed sequence. (A run never ends inside a sequence: quotes and
    /// backslashes are ASCII and never continuation bytes.)
    private func validateUTF8(_ range: Range<Int>) throws(LogicError) {
        var index = range.lowerBound
        while index < range.upperBound {
            let lead = bytes[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            let length: Int
            let second: ClosedRange<UInt8>
            switch lead {
            case 0xC2...0xDF: length = 2; second = 0x80...0xBF
            case 0xE0: length = 3; second = 0xA0...0xBF
            case 0xE1...0xEC, 0xEE...0xEF: length = 3; second = 0x80...0xBF
            case 0xED: length = 3; second = 0x80...0x9F
            case 0xF0: length = 4; second = 0x90...0xBF
            case 0xF1...0xF3: length = 4; second = 0x80...0xBF
            case 0xF4: length = 4; second = 0x80...0x8F
            default: throw invalid(at: index)
            }
            guard index + length <= range.upperBound, second.contains(bytes[index + 1]) else { throw invalid(at: index) }
            for continuation in index + 2..<index + length where bytes[continuation] & 0xC0 != 0x80 {
                throw invalid(at: index)
            }
            index += length
        }
    }
}
