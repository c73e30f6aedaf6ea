import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import KioskApp
import KioskCore
@testable import KioskServer
import KioskTesting
import Testing

/// The hall's queue feed for call displays, from the district store: a ticket called at one
/// terminal reaches a display following another, and a display that was away gets exactly
/// what it missed.
@Suite("District queue display: the hall-wide feed", .serialized)
struct DistrictDisplayFeedTests {
    @Test func aCallAtOneTerminalReachesADisplayOfAnotherAndAReconnectGetsExactlyWhatItMissed() async throws {
        try await PrivatePostgres.withPrivate { cluster in try await self.twoTerminals(on: cluster) }
    }

    func twoTerminals(on cluster: PrivatePostgres) async throws {
        let first = try TestInstallation(config: "database = \"\(cluster.url())\"\n" + BookingRoutesTests.config)
        defer { first.remove() }
        let second = try TestInstallation(config: "database = \"\(cluster.url())\"\n[terminal]\nid = \"T02\"\n" + BookingRoutesTests.config)
        defer { second.remove() }
        try await KioskApplication.prepareTestDistrict(on: cluster, keyInto: [first, second])
        let firstApplication = try await KioskApplication.onTestDistrict(first)
        let secondApplication = try await KioskApplication.onTestDistrict(second)
        let token = try secondApplication.displayTokens.add(id: "hall-a", now: Date())
        let feed = try #require(secondApplication.queueFeedService)
        let runners = [firstApplication, secondApplication].map { application in Task { await application.district!.run() } }
            + [Task { try? await feed.run() }]
        defer { runners.forEach { $0.cancel() } }
        let clock = BookingRoutesTests.Clock("2026-09-28T10:00:00+08:00")
        var firstDependencies = firstApplication.serverDependencies
        firstDependencies.booking?.now = { clock.now }
        var secondDependencies = secondApplication.serverDependencies
        secondDependencies.booking?.now = { clock.now }
        secondDependencies.display?.booking.now = { clock.now }
        let secondFrozen = secondDependencies
        // Signed in beforehand, in process: a PIN check on a loaded machine can outlast the live
        // client's 20 s limit per request.
        let bearer = try await Application(router: KioskRoutes.router(firstDependencies)).test(.router) { client in
            try await firstApplication.bearer(client, role: .staff)
        }
        try await Application(router: KioskRoutes.router(firstDependencies)).test(.live) { firstClient in
            try await Application(router: KioskRoutes.router(secondFrozen)).test(.live) { secondClient in
                let events = "http://127.0.0.1:\(try #require(secondClient.port))/v1/display/events"
                let staff = SignedInClient(base: firstClient, authorization: bearer)
                var headers = HTTPFields()
                headers[.contentType] = "application/json"
                func post(_ client: some TestClientProtocol, _ uri: String, key: String, _ body: String) async throws -> HTTPResponse.Status {
                    headers[HTTPField.Name("Idempotency-Key")!] = key
                    return try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body)).status
                }

                let display = try await DisplayStream.open(events, token: token)
                #expect(display.status == 200)
                for key in ["t1", "t2", "t3"] {
                    #expect(try await post(secondClient, "/v1/tickets", key: key, #"{"serviceId":"hukou"}"#) == .created)
                }
                #expect(try await post(staff, "/v1/counters/A1/call-next", key: "c1", "{}") == .ok)
                let seen = await display.next(4)
                #expect(seen.map(\.description).map { $0.drop { $0 != " " } } == [
                    " issued A001", " issued A002", " issued A003", " called A001 at A1",
                ])
                let last = try #require(seen.last).id
                #expect(seen.map(\.id) == Array(last - 3...last))
                display.close()

                // Away: two calls at the other terminal.
                #expect(try await post(staff, "/v1/counters/A1/call-next", key: "c2", "{}") == .ok)
                #expect(try await post(staff, "/v1/counters/A2/call-next", key: "c3", "{}") == .ok)

                let back = try await DisplayStream.open(events, token: token, lastEventID: last)
                defer { back.close() }
                let missed = await back.next(2)
                #expect(missed == [
                    DisplayMessage(id: last + 1, kind: "called", number: "A002", counter: "A1"),
                    DisplayMessage(id: last + 2, kind: "called", number: "A003", counter: "A2"),
                ])
                // Then live, without a repeat: the next event is the next number.
                #expect(try await post(staff, "/v1/tickets/\(try ticketID(firstApplication, "A003"))/finish", key: "f1", "{}") == .ok)
                #expect(await back.next(1) == [DisplayMessage(id: last + 3, kind: "finished", number: "A003", counter: "A2")])

                // "Now serving" for the display, and where its stream would resume.
                var displayHeaders = HTTPFields()
                displayHeaders[.authorization] = "Bearer \(token)"
                let queue = try await secondClient.execute(uri: "/v1/display/queue", method: .get, headers: displayHeaders)
                #expect(queue.status == .ok)
                let board = try queue.decoded(DisplayQueueView.self)
                #expect(board.lastEventId == String(last + 3))
                let hukou = try #require(board.services.first { $0.serviceId == "hukou" })
                // A001 was called and never finished: still called, but A1 has called A002 since.
                #expect(hukou.nowServing.map { "\($0.number) at \($0.counter)" } == ["A002 at A1"])
                // As at a stop: the feed closes, and the open streams end, so the server can stop.
                await secondApplication.queueFeed?.close()
            }
        }
    }

    func ticketID(_ application: KioskApplication, _ number: String) async throws -> Int64 {
        let clock = BookingRoutesTests.Clock("2026-09-28T10:00:00+08:00")
        let serving = try await application.bookings.servingTickets(serviceIDs: ["hukou"], now: clock.now)
        return try #require(serving.first { $0.number == number }).id
    }
}
