import DeviceKit
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KioskApp
@testable import KioskServer
import KioskTesting
import Testing

/// A technician's external health check prints a test page; until now the last-receipt preview
/// then answered `noPrintJob` and `jobsPrinted` stayed 0. A test print is a job like any other.
@Suite struct TestPrintTests {
    @Test func theTestPageIsTheLastReceiptAndCounts() async throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        let application = try await KioskApplication.onTestInstallation(installation)
        try await application.makeHTTPServer().test(.router) { citizen in
            let technician = try await application.signedIn(citizen, role: .technician)
            let none = try await technician.execute(uri: "/v1/devices/printer-simulated/last-receipt", method: .get)
            #expect(none.status == .notFound)

            let check = try await technician.execute(
                uri: "/v1/devices/printer-simulated/health-checks", method: .post, body: ByteBuffer(string: #"{"level":"external"}"#))
            #expect(check.status == .created)

            let preview = try await technician.execute(uri: "/v1/devices/printer-simulated/last-receipt", method: .get)
            #expect(preview.status == .ok)
            #expect(preview.headers[HTTPField.Name("Kiosk-Print-Job-Test")!] == "true")
            #expect(preview.headers[HTTPField.Name("Kiosk-Print-Job-Reference")!] == "test print")
            #expect(preview.headers[HTTPField.Name("Kiosk-Print-Job-State")!] == "printed")
            #expect(String(buffer: preview.body).contains("Test print"))

            let statistics = try await technician.execute(uri: "/v1/devices/printer-simulated/statistics", method: .get)
                .decoded([Statistic].self)
            #expect(statistics.first { $0.name == "jobsPrinted" }?.value == 1)
        }
    }
}
