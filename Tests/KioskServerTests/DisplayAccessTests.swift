import Access
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import KioskApp
import KioskCore
import KioskServer
import KioskTesting
import Testing

/// The call display's token reads the queue's feed and "now serving" and nothing else; the
/// person at the public screen cannot read them without it; a copy of data_dir does not hold it.
/// And on a terminal of its own the display gets the same stream from the terminal's file.
@Suite("The call display: its token, its feed on a terminal of its own")
struct DisplayAccessTests {
    let installation: TestInstallation
    let application: KioskApplication
    let clock = BookingRoutesTests.Clock("2026-09-28T10:00:00+08:00")

    init() async throws {
        installation = try TestInstallation(config: BookingRoutesTests.config)
        application = try await KioskApplication.onTestInstallation(installation)
    }

    var dependencies: ServerDependencies {
        var dependencies = application.serverDependencies
        let clock = clock
        dependencies.booking?.now = { clock.now }
        dependencies.display?.booking.now = { clock.now }
        return dependencies
    }

    func code(_ response: TestResponse) -> String? {
        try? response.decoded(Problem.self).code
    }

    /// Attack: a display token (it sits on a machine in the hall) tried on every other endpoint.
    @Test func aDisplayTokenOpensNothingButTheDisplayEndpoints() async throws {
        let token = try application.displayTokens.add(id: "hall-a", now: Date())
        let others = KioskRoutes.policy.rules.filter { $0.roles != [.display] }.map(\.endpoint)
        #expect(others.count > 40)
        try await Application(router: KioskRoutes.router(dependencies)).test(.router) { client in
            for endpoint in others {
                let path = endpoint.path.replacingOccurrences(of: "{}", with: "x")
                let response = try await client.execute(uri: path, method: HTTPRequest.Method(endpoint.method)!,
                                                        headers: [.authorization: "Bearer \(token)"])
                #expect(response.status == .forbidden, "\(endpoint)")
                #expect(code(response) == "roleNotAllowed", "\(endpoint)")
            }
            let queue = try await client.execute(uri: "/v1/display/queue", method: .get, headers: [.authorization: "Bearer \(token)"])
            #expect(queue.status == .ok)
        }
    }

    /// Attack: the citizen at the screen (no token), a member of staff, a made-up token, a
    /// revoked one, and another terminal's, on the display endpoints.
    @Test func onlyALiveDisplayTokenOfThisTerminalReadsTheFeed() async throws {
        let token = try application.displayTokens.add(id: "hall-a", now: Date())
        let other = try TestInstallation(config: BookingRoutesTests.config)
        defer { other.remove() }
        let otherToken = try await KioskApplication.onTestInstallation(other).displayTokens.add(id: "hall-a", now: Date())
        try await Application(router: KioskRoutes.router(dependencies)).test(.router) { client in
            let staff = try await application.bearer(client, role: .admin)
            for path in ["/v1/display/queue", "/v1/display/events"] {
                let citizen = try await client.execute(uri: path, method: .get)
                #expect(citizen.status == .unauthorized && code(citizen) == "signInRequired", "\(path)")
                let signedIn = try await client.execute(uri: path, method: .get, headers: [.authorization: staff])
                #expect(signedIn.status == .forbidden && code(signedIn) == "roleNotAllowed", "\(path)")
                let madeUp = String(token.dropLast(4)) + "AAAA"
                for forged in [madeUp, otherToken, "kds1.hall-a", "kds1.x.y.z"] {
                    let response = try await client.execute(uri: path, method: .get, headers: [.authorization: "Bearer \(forged)"])
                    #expect(response.status == .unauthorized && code(response) == "tokenForged", "\(path) \(forged.prefix(12))")
                }
            }
            try application.displayTokens.revoke(id: "hall-a", now: Date())
            let revoked = try await client.execute(uri: "/v1/display/queue", method: .get, headers: [.authorization: "Bearer \(token)"])
            #expect(revoked.status == .unauthorized)
        }
        #expect(try application.displayTokens.list().map(\.id) == ["hall-a"])
    }

    /// Attack: whoever walks away with data_dir looks for the token in the database file.
    @Test func theFileKeepsAMACNotTheToken() throws {
        let token = try application.displayTokens.add(id: "hall-a", now: Date())
        let secret = try #require(token.split(separator: ".").last)
        for name in try FileManager.default.contentsOfDirectory(atPath: installation.root + "/var") {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: installation.root + "/var/" + name))
            #expect(bytes.range(of: Data(secret.utf8)) == nil, "\(name)")
            #expect(bytes.range(of: Data(token.utf8)) == nil, "\(name)")
        }
    }

    /// A terminal of its own: the display's stream comes from the terminal's file, with replay.
    @Test func aTerminalOfItsOwnFeedsItsDisplayFromItsFile() async throws {
        let token = try application.displayTokens.add(id: "hall-a", now: Date())
        let feed = try #require(application.queueFeedService)
        let runner = Task { try? await feed.run() }
        defer { runner.cancel() }
        // Signed in beforehand, in process: a PIN check on a loaded machine can outlast the live
        // client's 20 s limit per request.
        let bearer = try await Application(router: KioskRoutes.router(dependencies)).test(.router) { client in
            try await application.bearer(client, role: .staff)
        }
        try await Application(router: KioskRoutes.router(dependencies)).test(.live) { client in
            let events = "http://127.0.0.1:\(try #require(client.port))/v1/display/events"
            let staff = SignedInClient(base: client, authorization: bearer)
            var headers: HTTPFields = [.contentType: "application/json"]
            func post(_ client: some TestClientProtocol, _ uri: String, key: String) async throws -> HTTPResponse.Status {
                headers[HTTPField.Name("Idempotency-Key")!] = key
                let body = uri == "/v1/tickets" ? #"{"serviceId":"hukou"}"# : "{}"
                return try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body)).status
            }
            // The feed listens before anything is announced.
            try #require(try await eventually { await application.devices.events.subscriberCount > 0 })
            let display = try await DisplayStream.open(events, token: token)
            defer { display.close() }
            #expect(try await post(client, "/v1/tickets", key: "t1") == .created)
            #expect(try await post(staff, "/v1/counters/A2/call-next", key: "c1") == .ok)
            let seen = await display.next(2)
            #expect(seen.map(\.kind) == ["issued", "called"])
            #expect(seen.last?.counter == "A2")
            let first = try #require(seen.first).id
            let again = try await DisplayStream.open(events, token: token, lastEventID: first)
            defer { again.close() }
            #expect(await again.next(1) == [DisplayMessage(id: first + 1, kind: "called", number: "A001", counter: "A2")])
            let bad = try await client.execute(uri: "/v1/display/events", method: .get,
                                               headers: [.authorization: "Bearer \(token)", HTTPField.Name("Last-Event-ID")!: "-1"])
            #expect(bad.status == .badRequest && code(bad) == "invalidLastEventId")
            await application.queueFeed?.close()
        }
    }
}
