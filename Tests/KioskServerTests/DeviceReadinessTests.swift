import Access
import Foundation
import Hummingbird
import HummingbirdTesting
@testable import KioskApp
import KioskConfig
import KioskServer
import KioskTesting
import Testing

/// `/readyz` and the devices a terminal cannot serve without (`devices.required`): a missing or
/// faulted required device makes it 503 with the reason; paper near its end is a warning. The
/// technician's monitoring sees an empty printer before the next citizen does.
@Suite("Readiness and the required devices")
struct DeviceReadinessTests {
    func devices(_ installation: TestInstallation, after change: String? = nil) async throws -> (HTTPResponse.Status, ReadinessReport.Component) {
        let application = try await KioskApplication.onTestInstallation(installation)
        return try await application.makeHTTPServer().test(.router) { client in
            if let change {
                let technician = SignedInClient(base: client, authorization: try await application.bearer(client, role: .technician))
                let changed = try await technician.execute(uri: "/v1/simulator/printer", method: .post, body: ByteBuffer(string: change))
                #expect(changed.status == .ok)
            }
            let response = try await client.execute(uri: "/readyz", method: .get)
            let report = try JSONDecoder().decode(ReadinessReport.self, from: Data(response.body.readableBytesView))
            return (response.status, try #require(report.components.first { $0.name == "devices" }))
        }
    }

    @Test func bothSimulatedDevicesMakeTheTerminalReady() async throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        let (status, devices) = try await devices(installation)
        #expect(status == .ok)
        #expect(devices.ready)
        #expect(devices.detail?.contains("printer-simulated") == true)
    }

    @Test func aPrinterOutOfPaperMakesItNotReadyWithTheReason() async throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        let (status, devices) = try await devices(installation, after: #"{"paper": "out"}"#)
        #expect(status == .serviceUnavailable)
        #expect(!devices.ready)
        #expect(devices.reason?.en == "paper out: printer-simulated")
        #expect(devices.reason?.zh == "打印机缺纸：printer-simulated")
    }

    @Test func anOpenCoverMakesItNotReady() async throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        let (status, devices) = try await devices(installation, after: #"{"cover": "open"}"#)
        #expect(status == .serviceUnavailable)
        #expect(devices.reason?.en == "cover open: printer-simulated")
    }

    @Test func paperNearItsEndIsAWarning() async throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        let (status, devices) = try await devices(installation, after: #"{"paper": "nearEnd"}"#)
        #expect(status == .ok)
        #expect(devices.ready)
        #expect(devices.warnings == ["paper near end: printer-simulated"])
    }

    /// A terminal that only checks in bookings may run without its printer: then an empty
    /// printer is a warning, not a reason.
    @Test func aPrinterNotRequiredIsOnlyAWarning() async throws {
        let installation = try TestInstallation(config: "[devices]\nrequired = [\"idcard\"]\n")
        defer { installation.remove() }
        let (status, devices) = try await devices(installation, after: #"{"paper": "out"}"#)
        #expect(status == .ok)
        #expect(devices.warnings == ["paper out: printer-simulated"])
    }

    /// No printer and no reader at all (libusb finds none on this machine's bus).
    @Test func missingRequiredDevicesAreNamed() async throws {
        let installation = try TestInstallation(config: "[devices]\nmode = \"usb\"\n")
        defer { installation.remove() }
        let (status, devices) = try await devices(installation)
        #expect(status == .serviceUnavailable)
        #expect(devices.reason?.en.contains("no receipt printer is connected") == true)
        #expect(devices.reason?.en.contains("no ID card reader is connected") == true)
    }

    @Test func theRequiredListIsChecked() throws {
        let base = try TestInstallation()
        defer { base.remove() }
        for (text, message) in [("[\"printer\", \"scanner\"]", "'scanner' is not one of printer, idcard"),
                                ("[\"printer\", \"printer\"]", "'printer' is listed twice"),
                                ("\"printer\"", "expected an array of strings, found a string")] {
            let error = #expect(throws: ConfigurationErrors.self) {
                try ConfigurationLoader.load(text: "[devices]\nrequired = \(text)\n", path: base.configPath,
                                             baseDirectory: base.root, environment: [:])
            }
            #expect(error?.description.contains(message) == true, "\(error?.description ?? "no error")")
        }
        let none = try ConfigurationLoader.load(text: "", path: base.configPath, baseDirectory: base.root,
                                                environment: ["KIOSK_DEVICES_REQUIRED": ""])
        #expect(none.requiredDevices == [])
        let both = try ConfigurationLoader.load(text: "", path: base.configPath, baseDirectory: base.root, environment: [:])
        #expect(both.requiredDevices == [.printer, .idcard])
    }
}
