/// A TOML 1.0 reader that remembers the line of every key.
///
/// We read `kiosk.conf` ourselves rather than through a general TOML library because a technician
/// fixing a terminal needs `kiosk.conf:17: listen: port 80800 is out of range`, and that needs the
/// line of each key, which general-purpose readers drop. Dates and times are kept as their text
/// (`.dateTime`); the configuration decides what it accepts.

import Foundation

public struct TOMLError: Error, Sendable, Equatable, CustomStringConvertible {
    public let line: Int
    public let message: String

    public init(line: Int, message: String) {
        self.line = line
        self.message = message
    }

    public var description: String { "line \(line): \(message)" }
}

public indirect enum TOMLValue: Sendable, Equatable {
    case string(String)
    case integer(Int64)
    case float(Double)
    case boolean(Bool)
    case dateTime(String)
    case array([TOMLValue])
    case table(TOMLTable)

    /// The TOML type name, as used in messages ("expected a string, found an integer").
    public var typeName: String {
        switch self {
        case .string: "a string"
        case .integer: "an integer"
        case .float: "a float"
        case .boolean: "a boolean"
        case .dateTime: "a date or time"
        case .array: "an array"
        case .table: "a table"
        }
    }
}

/// A table whose entries keep their insertion order and the line they were defined on.
public struct TOMLTable: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var value: TOMLValue
        public var line: Int
        /// Defined by a `[header]` or a key, not only implied by a deeper header.
        fileprivate var isExplicit: Bool
        /// Created by `[[header]]`, so it may grow by more headers.
        fileprivate var isArrayOfTables: Bool

        fileprivate init(value: TOMLValue, line: Int, isExplicit: Bool, isArrayOfTables: Bool) {
            self.value = value
            self.line = line
            self.isExplicit = isExplicit
            self.isArrayOfTables = isArrayOfTables
        }

        /// An explicit table or value, as an override puts it.
        init(value: TOMLValue, line: Int) {
            self.init(value: value, line: line, isExplicit: true, isArrayOfTables: false)
        }
    }

    public private(set) var keys: [String] = []
    private var entries: [String: Entry] = [:]
    /// The line of the `[[header]]` that opened this table, for an element of an array of
    /// tables: such an element has no key of its own to carry a line.
    public private(set) var headerLine: Int?

    public init() {}

    init(headerLine: Int) {
        self.headerLine = headerLine
    }

    public subscript(key: String) -> Entry? { entries[key] }

    public var isEmpty: Bool { keys.isEmpty }

    fileprivate mutating func set(_ key: String, _ entry: Entry) {
        if entries[key] == nil { keys.append(key) }
        entries[key] = entry
    }

    /// Sets `key` to `value` as if the file had it on `line` (an environment override: line 0).
    mutating func override(_ key: String, with value: TOMLValue, line: Int) {
        set(key, Entry(value: value, line: line, isExplicit: true, isArrayOfTables: false))
    }
}

public enum TOML {
    /// Parses a whole document into its root table.
    public static func parse(_ text: String) throws(TOMLError) -> TOMLTable {
        var parser = TOMLParser(text)
        return try parser.document()
    }
}

private struct TOMLParser {
    private let s: [Unicode.Scalar]
    private var i = 0
    private var line = 1
    private var root = TOMLTable()
    /// The table that bare keys go into, as a path from the root.
    private var current: [String] = []

    init(_ text: String) {
        s = Array(text.unicodeScalars)
    }

    private var atEnd: Bool { i >= s.count }
    private var peek: Unicode.Scalar? { i < s.count ? s[i] : nil }
    private func peek(_ offset: Int) -> Unicode.Scalar? { i + offset < s.count ? s[i + offset] : nil }

    private func fail(_ message: String, at line: Int? = nil) -> TOMLError {
        TOMLError(line: line ?? self.line, message: message)
    }

    // MARK: Document structure

    mutating func document() throws(TOMLError) -> TOMLTable {
        while true {
            skipWhitespaceCommentsAndNewlines()
            guard let c = peek else { return root }
            if c == "[" {
                try header()
            } else {
                try keyValue()
            }
            try endOfLine()
        }
    }

    private mutating func header() throws(TOMLError) {
        let headerLine = line
        i += 1
        let isArray = peek == "["
        if isArray { i += 1 }
        skipSpaces()
        let path = try key()
        skipSpaces()
        guard peek == "]" else { throw fail("expected ']' to close the table header") }
        i += 1
        if isArray {
            guard peek == "]" else { throw fail("expected ']]' to close the array-of-tables header") }
            i += 1
        }
        if isArray {
            try appendTable(at: path, line: headerLine)
        } else {
            try defineTable(at: path, line: headerLine)
        }
        current = path
    }

    private mutating func keyValue() throws(TOMLError) {
        let keyLine = line
        let path = try key()
        skipSpaces()
        guard peek == "=" else { throw fail("expected '=' after the key '\(path.joined(separator: "."))'") }
        i += 1
        skipSpaces()
        let v = try value()
        try insert(v, at: current + path, line: keyLine)
    }

    private mutating func endOfLine() throws(TOMLError) {
        skipSpaces()
        if peek == "#" { skipComment() }
        guard let c = peek else { return }
        if c == "\n" { return }
        if c == "\r", peek(1) == "\n" { return }
        throw fail("unexpected '\(Character(c))' after a value; each key = value goes on its own line")
    }

    // MARK: Keys

    private mutating func key() throws(TOMLError) -> [String] {
        var parts: [String] = []
        while true {
            skipSpaces()
            parts.append(try simpleKey())
            skipSpaces()
            guard peek == "." else { return parts }
            i += 1
        }
    }

    private mutating func simpleKey() throws(TOMLError) -> String {
        switch peek {
        case "\"":
            if peek(1) == "\"", peek(2) == "\"" { throw fail("a key cannot be a multi-line string") }
            return try basicString()
        case "'":
            if peek(1) == "'", peek(2) == "'" { throw fail("a key cannot be a multi-line string") }
            return try literalString()
        default:
            var scalars = String.UnicodeScalarView()
            while let c = peek, isBareKeyScalar(c) {
                scalars.append(c)
                i += 1
            }
            guard !scalars.isEmpty else {
                if let c = peek, c != "\n" { throw fail("expected a key, found '\(Character(c))'") }
                throw fail("expected a key")
            }
            return String(scalars)
        }
    }

    private func isBareKeyScalar(_ c: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(c) || ("A"..."Z").contains(c) || ("0"..."9").contains(c) || c == "_" || c == "-"
    }

    // MARK: Values

    private mutating func value() throws(TOMLError) -> TOMLValue {
        guard let c = peek else { throw fail("expected a value at the end of the file") }
        switch c {
        case "\"":
            if peek(1) == "\"", peek(2) == "\"" { return .string(try multilineBasicString()) }
            return .string(try basicString())
        case "'":
            if peek(1) == "'", peek(2) == "'" { return .string(try multilineLiteralString()) }
            return .string(try literalString())
        case "[":
            return try array()
        case "{":
            return try inlineTable()
        case "t", "f":
            return try boolean()
        case "\n", "\r", "#":
            throw fail("expected a value after '='")
        default:
            return try numberOrDate()
        }
    }

    private mutating func boolean() throws(TOMLError) -> TOMLValue {
        let word = bareToken()
        switch word {
        case "true": return .boolean(true)
        case "false": return .boolean(false)
        default: throw fail("'\(word)' is not a value; strings need quotes")
        }
    }

    /// Reads the characters that can make up a number, date or bare word.
    private mutating func bareToken() -> String {
        var scalars = String.UnicodeScalarView()
        while let c = peek {
            let isDateSpace = c == " " && scalars.count == 10 && peek(1).map { ("0"..."9").contains($0) } == true
                && scalars.contains("-")
            guard isBareKeyScalar(c) || c == "+" || c == "." || c == ":" || isDateSpace else { break }
            scalars.append(c)
            i += 1
        }
        return String(scalars)
    }

    private mutating func numberOrDate() throws(TOMLError) -> TOMLValue {
        let token = bareToken()
        guard !token.isEmpty else {
            throw fail("expected a value, found '\(Character(peek ?? " "))'")
        }
        if let v = Self.dateTime(token) { return v }
        if let v = Self.integer(token) { return .integer(v) }
        if let v = Self.float(token) { return .float(v) }
        throw fail("'\(token)' is not a value; strings need quotes")
    }

    private static func dateTime(_ t: String) -> TOMLValue? {
        let u = Array(t.utf8)
        let isDigit = { (b: UInt8) in b >= 48 && b <= 57 }
        let looksLikeDate = u.count >= 10 && u[0..<4].allSatisfy(isDigit) && u[4] == UInt8(ascii: "-")
            && u[5..<7].allSatisfy(isDigit) && u[7] == UInt8(ascii: "-") && u[8..<10].allSatisfy(isDigit)
        let looksLikeTime = u.count >= 8 && u[0..<2].allSatisfy(isDigit) && u[2] == UInt8(ascii: ":")
            && u[3..<5].allSatisfy(isDigit) && u[5] == UInt8(ascii: ":")
        return looksLikeDate || looksLikeTime ? .dateTime(t) : nil
    }

    private static func integer(_ t: String) -> Int64? {
        let radix: Int
        var digits = Substring(t)
        if t.hasPrefix("0x") { radix = 16; digits = digits.dropFirst(2) }
        else if t.hasPrefix("0o") { radix = 8; digits = digits.dropFirst(2) }
        else if t.hasPrefix("0b") { radix = 2; digits = digits.dropFirst(2) }
        else { radix = 10 }
        guard validUnderscores(digits) else { return nil }
        let clean = digits.replacingOccurrences(of: "_", with: "")
        if radix == 10 {
            let unsigned = clean.hasPrefix("+") || clean.hasPrefix("-") ? clean.dropFirst() : Substring(clean)
            // TOML forbids leading zeros, which would read as octal elsewhere.
            if unsigned.count > 1, unsigned.hasPrefix("0") { return nil }
        } else if clean.hasPrefix("+") || clean.hasPrefix("-") {
            return nil
        }
        return Int64(clean, radix: radix)
    }

    private static func float(_ t: String) -> Double? {
        switch t {
        case "inf", "+inf": return .infinity
        case "-inf": return -.infinity
        case "nan", "+nan", "-nan": return .nan
        default: break
        }
        guard validUnderscores(Substring(t)), t.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) else {
            return nil
        }
        let clean = t.replacingOccurrences(of: "_", with: "")
        // "1." and ".5" are not TOML floats, although Double would read them.
        if clean.hasSuffix(".") || clean.hasPrefix(".") || clean.contains(".e") || clean.contains(".E") { return nil }
        return Double(clean)
    }

    /// An underscore must stand between two digits.
    private static func validUnderscores(_ t: Substring) -> Bool {
        let chars = Array(t)
        for (k, c) in chars.enumerated() where c == "_" {
            guard k > 0, k < chars.count - 1, chars[k - 1].isHexDigit, chars[k + 1].isHexDigit else { return false }
        }
        return true
    }

    private mutating func array() throws(TOMLError) -> TOMLValue {
        let openLine = line
        i += 1
        var items: [TOMLValue] = []
        while true {
            skipWhitespaceCommentsAndNewlines()
            guard let c = peek else { throw fail("the array opened on line \(openLine) is never closed", at: openLine) }
            if c == "]" { i += 1; return .array(items) }
            items.append(try value())
            skipWhitespaceCommentsAndNewlines()
            switch peek {
            case ",": i += 1
            case "]": i += 1; return .array(items)
            case nil: throw fail("the array opened on line \(openLine) is never closed", at: openLine)
            default: throw fail("expected ',' or ']' in the array opened on line \(openLine)")
            }
        }
    }

    private mutating func inlineTable() throws(TOMLError) -> TOMLValue {
        i += 1
        var table = TOMLTable()
        skipSpaces()
        if peek == "}" { i += 1; return .table(table) }
        while true {
            skipSpaces()
            let keyLine = line
            let path = try key()
            skipSpaces()
            guard peek == "=" else { throw fail("expected '=' in the inline table") }
            i += 1
            skipSpaces()
            let v = try value()
            try Self.insert(v, at: path[...], into: &table, line: keyLine, fullPath: path)
            skipSpaces()
            switch peek {
            case ",": i += 1
            case "}": i += 1; return .table(table)
            default: throw fail("expected ',' or '}' in the inline table (inline tables stay on one line)")
            }
        }
    }

    // MARK: Strings

    private mutating func basicString() throws(TOMLError) -> String {
        i += 1
        var out = String.UnicodeScalarView()
        while true {
            guard let c = peek, c != "\n" else { throw fail("the string is not closed on its line") }
            i += 1
            switch c {
            case "\"": return String(out)
            case "\\": out.append(try escape())
            default:
                guard isAllowedInString(c) else { throw fail("a control character is not allowed in a string") }
                out.append(c)
            }
        }
    }

    private mutating func multilineBasicString() throws(TOMLError) -> String {
        let openLine = line
        i += 3
        skipOneNewline()
        var out = String.UnicodeScalarView()
        while true {
            guard let c = peek else { throw fail("the string opened on line \(openLine) is never closed", at: openLine) }
            if c == "\"", peek(1) == "\"", peek(2) == "\"" {
                i += 3
                // Up to two quotes may stand right before the closing delimiter.
                for _ in 0..<2 where peek == "\"" { out.append("\""); i += 1 }
                return String(out)
            }
            i += 1
            if c == "\\" {
                if let n = peek, n == " " || n == "\t" || n == "\n" || n == "\r" {
                    // A line-ending backslash trims the newline and the white space after it.
                    skipWhitespaceAndNewlinesInString()
                } else {
                    out.append(try escape())
                }
            } else {
                if c == "\n" { line += 1 }
                guard c == "\n" || c == "\r" || isAllowedInString(c) else {
                    throw fail("a control character is not allowed in a string")
                }
                out.append(c)
            }
        }
    }

    private mutating func literalString() throws(TOMLError) -> String {
        i += 1
        var out = String.UnicodeScalarView()
        while true {
            guard let c = peek, c != "\n" else { throw fail("the string is not closed on its line") }
            i += 1
            if c == "'" { return String(out) }
            guard isAllowedInString(c) else { throw fail("a control character is not allowed in a string") }
            out.append(c)
        }
    }

    private mutating func multilineLiteralString() throws(TOMLError) -> String {
        let openLine = line
        i += 3
        skipOneNewline()
        var out = String.UnicodeScalarView()
        while true {
            guard let c = peek else { throw fail("the string opened on line \(openLine) is never closed", at: openLine) }
            if c == "'", peek(1) == "'", peek(2) == "'" {
                i += 3
                for _ in 0..<2 where peek == "'" { out.append("'"); i += 1 }
                return String(out)
            }
            i += 1
            if c == "\n" { line += 1 }
            out.append(c)
        }
    }

    private func isAllowedInString(_ c: Unicode.Scalar) -> Bool {
        c == "\t" || (c.value >= 0x20 && c.value != 0x7F)
    }

    private mutating func escape() throws(TOMLError) -> Unicode.Scalar {
        guard let c = peek else { throw fail("the string ends inside an escape") }
        i += 1
        switch c {
        case "b": return "\u{08}"
        case "t": return "\t"
        case "n": return "\n"
        case "f": return "\u{0C}"
        case "r": return "\r"
        case "\"": return "\""
        case "\\": return "\\"
        case "u", "U":
            let width = c == "u" ? 4 : 8
            var hex = ""
            for _ in 0..<width {
                guard let h = peek, Character(h).isHexDigit else { throw fail("\\\(c) needs \(width) hex digits") }
                hex.unicodeScalars.append(h)
                i += 1
            }
            guard let v = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(v) else {
                throw fail("\\\(c)\(hex) is not a Unicode scalar value")
            }
            return scalar
        default:
            throw fail("'\\\(Character(c))' is not a valid escape")
        }
    }

    // MARK: White space

    private mutating func skipSpaces() {
        while let c = peek, c == " " || c == "\t" { i += 1 }
    }

    private mutating func skipComment() {
        while let c = peek, c != "\n" { i += 1 }
    }

    private mutating func skipOneNewline() {
        if peek == "\n" { i += 1; line += 1 }
        else if peek == "\r", peek(1) == "\n" { i += 2; line += 1 }
    }

    private mutating func skipWhitespaceCommentsAndNewlines() {
        while let c = peek {
            switch c {
            case " ", "\t", "\r": i += 1
            case "\n": i += 1; line += 1
            case "#": skipComment()
            default: return
            }
        }
    }

    private mutating func skipWhitespaceAndNewlinesInString() {
        while let c = peek, c == " " || c == "\t" || c == "\n" || c == "\r" {
            if c == "\n" { line += 1 }
            i += 1
        }
    }

    // MARK: Building the tree

    private mutating func insert(_ v: TOMLValue, at path: [String], line: Int) throws(TOMLError) {
        try Self.insert(v, at: path[...], into: &root, line: line, fullPath: path)
    }

    /// Puts `v` at `path`, descending through implied tables and into the last table of an
    /// array of tables, the way TOML's dotted keys and headers do.
    private static func insert(
        _ v: TOMLValue, at path: ArraySlice<String>, into table: inout TOMLTable, line: Int, fullPath: [String]
    ) throws(TOMLError) {
        let name = fullPath.joined(separator: ".")
        guard let head = path.first else { return }
        if path.count == 1 {
            if let existing = table[head] {
                throw TOMLError(line: line, message: "'\(name)' is already defined on line \(existing.line)")
            }
            table.set(head, .init(value: v, line: line, isExplicit: true, isArrayOfTables: false))
            return
        }
        var entry = table[head] ?? .init(value: .table(TOMLTable()), line: line, isExplicit: false, isArrayOfTables: false)
        try descend(into: &entry, name: name, line: line) { (child: inout TOMLTable) throws(TOMLError) in
            try insert(v, at: path.dropFirst(), into: &child, line: line, fullPath: fullPath)
        }
        table.set(head, entry)
    }

    private static func descend(
        into entry: inout TOMLTable.Entry, name: String, line: Int,
        _ body: (inout TOMLTable) throws(TOMLError) -> Void
    ) throws(TOMLError) {
        switch entry.value {
        case .table(var child):
            try body(&child)
            entry.value = .table(child)
        case .array(var items) where entry.isArrayOfTables:
            guard case .table(var last)? = items.last else { return }
            try body(&last)
            items[items.count - 1] = .table(last)
            entry.value = .array(items)
        default:
            throw TOMLError(line: line, message: "'\(name)' extends a key that is not a table (line \(entry.line))")
        }
    }

    private mutating func defineTable(at path: [String], line: Int) throws(TOMLError) {
        try Self.define(path[...], in: &root, line: line, fullPath: path, asArrayElement: false)
    }

    private mutating func appendTable(at path: [String], line: Int) throws(TOMLError) {
        try Self.define(path[...], in: &root, line: line, fullPath: path, asArrayElement: true)
    }

    private static func define(
        _ path: ArraySlice<String>, in table: inout TOMLTable, line: Int, fullPath: [String], asArrayElement: Bool
    ) throws(TOMLError) {
        let name = fullPath.joined(separator: ".")
        guard let head = path.first else { return }
        if path.count == 1 {
            if asArrayElement {
                if let existing = table[head] {
                    guard existing.isArrayOfTables, case .array(var items) = existing.value else {
                        throw TOMLError(line: line, message: "'\(name)' is already defined on line \(existing.line) and is not an array of tables")
                    }
                    items.append(.table(TOMLTable(headerLine: line)))
                    table.set(head, .init(value: .array(items), line: existing.line, isExplicit: true, isArrayOfTables: true))
                } else {
                    table.set(head, .init(value: .array([.table(TOMLTable(headerLine: line))]), line: line, isExplicit: true, isArrayOfTables: true))
                }
                return
            }
            if let existing = table[head] {
                guard case .table = existing.value, !existing.isExplicit else {
                    throw TOMLError(line: line, message: "the table '\(name)' is already defined on line \(existing.line)")
                }
                var marked = existing
                marked.isExplicit = true
                marked.line = line
                table.set(head, marked)
            } else {
                table.set(head, .init(value: .table(TOMLTable()), line: line, isExplicit: true, isArrayOfTables: false))
            }
            return
        }
        var entry = table[head] ?? .init(value: .table(TOMLTable()), line: line, isExplicit: false, isArrayOfTables: false)
        try descend(into: &entry, name: name, line: line) { (child: inout TOMLTable) throws(TOMLError) in
            try define(path.dropFirst(), in: &child, line: line, fullPath: fullPath, asArrayElement: asArrayElement)
        }
        table.set(head, entry)
    }
}

extension TOMLTable.Entry {
    /// One element of an array of tables as an entry of its own, for decoding it alone.
    init(element value: TOMLValue, line: Int) {
        self.init(value: value, line: line, isExplicit: true, isArrayOfTables: false)
    }
}
