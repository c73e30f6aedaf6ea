import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import KioskApp
import KioskCore
@testable import KioskServer
import KioskTesting
import Testing

/// "Now serving" on `/v1/queue` comes from the district store: a ticket called at one terminal's
/// counter shows at another terminal of the district, number and counter only.
@Suite("District queue: now serving, across terminals")
struct DistrictQueueDisplayTests {
    @Test func aTicketCalledThroughOneTerminalShowsAsNowServingAtAnother() async throws {
        try await PrivatePostgres.withPrivate { cluster in try await self.twoTerminals(on: cluster) }
    }

    func twoTerminals(on cluster: PrivatePostgres) async throws {
        let first = try TestInstallation(config: "database = \"\(cluster.url())\"\n" + BookingRoutesTests.config)
        defer { first.remove() }
        let second = try TestInstallation(config: "database = \"\(cluster.url())\"\n[terminal]\nid = \"T02\"\n" + BookingRoutesTests.config)
        defer { second.remove() }
        // The district's key taken out of the store beforehand, for both terminals, with a
        // generous deadline (a loaded machine must not look like an unreachable store).
        try await KioskApplication.prepareTestDistrict(on: cluster, keyInto: [first, second])
        let firstApplication = try await KioskApplication.onTestDistrict(first)
        let secondApplication = try await KioskApplication.onTestDistrict(second)
        let runners = [firstApplication, secondApplication].map { application in Task { await application.district!.run() } }
        defer { runners.forEach { $0.cancel() } }
        let clock = BookingRoutesTests.Clock("2026-09-28T10:00:00+08:00")
        var firstDependencies = firstApplication.serverDependencies
        firstDependencies.booking?.now = { clock.now }
        var secondDependencies = secondApplication.serverDependencies
        secondDependencies.booking?.now = { clock.now }
        let document = try OpenAPIDocument.load()
        let secondFrozen = secondDependencies
        try await Application(router: KioskRoutes.router(firstDependencies)).test(.router) { firstBase in
            try await Application(router: KioskRoutes.router(secondFrozen)).test(.router) { secondBase in
                let firstClient = DocumentedClient(base: firstBase, document: document)
                let secondClient = DocumentedClient(base: secondBase, document: document)
                let staff = try await firstApplication.signedIn(firstClient, role: .staff)
                var headers = HTTPFields()
                headers[.contentType] = "application/json"
                for key in ["t1", "t2"] {
                    headers[HTTPField.Name("Idempotency-Key")!] = key
                    #expect(try await secondClient.execute(uri: "/v1/tickets", method: .post, headers: headers,
                                                           body: ByteBuffer(string: #"{"serviceId":"hukou"}"#)).status == .created)
                }
                headers[HTTPField.Name("Idempotency-Key")!] = "c1"
                #expect(try await staff.execute(uri: "/v1/counters/A1/call-next", method: .post, headers: headers,
                                                 body: ByteBuffer(string: "{}")).status == .ok)

                let queue = try await secondClient.execute(uri: "/v1/queue", method: .get).decoded([QueueView].self)
                let hukou = try #require(queue.first { $0.serviceId == "hukou" })
                #expect(hukou.nowServing.map { "\($0.number) at \($0.counter)" } == ["A001 at A1"])
                #expect(hukou.numbers == ["A002"])
                #expect(queue.first { $0.serviceId == "notary" }?.nowServing.isEmpty == true)
            }
        }
    }
}
