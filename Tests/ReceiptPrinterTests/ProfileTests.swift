import ESCPOS
import Testing
import USBTransport
@testable import ReceiptPrinter

@Suite struct ProfileTests {
    @Test func shippedProfilesLoadAndMatchByVendorAndProduct() throws {
        let catalog = try shippedProfiles()
        #expect(catalog.profiles.map(\.id).sorted() == ["epson-tm-t88", "generic-escpos", "rongta-80", "xprinter-58", "xprinter-80"])
        #expect(catalog.match(usb(0x0416, 0x5011))?.id == "xprinter-80")
        #expect(catalog.match(usb(0x04B8, 0x0E15))?.id == "epson-tm-t88")
        #expect(catalog.match(usb(0x0FE6, 0x811E))?.id == "rongta-80")
        #expect(catalog.match(usb(0x0416, 0x9999))?.id == "generic-escpos")
        #expect(catalog.match(usb(0x1D6B, 0x0002, classes: [0: 9])) == nil)   // a USB hub is no printer
    }

    /// A vendor alone names only its printers: a touch controller (HID), a USB-serial bridge
    /// (CDC) or a device that shows no interfaces of a printer vendor is never taken for one.
    @Test func aVendorAloneMatchesOnlyPrinterClassInterfaces() throws {
        let catalog = try shippedProfiles()
        #expect(catalog.match(usb(0x0483, 0x91D1, classes: [0: 3])) == nil)          // STMicro touch controller
        #expect(catalog.match(usb(0x0483, 0x5740, classes: [0: 2, 1: 10])) == nil)   // STMicro virtual COM port
        #expect(catalog.match(usb(0x0483, 0x7777, classes: [:])) == nil)
        #expect(catalog.match(usb(0x0483, 0x7777, classes: [0: 7]))?.id == "generic-escpos")
        // The profile's own interface must be the printer: class 7 on another interface is not enough.
        #expect(catalog.match(usb(0x0483, 0x7777, classes: [0: 3, 1: 7])) == nil)
        // An exact pair is the profile's word for that model, whatever its class.
        #expect(catalog.match(usb(0x0483, 0x5720, classes: [0: 0xFF]))?.id == "xprinter-58")
    }

    func usb(_ vendor: UInt16, _ product: UInt16, classes: [UInt8: UInt8] = [0: 7]) -> USBDeviceInfo {
        USBDeviceInfo(id: USBDeviceID(vendorID: vendor, productID: product, bus: 1, address: 2), interfaceClasses: classes)
    }

    /// `devices.printer_profile` with a name no profile has: refused, naming the profiles there are.
    @Test func aForcedProfileMustExist() throws {
        let catalog = try shippedProfiles()
        let printer = PrinterAddress.usb(vendorID: 0x0416, productID: 0x5011, serial: nil)
        #expect(try ForcedProfile("xprinter-58", on: printer, catalog: catalog, directory: "Devices/profiles").profile.id == "xprinter-58")
        let error = #expect(throws: DefinitionFileError.self) {
            try ForcedProfile("xprinter-85", on: printer, catalog: catalog, directory: "Devices/profiles")
        }
        #expect(error?.code == "unknownPrinterProfile")
        #expect(error?.message.en.contains("no profile xprinter-85 (profiles: epson-tm-t88, generic-escpos, rongta-80, xprinter-58, xprinter-80)") == true)
    }

    @Test func theXprinterProfileInFull() throws {
        let profile = try #require(try shippedProfiles().profile(id: "xprinter-80"))
        #expect(profile == DeviceProfile(
            printer: PrinterProfile(
                id: "xprinter-80", name: "Xprinter / Zjiang 80 mm", paperWidthDots: 576,
                columns: .init(fontA: 48, fontB: 64), codePage: .pc437, codePageNumber: 0,
                features: .init(qrCode: true, barcodes: [.code128, .code39, .ean13], cutter: .partial, gb18030: true,
                                rasterImage: true)),
            printerProtocol: .escpos,
            usb: USBMatch(patterns: [.init(vendorID: 0x0416, productID: 0x5011)], interface: 0, outEndpoint: 0x01,
                          inEndpoint: 0x81)))
    }

    static let good = """
        id: test
        name: Test
        protocol: escpos
        usb:
          match: ["0416:5011"]
          endpoints: {out: "0x01", in: "0x81"}
        paper_width_dots: 576
        columns: {font_a: 48, font_b: 64}
        code_page: pc437
        code_page_number: 0
        """

    func error(replacing old: String, with new: String) -> DefinitionFileError? {
        let yaml = Self.good.replacingOccurrences(of: old, with: new)
        do {
            _ = try DeviceProfile.decode(yaml: yaml, file: "profiles/test.yaml")
            return nil
        } catch {
            return error
        }
    }

    @Test func aGoodProfileDecodesWithDefaults() throws {
        let profile = try DeviceProfile.decode(yaml: Self.good, file: "test.yaml")
        #expect(profile.printer.features == PrinterProfile.Features())
        #expect(profile.usb?.interface == 0)
    }

    @Test func malformedProfilesNameTheFileAndLine() {
        let wrongDirection = error(replacing: #"in: "0x81""#, with: #"in: "0x02""#)
        #expect(wrongDirection?.line == 6)
        #expect(wrongDirection?.code == "invalidValue")
        #expect(wrongDirection?.message.en.hasPrefix("profiles/test.yaml:6: usb.endpoints.in is invalid") == true)

        let badPattern = error(replacing: #"match: ["0416:5011"]"#, with: "match:\n    - \"0416:5011\"\n    - \"printer\"")
        #expect(badPattern?.line == 7)

        let badWidth = error(replacing: "paper_width_dots: 576", with: "paper_width_dots: wide")
        #expect(badWidth?.line == 7)

        let zeroColumns = error(replacing: "font_a: 48", with: "font_a: 0")
        #expect(zeroColumns?.line == 8)

        let missing = error(replacing: "code_page: pc437\n", with: "")
        #expect(missing?.code == "missingKey")
        #expect(missing?.line == 1)
        #expect(missing?.message.en == "profiles/test.yaml:1: missing key code_page")

        let unknownProtocol = error(replacing: "protocol: escpos", with: "protocol: zpl")
        #expect(unknownProtocol?.line == 3)

        let syntax = error(replacing: "columns: {font_a: 48, font_b: 64}", with: "columns: {font_a: 48, font_b: 64")
        #expect(syntax?.code == "yamlSyntax")
        #expect(syntax?.line == 9)
    }
}
