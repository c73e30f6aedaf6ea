import Access
import Foundation
import Hummingbird
import KioskApp
import KioskConfig
import KioskServer
import KioskTesting
import Logging
import NIOCore
import ServiceLifecycle
import Testing

@Suite("Graceful shutdown")
struct GracefulShutdownTests {
    /// A request in flight when shutdown starts still gets its full answer, and nothing new is
    /// accepted afterwards.
    @Test func finishesInFlightRequests() async throws {
        let installation = try TestInstallation(config: "listen = \"127.0.0.1:1\"")
        defer { installation.remove() }
        let application = try await KioskApplication.onTestInstallation(installation)

        let (started, startedContinuation) = AsyncStream.makeStream(of: Void.self)
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self)
        let policy = try EndpointPolicy(KioskRoutes.policy.rules + [.init("GET", "/test/slow", .anyone)])
        let router = KioskRoutes.router(application.serverDependencies, policy: policy)
        router.get("/test/slow") { _, _ in
            startedContinuation.yield()
            try await Task.sleep(for: .milliseconds(500))   // a slow request: the one in flight at shutdown
            return "finished"
        }
        let server = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in portContinuation.yield(channel.localAddress?.port ?? 0) },
            logger: Logger(label: "test"))
        let group = ServiceGroup(configuration: .init(services: [server], logger: Logger(label: "test")))

        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var portIterator = ports.makeAsyncIterator()
            let port = try #require(await portIterator.next())
            let reply = Task { await RawHTTP.sendOffPool(port: port, path: "/test/slow") }
            var startedIterator = started.makeAsyncIterator()
            _ = await startedIterator.next()
            await group.triggerGracefulShutdown()
            let answer = await reply.value
            #expect(answer?.status == 200)
            #expect(answer?.body == "finished")
            try await tasks.next()
            #expect(await RawHTTP.sendOffPool(port: port, path: "/healthz") == nil)
        }
    }
}
