import DeviceKit
import Foundation
import Hummingbird
import HummingbirdTesting
@testable import KioskApp
@testable import Telemetry
@testable import KioskServer
import KioskTesting
import Testing

/// What a technician reads about the printer from afar: what it says it is (`GS I`), what its
/// profile can do, and how many receipts it printed today, kept across a restart.
@Suite("Printer identity, capabilities and receipts per day")
struct PrinterDayTests {
    static func receiptsToday(_ application: KioskApplication, _ client: any TestClientProtocol) async throws -> (device: Int?, metric: Double?) {
        let view = try await client.execute(uri: "/v1/devices/printer-simulated", method: .get)
        let daily = try #require(try view.decoded(DeviceView.self).daily)
        #expect(daily.count == 7)
        let today = daily.last?.counts["receiptsPrinted"].map(Int.init)
        let text = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
        let metric = TerminalMetricsTests.samples(text)["kiosk_printer_receipts_today"]?
            .first { $0.labels == ["device": "printer-simulated"] }?.value
        return (today, metric)
    }

    @Test func theDevicePageShowsIdentityCapabilitiesAndTodaysReceiptsAcrossARestart() async throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        var application = try await KioskApplication.onTestInstallation(installation)
        try await TerminalMetricsTests.running(application) { [application] client in
            let view = try await client.execute(uri: "/v1/devices/printer-simulated", method: .get)
            let info = try view.decoded(DeviceView.self).info
            #expect(info.reported == ReportedIdentity(manufacturer: "kiosk", model: "Simulated receipt printer", firmware: "simulated"))
            let capabilities = try #require(info.capabilities)
            #expect(capabilities.qrCode == false, "the generic profile does not assume QR codes")
            #expect(capabilities.paperWidthDots == 576)
            #expect(capabilities.paperWidthMillimetres == 80)
            #expect(capabilities.codePage != nil)

            let before = try await Self.receiptsToday(application, client)
            #expect(before.device == nil && before.metric == 0)
            let technician = SignedInClient(base: client, authorization: try await application.bearer(client, role: .technician))
            for _ in 0..<2 {
                let check = try await technician.execute(uri: "/v1/devices/printer-simulated/health-checks", method: .post,
                                                         body: ByteBuffer(string: #"{"level":"external"}"#))
                #expect(check.status == .created)
            }
            let after = try await Self.receiptsToday(application, client)
            #expect(after.device == 2 && after.metric == 2)
        }
        application = try await KioskApplication.onTestInstallation(installation)   // a restart
        try await TerminalMetricsTests.running(application) { [application] client in
            let restarted = try await Self.receiptsToday(application, client)
            #expect(restarted.device == 2 && restarted.metric == 2)
        }
    }
}
