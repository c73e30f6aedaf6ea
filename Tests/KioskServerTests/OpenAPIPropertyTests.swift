import Access
import Booking
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
import Testing

/// Issue 14, item 14: requests generated from `docs/openapi.yaml` itself — every operation,
/// its path, query, header and body schemas — sent to the real server. Whatever the document
/// calls valid is never refused for its shape, nothing is a 5xx, and every refusal (of the
/// valid requests and of deliberately broken ones) is a status and code the document lists for
/// that operation (`DocumentedClient` checks each answer).
@Suite("Requests generated from the OpenAPI document")
struct OpenAPIPropertyTests {
    /// Limits out of the way: the generated traffic is far more than a screen's.
    static let config = BookingRoutesTests.config + """

    [limits]
    sign_in_per_minute = 600
    booking_per_minute = 6000
    code_misses_per_minute = 600
    print_per_minute = 600
    """

    /// What refuses a request for its shape; a request valid by the document never gets one.
    static let shapeCodes: Set<String> = [
        "badRequest", "unknownField", "invalidField", "identityRequired", "ratingProofRequired", "idempotencyKeyRequired",
        "invalidIdempotencyKey", "invalidBookingCode", "invalidIdNumber", "payloadTooLarge",
    ]
    /// The event stream never ends, so a request to it would never be answered.
    static let skipped: Set<String> = ["GET /v1/events"]
    static let seed: UInt64 = 0x6B69_6F73_6B14

    @Test func generatedRequestsAreAnsweredAsTheDocumentSays() async throws {
        let document = try OpenAPIDocument.load()
        let installation = try TestInstallation(config: Self.config)
        defer { installation.remove() }
        let application = try await KioskApplication.onTestInstallation(installation)
        try await Application(router: KioskRoutes.router(application.serverDependencies)).test(.router) { base in
            let client = DocumentedClient(base: base, document: document)
            var tokens: [Role: String] = [:]
            for role in [Role.staff, .technician, .admin, .supervisor] { tokens[role] = try await application.bearer(base, role: role) }
            tokens[.department] = "Bearer " + (try application.departments.add(id: "amr", name: "amr", webhookURL: nil, now: Date()).apiKey)
            var generator = RequestGenerator(document: document, random: SplitMixGenerator(state: Self.seed))
            var sent = 0
            var refusedForShape: [String] = []
            for operation in document.operations.sorted(by: { ($0.path, $0.method) < ($1.path, $1.method) })
            where !Self.skipped.contains("\(operation.method) \(operation.path)") {
                for round in 0..<12 {
                    let valid = round < 8
                    var request = try generator.request(for: operation, valid: valid)
                    // An operation with nothing required to break has no broken requests.
                    if !valid && !request.broken { continue }
                    request.headers[.authorization] = try await authorization(operation, tokens, application, base)
                    let response = try await client.execute(uri: request.uri, method: HTTPRequest.Method(operation.method)!,
                                                            headers: request.headers, body: request.body.map { ByteBuffer(string: $0) })
                    sent += 1
                    let status = Int(response.status.code)
                    let name = "\(operation.method) \(request.uri) \(request.body ?? "")"
                    #expect(status < 500, "\(name) → \(status) \(String(buffer: response.body))")
                    if valid, status == 400, let code = try? JSON(parsing: Data(response.body.readableBytesView))["code"],
                       case .string(let text) = code, Self.shapeCodes.contains(text) {
                        refusedForShape.append("\(name) → \(text)")
                    }
                    if !valid { #expect((400..<500).contains(status), "a broken request was accepted: \(name) → \(status)") }
                }
            }
            #expect(refusedForShape == [], "requests valid by the document refused for their shape")
            #expect(sent > 500)
            #expect(client.log.entries.withLock { $0.count } == sent)
        }
    }

    /// The token an operation's roles ask for: none for the citizen, else staff, technician,
    /// admin, supervisor or a department's API key; sign-out gets a fresh one each time (it revokes what it is given).
    func authorization(_ operation: OpenAPIDocument.Operation, _ tokens: [Role: String], _ application: KioskApplication,
                       _ client: any TestClientProtocol) async throws -> String? {
        guard case .array(let listed)? = operation.value["x-kiosk-roles"] else { return nil }
        let roles = listed.compactMap { if case .string(let name) = $0 { Role(rawValue: name) } else { nil } }
        if roles.contains(.citizen) { return nil }
        let role = roles.first { $0 != .admin } ?? .admin
        if operation.path == "/v1/staff/sign-out" { return try await application.bearer(client, role: role) }
        return tokens[role]
    }

    /// The generator's own checks: what it makes for each format and pattern of the document
    /// is what the document says (and, for the formats, what the server accepts).
    @Test func theGeneratorMakesWhatTheDocumentDescribes() throws {
        let document = try OpenAPIDocument.load()
        var generator = RequestGenerator(document: document, random: SplitMixGenerator(state: 7))
        let check = SchemaCheck(document: document)
        for name in ["IdNumber", "ShortCode", "TypedCode", "SlotId"] {
            let schema = JSON.object(["$ref": .string("#/components/schemas/\(name)")])
            for _ in 0..<200 {
                let value = try generator.value(schema, valid: true)
                #expect(check.problems(value, schema, at: name) == [], "\(name): \(value)")
                if case .string(let text) = value {
                    if name == "IdNumber" { #expect(throws: Never.self) { try ResidentIDNumber(text) } }
                    if name.hasSuffix("Code") { #expect(throws: Never.self) { try BookingCode(text) } }
                }
            }
        }
        for pattern in ["^[!-~]{1,128}$", "^[0-9]{2}:[0-9]{2}-[0-9]{2}:[0-9]{2}$", "^[A-Za-z][A-Za-z0-9_]{0,31}$", "^(ab|c)+x?$"] {
            let regex = try Regex(pattern)
            for _ in 0..<100 {
                let text = try generator.string(pattern: pattern)
                #expect(text.wholeMatch(of: regex) != nil || text.contains(regex), "\(pattern): \(text)")
            }
        }
    }
}

/// Makes requests from an operation of the document: valid ones (every keyword of every schema
/// honoured, formats made the way the server checks them) and broken ones (a required member
/// missing, an unknown member, a wrong type, a body that is not JSON, a missing header).
struct RequestGenerator {
    struct GeneratedRequest {
        var uri: String
        var headers: HTTPFields
        var body: String?
        /// Something the document requires was broken on purpose.
        var broken = false
    }

    struct Unsupported: Error, CustomStringConvertible {
        let description: String
    }

    let document: OpenAPIDocument
    var random: SplitMixGenerator
    private var keys = 0

    init(document: OpenAPIDocument, random: SplitMixGenerator) {
        self.document = document
        self.random = random
    }

    mutating func request(for operation: OpenAPIDocument.Operation, valid: Bool) throws -> GeneratedRequest {
        var parameters: [JSON] = []
        for scope in [document.operationItem(operation.path)?["parameters"], operation.value["parameters"]] {
            if case .array(let list)? = scope { parameters += list.map(document.resolve) }
        }
        var path = operation.path
        var query: [String] = []
        var headers: HTTPFields = [:]
        // A broken request breaks one thing: its body, or else a required header.
        let breakBody = !valid && operation.value["requestBody"] != nil
        var brokenOnPurpose = breakBody
        for parameter in parameters {
            guard case .string(let name)? = parameter["name"], case .string(let location)? = parameter["in"] else { continue }
            let schema = parameter["schema"] ?? .object([:])
            let required = parameter["required"] == .bool(true)
            switch location {
            case "path":
                let text = try pathSegment(schema)
                path = path.replacingOccurrences(of: "{\(name)}", with: text)
            case "query":
                guard required || Bool.random(using: &random) else { continue }
                guard case .string(let text) = try value(schema, valid: true) else { continue }
                query.append("\(name)=\(text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text)")
            case "header":
                if !valid, !breakBody, required, name == "Idempotency-Key" {
                    brokenOnPurpose = true
                    continue
                }
                keys += 1
                headers[HTTPField.Name(name)!] = name == "Idempotency-Key" ? "generated-\(keys)-\(random.next() % 1_000_000)"
                    : try string(schema)
            default:
                continue
            }
        }
        var body: String?
        if let requestBody = operation.value["requestBody"].map(document.resolve),
           let schema = requestBody["content"]?["application/json"]?["schema"] {
            headers[.contentType] = "application/json"
            if breakBody {
                body = try broken(schema)
            } else if requestBody["required"] == .bool(true) || Bool.random(using: &random) {
                body = try value(schema, valid: true).canonicalText
            }
        }
        return GeneratedRequest(uri: path + (query.isEmpty ? "" : "?" + query.joined(separator: "&")), headers: headers, body: body,
                                broken: brokenOnPurpose)
    }

    /// A path parameter is one segment: its pattern or format, else unreserved characters only.
    mutating func pathSegment(_ schema: JSON) throws -> String {
        let resolved = document.resolve(schema)
        if resolved["pattern"] != nil || resolved["format"] != nil, case .string(let text) = try value(schema, valid: true),
           text.allSatisfy({ $0.isLetter || $0.isNumber || "-._~".contains($0) }) {
            return text
        }
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
        return String((0..<Int.random(in: 1...24, using: &random)).map { _ in alphabet.randomElement(using: &random)! })
            .replacingOccurrences(of: "..", with: "x")
    }

    // MARK: Values

    mutating func value(_ reference: JSON, valid: Bool) throws -> JSON {
        let schema = document.resolve(reference)
        if case .array(let parts)? = schema["allOf"] {
            var merged: [String: JSON] = [:]
            for part in parts { if case .object(let members) = document.resolve(part) { merged.merge(members) { first, _ in first } } }
            if case .object(let own) = schema { merged.merge(own.filter { $0.key != "allOf" }) { first, _ in first } }
            return try value(.object(merged), valid: valid)
        }
        if let constant = schema["const"] { return constant }
        if case .array(let choices)? = schema["enum"], let choice = choices.randomElement(using: &random) { return choice }
        if case .array(let choices)? = schema["oneOf"], schema["type"] == nil, schema["properties"] == nil,
           let choice = choices.randomElement(using: &random) {
            return try value(choice, valid: valid)
        }
        let type: String
        switch schema["type"] {
        case .string(let name)?: type = name
        case .array(let names)?: type = names.compactMap { if case .string(let name) = $0 { name } else { nil } }.randomElement(using: &random) ?? "string"
        default: type = schema["properties"] != nil ? "object" : "string"
        }
        switch type {
        case "object": return try object(schema)
        case "array":
            let fewest = number(schema["minItems"]) ?? 0
            let count = Int.random(in: fewest...max(fewest, min(number(schema["maxItems"]) ?? 3, 3)), using: &random)
            var items: [JSON] = []
            for _ in 0..<count {
                let item = try value(schema["items"] ?? .object([:]), valid: true)
                if schema["uniqueItems"] == .bool(true), items.contains(item) { continue }
                items.append(item)
            }
            return .array(items)
        case "integer", "number":
            let low = number(schema["minimum"]) ?? -5, high = number(schema["maximum"]) ?? 1000
            return .number(Double(Int.random(in: low...max(low, high), using: &random)))
        case "boolean": return .bool(Bool.random(using: &random))
        case "null": return .null
        default: return .string(try string(schema))
        }
    }

    private func number(_ value: JSON?) -> Int? {
        if case .number(let number)? = value { Int(number) } else { nil }
    }

    /// Required members always, optional ones at random; `oneOf` of `required` lists picks
    /// exactly one; `not: {required: […]}` never has them all.
    mutating func object(_ schema: JSON) throws -> JSON {
        guard case .object(let properties)? = schema["properties"] ?? .object([:]) else { return .object([:]) }
        var required = Set<String>()
        if case .array(let names)? = schema["required"] { for case .string(let name) in names { required.insert(name) } }
        var excluded = Set<String>()
        if case .array(let choices)? = schema["oneOf"] {
            let lists = choices.map { choice -> [String] in
                guard case .array(let names)? = document.resolve(choice)["required"] else { return [] }
                return names.compactMap { if case .string(let name) = $0 { name } else { nil } }
            }
            let chosen = Int.random(in: 0..<max(lists.count, 1), using: &random)
            for (index, names) in lists.enumerated() {
                if index == chosen { required.formUnion(names) } else { excluded.formUnion(names) }
            }
            excluded.subtract(required)
        }
        var members: [String: JSON] = [:]
        for (name, property) in properties.sorted(by: { $0.key < $1.key }) where !excluded.contains(name) {
            guard required.contains(name) || Bool.random(using: &random) else { continue }
            members[name] = try value(property, valid: true)
        }
        if case .array(let names)? = schema["not"]?["required"] {
            let all = names.compactMap { if case .string(let name) = $0 { name } else { nil } }
            if all.allSatisfy({ members[$0] != nil }), let drop = all.first(where: { !required.contains($0) }) { members[drop] = nil }
        }
        return .object(members)
    }

    /// A body the schema refuses, one way or another.
    mutating func broken(_ schema: JSON) throws -> String {
        let resolved = document.resolve(schema)
        guard case .object(var members) = try value(schema, valid: true) else { return "[]" }
        var required: [String] = []
        if case .array(let names)? = resolved["required"] { required = names.compactMap { if case .string(let name) = $0 { name } else { nil } } }
        switch Int.random(in: 0..<4, using: &random) {
        case 0 where !required.isEmpty:
            members[required.randomElement(using: &random)!] = nil
        case 1:
            if resolved["additionalProperties"] == .bool(false) { members["notAField"] = .number(1) } else { return "{not json" }
        case 2 where !members.isEmpty:
            let name = members.keys.sorted().randomElement(using: &random)!
            members[name] = members[name].map { if case .number = $0 { .object([:]) } else { .number(12) } }
        default:
            return "{not json"
        }
        return JSON.object(members).canonicalText
    }

    // MARK: Strings

    mutating func string(_ reference: JSON) throws -> String {
        let schema = document.resolve(reference)
        let minimum = number(schema["minLength"]) ?? 0
        let maximum = min(number(schema["maxLength"]) ?? 24, number(schema["x-kiosk-max-bytes"]) ?? .max)
        if case .string(let format)? = schema["format"], let made = formatted(format, schema) { return made }
        if case .string(let pattern)? = schema["pattern"] {
            for _ in 0..<50 {
                let text = try string(pattern: pattern)
                if (minimum...max(minimum, maximum)).contains(text.count) { return text }
            }
            throw Unsupported(description: "no string of \(pattern) within \(minimum)...\(maximum)")
        }
        let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_:.,/+办件预约")
        // `x-kiosk-max-bytes` counts UTF-8 bytes: stay within it whatever the characters.
        var text = ""
        for _ in 0..<Int.random(in: max(minimum, 1)...max(minimum, 1, min(maximum, 24)), using: &random) {
            let next = alphabet.randomElement(using: &random)!
            guard (text + String(next)).utf8.count <= (number(schema["x-kiosk-max-bytes"]) ?? .max) else { break }
            text.append(next)
        }
        return text
    }

    /// The formats the server checks beyond a pattern, made the way it checks them.
    mutating func formatted(_ format: String, _ schema: JSON) -> String? {
        switch format {
        case "resident-id-number":
            let born = String(format: "%04d%02d%02d", Int.random(in: 1930...2008, using: &random), Int.random(in: 1...12, using: &random),
                              Int.random(in: 1...28, using: &random))
            let first17 = "110105" + born + String(format: "%03d", Int.random(in: 0...999, using: &random))
            return first17 + String(ResidentIDNumber.checkCharacter(forFirst17: first17)!)
        case "booking-code":
            let code = BookingCode.random(using: &random).value
            guard case .string(let pattern)? = schema["pattern"], pattern.contains("a-h") else { return code }
            // As citizens type it: lower case, spaces and hyphens.
            return code.enumerated().map { index, character in
                let shown = Bool.random(using: &random) ? character.lowercased() : String(character)
                return index > 0 && index % 4 == 0 && Bool.random(using: &random) ? "-" + shown : shown
            }.joined()
        case "slot-id":
            let service = ["hukou", "notary", "passport"].randomElement(using: &random)!
            return String(format: "%@:2026-%02d-%02dT%02d:%02d+08:00", service, Int.random(in: 9...10, using: &random),
                          Int.random(in: 1...28, using: &random), Int.random(in: 8...18, using: &random), [0, 20, 40].randomElement(using: &random)!)
        case "uuid": return UUID().uuidString
        case "rating-token": return RatingToken.random(using: &random)
        case "date": return String(format: "2026-%02d-%02d", Int.random(in: 9...10, using: &random), Int.random(in: 1...28, using: &random))
        case "date-time": return "2026-10-08T01:00:00Z"
        default: return nil
        }
    }

    /// A string matching `pattern`, for the regular expressions the document uses: anchors,
    /// literals, escapes, classes with ranges, groups with alternatives, `?`, `*`, `+`, `{m}`, `{m,n}`.
    mutating func string(pattern: String) throws -> String {
        var parser = PatternParser(Array(pattern))
        let node = try parser.alternatives()
        guard parser.isAtEnd else { throw Unsupported(description: "pattern \(pattern)") }
        var output = ""
        node.generate(into: &output, random: &random)
        return output
    }
}

/// A regular expression, as much of one as the document's patterns need.
indirect enum PatternNode {
    case characters([Character])
    case sequence([PatternNode])
    case choice([PatternNode])
    case repeated(PatternNode, Int, Int)

    func generate(into output: inout String, random: inout SplitMixGenerator) {
        switch self {
        case .characters(let set): if let character = set.randomElement(using: &random) { output.append(character) }
        case .sequence(let nodes): for node in nodes { node.generate(into: &output, random: &random) }
        case .choice(let nodes): nodes.randomElement(using: &random)?.generate(into: &output, random: &random)
        case .repeated(let node, let low, let high):
            for _ in 0..<Int.random(in: low...high, using: &random) { node.generate(into: &output, random: &random) }
        }
    }
}

struct PatternParser {
    let text: [Character]
    var index = 0

    init(_ text: [Character]) { self.text = text }

    var isAtEnd: Bool { index == text.count }

    mutating func alternatives() throws -> PatternNode {
        var options = [try sequence()]
        while index < text.count, text[index] == "|" {
            index += 1
            options.append(try sequence())
        }
        return options.count == 1 ? options[0] : .choice(options)
    }

    mutating func sequence() throws -> PatternNode {
        var nodes: [PatternNode] = []
        while index < text.count, text[index] != "|", text[index] != ")" {
            let character = text[index]
            if character == "^" || character == "$" {
                index += 1
                continue
            }
            var atom = try self.atom()
            atom = try quantified(atom)
            nodes.append(atom)
        }
        return .sequence(nodes)
    }

    mutating func atom() throws -> PatternNode {
        let character = text[index]
        index += 1
        switch character {
        case "(":
            let inner = try alternatives()
            guard index < text.count, text[index] == ")" else { throw RequestGenerator.Unsupported(description: "unclosed group") }
            index += 1
            return inner
        case "[": return .characters(try characterClass())
        case "\\":
            let escaped = text[index]
            index += 1
            if escaped == "d" { return .characters(Array("0123456789")) }
            return .characters([escaped])
        case ".": return .characters(Array("abcXYZ019-_"))
        default: return .characters([character])
        }
    }

    mutating func characterClass() throws -> [Character] {
        var set: [Character] = []
        while index < text.count, text[index] != "]" {
            var low = text[index]
            index += 1
            if low == "\\" {
                low = text[index]
                index += 1
            }
            if index + 1 < text.count, text[index] == "-", text[index + 1] != "]" {
                let high = text[index + 1]
                index += 2
                guard let start = low.unicodeScalars.first?.value, let end = high.unicodeScalars.first?.value, start <= end else {
                    throw RequestGenerator.Unsupported(description: "range \(low)-\(high)")
                }
                set += (start...end).compactMap { Unicode.Scalar($0).map(Character.init) }
            } else {
                set.append(low)
            }
        }
        guard index < text.count else { throw RequestGenerator.Unsupported(description: "unclosed class") }
        index += 1
        return set
    }

    mutating func quantified(_ atom: PatternNode) throws -> PatternNode {
        guard index < text.count else { return atom }
        switch text[index] {
        case "?": index += 1; return .repeated(atom, 0, 1)
        case "*": index += 1; return .repeated(atom, 0, 4)
        case "+": index += 1; return .repeated(atom, 1, 4)
        case "{":
            guard let close = text[index...].firstIndex(of: "}") else { throw RequestGenerator.Unsupported(description: "unclosed {") }
            let bounds = String(text[(index + 1)..<close]).split(separator: ",", omittingEmptySubsequences: false).map { Int($0) }
            index = close + 1
            guard let low = bounds.first ?? nil else { throw RequestGenerator.Unsupported(description: "quantifier") }
            let high = bounds.count == 2 ? (bounds[1] ?? low + 4) : low
            return .repeated(atom, low, high)
        default: return atom
        }
    }
}

extension OpenAPIDocument {
    /// The path item of `path` (its shared `parameters`).
    func operationItem(_ path: String) -> JSON? { root["paths"]?[path] }
}
