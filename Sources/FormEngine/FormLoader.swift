import Foundation
import JSONLogic
import KioskCore
import Yams

/// What loading one form file gave: a definition when the file is structurally sound, and
/// every problem found on the way (all of them, not only the first).
public struct FormLoadResult: Sendable {
    public let definition: FormDefinition?
    public let problems: [FormProblem]
}

/// Reads `Forms/*.yaml` into `FormDefinition`s.
///
/// The YAML is composed into Yams' node tree rather than decoded, so every problem can name the
/// exact line of the key or value at fault. Scalars are resolved by the YAML 1.2 core schema
/// (only `true`/`false` are booleans, dates stay text), so `no` or `2026-01-01` mean what the
/// administrator typed.
public enum FormLoader {
    public static func load(yaml: String, file: String) -> FormLoadResult {
        let root: Node
        do {
            guard let composed = try Yams.compose(yaml: yaml, .basic) else {
                return FormLoadResult(definition: nil, problems: [
                    FormProblem(file: file, line: 1, path: "", code: "emptyFile",
                        message: LocalizedText(zh: "文件为空", en: "The file is empty.")),
                ])
            }
            root = composed
        } catch {
            return FormLoadResult(definition: nil, problems: [yamlProblem(error, yaml: yaml, file: file)])
        }
        var reader = FormReader(file: file)
        let definition = reader.form(root)
        return FormLoadResult(definition: reader.problems.isEmpty ? definition : nil, problems: reader.problems)
    }

    public static func load(contentsOf path: String) -> FormLoadResult {
        guard let data = FileManager.default.contents(atPath: path) else {
            return FormLoadResult(definition: nil, problems: [
                FormProblem(file: path, line: 1, path: "", code: "unreadableFile",
                    message: LocalizedText(zh: "无法读取文件", en: "The file cannot be read.")),
            ])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            return FormLoadResult(definition: nil, problems: [
                FormProblem(file: path, line: 1, path: "", code: "notUTF8",
                    message: LocalizedText(zh: "文件不是 UTF-8 编码", en: "The file is not UTF-8 text.")),
            ])
        }
        return load(yaml: text, file: path)
    }

    private static func yamlProblem(_ error: any Error, yaml: String, file: String) -> FormProblem {
        // libyaml puts the end of the stream on a line of its own, one past the last line of a
        // file without a final newline; an editor cannot jump there.
        let lastLine = lineCount(yaml)
        func syntax(_ line: Int, _ problem: String) -> FormProblem {
            FormProblem(file: file, line: min(max(line, 1), lastLine), path: "", code: "yamlSyntax",
                message: LocalizedText(zh: "YAML 语法错误：\(problem)", en: "YAML syntax error: \(problem)"))
        }
        guard let yamlError = error as? YamlError else { return syntax(1, "\(error)") }
        switch yamlError {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _),
            .composer(_, let problem, let mark, _):
            return syntax(mark.line, problem)
        case .reader(let problem, let offset, _, _):
            let line = offset.map { offset in yaml.utf8.prefix(offset).reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 } }
            return syntax(line ?? 1, problem)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let key = duplicates.first ?? ""
            let line = repeatedKeyLine(key, after: context.mark, in: yaml) ?? context.mark.line
            return FormProblem(file: file, line: line, path: "", code: "duplicateKey",
                message: LocalizedText(
                    zh: "键 \(key) 重复（首次出现在第 \(context.mark.line) 行）",
                    en: "Duplicate key \(key) (first at line \(context.mark.line))."))
        default:
            return syntax(1, "\(yamlError)")
        }
    }

    /// The number of lines as libyaml counts them (CR LF, CR, LF, NEL, LS and PS each end a
    /// line); a final line without a break counts, the empty rest after a final break does not.
    static func lineCount(_ yaml: String) -> Int {
        var lines = 0
        var previous: Unicode.Scalar?
        var lastEndsLine = false
        for scalar in yaml.unicodeScalars {
            switch scalar {
            case "\n" where previous == "\r": break
            case "\n", "\r", "\u{85}", "\u{2028}", "\u{2029}": lines += 1
            default: break
            }
            lastEndsLine = ["\n", "\r", "\u{85}", "\u{2028}", "\u{2029}"].contains(scalar)
            previous = scalar
        }
        return max(1, lastEndsLine ? lines : lines + 1)
    }

    /// Yams reports the first occurrence of a duplicated key; the administrator needs the
    /// second, which sits at the same column further down.
    private static func repeatedKeyLine(_ key: String, after mark: Mark, in yaml: String) -> Int? {
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
        guard mark.line < lines.count else { return nil }
        for index in mark.line..<lines.count {
            let scalars = Array(lines[index].unicodeScalars)
            let column = mark.column - 1
            guard column < scalars.count else { continue }
            let rest = String(String.UnicodeScalarView(scalars[column...]))
            let prefix = String(String.UnicodeScalarView(scalars[..<column]))
            guard prefix.allSatisfy({ $0 == " " || $0 == "-" }) else { continue }
            for candidate in [key, "\"\(key)\"", "'\(key)'"] where rest.hasPrefix(candidate) {
                let after = rest.dropFirst(candidate.count).drop { $0 == " " }
                if after.first == ":" { return index + 1 }
            }
        }
        return nil
    }
}

/// Names a field may not take because conditions use them for something else.
let reservedNames: Set<String> = ["item", "choice", "idcard", "bundle"]

/// Walks the node tree, collecting problems instead of stopping at the first.
struct FormReader {
    let file: String
    var problems: [FormProblem] = []

    /// One mapping's entries by key, with the line of each key.
    struct Entries {
        let line: Int
        var values: [String: (keyLine: Int, value: Node)]
        subscript(key: String) -> Node? { values[key]?.value }
    }

    mutating func report(_ line: Int, _ path: String, _ code: String, zh: String, en: String) {
        problems.append(FormProblem(file: file, line: line, path: path, code: code, message: LocalizedText(zh: zh, en: en)))
    }

    static func line(_ node: Node) -> Int { node.mark?.line ?? 1 }

    mutating func entries(_ node: Node, _ path: String, allowed: Set<String>, required: [String]) -> Entries? {
        guard case .mapping(let mapping) = node else {
            report(Self.line(node), path, "expectedMapping", zh: "此处应为键值映射", en: "Expected a mapping here.")
            return nil
        }
        var entries = Entries(line: Self.line(node), values: [:])
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key else {
                report(Self.line(key), path, "invalidKey", zh: "键必须是文本", en: "Keys must be plain text.")
                continue
            }
            guard allowed.contains(scalar.string) else {
                report(Self.line(key), path, "unknownKey", zh: "未知的键 \(scalar.string)", en: "Unknown key \(scalar.string).")
                continue
            }
            entries.values[scalar.string] = (Self.line(key), value)
        }
        for key in required where entries.values[key] == nil {
            report(entries.line, path, "missingKey", zh: "缺少 \(key)", en: "Missing \(key).")
        }
        return entries
    }

    mutating func sequence(_ node: Node, _ path: String) -> [Node] {
        guard case .sequence(let sequence) = node else {
            report(Self.line(node), path, "expectedList", zh: "此处应为列表", en: "Expected a list here.")
            return []
        }
        return Array(sequence)
    }

    mutating func string(_ node: Node?, _ path: String) -> String? {
        guard let node else { return nil }
        guard case .scalar(let scalar) = node, !scalar.string.isEmpty else {
            report(Self.line(node), path, "expectedText", zh: "此处应为非空文本", en: "Expected non-empty text here.")
            return nil
        }
        return scalar.string
    }

    mutating func identifier(_ node: Node?, _ path: String) -> String? {
        guard let node, let text = string(node, path) else { return nil }
        let valid = text.unicodeScalars.first.map { CharacterSet.letters.contains($0) && $0.isASCII } == true
            && text.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSet.alphanumerics.contains($0) || $0 == "_" || $0 == "-") }
        guard valid, !reservedNames.contains(text) else {
            report(Self.line(node), path, "invalidIdentifier",
                zh: "标识 \(text.prefix(40)) 须以字母开头，只含字母、数字、_ 或 -，且不能是保留字",
                en: "The id \(text.prefix(40)) must start with a letter, use only letters, digits, _ or -, and not be a reserved word.")
            return nil
        }
        return text
    }

    mutating func integer(_ node: Node?, _ path: String, minimum: Int) -> Int? {
        guard let node else { return nil }
        guard case .scalar(let scalar) = node, scalar.style == .plain, let value = Int(scalar.string), value >= minimum else {
            report(Self.line(node), path, "expectedInteger",
                zh: "此处应为不小于 \(minimum) 的整数", en: "Expected a whole number of at least \(minimum).")
            return nil
        }
        return value
    }

    mutating func number(_ node: Node?, _ path: String) -> Double? {
        guard let node else { return nil }
        guard case .number(let value) = json(node, path) else {
            report(Self.line(node), path, "expectedNumber", zh: "此处应为数字", en: "Expected a number.")
            return nil
        }
        return value
    }

    mutating func bool(_ node: Node?, _ path: String) -> Bool? {
        guard let node else { return nil }
        guard case .bool(let value) = json(node, path) else {
            let found = Self.found(node)
            report(Self.line(node), path, "expectedBoolean",
                zh: "此处应为 true 或 false，而不是 \(found)\(Self.booleanHint(node, zh: true))",
                en: "Expected true or false, found \(found)\(Self.booleanHint(node, zh: false)).")
            return nil
        }
        return value
    }

    /// A condition that decides yes or no (`relevant`, `required`, `constraint`, `appliesWhen`,
    /// `choiceFilter`): plain `true`, `false`, or an operator mapping. Text, numbers and lists
    /// are refused: the condition language takes any non-empty text as true, so `required: no`
    /// or `relevant: "false"` would silently mean the opposite of what was written.
    mutating func test(_ node: Node?, _ path: String) -> Condition? {
        guard let node else { return nil }
        switch node {
        case .mapping:
            return condition(node, path)
        case .scalar(let scalar) where scalar.style == .plain:
            if case .bool = Self.plainScalar(scalar.string) { return condition(node, path) }
        default:
            break
        }
        let found = Self.found(node)
        report(Self.line(node), path, "expectedCondition",
            zh: "此处应为 true、false 或条件（如 {\"==\": [{\"var\": \"字段\"}, \"值\"]}），而不是 \(found)\(Self.booleanHint(node, zh: true))",
            en: "Expected true, false or a condition (such as {\"==\": [{\"var\": \"field\"}, \"value\"]}), found \(found); "
                + "use true, false or a condition\(Self.booleanHint(node, zh: false)).")
        return nil
    }

    /// What the administrator wrote, for a message: quoted text, a list, a mapping.
    static func found(_ node: Node) -> String {
        switch node {
        case .scalar(let scalar):
            let text = String(scalar.string.prefix(40))
            return scalar.style == .plain ? "the text \(text)" : "the quoted text \"\(text)\""
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        case .alias: return "an alias"
        }
    }

    /// `yes`, `on`, `"true"` and the like: what to write instead.
    static func booleanHint(_ node: Node, zh: Bool) -> String {
        guard case .scalar(let scalar) = node else { return "" }
        let meaning: Bool? = switch scalar.string.lowercased() {
        case "yes", "y", "on", "true": true
        case "no", "n", "off", "false": false
        default: nil
        }
        guard let meaning else { return "" }
        return zh ? "；请写 \(meaning)（不加引号）" : "; write \(meaning) without quotes"
    }

    mutating func text(_ node: Node?, _ path: String) -> LocalizedText? {
        // The usual slip: one language written as plain text where both are needed.
        if let node, case .scalar(let scalar) = node {
            let written = String(scalar.string.prefix(40))
            let isChinese = written.unicodeScalars.contains { (0x4E00...0x9FFF).contains($0.value) }
            let example = written.isEmpty ? "{zh-CN: …, en: …}"
                : isChinese ? "{zh-CN: \(written), en: …}" : "{zh-CN: …, en: \(written)}"
            report(Self.line(node), path, "expectedTranslations",
                zh: "此处需要中英文两种文本，写作 \(example)", en: "Expected the text in both languages here; write \(example).")
            return nil
        }
        guard let node, let entries = entries(node, path, allowed: ["zh-CN", "en"], required: []) else { return nil }
        var zh: String?
        var en: String?
        for (key, language) in [("zh-CN", "zh-CN"), ("en", "en")] {
            let value: String?
            if let valueNode = entries[key], case .scalar(let scalar) = valueNode,
                !scalar.string.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
            {
                value = scalar.string.trimmingCharacters(in: .whitespacesAndNewlines)
            } else {
                value = nil
                report(entries.values[key]?.keyLine ?? entries.line, path, "missingTranslation",
                    zh: "缺少 \(language) 文本", en: "Missing \(language) text.")
            }
            if key == "zh-CN" { zh = value } else { en = value }
        }
        guard let zh, let en else { return nil }
        return LocalizedText(zh: zh, en: en)
    }

    /// Converts a YAML node to JSON with core-schema scalars: plain `null`/`~`/empty is null,
    /// plain `true`/`false` a boolean, a plain decimal number a number, anything quoted text.
    mutating func json(_ node: Node, _ path: String) -> JSON {
        switch node {
        case .scalar(let scalar):
            guard scalar.style == .plain else { return .string(scalar.string) }
            return Self.plainScalar(scalar.string)
        case .sequence(let sequence):
            return .array(sequence.map { json($0, path) })
        case .mapping(let mapping):
            var members: [String: JSON] = [:]
            for (key, value) in mapping {
                guard case .scalar(let scalar) = key else {
                    report(Self.line(key), path, "invalidKey", zh: "键必须是文本", en: "Keys must be plain text.")
                    continue
                }
                members[scalar.string] = json(value, path)
            }
            return .object(members)
        case .alias:
            report(Self.line(node), path, "aliasNotSupported", zh: "不支持 YAML 别名", en: "YAML aliases are not supported.")
            return .null
        }
    }

    static func plainScalar(_ text: String) -> JSON {
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        default:
            let numeric = text.unicodeScalars.allSatisfy { "0123456789+-.eE".unicodeScalars.contains($0) }
            if numeric, text.unicodeScalars.contains(where: { CharacterSet.decimalDigits.contains($0) }),
                let value = Double(text), value.isFinite
            {
                return .number(value)
            }
            return .string(text)
        }
    }

    mutating func condition(_ node: Node?, _ path: String) -> Condition? {
        guard let node else { return nil }
        let source = json(node, path)
        do {
            return Condition(rule: try Rule(source), source: source, line: Self.line(node))
        } catch {
            let line = error.operatorName.flatMap { Self.keyLine($0, in: node) } ?? Self.line(node)
            report(line, path, "invalidCondition", zh: "条件无效：\(error.messageZH)", en: "Invalid condition: \(error.messageEN).")
            return nil
        }
    }

    /// The line of the first mapping key named `name` inside `node`, to point at an operator.
    static func keyLine(_ name: String, in node: Node) -> Int? {
        switch node {
        case .mapping(let mapping):
            for (key, value) in mapping {
                if key.string == name { return line(key) }
                if let found = keyLine(name, in: value) { return found }
            }
            return nil
        case .sequence(let sequence):
            return sequence.lazy.compactMap { keyLine(name, in: $0) }.first
        default:
            return nil
        }
    }

    mutating func enumeration<E: RawRepresentable<String>>(_ node: Node?, _ path: String, _: E.Type, allowed: [String]) -> E? {
        guard let node, let text = string(node, path) else { return nil }
        guard let value = E(rawValue: text) else {
            report(Self.line(node), path, "unknownValue",
                zh: "未知的取值 \(text.prefix(40))，可选：\(allowed.joined(separator: "、"))",
                en: "Unknown value \(text.prefix(40)); expected one of \(allowed.joined(separator: ", ")).")
            return nil
        }
        return value
    }

    /// Reports the second and later uses of an id among siblings.
    mutating func checkUnique(_ ids: [(id: String, line: Int)], _ path: String, kind: String) {
        var seen: [String: Int] = [:]
        for (id, line) in ids {
            if let first = seen[id] {
                report(line, path, "duplicateId",
                    zh: "\(kind) \(id) 重复（首次出现在第 \(first) 行）", en: "Duplicate \(kind) id \(id) (first at line \(first)).")
            } else {
                seen[id] = line
            }
        }
    }
}
