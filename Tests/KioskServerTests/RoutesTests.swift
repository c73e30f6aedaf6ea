import Foundation
import Hummingbird
import HummingbirdTesting
import KioskApp
import KioskConfig
import KioskServer
import KioskTesting
import Logging
import Storage
import Testing

@Suite("HTTP routes")
struct RoutesTests {
    let installation: TestInstallation
    let application: KioskApplication

    init() async throws {
        installation = try TestInstallation(config: "[http]\nmax_body_bytes = 2048\n")
        application = try await KioskApplication.onTestInstallation(installation)
    }

    func decode<T: Decodable>(_ type: T.Type, _ buffer: ByteBuffer) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(T.self, from: Data(buffer.readableBytesView))
    }

    @Test func healthz() async throws {
        try await application.makeHTTPServer().test(.router) { client in
            try await client.execute(uri: "/healthz", method: .get) { response in
                #expect(response.status == .ok)
                #expect(String(buffer: response.body) == #"{"status":"ok"}"#)
            }
        }
    }

    @Test func readyzListsEveryComponent() async throws {
        try await application.makeHTTPServer().test(.router) { client in
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .ok)
                let report = try decode(ReadinessReport.self, response.body)
                #expect(report.ready)
                #expect(report.components.map(\.name) == ["database", "forms", "devices", "reload"])
                #expect(report.components[0].detail == "sqlite, schema version \(SQLiteStore.knownSchemaVersion)")
            }
        }
    }

    @Test func readyzNamesRefusedFormsButServesTheOthers() async throws {
        try "id: broken\nversion: one\n".write(toFile: installation.root + "/Forms/broken.yaml", atomically: true, encoding: .utf8)
        try "id: broken-policy\n".write(toFile: installation.root + "/Forms/policies/broken.yaml", atomically: true, encoding: .utf8)
        let application = try await KioskApplication.onTestInstallation(installation)
        try await application.makeHTTPServer().test(.router) { client in
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .ok)
                let report = try decode(ReadinessReport.self, response.body)
                let forms = try #require(report.components.first { $0.name == "forms" })
                #expect(forms.ready)
                #expect(forms.detail?.contains("residence-permit") == true)
                #expect(forms.warnings?.contains { $0.hasPrefix(installation.root + "/Forms/broken.yaml:") } == true)
                // A refused policy is named too; the shipped examples are served.
                #expect(forms.warnings?.contains { $0.hasPrefix(installation.root + "/Forms/policies/broken.yaml:1:") } == true)
                #expect(forms.detail?.hasSuffix("; 7 policies") == true)
            }
        }
    }

    @Test func readyzSaysWhyNotReady() async throws {
        let empty = try TestInstallation(shippedForms: false)
        defer { empty.remove() }
        let configuration = try ConfigurationLoader.load(file: empty.configPath, environment: [:])
        let application = try await KioskApplication(configuration: configuration, logger: Logger(label: "test"))
        try await application.makeHTTPServer().test(.router) { client in
            try await client.execute(uri: "/readyz", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                let report = try decode(ReadinessReport.self, response.body)
                #expect(!report.ready)
                let forms = try #require(report.components.first { $0.name == "forms" })
                #expect(!forms.ready)
                #expect(forms.reason?.en == "no valid form is loaded (0 problems; see kiosk forms validate)")
                #expect(forms.reason?.zh.isEmpty == false)
            }
        }
    }

    @Test func infoNamesTheTerminal() async throws {
        try await application.makeHTTPServer().test(.router) { client in
            try await client.execute(uri: "/v1/info", method: .get) { response in
                #expect(response.status == .ok)
                let info = try decode(ServerInfo.self, response.body)
                #expect(info.terminalID == "T01")
                #expect(info.siteID == "S01")
                #expect(info.schemaVersion == SQLiteStore.knownSchemaVersion)
                #expect(info.uptimeSeconds >= 0)
                #expect(!info.version.isEmpty)
            }
        }
    }

    @Test func metricsCountRequestsByRouteTemplate() async throws {
        try await application.makeHTTPServer().test(.router) { client in
            _ = try await client.execute(uri: "/healthz", method: .get)
            _ = try await client.execute(uri: "/no/such/110101199003077777", method: .get)
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
                let text = String(buffer: response.body)
                #expect(text.contains(#"kiosk_http_requests_total{method="GET",route="/healthz",status="200"} 1"#))
                // Hummingbird names every unmatched request "NotFound", whatever its path.
                #expect(text.contains(#"kiosk_http_requests_total{method="GET",route="NotFound",status="404"} 1"#))
                // A number typed into a URL never becomes a label.
                #expect(!text.contains("110101199003077777"))
            }
        }
    }

    @Test func unknownRouteIsAProblemDocument() async throws {
        try await application.makeHTTPServer().test(.router) { client in
            try await client.execute(uri: "/v1/nothing-here", method: .get) { response in
                #expect(response.status == .notFound)
                #expect(response.headers[.contentType] == "application/problem+json")
                let problem = try decode(Problem.self, response.body)
                #expect(problem.code == "notFound")
                #expect(problem.status == 404)
                #expect(problem.messages.zh == "找不到请求的资源")
                #expect(problem.messages.en == "The requested resource does not exist")
            }
        }
    }

    @Test func oversizedBodyIsRefused() async throws {
        try await application.makeHTTPServer().test(.router) { client in
            let body = ByteBuffer(repeating: UInt8(ascii: "x"), count: 4096)
            try await client.execute(uri: "/v1/info", method: .post, body: body) { response in
                #expect(response.status == .contentTooLarge)
                let problem = try decode(Problem.self, response.body)
                #expect(problem.code == "payloadTooLarge")
            }
        }
    }
}
