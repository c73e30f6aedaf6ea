import Foundation
import KioskCore
import Yams

/// A profile or receipt template file that cannot be used, with the line at fault, so an
/// administrator's editor can jump to it: `Devices/profiles/x.yaml:12: ...`.
public struct DefinitionFileError: KioskError, Equatable {
    public let code: String
    public let file: String
    public let line: Int
    public let detail: LocalizedText

    public init(code: String, file: String, line: Int, detail: LocalizedText) {
        self.code = code
        self.file = file
        self.line = line
        self.detail = detail
    }

    public var message: LocalizedText {
        LocalizedText(zh: "\(file):\(line): \(detail.zh)", en: "\(file):\(line): \(detail.en)")
    }
}

/// Decodes a YAML file through Yams' node tree, so a decoding error can be traced back along its
/// coding path to the node, and the node's mark gives the line.
enum DefinitionFile {
    static func decode<T: Decodable>(_ type: T.Type, yaml: String, file: String) throws(DefinitionFileError) -> T {
        let root: Node
        do {
            guard let composed = try Yams.compose(yaml: yaml) else {
                throw DefinitionFileError(code: "emptyFile", file: file, line: 1,
                                          detail: .init(zh: "文件为空", en: "the file is empty"))
            }
            root = composed
        } catch let error as DefinitionFileError {
            throw error
        } catch {
            throw syntaxError(error, file: file)
        }
        do {
            return try YAMLDecoder().decode(type, from: root)
        } catch let error as DecodingError {
            throw decodingError(error, root: root, file: file)
        } catch {
            throw DefinitionFileError(code: "invalidValue", file: file, line: 1,
                                      detail: .init(zh: "无法读取：\(error)", en: "cannot read: \(error)"))
        }
    }

    static func load<T: Decodable>(_ type: T.Type, contentsOf path: String) throws(DefinitionFileError) -> T {
        try decode(type, yaml: try text(contentsOf: path), file: path)
    }

    static func text(contentsOf path: String) throws(DefinitionFileError) -> String {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw DefinitionFileError(code: "unreadableFile", file: path, line: 1,
                                      detail: .init(zh: "无法读取文件（或不是 UTF-8）", en: "cannot read the file (or it is not UTF-8)"))
        }
        return text
    }

    /// `*.yaml` files of a directory, sorted by name; empty when the directory does not exist.
    static func yamlFiles(in directory: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
            .map { URL(fileURLWithPath: directory).appendingPathComponent($0).path }
    }

    private static func syntaxError(_ error: any Error, file: String) -> DefinitionFileError {
        var line = 1
        var problem = "\(error)"
        if let yamlError = error as? YamlError {
            switch yamlError {
            case .scanner(_, let text, let mark, _), .parser(_, let text, let mark, _), .composer(_, let text, let mark, _):
                line = mark.line
                problem = text
            case .duplicatedKeysInMapping(let duplicates, let context):
                line = context.mark.line
                problem = "duplicate key \(duplicates.joined(separator: ", "))"
            default:
                break
            }
        }
        return DefinitionFileError(code: "yamlSyntax", file: file, line: line,
                                   detail: .init(zh: "YAML 语法错误：\(problem)", en: "YAML syntax error: \(problem)"))
    }

    private static func decodingError(_ error: DecodingError, root: Node, file: String) -> DefinitionFileError {
        let path: [any CodingKey]
        let code: String
        let zh: String
        let en: String
        switch error {
        case .keyNotFound(let key, let context):
            path = context.codingPath
            code = "missingKey"
            zh = "缺少键 \(key.stringValue)"
            en = "missing key \(key.stringValue)"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            path = context.codingPath
            code = "invalidValue"
            zh = "\(dotted(path)) 的值类型不对"
            en = "\(dotted(path)) has the wrong type"
        case .dataCorrupted(let context):
            path = context.codingPath
            code = "invalidValue"
            zh = "\(dotted(path)) 的值无效：\(context.debugDescription)"
            en = "\(dotted(path)) is invalid: \(context.debugDescription)"
        @unknown default:
            path = []
            code = "invalidValue"
            zh = "无法读取"
            en = "cannot read"
        }
        return DefinitionFileError(code: code, file: file, line: line(of: path, in: root), detail: .init(zh: zh, en: en))
    }

    /// The line of the deepest node along `path` that exists.
    static func line(of path: [any CodingKey], in root: Node) -> Int {
        var node = root
        for key in path {
            let next: Node? = if let index = key.intValue, case .sequence = node { node[index] } else { node[key.stringValue] }
            guard let next else { break }
            node = next
        }
        return node.mark?.line ?? 1
    }

    private static func dotted(_ path: [any CodingKey]) -> String {
        path.isEmpty ? "(root)" : path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }
}
