import Foundation

/// A JSON value. Numbers and booleans are distinct cases (`true` is not `1`), which
/// `JSONSerialization`'s `NSNumber` cannot promise; that is why this module parses JSON itself.
public enum JSON: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSON])
    case object([String: JSON])

    /// Deeper documents are rejected with `tooDeep`, so neither parsing nor evaluation can
    /// exhaust the stack on outside input.
    public static let maximumDepth = 256

    /// Parses one JSON document (any value at top level; surrounding whitespace allowed) from
    /// UTF-8 bytes. `JSONParser` documents what is refused: ill-formed UTF-8, lone surrogates,
    /// duplicate keys, out-of-range numbers, nesting deeper than `maximumDepth`.
    public init(parsing bytes: UnsafeRawBufferPointer) throws(LogicError) {
        self = try JSONParser.parse(bytes.assumingMemoryBound(to: UInt8.self))
    }

    public init(parsing text: String) throws(LogicError) {
        var text = text
        self = try text.withUTF8 { utf8 in Result { () throws(LogicError) in try JSONParser.parse(utf8) } }.get()
    }

    public init(parsing data: some ContiguousBytes) throws(LogicError) {
        self = try data.withUnsafeBytes { raw in Result { () throws(LogicError) in try JSON(parsing: raw) } }.get()
    }

    /// The canonical text (see `JSONWriter`): object keys sorted by their UTF-8 bytes, no
    /// insignificant whitespace, numbers as JavaScript writes them (`3`, not `3.0`), non-ASCII
    /// text left unescaped.
    public var canonicalText: String {
        var writer = JSONWriter()
        writer.write(self)
        return String(decoding: writer.bytes, as: UTF8.self)
    }
}

extension JSON: CustomStringConvertible {
    public var description: String { canonicalText }
}

extension JSON: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral,
    ExpressibleByDictionaryLiteral
{
    public init(nilLiteral: ()) { self = .null }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(arrayLiteral elements: JSON...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSON)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}

extension JSON: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSON].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSON].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}
