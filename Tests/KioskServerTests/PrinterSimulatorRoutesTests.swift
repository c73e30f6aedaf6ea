import Access
import DeviceKit
import Foundation
import ESCPOS
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import KioskApp
@testable import Peripherals
import KioskConfig
import KioskServer
import KioskTesting
import Logging
import ReceiptPrinter
import Testing

@Suite("The simulated printer over HTTP")
struct PrinterSimulatorRoutesTests {
    let installation: TestInstallation
    let application: KioskApplication

    init() async throws {
        installation = try TestInstallation()
        application = try await KioskApplication.onTestInstallation(installation)
    }

    func printerState(_ response: TestResponse) throws -> SimulatedPrinterState {
        #expect(response.status == .ok)
        return try JSONDecoder().decode(SimulatedPrinterState.self, from: Data(response.body.readableBytesView))
    }

    func change(_ client: some TestClientProtocol, _ body: String) async throws -> TestResponse {
        try await client.execute(uri: "/v1/simulator/printer", method: .post, body: ByteBuffer(string: body))
    }

    func counters(_ client: some TestClientProtocol) async throws -> [String: Int64] {
        let response = try await client.execute(uri: "/v1/devices/printer-simulated/statistics", method: .get)
        let list = try JSONDecoder().decode([CounterView].self, from: Data(response.body.readableBytesView))
        return Dictionary(uniqueKeysWithValues: list.map { ($0.name, $0.value) })
    }

    struct CounterView: Decodable {
        var name: String
        var value: Int64
    }

    func code(_ response: TestResponse) throws -> String? {
        try response.decoded(Problem.self).code
    }

    /// Events of the terminal's stream (what `/v1/events` sends) until `done` says enough, or
    /// what came within 30 s (a limit for a failing run only).
    func events(_ stream: AsyncStream<TerminalEvent>, until done: @escaping @Sendable ([TerminalEvent]) -> Bool) async -> [TerminalEvent] {
        await withTaskGroup(of: [TerminalEvent]?.self) { group in
            group.addTask {
                var seen: [TerminalEvent] = []
                for await event in stream {
                    seen.append(event)
                    if done(seen) { break }
                }
                return seen
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(30))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first ?? []
        }
    }

    @Test func paperAndCoverChangesAreDeviceEventsAndCounted() async throws {
        let devices = application.devices
        let stream = await devices.events.subscribe()
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await application.eventForwarder.run() }
            defer { tasks.cancelAll() }
            // As before this wait had a limit: past it the test goes on, and a missed event fails it below.
            _ = try await eventually { await devices.printerEvents.subscriberCount > 0 }

            try await application.makeHTTPServer().test(.router) { citizen in
                let client = try await application.signedIn(citizen, role: .technician)
                let initial = try printerState(try await client.execute(uri: "/v1/simulator/printer", method: .get))
                #expect(initial.deviceId == "printer-simulated")
                #expect(initial.state == .idle)
                #expect(initial.status.paper == .ok && initial.status.cover == .closed)
                #expect(initial.paperLinesRemaining == SimulatedPrinter.fullRoll)
                #expect(initial.bytesAccepted == 0)

                let out = try printerState(try await change(client, #"{"paper":"out"}"#))
                #expect(out.state == .error)
                #expect(out.status.paper == .out)
                #expect(out.paperLinesRemaining == 0)
                #expect(try await counters(client)["paperOutCount"] == 1)

                let opened = try printerState(try await change(client, #"{"cover":"open"}"#))
                #expect(opened.status.cover == .open)
                #expect(try await counters(client)["coverOpenCount"] == 1)

                let fixed = try printerState(try await change(client, #"{"paper":"ok","cover":"closed"}"#))
                #expect(fixed.state == .idle)
                #expect(fixed.status.paper == .ok && fixed.status.cover == .closed)

                let nearEnd = try printerState(try await change(client, #"{"paper":"nearEnd"}"#))
                #expect(nearEnd.state == .idle)
                #expect(nearEnd.status.paper == .nearEnd)
                #expect(nearEnd.paperLinesRemaining == SimulatedPrinter.nearEndLines)
                let afterNearEnd = try await counters(client)
                #expect(afterNearEnd["paperNearEndCount"] == 1)
                #expect(afterNearEnd["paperOutCount"] == 1)

                // A test print goes through the simulated printer: bytes taken, paper used.
                let check = try await client.execute(
                    uri: "/v1/devices/printer-simulated/health-checks", method: .post, body: ByteBuffer(string: #"{"level":"external"}"#))
                #expect(check.status == .created)
                let printed = try printerState(try await client.execute(uri: "/v1/simulator/printer", method: .get))
                #expect(printed.bytesAccepted > 0)
                #expect(printed.jobsCompleted == 1)
                #expect(printed.cuts == 1)
                #expect(printed.paperLinesRemaining < SimulatedPrinter.nearEndLines)
            }

            let seen = await events(stream) { seen in
                seen.contains { $0.type == .deviceStatus && $0.status?.paper == .nearEnd }
            }
            let printer = seen.filter { $0.deviceId == "printer-simulated" }
            #expect(printer.contains { $0.type == .deviceStatus && $0.status?.paper == .out })
            #expect(printer.contains { $0.type == .deviceFault && $0.fault?.code == "paperOut" && $0.fault?.action == .clear })
            #expect(printer.contains { $0.type == .deviceState && $0.state == .error })
            #expect(printer.contains { $0.type == .deviceStatus && $0.status?.cover == .open })
            #expect(printer.contains { $0.type == .deviceState && $0.state == .idle })
            #expect(printer.contains { $0.type == .deviceStatus && $0.status?.paper == .nearEnd })
        }
    }

    @Test func paperCanRunOutInTheMiddleOfAJob() async throws {
        try await application.makeHTTPServer().test(.router) { citizen in
                let client = try await application.signedIn(citizen, role: .technician)
            let short = try printerState(try await change(client, #"{"paperLines":3}"#))
            #expect(short.paperLinesRemaining == 3)
            #expect(short.status.paper == .nearEnd)
            let check = try await client.execute(
                uri: "/v1/devices/printer-simulated/health-checks", method: .post, body: ByteBuffer(string: #"{"level":"external"}"#))
            #expect(try check.decoded(HealthCheckResult.self).passed == false)
            let after = try printerState(try await client.execute(uri: "/v1/simulator/printer", method: .get))
            #expect(after.status.paper == .out)
            #expect(after.state == .error)
            #expect(after.bytesAccepted > 0)
            #expect(after.jobsCompleted == 0)
            #expect(try await counters(client)["paperOutCount"] == 1)
        }
    }

    @Test func theLastReceiptShowsTheNewestJobEvenWhenItFailed() async throws {
        try await application.makeHTTPServer().test(.router) { citizen in
                let client = try await application.signedIn(citizen, role: .technician)
            let none = try await client.execute(uri: "/v1/devices/printer-simulated/last-receipt", method: .get)
            #expect(none.status == .notFound)
            #expect(try code(none) == "noPrintJob")
            let reader = try await client.execute(uri: "/v1/devices/idcard-simulated/last-receipt", method: .get)
            #expect(reader.status == .notFound)
            #expect(try code(reader) == "notAReceiptPrinter")
            #expect(try code(try await client.execute(uri: "/v1/devices/nothing/last-receipt", method: .get)) == "deviceNotFound")

            _ = try await change(client, #"{"paper":"out"}"#)
            let printer = try #require(await application.devices.manager.device(id: "printer-simulated") as? ReceiptPrinterDevice)
            let receipt = Receipt([.text("维修测试 Maintenance", alignment: .center), .keyValue(label: "编号", value: "T-0001"), .cut])
            let job = try await printer.print(receipt, templateID: "test", reference: "T-0001")
            #expect(job.state == .failed(reason: "paperOut"))

            let preview = try await client.execute(uri: "/v1/devices/printer-simulated/last-receipt", method: .get)
            #expect(preview.status == .ok)
            #expect(preview.headers[HTTPField.Name("Kiosk-Print-Job-State")!] == "failed")
            #expect(preview.headers[HTTPField.Name("Kiosk-Print-Job-Reference")!] == "T-0001")
            #expect(String(buffer: preview.body) == ReceiptRenderer.preview(receipt, profile: printer.profile))
        }
    }

    @Test func badChangesAreRefusedAndChangeNothing() async throws {
        try await application.makeHTTPServer().test(.router) { citizen in
                let client = try await application.signedIn(citizen, role: .technician)
            for (body, expected) in [
                (#"{"paper":"empty"}"#, "invalidField"), (#"{"cover":true}"#, "invalidField"),
                (#"{"colour":"red"}"#, "unknownField"), ("{}", "nothingToChange"),
                (#"{"paperLines":-1}"#, "invalidField"), (#"{"paperLines":2.5}"#, "invalidField"),
                (#"{"paper":"out","paperLines":3}"#, "conflictingFields"), ("[1]", "badRequest"),
            ] {
                let response = try await change(client, body)
                #expect(response.status == .badRequest, "\(body)")
                #expect(try code(response) == expected, "\(body)")
            }
            let state = try printerState(try await client.execute(uri: "/v1/simulator/printer", method: .get))
            #expect(state.status.paper == .ok && state.status.cover == .closed)
            #expect(state.paperLinesRemaining == SimulatedPrinter.fullRoll)
        }
    }

    @Test func aTerminalWithoutASimulatedPrinterSaysSo() async throws {
        var dependencies = application.serverDependencies
        dependencies.devices.printerSimulator = nil
        try await Application(router: KioskRoutes.router(dependencies)).test(.router) { citizen in
                let client = try await application.signedIn(citizen, role: .technician)
            for response in [
                try await client.execute(uri: "/v1/simulator/printer", method: .get),
                try await change(client, #"{"paper":"out"}"#),
            ] {
                #expect(response.status == .notFound)
                #expect(try code(response) == "noSimulatedPrinter")
                #expect(response.headers[.contentType] == "application/problem+json")
            }
        }
    }
}
