import Foundation
import KioskTesting
import Testing
@testable import KioskConfig

/// `[devices] printer_profile`: a profile forced on the pinned printer, refused when no profile
/// file has that id or when no printer is pinned.
@Suite("devices.printer_profile")
struct PrinterProfileSettingTests {
    let scratch: ScratchDirectory

    init() throws {
        scratch = try ScratchDirectory(prefix: "kiosk-printer-profile")
        for folder in ["Forms", "Devices/profiles"] {
            try FileManager.default.createDirectory(atPath: "\(scratch.path)/\(folder)", withIntermediateDirectories: true)
        }
        try "# 58 mm\nid: xprinter-58\nname: Xprinter 58 mm\n".write(
            toFile: scratch.path + "/Devices/profiles/xprinter-58.yaml", atomically: true, encoding: .utf8)
        try "id: \"generic-escpos\"   # the fallback\nname: Generic\n".write(
            toFile: scratch.path + "/Devices/profiles/generic-escpos.yaml", atomically: true, encoding: .utf8)
    }

    func load(_ text: String) throws(ConfigurationErrors) -> Configuration {
        try ConfigurationLoader.load(text: text, path: "kiosk.conf", baseDirectory: scratch.path, environment: [:])
    }

    func problems(_ text: String) -> [String] {
        do {
            _ = try load(text)
            return []
        } catch {
            return error.problems.map(\.description)
        }
    }

    @Test func aProfileOfTheDevicesDirectoryIsTakenForThePinnedPrinter() throws {
        let configuration = try load("[devices]\nprinter = \"usb:0416:5011\"\nprinter_profile = \"xprinter-58\"\n")
        #expect(configuration.printerProfile == "xprinter-58")
        #expect(try load("[devices]\nprinter = \"cups:receipt\"\nprinter_profile = \"generic-escpos\"\n").printerProfile == "generic-escpos")
        #expect(try load("").printerProfile == nil)
    }

    @Test func aProfileNoFileHasIsRefusedWithItsLineAndTheProfilesThereAre() {
        let found = problems("[devices]\nprinter = \"usb:0416:5011\"\nprinter_profile = \"xprinter-85\"\n")
        #expect(found == ["kiosk.conf:3: devices.printer_profile: no profile 'xprinter-85' in \(scratch.path)/Devices/profiles; "
            + "did you mean 'xprinter-58'? (profiles: generic-escpos, xprinter-58)"])
    }

    @Test func aProfileWithoutAPinnedPrinterIsRefused() {
        let found = problems("[devices]\nprinter_profile = \"xprinter-58\"\n")
        #expect(found == ["kiosk.conf:2: devices.printer_profile: 'xprinter-58' needs devices.printer, the printer it applies to"])
    }
}
