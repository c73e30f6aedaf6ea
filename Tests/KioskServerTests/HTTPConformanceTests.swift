import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdCore
import HummingbirdTesting
import KioskApp
@testable import KioskConfig
import KioskCore
import KioskServer
import KioskTesting
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization
import Testing

/// Issue 14, item 13: the server answers as HTTP says, on the router and on a real socket.
// One test at a time: their clocks are the point, and one blocks the tests' pool for 6 s while
// others write megabytes to clients that do not read.
@Suite("HTTP conformance", .serialized)
struct HTTPConformanceTests {
    func withApplication(_ test: @Sendable (KioskApplication, any TestClientProtocol) async throws -> Void) async throws {
        let installation = try TestInstallation(config: BookingRoutesTests.config)
        defer { installation.remove() }
        let application = try await KioskApplication.onTestInstallation(installation)
        try await Application(router: KioskRoutes.router(application.serverDependencies)).test(.router) { client in
            try await test(application, client)
        }
    }

    func problem(_ response: TestResponse) throws -> Problem {
        #expect(response.headers[.contentType] == "application/problem+json")
        return try response.decoded(Problem.self)
    }

    /// A method a known path does not serve is 405 with `Allow`; an unknown path stays 404.
    @Test func anUndeclaredMethodIs405WithAllow() async throws {
        try await withApplication { _, client in
            for (method, uri, allow) in [(HTTPRequest.Method.delete, "/v1/services", "GET, HEAD"), (.get, "/v1/holds", "POST"),
                                         (.put, "/v1/bookings/ABCD2345678.ics", "GET, HEAD"), (.get, "/v1/sessions/abc/submit", "POST"),
                                         (.patch, "/v1/sessions/abc", "DELETE, GET, HEAD")] {
                let response = try await client.execute(uri: uri, method: method)
                #expect(response.status == .methodNotAllowed, "\(method) \(uri)")
                #expect(response.headers[.allow] == allow, "\(method) \(uri)")
                #expect(try problem(response).code == "methodNotAllowed")
            }
            let unknown = try await client.execute(uri: "/v1/nothing-here", method: .delete)
            #expect(unknown.status == .notFound)
            #expect(try problem(unknown).code == "notFound")
        }
    }

    /// HEAD answers wherever GET does: GET's status and headers, no body; the same roles.
    @Test func headWorksWhereverGetDoes() async throws {
        try await withApplication { application, client in
            for uri in ["/healthz", "/v1/info", "/v1/services", "/v1/calendar", "/ui/main.js", "/v1/queue"] {
                let get = try await client.execute(uri: uri, method: .get)
                let head = try await client.execute(uri: uri, method: .head)
                #expect(head.status == get.status, "\(uri)")
                #expect(head.headers[.contentType] == get.headers[.contentType], "\(uri)")
                #expect(head.body.readableBytes == 0, "\(uri)")
            }
            #expect(try await client.execute(uri: "/v1/district", method: .head).status == .unauthorized)
            let technician = try await application.signedIn(client, role: .technician)
            #expect(try await technician.execute(uri: "/v1/district", method: .head).status == .ok)
        }
    }

    /// The server on a real socket with a short read deadline, for what only a socket shows.
    /// It runs on threads of its own (`OffPoolExecutor`), as the kiosk process has its pool to
    /// itself: Hummingbird accepts through a task (its accept loop), and NIO stops accepting
    /// once about ten accepted connections wait for it, so a server on the tests' pool, which the
    /// whole suite keeps seconds behind at times, left connections unaccepted, their read
    /// deadline not yet running, while the clients' clocks ran. Its event loop is its own too, not
    /// the process's, which every other suite's servers and database clients load meanwhile. It
    /// serves the kiosk's routes, or `routes`; `connections` counts its open connections, `log`
    /// reads its log lines.
    func withServer(readTimeout: Duration, writeTimeout: Duration = .seconds(30), routes: Router<BasicRequestContext>? = nil,
                    connections: OpenConnections? = nil, log: CapturedLog? = nil,
                    _ test: @Sendable (Int, KioskApplication) async throws -> Void) async throws {
        let installation = try TestInstallation(config: "")
        defer { installation.remove() }
        let application = try await KioskApplication.onTestInstallation(installation)
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let logger = log.map { log in Logger(label: "test") { _ in log } } ?? Logger(label: "test")
        let http1 = KioskRoutes.http1(readTimeout: readTimeout, writeTimeout: writeTimeout, logger: logger, metrics: application.metrics)
        let configuration = ApplicationConfiguration(address: .hostname("127.0.0.1", port: 0), availableConnectionsDelegate: connections)
        let onServerRunning: @Sendable (any Channel) async -> Void = { channel in portContinuation.yield(channel.localAddress?.port ?? 0) }
        let loop = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server: any Service = if let routes {
            Application(router: routes, server: http1, configuration: configuration, onServerRunning: onServerRunning,
                        eventLoopGroupProvider: .shared(loop), logger: logger)
        } else {
            Application(router: KioskRoutes.router(application.serverDependencies), server: http1, configuration: configuration,
                        onServerRunning: onServerRunning, eventLoopGroupProvider: .shared(loop), logger: logger)
        }
        let group = ServiceGroup(configuration: .init(services: [server], logger: Logger(label: "test")))
        do {
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask(executorPreference: OffPoolExecutor.shared) { try await group.run() }
                var iterator = ports.makeAsyncIterator()
                let port = try #require(await iterator.next())
                try await test(port, application)
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
        } catch {
            try? await loop.shutdownGracefully()
            throw error
        }
        try await loop.shutdownGracefully()
    }

    /// An oversized header block gets a problem document (431), not an empty 400.
    @Test func oversizedHeadersGet431ProblemJSON() async throws {
        try await withServer(readTimeout: .seconds(5)) { port, _ in
            let request = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + String(repeating: "a", count: 100_000) + "\r\n\r\n"
            let exchange = try #require(await RawHTTP.trickle(port: port, parts: [Array(request.utf8)], pause: 0))
            let reply = try #require(exchange.reply)
            #expect(reply.status == 431)
            #expect(reply.headers["content-type"] == "application/problem+json")
            #expect(reply.body.contains(#""code":"headersTooLarge""#))
            #expect(reply.body.contains("请求头过大"))
            // A malformed request line is a problem document too.
            let garbage = try #require(await RawHTTP.trickle(port: port, parts: [Array("NOT HTTP AT ALL\r\n\r\n".utf8)], pause: 0))
            #expect(garbage.reply?.status == 400)
            #expect(garbage.reply?.body.contains(#""code":"badRequest""#) == true)
            // The server still answers.
            #expect(await RawHTTP.sendOffPool(port: port, path: "/healthz")?.status == 200)
        }
    }

    /// A POST whose 40-byte body trickles in a byte every half second: whole after 5 s.
    static let slowBody = [Array("POST /v1/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n".utf8)]
        + (0..<10).map { _ in Array(" ".utf8) }

    /// `count` clients trickling `slowBody` each got 408 (their body was cut before it was whole)
    /// and were closed within `seconds`: none held its connection. A client left open would read
    /// until its own 30 s pass.
    func expectCutAtTheDeadline(_ exchanges: [RawHTTP.Exchange?], count: Int, closedWithin seconds: Double) throws {
        #expect(exchanges.count == count)
        for exchange in exchanges {
            let exchange = try #require(exchange)
            #expect(exchange.reply?.status == 408)
            #expect(exchange.reply?.body.contains(#""code":"requestTimeout""#) == true)
            #expect(exchange.closedAfter < seconds, "answered after \(exchange.answeredAfter.map { "\($0) s" } ?? "nothing"), closed after \(exchange.closedAfter) s")
        }
    }

    /// A body that trickles in is cut at the read deadline with 408, and many such clients hold
    /// no connection past it; a request that arrives in time is answered as usual.
    @Test func slowBodiesAreCutAtTheReadDeadline() async throws {
        try await withServer(readTimeout: .seconds(1)) { port, _ in
            let exchanges = await withTaskGroup(of: RawHTTP.Exchange?.self) { group in
                for _ in 0..<20 { group.addTask { await RawHTTP.trickle(port: port, parts: Self.slowBody, pause: 0.5) } }
                var all: [RawHTTP.Exchange?] = []
                for await exchange in group { all.append(exchange) }
                return all
            }
            // Within 10 s, not the deadline's 1 s: under the whole suite on two cores the server's
            // threads wait for the CPU too (CI closed an idle client after 4.8 s), and what is
            // checked here is that no connection is held to the client's 30 s. How soon the cut
            // comes when only the tests' pool is busy is the next test's.
            try expectCutAtTheDeadline(exchanges, count: 20, closedWithin: 10)
            // A client that sends nothing at all is closed silently at the deadline.
            let idle = try #require(await RawHTTP.trickle(port: port, parts: [], pause: 0))
            #expect(idle.reply == nil)
            #expect(idle.closedAfter < 10, "closed after \(idle.closedAfter) s")
            #expect(await RawHTTP.sendOffPool(port: port, method: "POST", path: "/v1/sessions", body: #"{"formId":"no-such"}"#)?.status == 404)
        }
    }

    /// The deadline runs from when the server accepts a connection, and the server under test
    /// must accept at once however busy the suite keeps the tests' cooperative pool: this blocks
    /// every thread of that pool for 6 s while forty slow clients connect. (With the server on
    /// the pool and a 4 s block, 14 to 21 of the 40 sat unaccepted until the pool was free and were
    /// answered and closed 4.5 s after connecting: the intermittent late closes seen under the
    /// whole suite.)
    @Test func slowBodiesAreCutWhileTheTestsPoolIsBusy() async throws {
        try await withServer(readTimeout: .seconds(1)) { port, _ in
            let (started, clientStarted) = AsyncStream.makeStream(of: Void.self)
            let exchanges = await withTaskGroup(of: RawHTTP.Exchange??.self) { group in
                for _ in 0..<40 {
                    group.addTask {
                        clientStarted.yield()
                        // `trickle` starts its thread before it first suspends: the client
                        // connects 0.5 s from now, whatever the pool does meanwhile.
                        return .some(await RawHTTP.trickle(port: port, parts: Self.slowBody, pause: 0.5, connectingAfter: 0.5))
                    }
                }
                for await _ in started.prefix(40) {}
                for _ in 0..<ProcessInfo.processInfo.activeProcessorCount {
                    group.addTask {
                        usleep(6_000_000)
                        return .none
                    }
                }
                var all: [RawHTTP.Exchange?] = []
                for await case .some(let exchange) in group { all.append(exchange) }
                return all
            }
            // Unaccepted until the pool is free, a client is closed 6.5 s after connecting; accepted
            // at once, after 1 s, and under the whole suite on two cores after up to about 5 s.
            try expectCutAtTheDeadline(exchanges, count: 40, closedWithin: 5.5)
        }
    }

    /// Answers of any size, written whole (`/whole/{bytes}`: one buffer, as most answers are)
    /// or streamed in 16 KiB pieces (`/streamed/{bytes}`: as the event streams are), and `/ok`.
    static func sizedAnswers() -> Router<BasicRequestContext> {
        let router = Router()
        router.get("/whole/{bytes}") { _, context in
            let bytes = try context.parameters.require("bytes", as: Int.self)
            return Response(status: .ok, body: .init(byteBuffer: ByteBuffer(repeating: UInt8(ascii: "x"), count: bytes)))
        }
        router.get("/streamed/{bytes}") { _, context in
            let bytes = try context.parameters.require("bytes", as: Int.self)
            return Response(status: .ok, body: ResponseBody { writer in
                for offset in stride(from: 0, to: bytes, by: 16_384) {
                    try await writer.write(ByteBuffer(repeating: UInt8(ascii: "x"), count: min(16_384, bytes - offset)))
                }
                try await writer.finish(nil)
            })
        }
        router.get("/ok") { _, _ in "ok" }
        return router
    }

    /// A GET of `path` with a query that stands for what a request may carry and no log line may show.
    static func get(_ path: String, closing: Bool = false) -> [UInt8] {
        Array("GET \(path)?idNumber=110101199003071234 HTTP/1.1\r\nHost: 127.0.0.1\r\n\(closing ? "Connection: close\r\n" : "")\r\n".utf8)
    }

    /// Clients that ask for more than the socket buffers hold and never read are cut at the send
    /// deadline (1 s here; the read deadline, 30 s, is not what cuts them): the server closes
    /// their connections while they still hold their sockets, each had only part of its answer
    /// when it read, and each cut is logged, without the request, and counted. Meanwhile others
    /// are served, and the server then stops at once: it waits for every connection's handler
    /// task, so none is left waiting on a write.
    @Test func clientsThatStopReadingAreCut() async throws {
        let connections = OpenConnections()
        let log = CapturedLog()
        let clients = Mutex<[RawHTTP.Unread]>([])
        let clock = ContinuousClock()
        let stopping = Mutex<ContinuousClock.Instant?>(nil)
        let paths = ["/streamed/16777216", "/streamed/16777216", "/streamed/16777216", "/whole/16777216", "/whole/16777216"]
        try await withServer(readTimeout: .seconds(30), writeTimeout: .seconds(1), routes: Self.sizedAnswers(),
                             connections: connections, log: log) { port, application in
            for path in paths {
                let client = try #require(await RawHTTP.ask(port: port, request: Self.get(path)))
                clients.withLock { $0.append(client) }
            }
            #expect(await RawHTTP.sendOffPool(port: port, path: "/ok")?.status == 200)
            // Within 6 s: how soon the cut comes is for the deadline's 1 s and the machine's load;
            // what is checked here is that the connections do not stay open.
            let started = clock.now
            while connections.open > 0, clock.now - started < .seconds(6) { try await Task.sleep(for: .milliseconds(100)) }
            #expect(connections.open == 0, "\(connections.open) connections of clients that do not read are open after 6 s")
            #expect(await RawHTTP.sendOffPool(port: port, path: "/ok")?.status == 200)
            for (client, path) in zip(clients.withLock { $0 }, paths) {
                let received = await client.read()
                #expect(received.bytes < Int(path.split(separator: "/").last!)!, "\(path): all \(received.bytes) bytes reached a client that did not read")
            }
            let cuts = log.lines.withLock { $0 }.filter { $0.contains("stopped reading") }
            #expect(cuts.count == paths.count, "\(log.lines.withLock { $0 })")
            #expect(!log.lines.withLock { $0 }.contains { $0.contains("110101199003071234") || $0.contains("idNumber") })
            let metrics = String(decoding: application.metrics.emitToBuffer(), as: UTF8.self)
            #expect(metrics.contains("kiosk_http_write_timeouts_total \(paths.count)"), "\(metrics)")
            stopping.withLock { $0 = clock.now }
        }
        let stopped = clock.now - (try #require(stopping.withLock { $0 }))
        #expect(stopped < .seconds(5), "the server took \(stopped) to stop")
    }

    /// Clients that read, slowly but without stopping, get all of a large answer, whole or
    /// streamed, though taking it lasts longer than both deadlines: what they take restarts the
    /// send deadline, and the read deadline (the next request's) runs from when the answer was
    /// sent, not from when it was handed over. (On main the whole one was cut after 4 MB.)
    @Test func slowReadersThatKeepReadingAreNotCut() async throws {
        let log = CapturedLog()
        try await withServer(readTimeout: .seconds(1), writeTimeout: .seconds(2), routes: Self.sizedAnswers(), log: log) { port, _ in
            async let whole = Self.readSlowly(port: port, path: "/whole/6291456")
            async let streamed = Self.readSlowly(port: port, path: "/streamed/6291456")
            for (path, received) in try await [("whole", whole), ("streamed", streamed)] {
                #expect(received.bytes > 6_291_456, "\(path): \(received.bytes) bytes, closed after \(received.closedAfter) s")
                #expect(received.closedAfter > 2, "\(path): read in \(received.closedAfter) s, faster than the deadlines")
            }
            #expect(!log.lines.withLock { $0 }.contains { $0.contains("stopped reading") })
        }
    }

    /// About 1.2 MB/s, 4 KiB at a time: the server's buffers stay full while the client reads,
    /// and the kernel's (megabytes) drain for more than the deadline's 2 s before NIO's own
    /// goes down (judged by that alone, the streamed one was cut after 5 MB).
    static func readSlowly(port: Int, path: String) async throws -> RawHTTP.Received {
        let client = try #require(await RawHTTP.ask(port: port, request: get(path, closing: true), receiveBuffer: 65536))
        return await client.read(pausing: 0.003)
    }

}

/// How many connections the server has open: `AvailableConnectionsDelegate` is told of each
/// accepted connection and of its close.
final class OpenConnections: AvailableConnectionsDelegate {
    private let count = Mutex(0)
    var open: Int { count.withLock { $0 } }
    func connectionOpened() { count.withLock { $0 += 1 } }
    func connectionClosed() { count.withLock { $0 -= 1 } }
    func isAcceptingNewConnections() -> Bool { true }
}

/// Issue 14, item 13: every key `kiosk.conf` documents is overridden by its `KIOSK_*` variable,
/// or the file says it cannot be and the loader refuses the variable with that reason.
@Suite("kiosk.conf: environment overrides")
struct EnvironmentOverrideTests {
    func load(_ environment: [String: String], file text: String = "") throws(ConfigurationErrors) -> Configuration {
        try ConfigurationLoader.load(text: text, path: "kiosk.conf", baseDirectory: TestInstallation.repository.path, environment: environment)
    }

    @Test func hoursKeysAreOverriddenByTheirVariables() throws {
        let configuration = try load([
            "KIOSK_HOURS_MONDAY": "closed", "KIOSK_HOURS_SATURDAY": "10:00-12:00", "KIOSK_HOURS_LUNCH_DUTY_COUNTERS": "2",
            "KIOSK_HOURS_SUMMER_LUNCH_DUTY_END": "14:00",
        ], file: "[hours]\nmonday = \"09:00-17:00\"\n")
        #expect(configuration.hours.weekly[.monday] == .closed)
        #expect(configuration.hours.weekly[.saturday]?.range?.description == "10:00-12:00")
        #expect(configuration.hours.lunchDutyCounters == 2)
        #expect(configuration.hours.summerLunchDutyEnd.description == "14:00")
        // Without an [hours] table in the file the variable still applies.
        #expect(try load(["KIOSK_HOURS_FRIDAY": "closed"]).hours.weekly[.friday] == .closed)
    }

    @Test func aBadOrFileOnlyVariableIsRefusedByName() {
        for (name, value, says) in [("KIOSK_HOURS_MONDAY", "nine to five", "KIOSK_HOURS_MONDAY (environment)"),
                                    ("KIOSK_HOURS_LUNCH_DUTY_COUNTERS", "two", "KIOSK_HOURS_LUNCH_DUTY_COUNTERS (environment): expected an integer"),
                                    ("KIOSK_SERVICES", "[]", "KIOSK_SERVICES (environment): services cannot be set from the environment"),
                                    ("KIOSK_HOURS_AFTER_HOURS", "[]", "hours.after_hours cannot be set from the environment"),
                                    ("KIOSK_QUEUE_PREFIXES", "x", "queue.prefixes cannot be set from the environment"),
                                    ("KIOSK_HOURS_TIME_ZONE", "UTC", "hours.time_zone cannot be set from the environment")] {
            do throws(ConfigurationErrors) {
                _ = try load([name: value])
                Issue.record("\(name) was accepted")
            } catch {
                #expect(error.description.contains(says), "\(error.description)")
            }
        }
    }

    /// Reads the keys `kiosk.conf` documents (`# path (type…` lines) and checks each one: a
    /// setting, an overridable hours key, or one the file's header names as file-only.
    @Test func everyDocumentedKeyIsOverridableOrSaidNotToBe() throws {
        let text = try String(contentsOf: TestInstallation.repository.appendingPathComponent("kiosk.conf"), encoding: .utf8)
        let blocks = text.components(separatedBy: "\n\n")
        let header = blocks.first ?? ""
        let documented = blocks.dropFirst().joined(separator: "\n").split(separator: "\n").compactMap { line -> [String]? in
            guard line.hasPrefix("# "), let open = line.firstIndex(of: "(") else { return nil }
            let names = line.dropFirst(2)[..<open].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            guard !names.isEmpty, names.allSatisfy({ !$0.isEmpty && !$0.contains(" ") }) else { return nil }
            return names
        }.flatMap { $0 }
        #expect(documented.count > 40)
        for key in documented where !key.contains("[]") {
            if Setting.named(key) != nil { continue }
            let variable = "KIOSK_" + key.uppercased().replacingOccurrences(of: ".", with: "_")
            if BookingTables.hoursKey(forVariable: variable) != nil { continue }
            #expect(header.contains(key), "\(key) is documented, not overridable, and the header does not say so")
            #expect(throws: ConfigurationErrors.self, "\(variable) should be refused") { try load([variable: "x"]) }
        }
    }
}
