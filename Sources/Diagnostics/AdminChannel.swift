#if canImport(Glibc)
import Glibc
#endif
import AsyncHTTPClient
import DeviceKit
import Foundation
import Hosting
import Hummingbird
import KioskConfig
import KioskCore
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle

/// The running server's local admin channel: HTTP over a Unix socket, for `kiosk devices list`
/// and `kiosk diag health|stats` while `kiosk serve` holds the devices. Only the kiosk user and
/// its group reach it: the socket is 0660 inside a 0750 directory, and nothing else (no TCP
/// port, no token) opens it. The CLI uses it when a server answers there, and opens the
/// devices itself when none does.
public enum AdminChannel {
    /// `$RUNTIME_DIRECTORY/admin.sock` under systemd (`RuntimeDirectory=kiosk`), otherwise
    /// `data_dir/run/admin.sock`.
    public static func socketPath(_ configuration: Configuration, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let runtime = environment["RUNTIME_DIRECTORY"]?.split(separator: ":").first, !runtime.isEmpty {
            return String(runtime) + "/admin.sock"
        }
        return configuration.dataDirectory + "/run/admin.sock"
    }

    /// Runs the admin server without letting it take the terminal down: a socket that cannot
    /// be bound is logged, and the CLI then opens the devices itself, as with no server.
    public struct BestEffort: ServiceLifecycle.Service {
        let server: any ServiceLifecycle.Service
        let logger: Logger

        public init(server: any ServiceLifecycle.Service, logger: Logger) {
            self.server = server
            self.logger = logger
        }

        public func run() async throws {
            do {
                try await server.run()
            } catch is CancellationError {
                return
            } catch {
                logger.error("admin channel closed", metadata: ["error": "\(error)"])
                try? await gracefulShutdown()   // returning early would end the whole group
            }
        }
    }

    /// An error the server answered, as the CLI shows it.
    public struct Refusal: Codable, Sendable, Error, KioskError {
        public var code: String
        public var message: LocalizedText
    }
}

extension AdminChannel {
    /// The admin channel's server: device summaries, health checks (a test print included) and
    /// counters, each answered by the devices the server holds.
    public static func server(path: String, diagnostics: DeviceDiagnostics, eventLoopGroup: any EventLoopGroup,
                              logger: Logger) throws -> some ApplicationProtocol {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o750])
        // A socket left by a server that was killed: ServeLock says no other server runs.
        if FileManager.default.fileExists(atPath: path) { try FileManager.default.removeItem(atPath: path) }
        let router = Router()
        router.get("/devices") { _, _ in try Self.json(await diagnostics.deviceSummaries()) }
        router.post("/devices/{id}/health-checks/{level}") { _, context in
            guard let level = HealthCheckLevel(rawValue: try context.parameters.require("level")) else {
                return try Self.refusal(.init(code: "invalidLevel", message: .init(zh: "检查级别应为 internal 或 external", en: "level: internal or external")))
            }
            do {
                return try Self.json(await diagnostics.device(try context.parameters.require("id")).healthCheck(level))
            } catch let error as StartupError {
                return try Self.refusal(.init(code: error.code, message: error.message))
            }
        }
        router.get("/devices/{id}/statistics") { _, context in
            do {
                return try Self.json(try await diagnostics.statistics(of: diagnostics.device(try context.parameters.require("id"))))
            } catch let error as StartupError {
                return try Self.refusal(.init(code: error.code, message: error.message))
            }
        }
        router.post("/devices/{id}/statistics/{name}/reset") { _, context in
            do {
                let device = try await diagnostics.device(try context.parameters.require("id"))
                return try Self.json(try await diagnostics.resetStatistic(try context.parameters.require("name"), of: device))
            } catch let error as StartupError {
                return try Self.refusal(.init(code: error.code, message: error.message))
            }
        }
        return Application(
            router: router,
            configuration: .init(address: .unixDomainSocket(path: path), serverName: "kiosk-admin"),
            onServerRunning: { _ in
                // The directory (0750) keeps others out meanwhile; the socket itself is the group's too.
                if chmod(path, 0o660) != 0 { logger.error("admin socket mode not set", metadata: ["errno": "\(errno)"]) }
            },
            eventLoopGroupProvider: .shared(eventLoopGroup),
            logger: logger)
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        return Response(status: status, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: Array(try encoder.encode(value)))))
    }

    static func refusal(_ refusal: AdminChannel.Refusal) throws -> Response { try json(refusal, status: .notFound) }
}

/// The CLI's side of the admin channel.
public struct AdminClient: Sendable {
    public let socketPath: String

    /// The channel of a running server, or nil when none answers at `socketPath` (no server, or
    /// one that stopped and left its socket).
    public static func connect(socketPath: String) async -> AdminClient? {
        guard FileManager.default.fileExists(atPath: socketPath) else { return nil }
        let client = AdminClient(socketPath: socketPath)
        do {
            _ = try await client.request("/devices", method: .GET, timeout: .seconds(5))
            return client
        } catch {
            return nil
        }
    }

    public func deviceSummaries() async throws -> [DeviceSummary] {
        try decode(await request("/devices", method: .GET))
    }

    public func healthCheck(_ device: String, level: HealthCheckLevel) async throws -> HealthCheckResult {
        try decode(await request("/devices/\(Self.escaped(device))/health-checks/\(level.rawValue)", method: .POST, timeout: .seconds(120)))
    }

    public func statistics(_ device: String) async throws -> [Statistic] {
        try decode(await request("/devices/\(Self.escaped(device))/statistics", method: .GET))
    }

    public func resetStatistic(_ name: String, of device: String) async throws -> Statistic {
        try decode(await request("/devices/\(Self.escaped(device))/statistics/\(Self.escaped(name))/reset", method: .POST))
    }

    private func request(_ path: String, method: HTTPMethod, timeout: TimeAmount = .seconds(30)) async throws -> (HTTPResponseStatus, ByteBuffer) {
        guard let url = URL(httpURLWithSocketPath: socketPath, uri: path) else { throw AdminChannel.Refusal.unreachable }
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = method
        let response = try await HTTPClient.shared.execute(request, timeout: timeout)
        return (response.status, try await response.body.collect(upTo: 16 << 20))
    }

    private func decode<T: Decodable>(_ answer: (HTTPResponseStatus, ByteBuffer)) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let data = Data(answer.1.readableBytesView)
        guard answer.0 == .ok else { throw (try? decoder.decode(AdminChannel.Refusal.self, from: data)) ?? AdminChannel.Refusal.unreachable }
        return try decoder.decode(T.self, from: data)
    }

    private static func escaped(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(CharacterSet(charactersIn: "/"))) ?? text
    }
}

extension AdminChannel.Refusal {
    static let unreachable = AdminChannel.Refusal(
        code: "adminChannelUnreachable", message: .init(zh: "无法连接运行中的 kiosk serve", en: "the running kiosk serve does not answer"))
}
