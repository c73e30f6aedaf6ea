import Booking
import Foundation

/// Decodes a TOML subtree (`[hours]`, `[[services]]`) into a `Decodable` value of a domain
/// module, reporting every problem at the line of the TOML key it concerns.
///
/// The domain types own their keys, defaults and checks (`HallHours`, `Service`); this file only
/// carries the TOML values to their decoders and maps a `DecodingError`'s coding path back to a
/// line. The TOML is handed over as JSON, so the checks run exactly as they do for JSON input.
enum TableDecoding {
    static func decode<Value: Codable>(
        _ type: Value.Type, from entry: TOMLTable.Entry, name: String, file: String
    ) -> Result<Value, ConfigurationErrors> {
        let value: Value
        do {
            let data = try JSONEncoder().encode(JSONView(entry.value))
            value = try JSONDecoder().decode(Value.self, from: data)
        } catch let error as DecodingError {
            return .failure(ConfigurationErrors(problems: [problem(for: error, in: entry, name: name, file: file)]))
        } catch let found as DecodingProblems {
            return .failure(ConfigurationErrors(problems: found.errors.map { problem(for: $0, in: entry, name: name, file: file) }))
        } catch {
            return .failure(ConfigurationErrors(problems: [.init(source: .file(path: file, line: entry.line), message: "\(name): unreadable")]))
        }
        let unknown = unknownKeys(in: entry, decoded: value, name: name, file: file)
        return unknown.isEmpty ? .success(value) : .failure(ConfigurationErrors(problems: unknown))
    }

    /// An array of tables (`[[services]]`), each element decoded on its own so that every
    /// element's problems are reported, not only the first element's.
    static func decode<Element: Codable>(
        _ type: [Element].Type, from entry: TOMLTable.Entry, name: String, file: String
    ) -> Result<[Element], ConfigurationErrors> {
        guard case .array(let items) = entry.value else {
            return .failure(ConfigurationErrors(problems: [.init(source: .file(path: file, line: entry.line),
                message: "\(name): expected an array of tables ([[\(name)]]), found \(entry.value.typeName)")]))
        }
        var elements: [Element] = []
        var problems: [ConfigurationProblem] = []
        for (index, item) in items.enumerated() {
            let line = if case .table(let table) = item, let header = table.headerLine { header } else { entry.line }
            switch decode(Element.self, from: TOMLTable.Entry(element: item, line: line), name: "\(name)[\(index)]", file: file) {
            case .success(let element): elements.append(element)
            case .failure(let found): problems += found.problems
            }
        }
        return problems.isEmpty ? .success(elements) : .failure(ConfigurationErrors(problems: problems))
    }

    /// The keys a value understands are the keys it writes back: every domain type here encodes
    /// each key it decodes, and an optional key the file sets is set in the decoded value too.
    /// A key of the file the re-encoded value lacks is therefore one nobody read: a typo.
    static func knownKeys(of value: some Encodable) -> Set<String> {
        guard let data = try? JSONEncoder().encode(value),
              let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) else { return [] }
        var keys: Set<String> = []
        func walk(_ node: Any, _ path: String) {
            if let table = node as? [String: Any] {
                for (key, child) in table {
                    let name = path.isEmpty ? key : "\(path).\(key)"
                    keys.insert(name)
                    walk(child, name)
                }
            } else if let items = node as? [Any] {
                for item in items { walk(item, path + "[]") }
            }
        }
        walk(object, "")
        return keys
    }

    private static func unknownKeys(in entry: TOMLTable.Entry, decoded: some Encodable, name: String,
                                    file: String) -> [ConfigurationProblem] {
        let known = knownKeys(of: decoded)
        var problems: [ConfigurationProblem] = []
        func walk(_ value: TOMLValue, shape: String, shown: String) {
            switch value {
            case .table(let table):
                for key in table.keys {
                    guard let child = table[key] else { continue }
                    let childShape = shape.isEmpty ? key : "\(shape).\(key)"
                    let childShown = "\(shown).\(key)"
                    guard known.contains(childShape) else {
                        // Suggest a key of the same table: `hours.lunch_dutty` → `hours.lunch_duty`.
                        let siblings = known.compactMap { path -> String? in
                            guard path.hasPrefix(shape.isEmpty ? "" : shape + "."), path.dropFirst(shape.isEmpty ? 0 : shape.count + 1).firstIndex(of: ".") == nil else { return nil }
                            return String(path.dropFirst(shape.isEmpty ? 0 : shape.count + 1))
                        }
                        var message = "unknown key '\(childShown)'"
                        if let near = ConfigurationLoader.nearest(key, among: siblings) { message += "; did you mean '\(shown).\(near)'?" }
                        problems.append(.init(source: .file(path: file, line: child.line), message: message))
                        continue
                    }
                    walk(child.value, shape: childShape, shown: childShown)
                }
            case .array(let items):
                for (index, item) in items.enumerated() {
                    walk(item, shape: shape + "[]", shown: "\(shown)[\(index)]")
                }
            default:
                break
            }
        }
        walk(entry.value, shape: "", shown: name)
        return problems
    }

    private static func problem(for error: DecodingError, in entry: TOMLTable.Entry, name: String,
                                file: String) -> ConfigurationProblem {
        var message: String
        let path: [any CodingKey]
        switch error {
        case .keyNotFound(let key, let errorContext):
            path = errorContext.codingPath
            message = "missing required key '\(key.stringValue)'"
        case .typeMismatch(let type, let errorContext):
            path = errorContext.codingPath
            let value = locate(path, in: entry).value
            message = "expected \(describe(type)), found \(value?.typeName ?? "another type")"
            // `counters = "D1"`: show the list it should be.
            if describe(type) == "an array", case .string(let text)? = value, let key = path.last?.stringValue {
                message = "expected an array, found a string; write \(key) = [\"\(text)\"], or several: "
                    + "\(key) = [\"\(text)\", \"\(Self.following(text))\"]"
            }
        case .valueNotFound(_, let errorContext), .dataCorrupted(let errorContext):
            path = errorContext.codingPath
            message = errorContext.debugDescription
        @unknown default:
            return .init(source: .file(path: file, line: entry.line), message: "\(name): undecodable")
        }
        let shown = path.reduce(name) { text, key in
            key.intValue.map { "\(text)[\($0)]" } ?? "\(text).\(key.stringValue)"
        }
        let line = locate(path, in: entry).line
        message = "\(shown): \(message)"
        return .init(source: .file(path: file, line: line), message: message)
    }

    /// The value at `path` and the line of the deepest key on the way that has one: a key's own
    /// line, or the `[[header]]` of an array element.
    private static func locate(_ path: [any CodingKey], in entry: TOMLTable.Entry) -> (value: TOMLValue?, line: Int) {
        var value: TOMLValue? = entry.value
        var line = entry.line
        for key in path {
            switch value {
            case .table(let table):
                guard let child = table[key.stringValue] else { return (nil, line) }
                value = child.value
                line = child.line
            case .array(let items):
                guard let index = key.intValue, items.indices.contains(index) else { return (nil, line) }
                value = items[index]
                if case .table(let table) = items[index], let header = table.headerLine { line = header }
            default:
                return (nil, line)
            }
        }
        return (value, line)
    }

    /// An example of the next item after `text` in a list: `D1` → `D2`, `A` → `A2`.
    static func following(_ text: String) -> String {
        let digits = text.reversed().prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, let number = Int(String(digits.reversed())) else { return text + "2" }
        return text.dropLast(digits.count) + String(number + 1)
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type: "an integer"
        case is Bool.Type: "a boolean"
        case is Double.Type: "a number"
        default:
            String(describing: type).hasPrefix("Array") ? "an array"
                : String(describing: type).hasPrefix("Dictionary") ? "a table" : "another type"
        }
    }
}

/// A TOML value as JSON. Dates and times stay the text they were written as; the domain
/// decoders parse them (an unquoted `2026-10-01` is as good as a quoted one).
private struct JSONView: Encodable {
    let value: TOMLValue

    init(_ value: TOMLValue) {
        self.value = value
    }

    func encode(to encoder: any Encoder) throws {
        switch value {
        case .table(let table):
            var container = encoder.container(keyedBy: Key.self)
            for key in table.keys {
                if let entry = table[key] { try container.encode(JSONView(entry.value), forKey: Key(key)) }
            }
        case .array(let items):
            var container = encoder.unkeyedContainer()
            for item in items { try container.encode(JSONView(item)) }
        case .string(let text), .dateTime(let text):
            var container = encoder.singleValueContainer()
            try container.encode(text)
        case .integer(let number):
            var container = encoder.singleValueContainer()
            try container.encode(number)
        case .float(let number):
            var container = encoder.singleValueContainer()
            // JSON has no infinity; a float is a type error for every key here anyway.
            try container.encode(number.isFinite ? number : 0)
        case .boolean(let flag):
            var container = encoder.singleValueContainer()
            try container.encode(flag)
        }
    }

    struct Key: CodingKey {
        let stringValue: String
        init(_ text: String) { stringValue = text }
        init?(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }
}
