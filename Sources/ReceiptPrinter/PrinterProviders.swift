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

/// The printer providers for `mode`, with profiles from `devicesDirectory/profiles`.
/// Throws when a profile file is malformed or the generic profile is missing.
public func makeDeviceProviders(
    mode: PrinterMode, devicesDirectory: String, environment: PrinterEnvironment,
    cupsServer: CUPSServer = .socket(path: "/run/cups/cups.sock")
) throws(DefinitionFileError) -> [any DeviceProvider] {
    let directory = URL(fileURLWithPath: devicesDirectory).appendingPathComponent("profiles").path
    let catalog = try ProfileCatalog.load(directory: directory)
    guard let generic = catalog.generic else {
        throw DefinitionFileError(
            code: "genericProfileMissing", file: directory + "/\(ProfileCatalog.genericID).yaml", line: 1,
            detail: .init(zh: "缺少通用 ESC/POS 配置", en: "the generic ESC/POS profile is missing"))
    }
    switch mode {
    case .simulated:
        return [SimulatedPrinterProvider(profile: generic, environment: environment)]
    case .usb:
        return [USBPrinterProvider(catalog: catalog, environment: environment)]
    case .cups:
        return [CUPSPrinterProvider(transport: CUPSTransport(server: cupsServer), profile: generic, environment: environment)]
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
/// position when it has none) across replugs, so its statistics follow it.
public actor USBPrinterProvider: DeviceProvider {
    let catalog: ProfileCatalog
    let environment: PrinterEnvironment
    private var context: USBContext?
    private var known: [String: ReceiptPrinterDevice] = [:]

    public init(catalog: ProfileCatalog, environment: PrinterEnvironment, context: USBContext? = nil) {
        self.catalog = catalog
        self.environment = environment
        self.context = context
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
            guard let profile = catalog.match(usb), let match = profile.usb else {
                continue
            }
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
    private var known: [String: ReceiptPrinterDevice] = [:]

    public init(transport: CUPSTransport, profile: DeviceProfile, environment: PrinterEnvironment) {
        self.transport = transport
        self.profile = profile
        self.environment = environment
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
