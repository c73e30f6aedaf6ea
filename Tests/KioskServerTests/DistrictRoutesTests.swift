import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import KioskApp
import KioskCore
@testable import KioskServer
import KioskTesting
import Logging
import StoragePostgres
import Testing

/// A terminal in district mode over HTTP, with its district store (a private PostgreSQL) taken
/// away: bookings get 503 `districtStoreUnavailable`, `/readyz` stays ready with a warning, and
/// the technician sees the state and the outbox; every answer is checked against docs/openapi.yaml.
@Suite("District mode over HTTP")
struct DistrictRoutesTests {
    @Test func anUnreachableDistrictStoreRefusesBookingsAndShowsInReadinessAndDiagnostics() async throws {
        try await PrivatePostgres.withPrivate { cluster in try await self.offlineTerminal(on: cluster) }
    }

    func offlineTerminal(on cluster: PrivatePostgres) async throws {
        try await KioskApplication.districtTerminal(on: cluster) { application, client in
            let technician = try await application.signedIn(client, role: .technician)

            let online = try await technician.execute(uri: "/v1/district", method: .get).decoded(DistrictStatus.self)
            #expect(online.mode == "district" && online.state == "ready", "\(online)")
            #expect(online.store?.hasPrefix("postgres://kiosk@127.0.0.1:") == true)
            let slots = try await client.execute(uri: "/v1/services/hukou/slots?from=2026-10-08", method: .get).decoded([SlotView].self)
            let slotID = try #require(slots.first?.id)

            try await cluster.stopServer()
            var headers = HTTPFields()
            headers[HTTPField.Name("Idempotency-Key")!] = "h-offline"
            headers[.contentType] = "application/json"
            let hold = try await client.execute(uri: "/v1/holds", method: .post, headers: headers,
                                                body: ByteBuffer(string: #"{"slotId":"\#(slotID)","idNumber":"\#(BookingRoutesTests.idNumber)"}"#))
            #expect(hold.status == .serviceUnavailable)
            let problem = try hold.decoded(Problem.self)
            #expect(problem.code == "districtStoreUnavailable")
            #expect(problem.messages.zh.contains("区域预约系统"))

            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .ok)
            let components = try ready.decoded(ReadinessReport.self).components
            let districtComponent = try #require(components.first { $0.name == "district" })
            #expect(districtComponent.detail?.contains("unreachable; outbox: 0 pending") == true)
            #expect(districtComponent.warnings?.isEmpty == false)

            // The queue goes on: a walk-in ticket numbered by the terminal, a rating kept for later.
            headers[HTTPField.Name("Idempotency-Key")!] = "w-offline"
            let ticket = try await client.execute(uri: "/v1/tickets", method: .post, headers: headers,
                                                  body: ByteBuffer(string: #"{"serviceId":"hukou"}"#))
            #expect(ticket.status == .created)
            #expect(try ticket.decoded(TicketView.self).number == "T01-A001")
            headers[HTTPField.Name("Idempotency-Key")!] = "r-offline"
            let rating = try await client.execute(uri: "/v1/tickets/7/rating", method: .post, headers: headers,
                                                  body: ByteBuffer(string: #"{"score":5,"ratingToken":"0123456789abcdef0123456789abcdef"}"#))
            #expect(rating.status == .accepted)
            let deferred = try rating.decoded(DeferredView.self)
            #expect(deferred.queued && deferred.code == "queuedForDistrict")

            let offline = try await technician.execute(uri: "/v1/district", method: .get).decoded(DistrictStatus.self)
            #expect(offline.state == "unreachable")
            // The technician learns why (the citizen's message above stays the same).
            #expect(offline.cause == "connectionRefused")
            #expect(offline.reason?.en.hasPrefix("nothing accepts connections at 127.0.0.1:\(cluster.port)") == true)
            #expect(offline.outbox?.pending == 2)
        }
    }

    @Test func aLoneTerminalSaysSo() async throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        let application = try await KioskApplication.onTestInstallation(installation)
        let document = try OpenAPIDocument.load()
        try await application.makeHTTPServer().test(.router) { base in
            let client = DocumentedClient(base: base, document: document)
            #expect(try await client.execute(uri: "/v1/district", method: .get).status == .unauthorized)
            let technician = try await application.signedIn(client, role: .technician)
            #expect(try await technician.execute(uri: "/v1/district", method: .get).decoded(DistrictStatus.self) == .standalone)
        }
    }
}
