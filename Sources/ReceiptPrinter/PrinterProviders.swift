import CUPSTransport
import DeviceKit
import Foundation
import KioskCore
import Logging
import USBTransport

/// What the device layer needs from the composition root to build printers.
public struct PrinterEnvironment: Sendable {
    public var jobs: any PrintJobStore
    public var statistics: any StatisticsStore
    public var events: EventBus<DeviceEvent>
    public var logger: Logger

    public init(jobs: any PrintJobStore, statistics: any StatisticsStore, events: EventBus<DeviceEvent>, logger: Logger) {
        self.jobs = jobs
        self.statistics = statistics
        self.events = events
        self.logger = logger
    }
}

/// How the terminal reaches its printer; the raw values are `kiosk.conf`'s `devices.mode`.
public enum PrinterMode: String, Sendable, CaseIterable {
    case simulated, usb, cups
}

/// One printer as `devices.printer` names it.
public enum PrinterAddress: Sendable, Equatable {
    case usb(vendorID: UInt16, productID: UInt16, serial: String?)
    case cups(queue: String)

    func matches(vendorID: UInt16, productID: UInt16, serial: String?) -> Bool {
        guard case .usb(let vendor, let product, let pinned) = self else { return false }
        return vendor == vendorID && product == productID && (pinned == nil || pinned == serial)
    }
}

/// `devices.printer_profile`: a profile a technician forces on one printer, whatever its USB
/// ids match (none, or the wrong model).
public struct ForcedProfile: Sendable, Equatable {
    public var printer: PrinterAddress
    public var profile: DeviceProfile

    /// The profile `id` of `catalog` on `printer`; throws naming the profiles there are.
    public init(_ id: String, on printer: PrinterAddress, catalog: ProfileCatalog, directory: String) throws(DefinitionFileError) {
        guard let profile = catalog.profile(id: id) else {
            let known = catalog.profiles.map(\.id).sorted().joined(separator: ", ")
            throw DefinitionFileError(
                code: "unknownPrinterProfile", file: directory, line: 0,
                detail: .init(zh: "devices.printer_profile：没有配置 \(id)（现有：\(known)）",
                              en: "devices.printer_profile: no profile \(id) (profiles: \(known))"))
        }
        self.printer = printer
        self.profile = profile
    }
}

/// The printer providers for `mode`, with profiles from `devicesDirectory/profiles`, and
/// `forcedProfile` (an id there) on the printer it names.
/// Throws when a profile file is malformed, the generic profile or the forced one is missing.
public func makeDeviceProviders(
    mode: PrinterMode, devicesDirectory: String, environment: PrinterEnvironment,
    cupsServer: CUPSServer = .socket(path: "/run/cups/cups.sock"), forcedProfile: (id: String, printer: PrinterAddress)? = nil
) throws(DefinitionFileError) -> [any DeviceProvider] {
    let directory = URL(fileURLWithPath: devicesDirectory).appendingPathComponent("profiles").path
    let catalog = try ProfileCatalog.load(directory: directory)
    guard let generic = catalog.generic else {
        throw DefinitionFileError(
            code: "genericProfileMissing", file: directory + "/\(ProfileCatalog.genericID).yaml", line: 1,
            detail: .init(zh: "缺少通用 ESC/POS 配置", en: "the generic ESC/POS profile is missing"))
    }
    let forced = try forcedProfile.map { forced throws(DefinitionFileError) in
        try ForcedProfile(forced.id, on: forced.printer, catalog: catalog, directory: directory)
    }
    switch mode {
    case .simulated:
        return [SimulatedPrinterProvider(profile: forced?.profile ?? generic, environment: environment)]
    case .usb:
        return [USBPrinterProvider(catalog: catalog, environment: environment, forced: forced)]
    case .cups:
        return [CUPSPrinterProvider(transport: CUPSTransport(server: cupsServer), profile: generic, environment: environment, forced: forced)]
    }
}

/// The one simulated printer of a terminal in simulated mode.
public struct SimulatedPrinterProvider: DeviceProvider {
    public let printer: SimulatedPrinter
    public let device: ReceiptPrinterDevice

    public init(profile: DeviceProfile, environment: PrinterEnvironment, printer: SimulatedPrinter = SimulatedPrinter()) {
        self.printer = printer
        device = ReceiptPrinterDevice(
            info: DeviceInfo(id: "printer-simulated", kind: .receiptPrinter, connection: printer.address,
                             vendor: "kiosk", model: "Simulated receipt printer", profile: profile.id),
            profile: profile.printer, connection: printer, jobs: environment.jobs, statistics: environment.statistics,
            events: environment.events, logger: environment.logger)
    }

    public func discover() async -> [any Device] { [device] }
}

/// Receipt printers on USB: every device whose ids a profile names (the most specific profile
/// wins; `generic-escpos` names the vendors of common ESC/POS printers, which matches only their
/// printer-class devices). A device keeps its
/// `Device` instance while it stays attached, and its id (from the serial number, or the bus
/// position when it has none) across replugs, so its statistics follow it. A forced profile
/// (`devices.printer_profile`) replaces the match for the one printer it names.
public actor USBPrinterProvider: DeviceProvider {
    let catalog: ProfileCatalog
    let environment: PrinterEnvironment
    let forced: ForcedProfile?
    private var context: USBContext?
    private var known: [String: ReceiptPrinterDevice] = [:]

    public init(catalog: ProfileCatalog, environment: PrinterEnvironment, context: USBContext? = nil, forced: ForcedProfile? = nil) {
        self.catalog = catalog
        self.environment = environment
        self.context = context
        self.forced = forced
    }

    /// The profile for `usb` and where to talk to it: the forced one for the pinned printer
    /// (its endpoints, or the printer class's usual 0x01/0x81 when it names none), else the match.
    func profile(for usb: USBDeviceInfo) -> (DeviceProfile, USBMatch)? {
        if let forced, forced.printer.matches(vendorID: usb.vendorID, productID: usb.productID, serial: usb.serialNumber) {
            return (forced.profile, forced.profile.usb ?? USBMatch(patterns: [.init(vendorID: usb.vendorID, productID: usb.productID)]))
        }
        guard let profile = catalog.match(usb), let match = profile.usb else { return nil }
        return (profile, match)
    }

    public func discover() async -> [any Device] {
        let devices: [USBDeviceInfo]
        let context: USBContext
        do {
            if let existing = self.context {
                context = existing
            } else {
                context = try await USBContext()
                self.context = context
            }
            devices = try await context.enumerate()
        } catch {
            environment.logger.warning("USB enumeration failed", metadata: ["error": "\(error.code)"])
            return []
        }
        var found: [any Device] = []
        for usb in devices {
            guard let (profile, match) = profile(for: usb) else { continue }
            let ids = usbID(usb.vendorID) + "-" + usbID(usb.productID)
            let id = "printer-usb-\(ids)-" + (usb.serialNumber.map(Self.safe) ?? "bus\(usb.bus)-\(usb.address)")
            if let device = known[id] {
                found.append(device)
                continue
            }
            let connection = USBPrinterConnection(
                context: context, vendorID: usb.vendorID, productID: usb.productID, serialNumber: usb.serialNumber, match: match)
            let device = ReceiptPrinterDevice(
                info: DeviceInfo(id: id, kind: .receiptPrinter, connection: connection.address, vendor: usb.manufacturer,
                                 model: usb.product, serialNumber: usb.serialNumber, profile: profile.id),
                profile: profile.printer, connection: connection, jobs: environment.jobs,
                statistics: environment.statistics, events: environment.events, logger: environment.logger)
            known[id] = device
            found.append(device)
        }
        return found
    }

    /// A serial number as part of an id: letters, digits, `-` and `_` only.
    static func safe(_ serial: String) -> String {
        String(serial.unicodeScalars.map { scalar in
            ("0"..."9").contains(scalar) || ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
                || scalar == "-" ? Character(scalar) : "_"
        })
    }
}

/// One receipt printer per CUPS queue, laid out with one profile (CUPS does not say which
/// model is behind a raw queue).
public actor CUPSPrinterProvider: DeviceProvider {
    let transport: CUPSTransport
    let profile: DeviceProfile
    let environment: PrinterEnvironment
    let forced: ForcedProfile?
    private var known: [String: ReceiptPrinterDevice] = [:]

    public init(transport: CUPSTransport, profile: DeviceProfile, environment: PrinterEnvironment, forced: ForcedProfile? = nil) {
        self.transport = transport
        self.profile = profile
        self.environment = environment
        self.forced = forced
    }

    public func discover() async -> [any Device] {
        let destinations: [CUPSDestination]
        do {
            destinations = try await transport.destinations()
        } catch {
            environment.logger.warning("CUPS destinations unavailable", metadata: ["error": "\(error.code)"])
            return []
        }
        return destinations.map { destination in
            let id = "printer-cups-\(destination.name)"
            if let device = known[id] { return device }
            let connection = CUPSPrinterConnection(transport: transport, queue: destination.name)
            let profile = forced.flatMap { $0.printer == .cups(queue: destination.name) ? $0.profile : nil } ?? profile
            let device = ReceiptPrinterDevice(
                info: DeviceInfo(id: id, kind: .receiptPrinter, connection: connection.address,
                                 model: destination.makeAndModel, profile: profile.id),
                profile: profile.printer, connection: connection, jobs: environment.jobs,
                statistics: environment.statistics, events: environment.events, logger: environment.logger)
            known[id] = device
            return device
        }
    }
}
