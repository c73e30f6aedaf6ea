import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JSONLogic
import KioskApp
import KioskServer
import KioskTesting
import Testing

/// Every request body is outside input: whoever stands at the public screen can send any bytes.
/// A body is read strictly, and what is not plainly one JSON object in UTF-8 is refused with
/// 400 `badRequest` and a reason in both languages; nothing of it reaches the session.
@Suite("Request bodies")
struct RequestBodyTests {
    static func refusal(_ bytes: [UInt8], allowed: Set<String> = ["value"]) -> APIError? {
        do {
            _ = try bytes.withUnsafeBytes { try KioskServer.RequestBody(json: $0, allowed: allowed) }
            return nil
        } catch {
            return error as? APIError
        }
    }

    @Test func readsAnObjectOfKnownFields() throws {
        let body = try Array(#"{"value": {"region": "北京市东城区", "detail": "东华门街道 1 号"}}"#.utf8).withUnsafeBytes {
            try KioskServer.RequestBody(json: $0, allowed: ["value"])
        }
        #expect(body.fields["value"] == ["region": "北京市东城区", "detail": "东华门街道 1 号"])
        let empty = try [UInt8]().withUnsafeBytes { try KioskServer.RequestBody(json: $0, allowed: []) }
        #expect(empty.fields.isEmpty)
    }

    @Test(arguments: [
        // Two readers of the same request must not see two different answers.
        (Array(#"{"value":"13812345678","value":"13900000000"}"#.utf8), "names the same field twice (at byte 23)", "同一字段出现了两次"),
        // Not UTF-8: refused, never repaired into "�".
        (Array(#"{"value":""#.utf8) + [0xD5, 0xC5, 0xC8, 0xFD] + Array(#""}"#.utf8), "not valid JSON in UTF-8 (at byte 10)", "不是有效的 JSON"),
        (Array(#"{"value":"\ud800"}"#.utf8), "not valid JSON in UTF-8", "不是有效的 JSON"),
        (Array((#"{"value":"# + String(repeating: "[", count: 300) + String(repeating: "]", count: 300) + "}").utf8),
         "nested too deeply (at byte 264)", "嵌套层级过深"),
        (Array(#"{"value":1e400}"#.utf8), "out of range (at byte 9)", "数值超出范围"),
        (Array(#"{"value":1,}"#.utf8), "not valid JSON in UTF-8 (at byte 11)", "不是有效的 JSON"),
        (Array(#"[{"value":1}]"#.utf8), "must be a JSON object", "须为 JSON 对象"),
    ] as [([UInt8], String, String)])
    func refusesWhatIsNotPlainlyOneObject(_ bytes: [UInt8], _ english: String, _ chinese: String) throws {
        let error = try #require(Self.refusal(bytes))
        #expect(error.status == .badRequest)
        #expect(error.code == "badRequest")
        #expect(error.message.en.contains(english), "\(error.message.en)")
        #expect(error.message.zh.contains(chinese), "\(error.message.zh)")
    }

    @Test func namesAnUnknownField() throws {
        let error = try #require(Self.refusal(Array(#"{"value":1,"admin":true}"#.utf8)))
        #expect(error.code == "unknownField")
    }

    /// The attack over HTTP: an answer sent with its key twice, or in another encoding, is
    /// refused as a problem document, and the session keeps no answer from it.
    @Test func aMalformedAnswerIsRefusedAndNotKept() async throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        let application = try await KioskApplication.onTestInstallation(installation)
        try await application.makeHTTPServer().test(.router) { client in
            func object(_ response: TestResponse) throws -> JSON { try JSON(parsing: Data(response.body.readableBytesView)) }
            let started = try object(try await client.execute(
                uri: "/v1/sessions", method: .post, body: ByteBuffer(string: #"{"formId":"residence-permit"}"#)))
            guard case .string(let id)? = started["sessionId"] else { Issue.record("no session: \(started)"); return }

            let bodies: [[UInt8]] = [
                Array(#"{"value":"张三","value":"李四"}"#.utf8),
                Array(#"{"value":""#.utf8) + [0xD5, 0xC5, 0xC8, 0xFD] + Array(#""}"#.utf8),
            ]
            for bytes in bodies {
                let response = try await client.execute(
                    uri: "/v1/sessions/\(id)/answers/name", method: .put, body: ByteBuffer(bytes: bytes))
                #expect(response.status == .badRequest)
                #expect(response.headers[.contentType] == "application/problem+json")
                let problem = try object(response)
                #expect(problem["code"] == "badRequest")
                guard case .object(let messages)? = problem["messages"] else { Issue.record("no messages"); continue }
                #expect(messages["zh-CN"] != nil && messages["en"] != nil)
            }

            let view = try object(try await client.execute(uri: "/v1/sessions/\(id)", method: .get))
            guard case .object(let screen)? = view["screen"], case .array(let fields)? = screen["fields"] else {
                Issue.record("no screen: \(view)")
                return
            }
            let name = fields.first { $0["id"] == "name" }
            #expect(name != nil)
            #expect(name?["value"] == nil || name?["value"] == .null)
        }
    }
}
