import Access
import Foundation
import Hummingbird
import HummingbirdTesting
@testable import KioskApp
@testable import Telemetry
@testable import Peripherals
import KioskServer
import KioskTesting
import Testing

/// `/metrics` as a technician's Prometheus scrapes it: the devices, the queue, the session, and
/// never a citizen's name or ID number in a label (the attacker: whoever reads the monitoring).
@Suite("Terminal metrics")
struct TerminalMetricsTests {
    static let config = """
        [[services]]
        id = "hukou"
        name_zh = "户籍业务"
        name_en = "Household registration"
        duration_minutes = 20
        counters = ["A1"]
        """

    /// Samples of `text` by metric name: (labels, value) each.
    static func samples(_ text: String) -> [String: [(labels: [String: String], value: Double)]] {
        var result: [String: [(labels: [String: String], value: Double)]] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            let series = line[..<space]
            let name = String(series.prefix { $0 != "{" })
            var labels: [String: String] = [:]
            if let open = series.firstIndex(of: "{") {
                for pair in series[series.index(after: open)..<series.index(before: series.endIndex)].split(separator: ",") {
                    let parts = pair.split(separator: "=", maxSplits: 1)
                    labels[String(parts[0])] = String(parts[1].dropFirst().dropLast())
                }
            }
            result[name, default: []].append((labels, value))
        }
        return result
    }

    /// The application's devices, event forwarding and metrics listener running, and a client.
    static func running(_ application: KioskApplication, _ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let devices = application.devices
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            for service in devices.services { tasks.addTask { try await service.run() } }
            tasks.addTask { try await application.eventForwarder.run() }
            tasks.addTask { await application.terminalMetrics.run() }
            defer { tasks.cancelAll() }
            try await application.makeHTTPServer().test(.router) { client in try await body(client) }
        }
    }

    @Test func devicesQueueAndSessionAreScrapedWithoutPersonalData() async throws {
        let installation = try TestInstallation(config: Self.config)
        defer { installation.remove() }
        let application = try await KioskApplication.onTestInstallation(installation)
        let devices = application.devices
        try await Self.running(application) { client in
            // A citizen's card on the reader and their session open, the printer out of paper.
            let presented = try await client.execute(
                uri: "/v1/simulator/cards", method: .post, body: ByteBuffer(string: #"{"fixture":"resident"}"#))
            #expect(presented.status == .noContent)
            _ = try await eventually { await devices.cards.presented() != nil }
            let card = try #require(await devices.cards.presented())
            let session = try await client.execute(
                uri: "/v1/sessions", method: .post, body: ByteBuffer(string: #"{"formId":"residence-permit"}"#))
            #expect(session.status == .created)
            let technician = SignedInClient(base: client, authorization: try await application.bearer(client, role: .technician))
            _ = try await technician.execute(uri: "/v1/simulator/printer", method: .post, body: ByteBuffer(string: #"{"paper":"out"}"#))
            let failed = try await technician.execute(uri: "/v1/devices/printer-simulated/health-checks", method: .post,
                                                      body: ByteBuffer(string: #"{"level":"external"}"#))
            #expect(failed.status == .created)
            for _ in 0..<100 { await Task.yield() }

            let text = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            let samples = Self.samples(text)
            func value(_ name: String, _ labels: [String: String]) -> Double? {
                samples[name]?.first { sample in labels.allSatisfy { sample.labels[$0.key] == $0.value } }?.value
            }
            #expect(value("kiosk_printer_paper", ["device": "printer-simulated", "paper": "out"]) == 1)
            #expect(value("kiosk_printer_paper", ["device": "printer-simulated", "paper": "ok"]) == 0)
            #expect(value("kiosk_device_state", ["device": "printer-simulated", "state": "error"]) == 1)
            #expect(value("kiosk_device_up", ["device": "printer-simulated", "kind": "receiptPrinter"]) == 1)
            #expect(value("kiosk_printer_cover_open", ["device": "printer-simulated"]) == 0)
            #expect(value("kiosk_printer_jobs_printed", ["device": "printer-simulated"]) == 0)
            #expect(value("kiosk_reader_cards_read", [:]).map { $0 >= 1 } == true)
            #expect(value("kiosk_device_seconds_since_success", ["device": "printer-simulated"]).map { $0 >= 0 } == true)
            #expect(value("kiosk_queue_waiting", ["service": "hukou"]) == 0)
            #expect(value("kiosk_citizen_sessions_open", [:]) == 1)
            #expect(value("kiosk_outbox_records", ["state": "pending"]) == 0)

            // No label value carries anything of a person: only the bounded vocabulary.
            let labelValues = samples.values.flatMap { $0 }.flatMap { $0.labels.values }
            #expect(!labelValues.isEmpty)
            for label in labelValues {
                #expect(label.unicodeScalars.allSatisfy { $0.isASCII && !CharacterSet.whitespaces.contains($0) }, "\(label)")
                #expect(label.count <= 64, "\(label)")
                #expect(label.range(of: #"\d{6,}"#, options: .regularExpression) == nil, "\(label)")
            }
            let number = try #require(card.facts.documentNumber)
            let name = try #require(card.facts.name)
            #expect(!text.contains(number) && !text.contains(String(number.suffix(8))) && !text.contains(name))
        }
    }

    /// Faults are counted by device and code as they are reported.
    @Test func faultsAreCountedByCode() async throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        let application = try await KioskApplication.onTestInstallation(installation)
        try await Self.running(application) { client in
            // The fault goes printer → forwarder → terminal events → metrics: both listen first.
            try #require(try await eventually {
                let printer = await application.devices.printerEvents.subscriberCount
                let terminal = await application.devices.events.subscriberCount
                return printer > 0 && terminal > 0
            })
            let technician = SignedInClient(base: client, authorization: try await application.bearer(client, role: .technician))
            _ = try await technician.execute(uri: "/v1/simulator/printer", method: .post, body: ByteBuffer(string: #"{"cover":"open"}"#))
            var count: Double?
            _ = try await eventually {
                let text = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
                count = Self.samples(text)["kiosk_device_faults_total"]?
                    .first { $0.labels == ["device": "printer-simulated", "code": "coverOpen"] }?.value
                return count != nil
            }
            #expect(count == 1)
        }
    }
}
