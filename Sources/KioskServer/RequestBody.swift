import Foundation
import Hummingbird
import JSONLogic
import KioskCore

/// Reads a JSON object body, refusing what a strict API refuses: no body or not an object
/// (400 `badRequest`), a key the endpoint does not know (400 `unknownField`). Values are then
/// taken with `string(_:)`, `bool(_:)` or as raw `JSON`, each failing with `invalidField`.
///
/// The bytes go straight to the JSONLogic module's parser, as they arrived: text that is not
/// UTF-8 is refused rather than repaired (a name is never silently changed to "�"), and so is
/// an object naming a key twice, which another reader of the same request could take the other
/// way (see `JSONParser`).
package struct RequestBody {
    package let fields: [String: JSON]

    init(_ request: Request, context: some RequestContext, allowed: Set<String>) async throws {
        let buffer = try await request.body.collect(upTo: context.maxUploadSize)
        self = try buffer.withUnsafeReadableBytes { bytes in try RequestBody(json: bytes, allowed: allowed) }
    }

    /// The body's bytes as they arrived; `package` so that `kiosk-bench` can time it.
    package init(json bytes: UnsafeRawBufferPointer, allowed: Set<String>) throws {
        let value: JSON
        do throws(LogicError) {
            value = bytes.isEmpty ? .object([:]) : try JSON(parsing: bytes)
        } catch {
            throw Self.malformed(error)
        }
        guard case .object(let fields) = value else {
            throw APIError(.badRequest, code: "badRequest", message: .init(zh: "请求内容须为 JSON 对象", en: "The request body must be a JSON object"))
        }
        if let unknown = fields.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw APIError(.badRequest, code: "unknownField", message: .init(zh: "不认识的字段：\(unknown)", en: "Unknown field: \(unknown)"))
        }
        self.fields = fields
    }

    func string(_ key: String) throws -> String {
        guard case .string(let value)? = fields[key], !value.isEmpty else { throw Self.invalid(key, "a non-empty string") }
        return value
    }

    func bool(_ key: String) throws -> Bool {
        guard case .bool(let value)? = fields[key] else { throw Self.invalid(key, "true or false") }
        return value
    }

    func json(_ key: String) throws -> JSON {
        guard let value = fields[key] else { throw Self.invalid(key, "a value") }
        return value
    }

    /// Says what is wrong and where (a byte offset names no value, so it is safe to show).
    static func malformed(_ error: LogicError) -> APIError {
        let place = error.offset.map { (zh: "（第 \($0) 字节）", en: " (at byte \($0))") } ?? (zh: "", en: "")
        let message: LocalizedText =
            switch error.code {
            case .duplicateKey: .init(zh: "请求内容中同一字段出现了两次\(place.zh)", en: "The request body names the same field twice\(place.en)")
            case .tooDeep: .init(zh: "请求内容嵌套层级过深\(place.zh)", en: "The request body is nested too deeply\(place.en)")
            case .numberOutOfRange: .init(zh: "请求内容中的数值超出范围\(place.zh)", en: "A number in the request body is out of range\(place.en)")
            default: .init(zh: "请求内容不是有效的 JSON（UTF-8）\(place.zh)", en: "The request body is not valid JSON in UTF-8\(place.en)")
            }
        return APIError(.badRequest, code: "badRequest", message: message)
    }

    static func invalid(_ key: String, _ expected: String) -> APIError {
        APIError(.badRequest, code: "invalidField", message: .init(zh: "字段 \(key) 无效", en: "The field \(key) must be \(expected)"))
    }
}
