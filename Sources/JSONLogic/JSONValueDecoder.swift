import Foundation

/// Decodes `Decodable` values from JSON text through this module's parser, as Foundation's
/// `JSONDecoder` with `.iso8601` dates does (data as base64, the other strategies at their
/// defaults), in a fraction of its time: a district's outbox drain decodes every filing it
/// receives. A `JSON` inside the value (a filing's answers) is the parsed value itself. Text the
/// parser refuses (duplicate keys, nesting beyond `JSON.maximumDepth`, a lone surrogate) is an
/// error here: a caller that must read what `JSONDecoder` reads falls back to it.
public struct JSONValueDecoder: Sendable {
    public init() {}

    public func decode<T: Decodable>(_ type: T.Type, from data: some ContiguousBytes) throws -> T {
        try ValueDecoder.unwrap(type, try JSON(parsing: data), path: [])
    }
}

private struct ValueDecoder: Decoder {
    let value: JSON
    let codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy _: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let members) = value else { throw Self.mismatch([String: JSON].self, value, codingPath) }
        return KeyedDecodingContainer(Keyed<Key>(members: members, codingPath: codingPath))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let elements) = value else { throw Self.mismatch([JSON].self, value, codingPath) }
        return Unkeyed(elements: elements, codingPath: codingPath)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { Single(value: value, codingPath: codingPath) }

    /// `value` as `T`: the types `JSONDecoder` reads itself (and the primitives) directly, the
    /// others through their own `init(from:)`.
    static func unwrap<T: Decodable>(_ type: T.Type, _ value: JSON, path: [any CodingKey]) throws -> T {
        if T.self == JSON.self { return value as! T }
        if T.self == [String: JSON].self, case .object(let members) = value { return members as! T }
        switch value {
        case .string(let text):
            if T.self == String.self { return text as! T }
            if T.self == Date.self {
                guard let date = try? Date.ISO8601FormatStyle().parse(text) else {
                    throw DecodingError.dataCorrupted(.init(codingPath: path, debugDescription: "Expected date string to be ISO8601-formatted."))
                }
                return date as! T
            }
            if T.self == Data.self {
                guard let data = Data(base64Encoded: text) else {
                    throw DecodingError.dataCorrupted(.init(codingPath: path, debugDescription: "Encountered Data is not valid Base64."))
                }
                return data as! T
            }
        case .number(let number):
            if T.self == Int.self { return try integer(Int.self, number, path) as! T }
            if T.self == Double.self { return number as! T }
        case .bool(let flag):
            if T.self == Bool.self { return flag as! T }
        case .null:
            // Only an optional (or a type of its own reading) takes null; `decodeIfPresent` handles keys.
            break
        case .array, .object:
            break
        }
        if T.self == String.self || T.self == Date.self || T.self == Data.self || T.self == Int.self || T.self == Double.self
            || T.self == Bool.self {
            throw mismatch(T.self, value, path)
        }
        return try T(from: ValueDecoder(value: value, codingPath: path))
    }

    static func integer<I: FixedWidthInteger>(_: I.Type, _ number: Double, _ path: [any CodingKey]) throws -> I {
        guard let integer = I(exactly: number) else {
            throw DecodingError.dataCorrupted(.init(codingPath: path, debugDescription: "Number \(number) does not fit in \(I.self)."))
        }
        return integer
    }

    static func primitive<T>(_ type: T.Type, _ value: JSON, _ path: [any CodingKey]) throws -> T {
        switch (value, type) {
        case (.bool(let flag), is Bool.Type): return flag as! T
        case (.string(let text), is String.Type): return text as! T
        case (.number(let number), is Double.Type): return number as! T
        case (.number(let number), is Float.Type): return Float(number) as! T
        case (.number(let number), is Int.Type): return try integer(Int.self, number, path) as! T
        case (.number(let number), is Int8.Type): return try integer(Int8.self, number, path) as! T
        case (.number(let number), is Int16.Type): return try integer(Int16.self, number, path) as! T
        case (.number(let number), is Int32.Type): return try integer(Int32.self, number, path) as! T
        case (.number(let number), is Int64.Type): return try integer(Int64.self, number, path) as! T
        case (.number(let number), is UInt.Type): return try integer(UInt.self, number, path) as! T
        case (.number(let number), is UInt8.Type): return try integer(UInt8.self, number, path) as! T
        case (.number(let number), is UInt16.Type): return try integer(UInt16.self, number, path) as! T
        case (.number(let number), is UInt32.Type): return try integer(UInt32.self, number, path) as! T
        case (.number(let number), is UInt64.Type): return try integer(UInt64.self, number, path) as! T
        default: throw mismatch(type, value, path)
        }
    }

    static func mismatch(_ type: Any.Type, _ value: JSON, _ path: [any CodingKey]) -> DecodingError {
        if value == .null {
            return DecodingError.valueNotFound(type, .init(codingPath: path, debugDescription: "Cannot get \(type) -- found null value instead"))
        }
        return DecodingError.typeMismatch(type, .init(codingPath: path, debugDescription: "Expected to decode \(type) but found another value instead."))
    }
}

private struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let members: [String: JSON]
    let codingPath: [any CodingKey]

    var allKeys: [Key] { members.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { members[key.stringValue] != nil }

    private func member(_ key: Key) throws -> JSON {
        guard let value = members[key.stringValue] else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath,
                                                       debugDescription: "No value associated with key \(key.stringValue)."))
        }
        return value
    }

    func decodeNil(forKey key: Key) throws -> Bool { try member(key) == .null }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try ValueDecoder.primitive(type, member(key), codingPath + [key]) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try ValueDecoder.primitive(type, member(key), codingPath + [key]) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try ValueDecoder.primitive(type, member(key), codingPath + [key]) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { try ValueDecoder.primitive(type, member(key), codingPath + [key]) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try ValueDecoder.primitive(type, member(key), codingPath + [key]) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try ValueDecoder.primitive(type, member(key), codingPath + [key]) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try ValueDecoder.primitive(type, member(key), codingPath + [key]) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try ValueDecoder.primitive(type, member(key), codingPath + [key]) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try ValueDecoder.primitive(type, member(key), codingPath + [key]) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try ValueDecoder.primitive(type, member(key), codingPath + [key]) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try ValueDecoder.primitive(type, member(key), codingPath + [key]) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try ValueDecoder.primitive(type, member(key), codingPath + [key]) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try ValueDecoder.primitive(type, member(key), codingPath + [key]) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try ValueDecoder.primitive(type, member(key), codingPath + [key]) }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try ValueDecoder.unwrap(type, member(key), path: codingPath + [key])
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
        try ValueDecoder(value: member(key), codingPath: codingPath + [key]).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try ValueDecoder(value: member(key), codingPath: codingPath + [key]).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        ValueDecoder(value: members["super"] ?? .null, codingPath: codingPath)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        ValueDecoder(value: members[key.stringValue] ?? .null, codingPath: codingPath + [key])
    }
}

private struct Unkeyed: UnkeyedDecodingContainer {
    let elements: [JSON]
    let codingPath: [any CodingKey]
    private(set) var currentIndex = 0

    init(elements: [JSON], codingPath: [any CodingKey]) {
        self.elements = elements
        self.codingPath = codingPath
    }

    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    private struct Index: CodingKey {
        let intValue: Int?
        var stringValue: String { "Index \(intValue ?? 0)" }
        init(_ index: Int) { intValue = index }
        init?(stringValue _: String) { nil }
        init?(intValue: Int) { self.intValue = intValue }
    }

    private mutating func next(_ type: Any.Type) throws -> (JSON, [any CodingKey]) {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(type, .init(codingPath: codingPath + [Index(currentIndex)],
                                                          debugDescription: "Unkeyed container is at end."))
        }
        defer { currentIndex += 1 }
        return (elements[currentIndex], codingPath + [Index(currentIndex)])
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, elements[currentIndex] == .null else { return false }
        currentIndex += 1
        return true
    }

    private mutating func primitive<T>(_ type: T.Type) throws -> T {
        let (value, path) = try next(type)
        return try ValueDecoder.primitive(type, value, path)
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try primitive(type) }
    mutating func decode(_ type: String.Type) throws -> String { try primitive(type) }
    mutating func decode(_ type: Double.Type) throws -> Double { try primitive(type) }
    mutating func decode(_ type: Float.Type) throws -> Float { try primitive(type) }
    mutating func decode(_ type: Int.Type) throws -> Int { try primitive(type) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try primitive(type) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try primitive(type) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try primitive(type) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try primitive(type) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try primitive(type) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try primitive(type) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try primitive(type) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try primitive(type) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try primitive(type) }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let (value, path) = try next(type)
        return try ValueDecoder.unwrap(type, value, path: path)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let (value, path) = try next([String: JSON].self)
        return try ValueDecoder(value: value, codingPath: path).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let (value, path) = try next([JSON].self)
        return try ValueDecoder(value: value, codingPath: path).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        let (value, path) = try next(JSON.self)
        return ValueDecoder(value: value, codingPath: path)
    }
}

private struct Single: SingleValueDecodingContainer {
    let value: JSON
    let codingPath: [any CodingKey]

    func decodeNil() -> Bool { value == .null }

    func decode(_ type: Bool.Type) throws -> Bool { try ValueDecoder.primitive(type, value, codingPath) }
    func decode(_ type: String.Type) throws -> String { try ValueDecoder.primitive(type, value, codingPath) }
    func decode(_ type: Double.Type) throws -> Double { try ValueDecoder.primitive(type, value, codingPath) }
    func decode(_ type: Float.Type) throws -> Float { try ValueDecoder.primitive(type, value, codingPath) }
    func decode(_ type: Int.Type) throws -> Int { try ValueDecoder.primitive(type, value, codingPath) }
    func decode(_ type: Int8.Type) throws -> Int8 { try ValueDecoder.primitive(type, value, codingPath) }
    func decode(_ type: Int16.Type) throws -> Int16 { try ValueDecoder.primitive(type, value, codingPath) }
    func decode(_ type: Int32.Type) throws -> Int32 { try ValueDecoder.primitive(type, value, codingPath) }
    func decode(_ type: Int64.Type) throws -> Int64 { try ValueDecoder.primitive(type, value, codingPath) }
    func decode(_ type: UInt.Type) throws -> UInt { try ValueDecoder.primitive(type, value, codingPath) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try ValueDecoder.primitive(type, value, codingPath) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try ValueDecoder.primitive(type, value, codingPath) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try ValueDecoder.primitive(type, value, codingPath) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try ValueDecoder.primitive(type, value, codingPath) }

    func decode<T: Decodable>(_ type: T.Type) throws -> T { try ValueDecoder.unwrap(type, value, path: codingPath) }
}
