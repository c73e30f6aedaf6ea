import Foundation
import Hummingbird
import HummingbirdTesting
@testable import KioskApp
import KioskCore
import KioskServer
import KioskTesting
import Telemetry
import Testing

/// A terminal started without the printer it requires: no device of that kind at all, so the
/// heartbeat used to list nothing wrong and the fleet view showed the terminal fine. The
/// technician must see it missing, and what to bring.
@Suite("A required device missing, in the fleet view")
struct MissingDeviceFleetTests {
    /// `usb` mode with nothing on this machine's bus: no printer, no reader.
    @Test(.enabled(if: USBEmulator.current == nil, "beside the emulator a device is plugged in"))
    func aTerminalWithoutItsRequiredPrinterShowsItMissing() async throws {
        let installation = try TestInstallation(config: "[devices]\nmode = \"usb\"\nrequired = [\"printer\"]\n")
        defer { installation.remove() }
        let application = try await KioskApplication.onTestInstallation(installation)
        let beat = await application.heartbeat.compose()
        #expect(!beat.devices.contains { $0.kind == "receiptPrinter" && $0.fault != "deviceMissing" })
        #expect(beat.devices.filter { $0.kind == "receiptPrinter" }
            == [TerminalHeartbeat.Device(id: "receiptPrinter", kind: "receiptPrinter", state: "offline", fault: "deviceMissing")])
        // The reader is not required here: its absence is no problem of this terminal.
        #expect(!beat.devices.contains { $0.kind == "idCardReader" })

        try await Application(router: KioskRoutes.router(application.serverDependencies)).test(.router) { base in
            let client = DocumentedClient(base: base, document: try OpenAPIDocument.load())
            let technician = try await application.signedIn(client, role: .technician)
            let fleet = try await technician.execute(uri: "/v1/fleet", method: .get)
            #expect(fleet.status == .ok)
            let terminal = try #require(try fleet.decoded(FleetView.self).terminals.first)
            #expect(terminal.problems == [FleetProblem(code: "deviceMissing", deviceId: "receiptPrinter", deviceKind: "receiptPrinter")])
            #expect(terminal.bring == [.usbCable, .receiptPrinter])
        }
    }

    /// With its printer there (simulated), the terminal lists no missing device.
    @Test func aTerminalWithItsDevicesListsNoneMissing() async throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        let application = try await KioskApplication.onTestInstallation(installation)
        let beat = await application.heartbeat.compose()
        #expect(Set(beat.devices.map(\.kind)).isSuperset(of: ["receiptPrinter", "idCardReader"]))
        #expect(!beat.devices.contains { $0.fault == "deviceMissing" })
    }
}
