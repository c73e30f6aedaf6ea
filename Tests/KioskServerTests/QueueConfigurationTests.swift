import Booking
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KioskApp
import KioskConfig
import KioskCore
@testable import KioskServer
import KioskTesting
import Logging
import Testing

/// `[queue]` of kiosk.conf reaching the walk-in tickets of a running terminal.
@Suite("Queue configuration over HTTP")
struct QueueConfigurationTests {
    static let config = """
    [queue]
    default_prefix = "W"
    elderly_age = 80
    average_service_minutes = 7
    walk_in_cutoff_minutes = 30

    [queue.prefixes]
    hukou = "H"

    [[services]]
    id = "hukou"
    name_zh = "户籍业务"
    name_en = "Household registration"
    duration_minutes = 20
    counters = ["A1", "A2"]

    [[services]]
    id = "notary"
    name_zh = "公证"
    name_en = "Notarisation"
    duration_minutes = 60
    counters = ["N1"]
    """

    static func validID(_ first17: String) -> String {
        first17 + String(ResidentIDNumber.checkCharacter(forFirst17: first17)!)
    }

    @Test func prefixesElderlyAgeWaitEstimateAndCutoffComeFromTheConfiguration() async throws {
        let installation = try TestInstallation(config: Self.config)
        let application = try await KioskApplication.onTestInstallation(installation)
        let clock = BookingRoutesTests.Clock("2026-10-08T16:00:00+08:00")
        var dependencies = application.serverDependencies
        dependencies.booking?.now = { clock.now }
        let cards = CardDesk()
        dependencies.booking?.cards = cards
        let app = Application(router: KioskRoutes.router(dependencies))
        try await app.test(.router) { client in
            func walkIn(_ key: String, _ json: String) async throws -> TestResponse {
                try await client.execute(
                    uri: "/v1/tickets", method: .post,
                    headers: [.contentType: "application/json", HTTPField.Name("Idempotency-Key")!: key],
                    body: ByteBuffer(string: json))
            }
            // Born 1 January 1950: 76, elderly under the default 65 but not under elderly_age = 80.
            let issued = try await walkIn("w1", #"{"serviceId":"hukou","idNumber":"\#(Self.validID("11010519500101003"))"}"#)
            #expect(issued.status == .created)
            let first = try issued.decoded(TicketView.self)
            #expect(first.number == "H001")
            #expect(first.priority == .ordinary)
            // Born 1 January 1945: 81, read from the card (a typed number gives no priority).
            await cards.present(.init(facts: IDCardFacts(documentNumber: Self.validID("11010519450101002")), summary: .init(
                cardType: "resident", maskedNumber: "110105********0002", failedChecks: [])))
            let second = try await walkIn("w2", #"{"serviceId":"hukou","useCard":true}"#).decoded(TicketView.self)
            #expect(second.priority == .elderly)
            let third = try await walkIn("w3", #"{"serviceId":"hukou"}"#).decoded(TicketView.self)
            #expect(third.number == "H003")
            // Two ahead, 7 minutes each, two counters: 7 minutes.
            #expect(third.ahead?.value == 2 && third.estimatedWaitMinutes?.value == 7)
            let notary = try await walkIn("w4", #"{"serviceId":"notary"}"#).decoded(TicketView.self)
            #expect(notary.number == "W001")

            clock.set("2026-10-08T16:29:00+08:00")
            #expect(try await walkIn("w5", #"{"serviceId":"notary"}"#).status == .created)
            clock.set("2026-10-08T16:30:00+08:00")
            let refused = try await walkIn("w6", #"{"serviceId":"notary"}"#)
            #expect(try refused.status.code == 422 && refused.decoded(Problem.self).code == "hallClosedForWalkIns")
        }
    }
}
