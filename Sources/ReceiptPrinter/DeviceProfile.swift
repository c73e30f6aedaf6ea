import ESCPOS
import Foundation
import KioskCore
import USBTransport

/// One file of `Devices/profiles/`: how to find a printer model on USB and what it can print.
/// The printing part is `ESCPOS.PrinterProfile`, decoded from the same mapping.
///
/// ```yaml
/// id: xprinter-80
/// name: Xprinter / Zjiang 80 mm
/// protocol: escpos
/// usb:
///   match: ["0416:5011"]     # vendor:product in hex, as lsusb prints them; "0416:*" any printer
///                            # (USB interface class 7) of the vendor, never its other devices
///   interface: 0
///   endpoints: {out: "0x01", in: "0x81"}
/// paper_width_dots: 576
/// columns: {font_a: 48, font_b: 64}
/// code_page: pc437
/// code_page_number: 0
/// features: {qr_code: true, barcodes: [code128], cutter: partial, gb18030: true, raster_image: true}
/// ```
public struct DeviceProfile: Sendable, Equatable, Decodable {
    public enum PrinterProtocol: String, Sendable, Equatable, Decodable {
        case escpos
    }

    public var printer: PrinterProfile
    public var printerProtocol: PrinterProtocol
    public var usb: USBMatch?

    public var id: String { printer.id }

    public init(printer: PrinterProfile, printerProtocol: PrinterProtocol = .escpos, usb: USBMatch?) {
        self.printer = printer
        self.printerProtocol = printerProtocol
        self.usb = usb
    }

    enum CodingKeys: String, CodingKey {
        case printerProtocol = "protocol"
        case usb
    }

    public init(from decoder: any Decoder) throws {
        printer = try PrinterProfile(from: decoder)
        let container = try decoder.container(keyedBy: CodingKeys.self)
        printerProtocol = try container.decode(PrinterProtocol.self, forKey: .printerProtocol)
        usb = try container.decodeIfPresent(USBMatch.self, forKey: .usb)
    }

    /// Reads one profile file; a problem names the file and line.
    public static func load(contentsOf path: String) throws(DefinitionFileError) -> DeviceProfile {
        try DefinitionFile.load(DeviceProfile.self, contentsOf: path)
    }

    public static func decode(yaml: String, file: String) throws(DefinitionFileError) -> DeviceProfile {
        try DefinitionFile.decode(DeviceProfile.self, yaml: yaml, file: file)
    }
}

/// The USB side of a profile: which devices it describes and where to talk to them.
public struct USBMatch: Sendable, Equatable, Decodable {
    public struct Pattern: Sendable, Equatable {
        public var vendorID: UInt16
        /// nil: any product of the vendor.
        public var productID: UInt16?
    }

    public var patterns: [Pattern]
    public var interface: UInt8
    public var outEndpoint: UInt8
    public var inEndpoint: UInt8

    public init(patterns: [Pattern], interface: UInt8 = 0, outEndpoint: UInt8 = 0x01, inEndpoint: UInt8 = 0x81) {
        self.patterns = patterns
        self.interface = interface
        self.outEndpoint = outEndpoint
        self.inEndpoint = inEndpoint
    }

    /// How specifically the profile names this device: 2 for vendor and product, 1 for the
    /// vendor only, nil when it does not match. A vendor alone names only a device whose
    /// interface (the profile's) is of the USB printer class: a touch controller or a
    /// serial bridge of the same vendor is not a printer.
    public func specificity(vendorID: UInt16, productID: UInt16, interfaceClasses: [UInt8: UInt8]) -> Int? {
        patterns.compactMap { pattern -> Int? in
            guard pattern.vendorID == vendorID else { return nil }
            guard let product = pattern.productID else {
                return interfaceClasses[interface] == USBDeviceInfo.printerClass ? 1 : nil
            }
            return product == productID ? 2 : nil
        }.max()
    }

    enum CodingKeys: String, CodingKey {
        case match, interface, endpoints
    }

    enum EndpointKeys: String, CodingKey {
        case out, `in`
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        var list = try container.nestedUnkeyedContainer(forKey: .match)
        var patterns: [Pattern] = []
        while !list.isAtEnd {
            let text = try list.decode(String.self)
            guard let pattern = Self.pattern(text) else {
                throw DecodingError.dataCorrupted(.init(
                    codingPath: list.codingPath + [IndexKey(list.currentIndex - 1)],
                    debugDescription: "expected vendor:product in hex, such as 0416:5011 or 0416:*"))
            }
            patterns.append(pattern)
        }
        guard !patterns.isEmpty else {
            throw DecodingError.dataCorruptedError(forKey: .match, in: container, debugDescription: "lists no device")
        }
        self.patterns = patterns
        interface = try container.decodeIfPresent(UInt8.self, forKey: .interface) ?? 0
        let endpoints = try container.nestedContainer(keyedBy: EndpointKeys.self, forKey: .endpoints)
        outEndpoint = try Self.endpoint(endpoints, .out, direction: 0x00)
        inEndpoint = try Self.endpoint(endpoints, .in, direction: 0x80)
    }

    private static func pattern(_ text: String) -> Pattern? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0].count == 4, let vendor = UInt16(parts[0], radix: 16) else { return nil }
        if parts[1] == "*" { return Pattern(vendorID: vendor, productID: nil) }
        guard parts[1].count == 4, let product = UInt16(parts[1], radix: 16) else { return nil }
        return Pattern(vendorID: vendor, productID: product)
    }

    /// An endpoint address in hex ("0x81"); its direction bit must match the key.
    private static func endpoint(
        _ container: KeyedDecodingContainer<EndpointKeys>, _ key: EndpointKeys, direction: UInt8
    ) throws -> UInt8 {
        let text = try container.decode(String.self, forKey: key)
        let digits = text.hasPrefix("0x") || text.hasPrefix("0X") ? text.dropFirst(2) : text[...]
        guard let address = UInt8(digits, radix: 16), address & 0x80 == direction, address & 0x0F != 0 else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: container,
                debugDescription: "expected a \(direction == 0 ? "bulk OUT (0x01...0x0F)" : "bulk IN (0x81...0x8F)") endpoint address in hex")
        }
        return address
    }

    private struct IndexKey: CodingKey {
        var stringValue: String { "\(intValue ?? 0)" }
        var intValue: Int?
        init(_ index: Int) { intValue = index }
        init?(stringValue: String) { nil }
        init?(intValue: Int) { self.intValue = intValue }
    }
}

/// Every profile of `Devices/profiles/`, and the choice of one for a USB device.
public struct ProfileCatalog: Sendable, Equatable {
    /// The profile used when no other matches a device, and for CUPS queues.
    public static let genericID = "generic-escpos"

    public let profiles: [DeviceProfile]

    public init(_ profiles: [DeviceProfile]) {
        self.profiles = profiles
    }

    /// Loads every `*.yaml` of `directory` (`Devices/profiles`); fails on the first bad file
    /// and when two files share an id.
    public static func load(directory: String) throws(DefinitionFileError) -> ProfileCatalog {
        var profiles: [DeviceProfile] = []
        for file in DefinitionFile.yamlFiles(in: directory) {
            let profile = try DeviceProfile.load(contentsOf: file)
            guard !profiles.contains(where: { $0.id == profile.id }) else {
                throw DefinitionFileError(code: "duplicateProfile", file: file, line: 1,
                                          detail: .init(zh: "配置 \(profile.id) 重复", en: "profile \(profile.id) is defined twice"))
            }
            profiles.append(profile)
        }
        return ProfileCatalog(profiles)
    }

    public func profile(id: String) -> DeviceProfile? { profiles.first { $0.id == id } }

    public var generic: DeviceProfile? { profile(id: Self.genericID) }

    /// The profile naming the device most specifically (vendor and product before vendor only,
    /// which needs a printer-class interface); nil when none does.
    public func match(_ device: USBDeviceInfo) -> DeviceProfile? {
        var best: (profile: DeviceProfile, specificity: Int)?
        for profile in profiles {
            guard let specificity = profile.usb?.specificity(
                vendorID: device.vendorID, productID: device.productID, interfaceClasses: device.interfaceClasses) else { continue }
            if specificity > (best?.specificity ?? 0) { best = (profile, specificity) }
        }
        return best?.profile
    }
}
