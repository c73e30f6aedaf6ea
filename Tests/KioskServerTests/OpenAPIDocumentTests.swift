import Access
import Booking
import DeviceKit
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JSONLogic
import KioskApp
import KioskConfig
import KioskCore
import KioskServer
import KioskTesting
import Logging
import Synchronization
import Testing
import Yams

/// `docs/openapi.yaml` read as JSON values, with what the tests ask of it: the operations, and
/// whether an answer of the server is one the document describes.
struct OpenAPIDocument: Sendable {
    struct Operation: Sendable {
        let method: String
        let path: String
        let value: JSON
    }

    let root: JSON

    static let file = TestInstallation.repository.appendingPathComponent("docs/openapi.yaml")

    static func load() throws -> OpenAPIDocument {
        let text = try String(contentsOf: file, encoding: .utf8)
        return OpenAPIDocument(root: try json(try #require(try Yams.load(yaml: text))))
    }

    /// Yams' values as JSON. A YAML timestamp or binary would be a mistake in this document.
    static func json(_ value: Any) throws -> JSON {
        switch value {
        case let map as [AnyHashable: Any]:
            return .object(Dictionary(uniqueKeysWithValues: try map.map { ("\($0.key.base)", try json($0.value)) }))
        case let list as [Any]: return .array(try list.map(json))
        case let text as String: return .string(text)
        case let flag as Bool: return .bool(flag)
        case let number as Int: return .number(Double(number))
        case let number as Double: return .number(number)
        case is NSNull: return .null
        default: throw DocumentError("a YAML value that is not JSON: \(value)")
        }
    }

    struct DocumentError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    static let methods = ["get", "put", "post", "delete", "patch", "head", "options"]

    var operations: [Operation] {
        guard case .object(let paths)? = root["paths"] else { return [] }
        return paths.flatMap { path, item -> [Operation] in
            guard case .object(let members) = item else { return [] }
            return members.compactMap { key, value in
                Self.methods.contains(key) ? Operation(method: key.uppercased(), path: path, value: value) : nil
            }
        }
    }

    /// The operation serving `method` on a concrete `path`; a literal segment wins over a
    /// parameter, as in the router (`materials/notice` before `materials/{material}`).
    func operation(_ method: String, _ path: String) -> Operation? {
        let segments = path.split(separator: "?", maxSplits: 1)[0].split(separator: "/").map(String.init)
        var best: (operation: Operation, literals: Int)?
        for operation in operations where operation.method == method {
            let template = operation.path.split(separator: "/").map(String.init)
            guard template.count == segments.count else { continue }
            var literals = 0
            var matches = true
            for (part, segment) in zip(template, segments) {
                if let open = part.firstIndex(of: "{"), let close = part.firstIndex(of: "}") {
                    let prefix = part[..<open], suffix = part[part.index(after: close)...]
                    matches = segment.count > prefix.count + suffix.count && segment.hasPrefix(prefix) && segment.hasSuffix(suffix)
                } else if part == segment {
                    literals += 1
                } else {
                    matches = false
                }
                if !matches { break }
            }
            if matches, literals > best?.literals ?? -1 { best = (operation, literals) }
        }
        return best?.operation
    }

    /// Follows `$ref`s within the document.
    func resolve(_ value: JSON) -> JSON {
        var current = value
        while case .string(let reference)? = current["$ref"], reference.hasPrefix("#/") {
            var target: JSON? = root
            for key in reference.dropFirst(2).split(separator: "/") { target = target?[String(key)] }
            guard let target else { return .null }
            current = target
        }
        return current
    }

    /// Everything wrong with an answer, as the document sees it; empty when it is described.
    func problems(method: String, path: String, status: Int, contentType: String?, body: Data) -> [String] {
        guard let operation = operation(method, path) else { return ["\(method) \(path): no operation in the document"] }
        let name = "\(method) \(operation.path) \(status)"
        guard let response = operation.value["responses"]?[String(status)].map(resolve) else {
            return ["\(name): the status is not documented"]
        }
        guard case .object(let content)? = response["content"] else {
            return body.isEmpty ? [] : ["\(name): a body where the document describes none"]
        }
        let mediaType = contentType?.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? ""
        guard let media = content[mediaType] else {
            return ["\(name): content type \(mediaType) is not documented (\(content.keys.sorted()))"]
        }
        guard mediaType.hasSuffix("json") else { return [] }
        let value: JSON
        do { value = try JSON(parsing: body) } catch { return ["\(name): the body is not JSON"] }
        return SchemaCheck(document: self).problems(value, media["schema"] ?? .object([:]), at: name)
    }
}

extension JSON {
    subscript(key: String) -> JSON? {
        if case .object(let members) = self { return members[key] }
        return nil
    }
}

/// The part of JSON Schema 2020-12 the document uses: `$ref`, `allOf`, `oneOf`, `anyOf`,
/// `type`, `const`, `enum`, `properties`, `required`, `additionalProperties`, `items`,
/// `minimum`, `maximum`, `minLength`, `pattern`. Annotations (`format`, `description`) are ignored.
struct SchemaCheck {
    let document: OpenAPIDocument

    func problems(_ value: JSON, _ schemaReference: JSON, at path: String) -> [String] {
        let schema = document.resolve(schemaReference)
        guard case .object(let keywords) = schema else { return [] }
        var found: [String] = []
        if case .array(let all)? = keywords["allOf"] {
            for part in all { found += problems(value, part, at: path) }
        }
        if case .array(let choices)? = keywords["oneOf"] {
            let passing = choices.filter { problems(value, $0, at: path).isEmpty }.count
            if passing != 1 { found.append("\(path): matches \(passing) of the oneOf choices, not exactly one") }
        }
        if case .array(let choices)? = keywords["anyOf"], !choices.contains(where: { problems(value, $0, at: path).isEmpty }) {
            found.append("\(path): matches none of the anyOf choices")
        }
        if let constant = keywords["const"], constant != value { found.append("\(path): \(value) is not \(constant)") }
        if case .array(let allowed)? = keywords["enum"], !allowed.contains(value) {
            found.append("\(path): \(value) is not one of \(allowed)")
        }
        if let type = keywords["type"] {
            let names: [String] = switch type {
            case .string(let name): [name]
            case .array(let list): list.compactMap { if case .string(let name) = $0 { name } else { nil } }
            default: []
            }
            if !names.contains(where: { Self.value(value, is: $0) }) { found.append("\(path): \(value) is not of type \(names)") }
        }
        switch value {
        case .object(let members):
            if case .array(let required)? = keywords["required"] {
                for case .string(let key) in required where members[key] == nil { found.append("\(path): \(key) is missing") }
            }
            let properties: [String: JSON] = if case .object(let declared)? = keywords["properties"] { declared } else { [:] }
            for (key, member) in members.sorted(by: { $0.key < $1.key }) {
                if let property = properties[key] {
                    found += problems(member, property, at: "\(path).\(key)")
                } else if keywords["additionalProperties"] == .bool(false) {
                    found.append("\(path): \(key) is not documented")
                } else if let additional = keywords["additionalProperties"], case .object = additional {
                    found += problems(member, additional, at: "\(path).\(key)")
                }
            }
        case .array(let items):
            if let itemSchema = keywords["items"] {
                for (index, item) in items.enumerated() { found += problems(item, itemSchema, at: "\(path)[\(index)]") }
            }
        case .number(let number):
            if case .number(let minimum)? = keywords["minimum"], number < minimum { found.append("\(path): \(number) < \(minimum)") }
            if case .number(let maximum)? = keywords["maximum"], number > maximum { found.append("\(path): \(number) > \(maximum)") }
        case .string(let text):
            if case .number(let length)? = keywords["minLength"], Double(text.count) < length { found.append("\(path): shorter than \(length)") }
            if case .string(let pattern)? = keywords["pattern"] {
                if let regex = try? Regex(pattern) {
                    if !text.contains(regex) { found.append("\(path): \(text) does not match \(pattern)") }
                } else {
                    found.append("\(path): the document's pattern \(pattern) does not compile")
                }
            }
        default: break
        }
        return found
    }

    static func value(_ value: JSON, is type: String) -> Bool {
        switch (type, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("boolean", .bool), ("null", .null), ("number", .number):
            true
        case ("integer", .number(let number)): number == number.rounded()
        default: false
        }
    }
}

/// The answers a `DocumentedClient` checked, as `METHOD URI STATUS`.
final class CheckedAnswers: Sendable {
    let entries = Mutex<[String]>([])
}

/// A test client that checks every answer against the document: a status, content type or
/// body the document does not describe is recorded as a test failure.
struct DocumentedClient: TestClientProtocol {
    let base: any TestClientProtocol
    let document: OpenAPIDocument
    /// What was checked, to show a test really went through the document.
    let log = CheckedAnswers()

    func executeRequest(uri: String, method: HTTPRequest.Method, headers: HTTPFields, body: ByteBuffer?) async throws -> TestResponse {
        let response = try await base.executeRequest(uri: uri, method: method, headers: headers, body: body)
        let problems = document.problems(
            method: method.rawValue, path: uri, status: Int(response.status.code), contentType: response.headers[.contentType],
            body: Data(response.body.readableBytesView))
        for problem in problems { Issue.record("\(problem)") }
        log.entries.withLock { $0.append("\(method.rawValue) \(uri) \(response.status.code)") }
        return response
    }

    var port: Int? { base.port }
}

@Suite("The OpenAPI document")
struct OpenAPIDocumentTests {
    let document: OpenAPIDocument

    init() throws {
        document = try OpenAPIDocument.load()
    }

    static func application(config: String = "") async throws -> (TestInstallation, KioskApplication) {
        let installation = try TestInstallation(config: config)
        let configuration = try ConfigurationLoader.load(file: installation.configPath, environment: [:])
        return (installation, try await KioskApplication(configuration: configuration, logger: Logger(label: "test")))
    }

    @Test func isOpenAPI31WithUniqueOperationIDs() throws {
        #expect(document.root["openapi"] == .string("3.1.0"))
        let ids = document.operations.compactMap { operation -> String? in
            if case .string(let id)? = operation.value["operationId"] { id } else { nil }
        }
        #expect(ids.count == document.operations.count)
        #expect(Set(ids).count == ids.count)
    }

    /// Every route the server registers is in the document, and the document names no route
    /// the server does not have.
    @Test func describesEveryRegisteredRouteAndNoOther() async throws {
        let (installation, application) = try await Self.application(config: BookingRoutesTests.config)
        defer { installation.remove() }
        let router = KioskRoutes.router(application.serverDependencies)
        let registered = Set(router.routes.map { Endpoint($0.method.rawValue, $0.path.description) })
        let documented = Set(document.operations.map { Endpoint($0.method, $0.path) })
        #expect(registered.count > 40)
        #expect(registered.subtracting(documented).sorted() == [], "registered but not documented")
        #expect(documented.subtracting(registered).sorted() == [], "documented but not registered")
    }

    /// Each operation's `x-kiosk-roles` is what the endpoint policy lets through, and an
    /// operation no citizen may call asks for the bearer token (a department's API key for theirs).
    @Test func rolesAreTheEndpointPolicy() throws {
        #expect(document.operations.count == KioskRoutes.policy.endpoints.count)
        for operation in document.operations {
            let endpoint = Endpoint(operation.method, operation.path)
            let declared = try #require(KioskRoutes.policy.roles(for: endpoint), "\(endpoint) has no roles in the policy")
            guard case .array(let listed)? = operation.value["x-kiosk-roles"] else {
                Issue.record("\(endpoint) has no x-kiosk-roles")
                continue
            }
            let roles = Set(listed.compactMap { if case .string(let role) = $0 { Role(rawValue: role) } else { nil } })
            #expect(roles.count == listed.count, "\(endpoint): unknown role in \(listed)")
            #expect(roles == declared, "\(endpoint)")
            // Department systems call with their API key, call displays with their token, everyone
            // else signed in with a staff token.
            let scheme = declared == [.department] ? "departmentKey" : declared == [.display] ? "displayToken" : "staffToken"
            let tokenOnly: JSON = .array([.object([scheme: .array([])])])
            #expect((operation.value["security"] == tokenOnly) == !declared.contains(.citizen), "\(endpoint) security")
        }
    }

    /// The checker itself refuses what the document does not describe, so a passing walk means something.
    @Test func theCheckerRefusesUndescribedAnswers() {
        let problem = Data(#"{"code":"sessionNotFound","detail":"x","messages":{"en":"x","zh-CN":"x"},"status":404,"title":"Not Found","type":"t"}"#.utf8)
        #expect(document.problems(method: "GET", path: "/v1/sessions/abc", status: 404, contentType: "application/problem+json", body: problem) == [])
        let otherCode = Data(String(decoding: problem, as: UTF8.self).replacingOccurrences(of: "sessionNotFound", with: "slotFull").utf8)
        #expect(!document.problems(method: "GET", path: "/v1/sessions/abc", status: 404, contentType: "application/problem+json", body: otherCode).isEmpty)
        let noMessages = Data(#"{"code":"sessionNotFound","detail":"x","status":404,"title":"Not Found","type":"t"}"#.utf8)
        #expect(!document.problems(method: "GET", path: "/v1/sessions/abc", status: 404, contentType: "application/problem+json", body: noMessages).isEmpty)
        #expect(!document.problems(method: "GET", path: "/v1/sessions/abc", status: 418, contentType: "application/problem+json", body: problem).isEmpty)
        #expect(!document.problems(method: "GET", path: "/v1/info", status: 200, contentType: "application/json", body: Data(#"{"extra":1}"#.utf8)).isEmpty)
        #expect(document.operation("POST", "/v1/sessions/abc/materials/notice")?.path == "/v1/sessions/{id}/materials/notice")
        #expect(document.operation("GET", "/v1/bookings/ABCDEF2.ics")?.path == "/v1/bookings/{code}.ics")
    }

    /// Every message type of the event stream is described, and what the terminal sends
    /// (encoded as the stream encodes it) fits its description.
    @Test func terminalEventsMatchTheirSchema() throws {
        let schema = JSON.object(["$ref": .string("#/components/schemas/TerminalEvent")])
        guard case .array(let choices)? = document.resolve(schema)["oneOf"] else {
            Issue.record("TerminalEvent has no oneOf")
            return
        }
        let documented = Set(choices.compactMap { choice -> String? in
            if case .string(let type)? = choice["properties"]?["type"]?["const"] { type } else { nil }
        })
        #expect(documented == Set(TerminalEvent.Kind.allCases.map(\.rawValue)))

        let fault = DeviceFault(code: "paperOut", message: .init(zh: "缺纸", en: "out of paper"), action: .clear)
        let card = TerminalEvent.Card(cardType: "resident", maskedNumber: "110105********0012", failedChecks: ["expired"])
        let events: [TerminalEvent] = [
            TerminalEvent(.stateChanged(deviceID: "printer-simulated", .busy)),
            TerminalEvent(.statusChanged(deviceID: "printer-simulated", DeviceStatus(paper: .nearEnd, cover: .closed, cutter: .ok))),
            TerminalEvent(.fault(deviceID: "printer-simulated", fault)),
            TerminalEvent(type: .cardPresented, deviceId: "idcard-simulated", card: card),
            TerminalEvent(type: .cardRemoved, deviceId: "idcard-simulated"),
            TerminalEvent(type: .cardReadFailed, deviceId: "idcard-simulated", fault: fault),
            TerminalEvent(type: .scan, deviceId: "scanner-serial-ttyACM0", sessionId: "s1",
                          scan: .init(kind: "progressCode", receipt: "0123456789abcdef0123456789abcdef")),
            TerminalEvent(type: .scan, deviceId: "scanner-serial-ttyACM0", scan: .init(kind: "notOfThisHall")),
            TerminalEvent(.warning(sessionID: "s1", secondsLeft: 30)),
            TerminalEvent(.ended(sessionID: "s1")),
        ] + [TerminalEvent.Kind.ticketIssued, .ticketCalled, .ticketRecalled, .ticketNoShow, .ticketFinished, .ticketTransferred].map {
            TerminalEvent(type: $0, ticket: .init(id: 7, number: "A007", serviceId: "id-card", state: "called", counter: "c1"))
        } + [TerminalEvent(type: .ticketIssued, ticket: .init(id: 8, number: "A008", serviceId: "id-card", state: "waiting", counter: nil))]
            + [TerminalEvent.Kind.filingNearlyOverdue, .filingOverdue, .deferralMissed, .followUpOverdue].map {
                TerminalEvent(type: $0, filing: .init(reference: "S01-20261129-0001", part: $0 == .deferralMissed ? "seal" : nil, departmentId: "amr"))
            }
            + [TerminalEvent.Kind.helpRequested, .helpTaken, .helpHandedOver, .helpClosed, .helpTimedOut].map {
                TerminalEvent(type: $0, sessionId: "s1", help: .init(
                    id: "h1", state: $0 == .helpRequested || $0 == .helpTimedOut ? "open" : "taken", screen: "session", formId: "residence-permit",
                    stepId: "applicant", responsibleStaff: $0 == .helpRequested || $0 == .helpTimedOut ? nil : "S001",
                    hotline: $0 == .helpTimedOut ? "12345" : nil))
            }
        #expect(Set(events.map(\.type)) == Set(TerminalEvent.Kind.allCases))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        for event in events {
            let value = try JSON(parsing: try encoder.encode(event))
            #expect(SchemaCheck(document: document).problems(value, schema, at: event.type.rawValue) == [])
        }
        // A message with another kind's fields is not one the document describes.
        let mixed = try JSON(parsing: try encoder.encode(TerminalEvent(type: .cardRemoved, deviceId: "x", secondsLeft: 3)))
        #expect(!SchemaCheck(document: document).problems(mixed, schema, at: "mixed").isEmpty)
    }

    /// A citizen's filing, a technician's diagnostics and the simulators, every answer checked
    /// against the document.
    @Test func filingAndDeviceAnswersAreDescribed() async throws {
        let (installation, application) = try await Self.application()
        defer { installation.remove() }
        let document = document
        try await application.makeHTTPServer().test(.router) { base in
            let client = DocumentedClient(base: base, document: document)
            func body(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }
            func object(_ response: TestResponse) throws -> JSON { try JSON(parsing: Data(response.body.readableBytesView)) }

            for uri in ["/healthz", "/readyz", "/v1/info", "/metrics", "/v1/forms", "/v1/devices", "/v1/devices/printer-simulated",
                        "/v1/devices/no-such", "/v1/simulator/cards", "/v1/sessions/nobody",
                        "/", "/ui/index.html", "/ui/main.js", "/ui/style.css", "/ui/no-such.html", "/v1/qr-code?text=S01-0001", "/v1/qr-code"] {
                _ = try await client.execute(uri: uri, method: .get)
            }
            _ = try await client.execute(uri: "/v1/sessions", method: .post, body: body(#"{"formId":"residence-permit","x":1}"#))
            _ = try await client.execute(uri: "/v1/sessions", method: .post, body: body(#"{"formId":"no-such"}"#))
            _ = try await client.execute(uri: "/v1/forms", method: .get, headers: [.authorization: "Basic eDp5"])

            let started = try await client.execute(uri: "/v1/sessions", method: .post, body: body(#"{"formId":"residence-permit"}"#))
            #expect(started.status == .created)
            guard case .string(let id)? = try object(started)["sessionId"] else {
                Issue.record("no session id")
                return
            }
            _ = try await client.execute(uri: "/v1/sessions", method: .post, body: body(#"{"formId":"residence-permit"}"#))
            func answer(_ field: String, _ value: String) async throws {
                let response = try await client.execute(uri: "/v1/sessions/\(id)/answers/\(field)", method: .put, body: body(#"{"value":\#(value)}"#))
                #expect(response.status == .ok, "answer \(field)")
            }
            try await answer("name", #""测试""#)
            try await answer("idNumber", "\"\(FilingRoutesTests.idNumber)\"")
            try await answer("birthDate", #""1990-05-17""#)
            try await answer("hukouAddress", #""北京市西城区""#)
            let refused = try await client.execute(uri: "/v1/sessions/\(id)/next", method: .post)
            #expect(refused.status == .unprocessableContent)
            _ = try await client.execute(uri: "/v1/sessions/\(id)/answers/nonsense", method: .put, body: body(#"{"value":1}"#))
            _ = try await client.execute(uri: "/v1/sessions/\(id)/jump", method: .post, body: body(#"{"stepId":"applicant"}"#))
            _ = try await client.execute(uri: "/v1/sessions/\(id)/back", method: .post)
            try await answer("mobile", #""13812345678""#)
            _ = try await client.execute(uri: "/v1/sessions/\(id)/next", method: .post)
            _ = try await client.execute(uri: "/v1/sessions/\(id)/back", method: .post)
            _ = try await client.execute(uri: "/v1/sessions/\(id)/next", method: .post)
            try await answer("residenceDistrict", #""chaoyang""#)
            try await answer("residenceSubdistrict", #""jianwai""#)
            try await answer("residenceAddress", #"{"region":"110105","detail":"朝阳路1号"}"#)
            try await answer("residenceSince", #""2020-01-01""#)
            try await answer("housing", #""owned""#)
            _ = try await client.execute(uri: "/v1/sessions/\(id)/next", method: .post)
            try await answer("grounds", #""employment""#)
            try await answer("employerName", #""某某科技有限公司""#)
            _ = try await client.execute(uri: "/v1/sessions/\(id)/next", method: .post)
            let review = try await client.execute(uri: "/v1/sessions/\(id)/next", method: .post)
            #expect(try object(review)["position"] == .string("review"))
            _ = try await client.execute(uri: "/v1/sessions/\(id)/review", method: .get)
            _ = try await client.execute(uri: "/v1/sessions/\(id)/materials", method: .get)
            _ = try await client.execute(uri: "/v1/sessions/\(id)/keep-alive", method: .post)
            let notice = try await client.execute(uri: "/v1/sessions/\(id)/materials/notice", method: .post)
            #expect(notice.status == .created)
            _ = try await client.execute(uri: "/v1/sessions/\(id)/materials/nonsense", method: .post, body: body(#"{"status":"provided"}"#))
            _ = try await client.execute(uri: "/v1/sessions/\(id)/materials/idCard", method: .post, body: body(#"{"status":"lost"}"#))
            _ = try await client.execute(uri: "/v1/sessions/\(id)/materials/idCard", method: .post, body: body(#"{"status":"deferred"}"#))
            // Choosing a commitment without accepting its text, then with a text the screen never showed.
            _ = try await client.execute(uri: "/v1/sessions/\(id)/materials/propertyCertificate", method: .post, body: body(#"{"status":"committed"}"#))
            _ = try await client.execute(
                uri: "/v1/sessions/\(id)/materials/propertyCertificate", method: .post, body: body(#"{"status":"committed","textVersion":"x"}"#))
            let version = try #require(application.forms.forms["residence-permit"]?.materials
                .first { $0.id == "propertyCertificate" }?.commitment?.textVersion)
            for (material, status) in [("idCard", #""provided""#), ("photo", #""provided""#),
                                       ("propertyCertificate", #""committed","textVersion":"\#(version)""#), ("laborContract", #""deferred""#)] {
                let response = try await client.execute(uri: "/v1/sessions/\(id)/materials/\(material)", method: .post, body: body(#"{"status":\#(status)}"#))
                #expect(response.status == .ok, "\(material) \(status)")
            }
            _ = try await client.execute(uri: "/v1/sessions/\(id)/materials/notice", method: .post)
            _ = try await client.execute(uri: "/v1/sessions/\(id)/submit", method: .post, body: body(#"{"acceptDeclaration":true}"#))
            _ = try await client.execute(uri: "/v1/sessions/\(id)/review/confirm", method: .post)
            _ = try await client.execute(uri: "/v1/sessions/\(id)/submit", method: .post, body: body(#"{"acceptDeclaration":false}"#))
            let submitted = try await client.execute(uri: "/v1/sessions/\(id)/submit", method: .post, body: body(#"{"acceptDeclaration":true}"#))
            #expect(submitted.status == .created)
            if case .string(let job)? = try object(submitted)["receipt"]?["jobId"] {
                _ = try await client.execute(uri: "/v1/print-jobs/\(job)/reprint", method: .post,
                                             headers: [HTTPField.Name("Idempotency-Key")!: "reprint-1"])
                _ = try await client.execute(uri: "/v1/print-jobs/\(job)/reprint", method: .post)
            }
            _ = try await client.execute(uri: "/v1/print-jobs/none/reprint", method: .post, headers: [HTTPField.Name("Idempotency-Key")!: "reprint-2"])
            _ = try await client.execute(uri: "/v1/sessions/\(id)/back", method: .post)
            #expect(try await client.execute(uri: "/v1/sessions/\(id)", method: .delete).status == .noContent)

            // A draft saved and resumed, and staff overriding a step.
            let second = try object(try await client.execute(uri: "/v1/sessions", method: .post, body: body(#"{"formId":"residence-permit"}"#)))
            guard case .string(let secondID)? = second["sessionId"] else { return }
            _ = try await client.execute(uri: "/v1/sessions/\(secondID)/draft", method: .post, body: body(#"{"idNumber":"123"}"#))
            let draft = try await client.execute(uri: "/v1/sessions/\(secondID)/draft", method: .post, body: body(#"{"idNumber":"\#(FilingRoutesTests.idNumber)"}"#))
            guard case .string(let code)? = try object(draft)["code"] else {
                Issue.record("no draft code")
                return
            }
            _ = try await client.execute(uri: "/v1/drafts/resume", method: .post, body: body(#"{"code":"2222222","idNumber":"\#(FilingRoutesTests.idNumber)"}"#))
            let resumed = try object(try await client.execute(
                uri: "/v1/drafts/resume", method: .post, body: body(#"{"code":"\#(code)","idNumber":"\#(FilingRoutesTests.idNumber)"}"#)))
            guard case .string(let resumedID)? = resumed["sessionId"] else { return }
            let staff = try await application.signedIn(client, role: .staff)
            _ = try await client.execute(uri: "/v1/sessions/\(resumedID)/overrides/skipStep", method: .post, body: body(#"{"reasonCode":"citizenAssisted"}"#))
            _ = try await staff.execute(uri: "/v1/sessions/\(resumedID)/overrides/nonsense", method: .post, body: body(#"{"reasonCode":"citizenAssisted"}"#))
            _ = try await staff.execute(uri: "/v1/sessions/\(resumedID)/overrides/skipStep", method: .post, body: body(#"{"reasonCode":"noSuchReason"}"#))
            _ = try await staff.execute(uri: "/v1/sessions/\(resumedID)/overrides/takeOverSession", method: .post, body: body(#"{"reasonCode":"citizenAssisted"}"#))
            _ = try await staff.execute(uri: "/v1/sessions/\(resumedID)/overrides/skipStep", method: .post, body: body(#"{"reasonCode":"citizenAssisted"}"#))
            _ = try await staff.execute(uri: "/v1/sessions/\(resumedID)/overrides/cancelSession", method: .post, body: body(#"{"reasonCode":"citizenAssisted"}"#))
            _ = try await staff.execute(uri: "/v1/devices/printer-simulated/statistics", method: .get)
            _ = try await staff.execute(uri: "/v1/staff/sign-out", method: .post)
            _ = try await client.execute(uri: "/v1/staff/sign-out", method: .post)
            _ = try await client.execute(uri: "/v1/staff/sign-in", method: .post, body: body(#"{"number":"nobody","pin":"4826"}"#))

            // The technician's page.
            let technician = try await application.signedIn(client, role: .technician)
            _ = try await technician.execute(uri: "/v1/devices/printer-simulated/health-checks", method: .post, body: body(#"{"level":"internal"}"#))
            _ = try await technician.execute(uri: "/v1/devices/printer-simulated/health-checks", method: .post, body: body(#"{"level":"deep"}"#))
            _ = try await technician.execute(uri: "/v1/devices/printer-simulated/statistics", method: .get)
            _ = try await technician.execute(uri: "/v1/devices/printer-simulated/statistics/paperCuts/reset", method: .post)
            _ = try await technician.execute(uri: "/v1/devices/printer-simulated/statistics/nonsense/reset", method: .post)
            _ = try await technician.execute(uri: "/v1/devices/printer-simulated/last-receipt", method: .get)
            _ = try await technician.execute(uri: "/v1/devices/idcard-simulated/last-receipt", method: .get)
            _ = try await technician.execute(uri: "/v1/simulator/printer", method: .get)
            _ = try await technician.execute(uri: "/v1/simulator/printer", method: .post, body: body(#"{"paper":"nearEnd","cover":"closed"}"#))
            _ = try await technician.execute(uri: "/v1/simulator/printer", method: .post, body: body(#"{"paper":"out","paperLines":3}"#))
            _ = try await technician.execute(uri: "/v1/simulator/printer", method: .post, body: body("{}"))
            _ = try await client.execute(uri: "/v1/simulator/printer", method: .get)
            _ = try await client.execute(uri: "/v1/simulator/cards", method: .post, body: body(#"{"fixture":"no-such"}"#))
            _ = try await client.execute(uri: "/v1/simulator/cards", method: .post, body: body(#"{"fixture":"resident"}"#))
            _ = try await client.execute(uri: "/v1/simulator/cards", method: .delete)

            let seen = client.log.entries.withLock { $0 }
            #expect(seen.count > 70)
            // The walk reached the answers it is meant to check, problems included.
            for expected in ["POST /v1/sessions/\(id)/submit 201", "POST /v1/sessions/\(id)/next 422", "GET /v1/sessions/nobody 404",
                             "POST /v1/staff/sign-in 401", "GET /v1/simulator/printer 401"] {
                #expect(seen.contains(expected), "\(expected)")
            }
        }
    }

    /// Booking, check-in, the queue and ratings, every answer checked against the document.
    @Test func bookingAndQueueAnswersAreDescribed() async throws {
        let (installation, application) = try await Self.application(config: BookingRoutesTests.config)
        defer { installation.remove() }
        let clock = BookingRoutesTests.Clock("2026-09-28T10:00:00+08:00")
        var dependencies = application.serverDependencies
        dependencies.booking?.now = { clock.now }
        let app = Application(router: KioskRoutes.router(dependencies))
        let document = document
        let idNumber = BookingRoutesTests.idNumber
        try await app.test(.router) { base in
            let client = DocumentedClient(base: base, document: document)
            let staff = try await application.signedIn(client, role: .staff)
            func post(_ caller: some TestClientProtocol, _ uri: String, key: String?, _ json: String = "{}") async throws -> TestResponse {
                var headers: HTTPFields = [.contentType: "application/json"]
                if let key { headers[HTTPField.Name("Idempotency-Key")!] = key }
                return try await caller.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: json))
            }
            func object(_ response: TestResponse) throws -> JSON { try JSON(parsing: Data(response.body.readableBytesView)) }
            func string(_ value: JSON?) -> String? { if case .string(let text)? = value { text } else { nil } }

            _ = try await client.execute(uri: "/v1/services", method: .get)
            _ = try await client.execute(uri: "/v1/services/hukou/slots?from=2026-09-30&to=2026-10-10", method: .get)
            _ = try await client.execute(uri: "/v1/services/hukou/slots?from=2026-10-10&to=2026-09-30", method: .get)
            _ = try await client.execute(uri: "/v1/services/passport/slots", method: .get)
            _ = try await client.execute(uri: "/v1/calendar?from=2026-09-26&to=2026-10-12", method: .get)
            _ = try await client.execute(uri: "/v1/calendar", method: .get)
            _ = try await client.execute(uri: "/v1/calendar?from=2026-10-12&to=2026-09-26", method: .get)
            _ = try await client.execute(uri: "/v1/calendar?from=yesterday", method: .get)
            let slotID = "hukou:2026-10-08T09:00+08:00"
            _ = try await post(client, "/v1/holds", key: nil, #"{"slotId":"\#(slotID)"}"#)
            _ = try await post(client, "/v1/holds", key: "h00", #"{"slotId":"\#(slotID)"}"#)
            _ = try await post(client, "/v1/holds", key: "h0", #"{"slotId":"hukou:2026-10-03T09:00+08:00","idNumber":"\#(idNumber)"}"#)
            let hold = try await post(client, "/v1/holds", key: "h1", #"{"slotId":"\#(slotID)","idNumber":"\#(idNumber)"}"#)
            #expect(hold.status == .created)
            let holdID = try #require(string(try object(hold)["holdId"]))
            _ = try await post(client, "/v1/bookings", key: "b0", #"{"holdId":"nope","idNumber":"\#(idNumber)"}"#)
            _ = try await post(client, "/v1/bookings", key: "b0", #"{"holdId":"\#(holdID)","idNumber":"123"}"#)
            let booked = try await post(client, "/v1/bookings", key: "b1", #"{"holdId":"\#(holdID)","idNumber":"\#(idNumber)"}"#)
            #expect(booked.status == .created)
            let code = try #require(string(try object(booked)["code"]))
            _ = try await post(client, "/v1/bookings/lookup", key: nil, #"{"code":"\#(code)","idNumber":"\#(idNumber)"}"#)
            _ = try await post(client, "/v1/bookings/lookup", key: nil, #"{"code":"11111","idNumber":"\#(idNumber)"}"#)
            _ = try await post(client, "/v1/bookings/lookup", key: nil, #"{"code":"\#(code)","idNumber":"\#(BookingRoutesTests.otherIDNumber)"}"#)
            _ = try await post(client, "/v1/bookings/\(code)/slip", key: "sl1", #"{"idNumber":"\#(idNumber)"}"#)
            _ = try await post(client, "/v1/bookings/\(code)/slip", key: "sl1", #"{"idNumber":"\#(idNumber)"}"#)
            _ = try await post(client, "/v1/bookings/\(code)/slip", key: nil, #"{"idNumber":"\#(idNumber)"}"#)
            _ = try await post(client, "/v1/bookings/\(code)/slip", key: "sl2", "{}")
            let calendarURL = try #require(string(try object(booked)["calendarUrl"]))
            _ = try await client.execute(uri: calendarURL, method: .get)
            _ = try await client.execute(uri: "/v1/bookings/\(code).ics", method: .get)
            _ = try await client.execute(uri: "/v1/bookings/11111.ics?key=\(UUID().uuidString)", method: .get)
            _ = try await post(client, "/v1/bookings/\(code)/reschedule", key: "r1", #"{"idNumber":"\#(idNumber)","slotId":"hukou:2026-10-08T09:20+08:00"}"#)
            _ = try await post(client, "/v1/bookings/\(code)/reschedule", key: "r2", #"{"idNumber":"\#(idNumber)","slotId":"notary:2026-10-08T10:00+08:00"}"#)

            // A second booking is cancelled, and cannot be cancelled twice.
            let other = try object(try await post(client, "/v1/holds", key: "h2", #"{"slotId":"notary:2026-10-09T10:00+08:00","idNumber":"\#(idNumber)"}"#))
            let otherHold = try #require(string(other["holdId"]))
            let otherBooking = try object(try await post(client, "/v1/bookings", key: "b2", #"{"holdId":"\#(otherHold)","idNumber":"\#(idNumber)"}"#))
            let otherCode = try #require(string(otherBooking["code"]))
            _ = try await post(client, "/v1/bookings/\(otherCode)/cancel", key: "c1", #"{"idNumber":"\#(idNumber)"}"#)
            _ = try await post(client, "/v1/bookings/\(otherCode)/cancel", key: "c2", #"{"idNumber":"\#(idNumber)"}"#)
            _ = try await post(client, "/v1/bookings/\(otherCode)/slip", key: "sl3", #"{"idNumber":"\#(idNumber)"}"#)

            // On the day: too early, then checked in; a walk-in; the counter calls, finishes, the citizen rates.
            clock.set("2026-10-08T07:00:00+08:00")
            _ = try await post(client, "/v1/check-ins", key: "k0", #"{"code":"\#(code)","idNumber":"\#(idNumber)"}"#)
            clock.set("2026-10-08T09:10:00+08:00")
            let checkedIn = try await post(client, "/v1/check-ins", key: "k1", #"{"code":"\#(code)","idNumber":"\#(idNumber)"}"#)
            #expect(checkedIn.status == .created)
            _ = try await post(client, "/v1/check-ins", key: "k2", #"{"idNumber":"\#(idNumber)"}"#)
            let token = try #require(string(try object(checkedIn)["ticket"]?["ratingToken"]))
            _ = try await post(client, "/v1/check-ins", key: "k3", #"{"code":"\#(code)"}"#)
            _ = try await post(client, "/v1/check-ins", key: "k4", #"{"code":"\#(code)","idNumber":"\#(BookingRoutesTests.otherIDNumber)"}"#)
            _ = try await post(client, "/v1/tickets", key: "t1", #"{"serviceId":"hukou","disability":true}"#)
            _ = try await post(staff, "/v1/tickets", key: "t1s", #"{"serviceId":"hukou","disability":true}"#)
            _ = try await post(client, "/v1/tickets", key: "t1c", #"{"serviceId":"hukou","useCard":true}"#)
            _ = try await post(client, "/v1/tickets", key: "t2", #"{"serviceId":"passport"}"#)
            _ = try await client.execute(uri: "/v1/queue", method: .get)
            _ = try await post(client, "/v1/counters/A1/call-next", key: "n0")
            _ = try await post(staff, "/v1/counters/A1/call-next", key: nil)
            let called = try object(try await post(staff, "/v1/counters/A1/call-next", key: "n1"))
            guard case .number(let ticketNumber)? = called["ticket"]?["id"] else {
                Issue.record("no ticket called")
                return
            }
            let ticket = Int(ticketNumber)
            _ = try await post(staff, "/v1/tickets/\(ticket)/recall", key: "rc1")
            _ = try await post(client, "/v1/tickets/\(ticket)/rating", key: "rt0", #"{"score":5,"ratingToken":"\#(token)"}"#)
            _ = try await post(staff, "/v1/tickets/\(ticket)/finish", key: "f1")
            _ = try await post(staff, "/v1/tickets/\(ticket)/no-show", key: "ns1")
            _ = try await post(staff, "/v1/tickets/\(ticket)/transfer", key: "tr1", #"{"serviceId":"notary"}"#)
            _ = try await post(staff, "/v1/tickets/999999/finish", key: "f2")
            _ = try await post(client, "/v1/tickets/\(ticket)/rating", key: "rt1", #"{"score":9,"ratingToken":"\#(token)"}"#)
            _ = try await post(client, "/v1/tickets/\(ticket)/rating", key: "rtx", #"{"score":5}"#)
            _ = try await post(client, "/v1/tickets/\(ticket)/rating", key: "rty", #"{"score":5,"ratingToken":"\#(RatingToken.random())"}"#)
            _ = try await post(client, "/v1/tickets/\(ticket)/rating", key: "rt2", #"{"score":5,"reasons":["friendly"],"ratingToken":"\#(token)"}"#)
            _ = try await post(client, "/v1/tickets/\(ticket)/rating", key: "rt2", #"{"score":4,"ratingToken":"\#(token)"}"#)
            let next = try object(try await post(staff, "/v1/counters/A1/call-next", key: "n2", #"{"serviceIds":["hukou"]}"#))
            if case .number(let walkIn)? = next["ticket"]?["id"] {
                _ = try await post(staff, "/v1/tickets/\(Int(walkIn))/transfer", key: "tr2", #"{"serviceId":"notary"}"#)
            }
            _ = try await post(staff, "/v1/counters/A2/call-next", key: "n3")
            clock.set("2026-10-08T23:00:00+08:00")
            _ = try await post(client, "/v1/tickets", key: "t3", #"{"serviceId":"hukou"}"#)

            let seen = client.log.entries.withLock { $0 }
            for expected in ["POST /v1/bookings 201", "POST /v1/check-ins 201", "POST /v1/tickets/\(ticket)/rating 201",
                             "POST /v1/counters/A1/call-next 200", "POST /v1/check-ins 422", "POST /v1/tickets 422",
                             "POST /v1/holds 400", "POST /v1/check-ins 400", "POST /v1/tickets 403", "POST /v1/tickets/\(ticket)/rating 403",
                             "POST /v1/bookings/\(code)/slip 201", "GET /v1/bookings/\(code).ics 404", "POST /v1/check-ins 404"] {
                #expect(seen.contains(expected), "\(expected)")
            }
        }
    }
}
