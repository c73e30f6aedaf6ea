import CUPSTransport
import CardReader
import CodeScanner
import DeviceKit
import ESCPOS
import Filings
import Foundation
import Hosting
import IDCard
import KioskConfig
import KioskCore
import KioskServer
import Logging
import ReceiptPrinter
import ServiceLifecycle
import Storage
import USBTransport

/// The terminal's devices as the configuration asks for them: the manager, the services that
/// run the devices' loops, and what the HTTP layer needs.
public struct TerminalDevices: Sendable {
    public let manager: DeviceManager
    public let services: [any Service]
    public let statistics: any StatisticsStore
    public let events = EventBus<TerminalEvent>()
    public let cards = CardDesk()
    /// The receipt or booking slip scanned last, behind the handle the screen's `scan` event carries.
    public let scannedCodes = ScannedCodes()
    public let simulator: (any CardSimulator)?
    public let printerSimulator: (any PrinterSimulator)?
    public let readers: [CardReaderDevice]
    /// What the printers report (they publish on a bus of their own, forwarded like the readers').
    public let printerEvents: EventBus<DeviceEvent>
    /// The code scanners (the simulated one in simulated mode), whose codes go to the citizen's session.
    public var scanners: ScannerProvider? = nil
    /// The simulated scanner's trigger (simulated mode).
    public var scannerSimulator: (any ScannerSimulator)? = nil

    public static func make(_ configuration: Configuration, store: SQLiteStore, logger: Logger) async throws(StartupError) -> TerminalDevices {
        let deviceStore = DeviceStore(store: store, timeZone: configuration.timeZone)
        let statistics: any StatisticsStore = deviceStore
        let printerEvents = EventBus<DeviceEvent>()
        let devicesDirectory = URL(fileURLWithPath: configuration.devicesDirectory)
        var providers: [any DeviceProvider] = []
        var services: [any Service] = []
        var readers: [CardReaderDevice] = []
        var simulator: (any CardSimulator)?
        var changeSources: [any DeviceChangeSource] = []
        var scanners: ScannerProvider?
        var scannerSimulator: (any ScannerSimulator)?
        // A card's validity is checked against the hall's date.
        let readerConfiguration = CardReaderConfiguration(timeZone: configuration.timeZone)
        do {
            providers += try makeDeviceProviders(
                mode: PrinterMode(rawValue: configuration.deviceMode.rawValue) ?? .simulated,
                devicesDirectory: configuration.devicesDirectory,
                environment: PrinterEnvironment(
                    jobs: SQLitePrintJobStore(store: deviceStore), statistics: statistics, events: printerEvents, logger: logger),
                cupsServer: .socket(path: configuration.cupsSocket),
                forcedProfile: configuration.printerProfile.flatMap { id in configuration.printerPin.map { (id, $0.address) } })
                .map { provider in configuration.printerPin.map { PinnedPrinter(base: provider, pin: $0) } ?? provider }
            switch configuration.deviceMode {
            case .simulated:
                let reader = try SimulatedReader(cardsDirectory: devicesDirectory.appendingPathComponent("cards"))
                let provider = SimulatedReaderProvider(
                    reader: reader, configuration: readerConfiguration, statistics: statistics, logger: logger)
                providers.append(provider)
                services.append(provider)
                readers.append(provider.device)
                simulator = SimulatedCards(reader: reader)
                let scanner = SimulatedScanner()
                let scannerProvider = ScannerProvider(profiles: [], statistics: statistics, logger: logger, simulated: scanner)
                scanners = scannerProvider
                scannerSimulator = SimulatedScans(scanner: scanner)
                providers.append(scannerProvider)
                services.append(scannerProvider)
            case .usb, .cups:
                let profiles = try ReaderProfile.load(directory: devicesDirectory.appendingPathComponent("profiles/readers"))
                let usb = try await USBContext()
                // libusb delivers hotplug callbacks only while its event loop runs.
                if USBContext.supportsHotplug { services.append(USBEventLoop(context: usb)) }
                changeSources.append(USBHotplugChanges(context: usb, logger: logger))
                let usbReaders = USBReaderProvider(
                    context: usb, profiles: profiles, configuration: readerConfiguration, statistics: statistics, logger: logger)
                let serialReaders = SerialReaderProvider(
                    profiles: profiles, configuration: readerConfiguration, statistics: statistics, logger: logger)
                let scannerProvider = ScannerProvider(
                    profiles: try ScannerProfile.load(directory: devicesDirectory.appendingPathComponent("profiles/scanners")),
                    statistics: statistics, logger: logger)
                scanners = scannerProvider
                providers += [usbReaders, serialReaders, scannerProvider]
                services += [usbReaders, serialReaders, scannerProvider]
            }
        } catch {
            throw StartupError(code: "devicesUnavailable", message: .init(
                zh: "设备初始化失败：\(error)", en: "the devices could not be set up: \(error)"))
        }
        let printerSimulator = providers.lazy.compactMap { $0 as? SimulatedPrinterProvider }.first
            .map { SimulatedPrinterControls(printer: $0.printer, device: $0.device) }
        let manager = DeviceManager(providers: providers, changeSources: changeSources, logger: logger)
        return TerminalDevices(
            manager: manager, services: services, statistics: statistics, simulator: simulator,
            printerSimulator: printerSimulator, readers: readers, printerEvents: printerEvents, scanners: scanners,
            scannerSimulator: scannerSimulator)
    }
}

/// Runs libusb's event handling (on its own thread, inside `USBContext`) for the terminal's
/// lifetime.
struct USBEventLoop: Service {
    let context: USBContext

    func run() async throws {
        await cancelWhenGracefulShutdown { await context.runEventLoop() }
    }
}

/// Forwards what the devices report to the terminal's event stream and the card desk, and ends
/// the stream when the terminal shuts down (so open event streams do not hold the server up).
public struct DeviceEventForwarder: Service {
    let devices: TerminalDevices
    /// Where a scanned code goes: the citizen session open at the screen.
    var sessions: CitizenSessions? = nil
    /// The hall's keyed receipt code for a reference: a scanned one must match it.
    let progressCode: @Sendable (String) -> ProgressCode

    public init(devices: TerminalDevices, sessions: CitizenSessions? = nil, progressCode: @escaping @Sendable (String) -> ProgressCode) {
        self.devices = devices
        self.sessions = sessions
        self.progressCode = progressCode
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                if let scanners = devices.scanners {
                    group.addTask {
                        for await scan in await scanners.scans.subscribe() { await forward(scan) }
                    }
                }
                for bus in [devices.manager.events, devices.printerEvents] + [devices.scanners?.events].compactMap({ $0 }) {
                    group.addTask {
                        for await event in await bus.subscribe() {
                            await devices.events.publish(TerminalEvent(event))
                        }
                    }
                }
                for reader in devices.readers {
                    group.addTask {
                        for await event in await reader.deviceEvents.subscribe() {
                            await devices.events.publish(TerminalEvent(event))
                        }
                    }
                    group.addTask {
                        for await event in await reader.cardEvents.subscribe() {
                            await forward(event, from: reader.info.id)
                        }
                    }
                }
            }
        }
        // Closed, not only finished: the touch UI reconnects at once, and its new stream must end
        // too, or the server waits for that response for ever.
        await devices.events.close()
    }

    func forward(_ event: CardEvent, from deviceID: String) async {
        switch event {
        case .cardPresented(let card, let failures):
            let summary = TerminalEvent.Card(
                cardType: card.text.kind.rawValue, maskedNumber: IDNumberMasking.mask(card.text.documentNumber),
                failedChecks: failures.map(\.code.rawValue))
            await devices.cards.present(.init(facts: formFacts(from: card), summary: summary))
            await devices.events.publish(TerminalEvent(type: .cardPresented, deviceId: deviceID, card: summary))
        case .cardRemoved:
            await devices.cards.remove()
            await devices.events.publish(TerminalEvent(type: .cardRemoved, deviceId: deviceID))
        case .readFailed(let fault):
            await devices.events.publish(TerminalEvent(type: .cardReadFailed, deviceId: deviceID, fault: fault))
        }
    }

    /// A scanned code to the screen: a receipt or a booking slip as a handle on its code (the
    /// screen opens the progress, or the check-in that the card completes), anything else only
    /// as "not a code of this hall". Never logged.
    func forward(_ scan: ScannedCode) async {
        let sessionID = await sessions?.openSessionID()
        let summary = await HallCode(scanned: scan.text, progressCode: progressCode).scan(holdingIn: devices.scannedCodes)
        await devices.events.publish(TerminalEvent(type: .scan, deviceId: scan.deviceID, sessionId: sessionID, scan: summary))
    }
}

struct SimulatedScans: ScannerSimulator {
    let scanner: SimulatedScanner
    var deviceID: String { SimulatedScanner.deviceID }
    func scan(_ text: String) async { await scanner.scan(text) }
}

struct SimulatedCards: CardSimulator {
    let reader: SimulatedReader
    var fixtureNames: [String] { reader.fixtureNames }
    func present(fixture: String) async throws { try await reader.present(fixture) }
    func remove() async { await reader.remove() }
}

/// Changes the simulated printer, then asks its device for the status, so the change travels
/// the path a real printer's does: status and fault events, `paperOutCount` and the other
/// counters, the device state.
struct SimulatedPrinterControls: PrinterSimulator {
    let printer: SimulatedPrinter
    let device: ReceiptPrinterDevice

    func state() async -> SimulatedPrinterState {
        let status = await device.status()
        return SimulatedPrinterState(
            deviceId: device.info.id, state: await device.state(), status: status,
            paperLinesRemaining: await printer.paperLines, bytesAccepted: await printer.bytesAccepted,
            jobsCompleted: await printer.jobsCompleted, cuts: await printer.cuts)
    }

    func apply(_ change: SimulatedPrinterChange) async -> SimulatedPrinterState {
        switch change.paper {
        case .ok?: await printer.loadPaper()
        case .nearEnd?: await printer.loadPaper(lines: SimulatedPrinter.nearEndLines)
        case .out?: await printer.runOutOfPaper()
        case nil: break
        }
        if let lines = change.paperLines { await printer.loadPaper(lines: lines) }
        switch change.cover {
        case .open?: await printer.openCover()
        case .closed?: await printer.closeCover()
        case nil: break
        }
        if let cutter = change.cutter { await printer.jamCutter(cutter == .error) }
        return await state()
    }
}

/// Reads a printer's newest kept job back into text with the printer's own profile.
public struct PrinterReceiptPreviews: ReceiptPreviews {
    public init() {}

    public func lastReceipt(of device: any Device) async throws -> LastReceiptLookup {
        guard let printer = device as? ReceiptPrinterDevice else { return .notAPrinter }
        guard let job = try await printer.recentJobs(limit: 1).first else { return .noJob }
        return .found(LastReceipt(
            jobID: job.id.uuidString, state: job.state.name, reference: job.reference,
            text: ReceiptPreview.text(job.bytes, profile: printer.profile), isTestPrint: job.isTestPrint))
    }
}

/// `devices.printer`: of the printers a provider finds, only the pinned one is the terminal's.
/// Every other (a second printer on the bus, another CUPS queue) is never printed to, polled,
/// counted as ready or shown.
struct PinnedPrinter: DeviceProvider {
    let base: any DeviceProvider
    let pin: Configuration.PrinterPin

    func discover() async -> [any Device] {
        await base.discover().filter { Self.matches($0.info, pin) }
    }

    static func matches(_ info: DeviceInfo, _ pin: Configuration.PrinterPin) -> Bool {
        guard info.kind == .receiptPrinter else { return true }
        switch pin {
        case .usb(let vendor, let product, let serial):
            return info.connection == "usb:" + hex(vendor) + ":" + hex(product) && (serial == nil || info.serialNumber == serial)
        case .cups(let queue):
            return info.connection == "cups:" + queue
        }
    }

    private static func hex(_ value: UInt16) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 4 - digits.count) + digits
    }
}

extension Configuration.PrinterPin {
    var address: PrinterAddress {
        switch self {
        case .usb(let vendor, let product, let serial): .usb(vendorID: vendor, productID: product, serial: serial)
        case .cups(let queue): .cups(queue: queue)
        }
    }
}

extension Configuration.RequiredDevice {
    /// The device kind `devices.required` names.
    public var deviceKind: DeviceKind {
        switch self {
        case .printer: .receiptPrinter
        case .idcard: .idCardReader
        }
    }
}
