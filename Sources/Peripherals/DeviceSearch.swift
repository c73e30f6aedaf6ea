import CardReader
import DeviceKit
import Foundation
import Hosting
import KioskConfig
import KioskCore
import ReceiptPrinter

/// What the terminal looks for in `devices.mode`, in words a technician can check against
/// `lsusb` and the cables: said when nothing, or not the device asked for, is found.
public struct DeviceSearch: Sendable {
    let mode: Configuration.DeviceMode
    let printers: [String]
    let readers: [String]

    public init(_ configuration: Configuration) {
        mode = configuration.deviceMode
        let profiles = URL(fileURLWithPath: configuration.devicesDirectory).appendingPathComponent("profiles")
        let catalog = try? ProfileCatalog.load(directory: profiles.path)
        printers = (catalog?.profiles ?? []).flatMap { profile in
            (profile.usb?.patterns ?? []).map { pattern in
                "\(Self.hex(pattern.vendorID)):\(pattern.productID.map(Self.hex) ?? "*") (\(profile.id))"
            }
        }
        let readerProfiles = (try? ReaderProfile.load(directory: profiles.appendingPathComponent("readers"))) ?? []
        readers = readerProfiles.map { profile in
            switch profile.connection {
            case .usb(let usb): "\(Self.hex(usb.vendorID)):\(Self.hex(usb.productID)) (\(profile.id))"
            case .serial(let serial): "\(serial.paths.joined(separator: ", ")) (\(profile.id))"
            }
        }
    }

    /// One line: what this mode looks for and where.
    public var lookedFor: String {
        switch mode {
        case .simulated: "the simulated printer and reader"
        case .usb, .cups:
            (mode == .cups ? "receipt printers: the queues of the CUPS server" : "receipt printers on USB: " + list(printers))
                + "; ID card readers: " + list(readers)
        }
    }

    /// `kiosk devices list` with nothing found.
    public var nothingFound: LocalizedText {
        .init(zh: "在 \(mode.rawValue) 模式下没有找到任何设备。查找的是：\(lookedFor)。请检查电源和数据线、lsusb 的输出以及 udev 规则（Devices/udev/）",
              en: "no devices found in \(mode.rawValue) mode; looked for \(lookedFor). Check the power and cables, "
                + "what lsusb shows, and the udev rules (Devices/udev/)")
    }

    /// What device `id` is, read from its name: kiosk names USB devices by their ids and serial
    /// number (`printer-usb-0416-5011-ZJ20250001`), so a technician learns what to plug in.
    public func describe(_ id: String) -> String? {
        let parts = id.split(separator: "-", maxSplits: 4).map(String.init)
        guard parts.count >= 4, parts[1] == "usb", let vendor = UInt16(parts[2], radix: 16), let product = UInt16(parts[3], radix: 16)
        else {
            if id.hasPrefix("idcard-serial-") { return "the ID card reader on /dev/\(id.dropFirst("idcard-serial-".count))" }
            if id.hasPrefix("printer-cups-") { return "the receipt printer of the CUPS queue \(id.dropFirst("printer-cups-".count))" }
            return nil
        }
        let kind = parts[0] == "printer" ? "receipt printer" : "ID card reader"
        let serial = parts.count > 4 ? ", serial number \(parts[4])" : ""
        return "the USB \(kind) \(Self.hex(vendor)):\(Self.hex(product))\(serial)"
    }

    private func list(_ items: [String]) -> String {
        items.isEmpty ? "none (no profile in Devices/profiles names one)" : items.joined(separator: ", ")
    }

    static func hex(_ value: UInt16) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 4 - digits.count) + digits
    }
}
