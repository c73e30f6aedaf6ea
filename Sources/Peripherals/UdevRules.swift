import CardReader
import Foundation
import Hosting
import ReceiptPrinter

/// The udev rules that let the `kiosk` group, and no one else, open the USB devices the
/// terminal's profiles describe (`Devices/udev/60-kiosk.rules`, installed by the package):
/// derived from the profiles, so a new profile cannot be forgotten in the rules.
public enum UdevRules {
    /// A USB id as udev matches it; `product` nil is every *printer* of the vendor (a device
    /// with an interface of the USB printer class, 7), never its other devices.
    public struct Match: Sendable, Hashable, Comparable, CustomStringConvertible {
        public var vendor: UInt16
        public var product: UInt16?

        public init(vendor: UInt16, product: UInt16?) {
            self.vendor = vendor
            self.product = product
        }

        public var description: String { Self.hex(vendor) + ":" + (product.map(Self.hex) ?? "*") }

        public static func < (a: Match, b: Match) -> Bool {
            (a.vendor, a.product ?? 0, a.product == nil ? 0 : 1) < (b.vendor, b.product ?? 0, b.product == nil ? 0 : 1)
        }

        static func hex(_ value: UInt16) -> String {
            let digits = String(value, radix: 16)
            return String(repeating: "0", count: 4 - digits.count) + digits
        }
    }

    /// One rule line as the file grants it.
    public struct Grant: Sendable, Equatable {
        public var match: Match
        /// The line asks for a printer-class interface (`ENV{ID_USB_INTERFACES}=="*:07????:*"`).
        public var printersOnly: Bool
        public var mode: String?
        public var group: String?
        /// The rest of the line's assignments (`TAG+="uaccess"`, `OWNER=…`): none is expected.
        public var others: [String]
    }

    public static let group = "kiosk"
    public static let mode = "0660"
    /// `usb_id` lists a device's interfaces as `:CCSSPP:` (class, subclass, protocol in hex).
    public static let printerInterface = #"ENV{ID_USB_INTERFACES}=="*:07????:*""#

    /// Every USB id a profile of `devicesDirectory/profiles` (printers) or `profiles/readers`
    /// matches, with the profiles that match it.
    public static func profileMatches(devicesDirectory: String) throws -> [Match: [String]] {
        var matches: [Match: [String]] = [:]
        for profile in try ProfileCatalog.load(directory: devicesDirectory + "/profiles").profiles {
            for pattern in profile.usb?.patterns ?? [] {
                matches[Match(vendor: pattern.vendorID, product: pattern.productID), default: []].append(profile.id)
            }
        }
        for reader in try ReaderProfile.load(directory: URL(fileURLWithPath: devicesDirectory + "/profiles/readers")) {
            if case .usb(let usb) = reader.connection {
                matches[Match(vendor: usb.vendorID, product: usb.productID), default: []].append(reader.id)
            }
        }
        return matches
    }

    /// The rules file for `matches` (id → profiles), each line saying which profiles it serves.
    public static func render(_ matches: [Match: [String]]) -> String {
        var text = """
            # kiosk: the `kiosk` group (and no one else) may open the terminal's USB receipt printers
            # and ID card readers through libusb. Made by `kiosk devices udev-rules` from the device
            # profiles (Devices/profiles); a test fails when this file and the profiles differ.

            # A vendor alone (vendor:*) is granted only for devices with a printer-class interface:
            # a touch controller of a printer vendor stays out of the kiosk group's reach.

            ACTION!="add|change", GOTO="kiosk_end"
            SUBSYSTEM!="usb", GOTO="kiosk_end"
            ENV{DEVTYPE}!="usb_device", GOTO="kiosk_end"
            IMPORT{builtin}="usb_id"


            """
        for match in matches.keys.sorted() {
            text += "# \(match) " + (matches[match] ?? []).sorted().joined(separator: ", ") + "\n"
            var line = "ATTR{idVendor}==\"\(Match.hex(match.vendor))\""
            if let product = match.product {
                line += ", ATTR{idProduct}==\"\(Match.hex(product))\""
            } else {
                line += ", " + printerInterface
            }
            text += line + ", MODE=\"\(mode)\", GROUP=\"\(group)\"\n"
        }
        return text + "\nLABEL=\"kiosk_end\"\n"
    }

    /// The grants of a rules file: every line that matches `ATTR{idVendor}`.
    public static func grants(in text: String) -> [Grant] {
        text.split(separator: "\n").compactMap { line -> Grant? in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.hasPrefix("#") else { return nil }
            var vendor: UInt16?, product: UInt16?, mode: String?, group: String?
            var printersOnly = false
            var others: [String] = []
            for part in trimmed.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) {
                if let value = Self.value(part, "ATTR{idVendor}==") { vendor = UInt16(value, radix: 16) }
                else if let value = Self.value(part, "ATTR{idProduct}==") { product = UInt16(value, radix: 16) }
                else if let value = Self.value(part, "MODE=") { mode = value }
                else if let value = Self.value(part, "GROUP=") { group = value }
                else if part == printerInterface { printersOnly = true }
                else { others.append(part) }
            }
            guard let vendor else { return nil }
            return Grant(match: Match(vendor: vendor, product: product), printersOnly: printersOnly, mode: mode, group: group,
                         others: others)
        }
    }

    private static func value(_ part: String, _ key: String) -> String? {
        guard part.hasPrefix(key) else { return nil }
        let value = part.dropFirst(key.count)
        guard value.count >= 2, value.first == "\"", value.last == "\"" else { return nil }
        return String(value.dropFirst().dropLast())
    }
}
