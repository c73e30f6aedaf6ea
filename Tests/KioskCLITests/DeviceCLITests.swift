import Foundation
import KioskTesting
import Testing

@Suite("kiosk devices, diag, receipt and idcard", .waitsOffPool)
struct DeviceCLITests {
    @Test func simulatedDevicesAreListedAndChecked() throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        let list = try KioskProcess.run(["devices", "list"], in: installation.root)
        #expect(list.status == 0, "\(list.stderr)")
        let ids = list.stdout.split(separator: "\n").map { String($0.split(separator: "\t")[0]) }
        #expect(ids.contains("printer-simulated"))
        #expect(ids.contains("idcard-simulated"))

        let health = try KioskProcess.run(["diag", "health", "printer-simulated", "--level", "external", "--json"], in: installation.root)
        #expect(health.status == 0)
        let result = try JSONDecoder().decode(HealthCheck.self, from: Data(health.stdout.utf8))
        #expect(result.passed)
        #expect(result.level == "external")

        let missing = try KioskProcess.run(["diag", "health", "no-such-device"], in: installation.root)
        #expect(missing.status == 1)
        #expect(missing.stderr.hasPrefix("kiosk: no device no-such-device"))
    }

    /// Under the printer: what it said about itself, what its profile can do, today's receipts.
    @Test func devicesListShowsThePrintersFirmwareCapabilitiesAndToday() throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        _ = try KioskProcess.run(["diag", "health", "printer-simulated", "--level", "external"], in: installation.root)
        let list = try KioskProcess.run(["devices", "list"], in: installation.root)
        #expect(list.status == 0, "\(list.stderr)")
        let lines = list.stdout.split(separator: "\n").map(String.init)
        let printer = try #require(lines.firstIndex { $0.hasPrefix("printer-simulated\t") })
        #expect(lines[printer + 1] == "  firmware simulated; reports itself as Simulated receipt printer by kiosk")
        #expect(lines[printer + 2].hasPrefix("  profile generic-escpos: 80 mm paper, 576 dots, "), "\(lines[printer + 2])")
        #expect(lines[printer + 2].contains("QR code no"), "the generic profile does not assume a printer draws QR codes")
        #expect(lines[printer + 3].hasPrefix("  today 20") && lines[printer + 3].contains(": 1 receipts, "), "\(lines[printer + 3])")
    }

    /// `devices.printer_profile` naming no profile stops every command with the line to fix.
    @Test func anUnknownForcedProfileIsAConfigurationError() throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        let environment = ["KIOSK_DEVICES_PRINTER": "usb:0416:5011", "KIOSK_DEVICES_PRINTER_PROFILE": "xprinter-85"]
        let list = try KioskProcess.run(["devices", "list"], environment: environment, in: installation.root)
        #expect(list.status != 0)
        #expect(list.stderr.contains("KIOSK_DEVICES_PRINTER_PROFILE (environment): devices.printer_profile: no profile 'xprinter-85' in "),
                "\(list.stderr)")
        let check = try KioskProcess.run(["config", "check"], environment: environment, in: installation.root)
        #expect(check.status != 0)
    }

    @Test func countersSurviveAndResetOneByOne() throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        _ = try KioskProcess.run(["diag", "health", "printer-simulated", "--level", "external"], in: installation.root)
        let stats = try KioskProcess.run(["diag", "stats", "printer-simulated"], in: installation.root)
        let jobs = stats.stdout.split(separator: "\n").first { $0.hasPrefix("paperCuts\t") }
        #expect(jobs?.split(separator: "\t")[1] == "1", "a test print counted in a previous process is still there")
        let reset = try KioskProcess.run(["diag", "stats", "printer-simulated", "--reset", "paperCuts"], in: installation.root)
        #expect(reset.status == 0)
        let after = try KioskProcess.run(["diag", "stats", "printer-simulated"], in: installation.root)
        #expect(after.stdout.split(separator: "\n").first { $0.hasPrefix("paperCuts\t") }?.split(separator: "\t")[1] == "0")
    }

    @Test func receiptRenderWritesESCPOSBytes() throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        let data = #"{"hall":"测试政务服务中心","matter":"居住证申领","reference":"S01-20261129-0001","applicantIdLabel":"身份证号","applicantId":"110101198506150019","time":"2026-11-29 10:00","progressCode":"P1:S01-20261129-0001:abcdefghijkl","nextSteps":["等待审核"]}"#
        try data.write(toFile: installation.root + "/data.json", atomically: true, encoding: .utf8)
        let result = try KioskProcess.run(
            ["receipt", "render", "filing-receipt", "--data", "data.json", "--profile", "xprinter-80", "--out", "out.bin"], in: installation.root)
        #expect(result.status == 0, "\(result.stderr)")
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: installation.root + "/out.bin")))
        #expect(Array(bytes.prefix(2)) == [0x1B, 0x40])
        // The full number never reaches the paper; the masked form does.
        #expect(!bytes.windows(ofCount: 18).contains { $0.elementsEqual(Array("110101198506150019".utf8)) })
        #expect(bytes.windows(ofCount: 18).contains { $0.elementsEqual(Array("110101********0019".utf8)) })

        let unknown = try KioskProcess.run(["receipt", "render", "nope", "--data", "data.json", "--out", "-"], in: installation.root)
        #expect(unknown.status == 1)
        #expect(unknown.stderr.hasPrefix("kiosk: "))
    }

    @Test func idcardDecodeRefusesAMalformedFrame() throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        let result = try KioskProcess.start(["idcard", "decode", "--hex"], in: installation.root, stdin: "AA AA AA 96 69 00 04 00 00 90 FF")
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("kiosk: "))
        #expect(result.stdout.isEmpty)
    }
}

extension Array {
    func windows(ofCount count: Int) -> [ArraySlice<Element>] {
        guard self.count >= count else { return [] }
        return (0...(self.count - count)).map { self[$0..<($0 + count)] }
    }
}

/// A technician sets `devices.mode = "usb"` with nothing plugged in (the case on this machine,
/// unless the umockdev emulator runs beside the test): kiosk says so and what it looked for.
@Suite("kiosk devices with nothing plugged in", .waitsOffPool)
struct NothingPluggedInTests {
    @Test(.enabled(if: USBEmulator.current == nil, "beside the emulator a device is plugged in"))
    func devicesListSaysNothingWasFoundAndFails() throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        let usb = ["KIOSK_DEVICES_MODE": "usb"]
        let list = try KioskProcess.run(["devices", "list"], environment: usb, in: installation.root)
        #expect(list.status == 1)
        #expect(list.stdout.isEmpty)
        #expect(list.stderr.hasPrefix("kiosk: no devices found in usb mode; looked for receipt printers on USB: "), "\(list.stderr)")
        #expect(list.stderr.contains("0416:5011 (xprinter-80)") && list.stderr.contains("0400:c35a (ga467-usb-0400-c35a)"))

        let health = try KioskProcess.run(["diag", "health", "printer-usb-0416-5011-ZJ20250001"], environment: usb, in: installation.root)
        #expect(health.status == 1)
        #expect(health.stderr.hasPrefix("kiosk: no device printer-usb-0416-5011-ZJ20250001 (the USB receipt printer 0416:5011, "
            + "serial number ZJ20250001): it is not plugged in, or the system does not see it (see lsusb); no device was found at all; "
            + "looked for receipt printers on USB: "), "\(health.stderr)")
    }
}

/// The command Devices/simulators/usb/README.md documents: kiosk run as the emulator's child.
/// The emulator's own variables no longer start with `KIOSK_` (which kiosk takes for
/// configuration keys and refused). Runs in `Devices/simulators/usb/run-under-umockdev.sh`.
@Suite("kiosk beside the emulated USB printer", .waitsOffPool)
struct EmulatedPrinterCLITests {
    @Test(.enabled(if: USBEmulator.printer != nil, "needs Devices/simulators/usb/printer.py"))
    func devicesListFindsTheEmulatedPrinter() async throws {
        try await USBEmulator.printer?.reset()
        let installation = try TestInstallation()
        defer { installation.remove() }
        #expect(ProcessInfo.processInfo.environment.keys.contains("USBSIM_DEVICE"))
        let list = try KioskProcess.run(["devices", "list"], environment: ["KIOSK_DEVICES_MODE": "usb"], in: installation.root)
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stdout.contains("printer-usb-0416-5011-ZJ20250001\treceiptPrinter\t"), "\(list.stdout)")
    }
}
