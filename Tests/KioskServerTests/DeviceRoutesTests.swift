import DeviceKit
import Foundation
import Hummingbird
import HummingbirdTesting
@testable import KioskApp
@testable import Peripherals
import KioskConfig
@testable import KioskServer
import KioskTesting
import Logging
import ServiceLifecycle
import Testing

@Suite("Device endpoints and the simulated reader")
struct DeviceRoutesTests {
    let installation: TestInstallation
    let application: KioskApplication

    init() async throws {
        installation = try TestInstallation()
        application = try await KioskApplication.onTestInstallation(installation)
    }

    @Test func devicesHealthChecksAndStatistics() async throws {
        try await application.makeHTTPServer().test(.router) { client in
            let list = try await client.execute(uri: "/v1/devices", method: .get).decoded([DeviceView].self)
            let reader = try #require(list.first { $0.info.id == "idcard-simulated" })
            #expect(reader.info.kind == .idCardReader)

            // Diagnostics are closed to the citizen at the screen.
            let refused = try await client.execute(
                uri: "/v1/devices/idcard-simulated/health-checks", method: .post, body: ByteBuffer(string: #"{"level":"internal"}"#))
            #expect(refused.status == .unauthorized)
            let asStaff = try await client.execute(
                uri: "/v1/devices/idcard-simulated/statistics", method: .get,
                headers: [.authorization: try await application.bearer(client, role: .staff)])
            #expect(asStaff.status == .forbidden)

            let technician: HTTPFields = [.authorization: try await application.bearer(client, role: .technician)]
            let check = try await client.execute(
                uri: "/v1/devices/idcard-simulated/health-checks", method: .post, headers: technician,
                body: ByteBuffer(string: #"{"level":"internal"}"#))
            #expect(check.status == .created)
            let result = try check.decoded(HealthCheckResult.self)
            #expect(result.level == .internal)
            #expect(result.passed)

            let badLevel = try await client.execute(
                uri: "/v1/devices/idcard-simulated/health-checks", method: .post, headers: technician,
                body: ByteBuffer(string: #"{"level":"deep"}"#))
            #expect(badLevel.status == .badRequest)

            let stats = try await client.execute(uri: "/v1/devices/idcard-simulated/statistics", method: .get, headers: technician)
                .decoded([Statistic].self)
            #expect(Set(stats.map(\.name)).isSuperset(of: ["goodReads", "failedReads", "samErrors"]))
            let reset = try await client.execute(uri: "/v1/devices/idcard-simulated/statistics/goodReads/reset", method: .post, headers: technician)
            #expect(reset.status == .ok)
            let unknown = try await client.execute(uri: "/v1/devices/idcard-simulated/statistics/nonsense/reset", method: .post, headers: technician)
            #expect(unknown.status == .notFound)
            #expect(try await client.execute(uri: "/v1/devices/no-such", method: .get).status == .notFound)
        }
    }

    /// A card placed on the simulated reader fills in the first step of a new filing, and is
    /// forgotten by the terminal when it is taken away.
    @Test func aPresentedCardPrefillsTheSession() async throws {
        let devices = application.devices
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            for service in devices.services { tasks.addTask { try await service.run() } }
            tasks.addTask { try await application.eventForwarder.run() }
            defer { tasks.cancelAll() }

            try await application.makeHTTPServer().test(.router) { client in
                let events = await devices.events.subscribe()
                let presented = try await client.execute(
                    uri: "/v1/simulator/cards", method: .post, body: ByteBuffer(string: #"{"fixture":"resident"}"#))
                #expect(presented.status == .noContent)
                #expect(await events.first(within: .seconds(10)) { $0.type == .cardPresented } != nil)
                let card = try #require(await devices.cards.presented())
                #expect(card.summary.cardType == "resident")
                #expect(card.summary.maskedNumber.contains("********"))

                let started = try await client.execute(
                    uri: "/v1/sessions", method: .post, body: ByteBuffer(string: #"{"formId":"residence-permit"}"#)).decoded(SessionView.self)
                let name = try #require(card.facts.name)
                #expect(started.screen?.fields.first { $0.id == "name" }?.value == .string(name))
                #expect(!name.isEmpty)

                _ = try await client.execute(uri: "/v1/simulator/cards", method: .delete)
                #expect(await events.first(within: .seconds(10)) { $0.type == .cardRemoved } != nil)
                #expect(await devices.cards.presented() == nil)
            }
        }
    }
}
