import DeviceKit
import Foundation
import Logging
import SerialTransport
import ServiceLifecycle
import Synchronization
import USBTransport

/// Runs the reader loop of every device a provider hands out, including devices found later
/// by a rescan. Each provider is a `Service`: add it to the `ServiceGroup` beside the
/// `DeviceManager` it feeds.
final class ReaderLoops: Sendable {
    private let devices: AsyncStream<CardReaderDevice>
    private let continuation: AsyncStream<CardReaderDevice>.Continuation

    init() {
        (devices, continuation) = AsyncStream.makeStream(of: CardReaderDevice.self)
    }

    func start(_ device: CardReaderDevice) {
        continuation.yield(device)
    }

    func run() async {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                for await device in self.devices {
                    group.addTask { try? await device.run() }
                }
            }
        }
    }
}

/// The simulated reader of `kiosk serve` in simulated mode: one device over a
/// `SimulatedReader` whose cards come from `Devices/cards/`.
public final class SimulatedReaderProvider: DeviceProvider, Service {
    /// Present and remove cards here (the HTTP simulator endpoints, tests).
    public let reader: SimulatedReader
    public let device: CardReaderDevice

    public init(reader: SimulatedReader, configuration: CardReaderConfiguration = .init(),
                statistics: any StatisticsStore, logger: Logger) {
        self.reader = reader
        device = CardReaderDevice(
            info: DeviceInfo(id: "idcard-simulated", kind: .idCardReader, connection: "simulated",
                             vendor: "kiosk", model: "Simulated GA 467 reader", serialNumber: "SIM0001"),
            configuration: configuration, statistics: statistics, logger: logger
        ) { () throws(ReaderLinkError) -> any ReaderConnection in reader }
    }

    public func discover() async -> [any Device] { [device] }

    public func run() async throws {
        try await cancelWhenGracefulShutdown { try await self.device.run() }
    }
}

/// Readers on USB that match a profile's vendor and product ids. A reader keeps its device
/// (and id) across an unplug: its loop reconnects when it comes back.
public final class USBReaderProvider: DeviceProvider, Service {
    let context: USBContext
    let profiles: [(profile: ReaderProfile, usb: ReaderProfile.USB)]
    let configuration: CardReaderConfiguration
    let statistics: any StatisticsStore
    let logger: Logger
    let known = Mutex<[String: CardReaderDevice]>([:])
    let loops = ReaderLoops()

    public init(context: USBContext, profiles: [ReaderProfile], configuration: CardReaderConfiguration = .init(),
                statistics: any StatisticsStore, logger: Logger) {
        self.context = context
        self.profiles = profiles.compactMap { profile in
            if case .usb(let usb) = profile.connection { (profile, usb) } else { nil }
        }
        self.configuration = configuration
        self.statistics = statistics
        self.logger = logger
    }

    public func discover() async -> [any Device] {
        guard let attached = try? await context.enumerate() else { return [] }
        var found: [any Device] = []
        for usbDevice in attached {
            guard let match = profiles.first(where: {
                $0.usb.vendorID == usbDevice.vendorID && $0.usb.productID == usbDevice.productID
            }) else { continue }
            found.append(device(for: usbDevice, match.profile, match.usb))
        }
        return found
    }

    public func run() async throws {
        await loops.run()
    }

    private func device(for usbDevice: USBDeviceInfo, _ profile: ReaderProfile, _ usb: ReaderProfile.USB) -> CardReaderDevice {
        let ids = hex4(usbDevice.vendorID) + ":" + hex4(usbDevice.productID)
        // Without a serial number two identical readers would share an id; a terminal has one.
        let id = "idcard-usb-" + ids.replacingOccurrences(of: ":", with: "-") + (usbDevice.serialNumber.map { "-" + $0 } ?? "")
        let (device, isNew) = known.withLock { known -> (CardReaderDevice, Bool) in
            if let device = known[id] { return (device, false) }
            let context = context
            let serial = usbDevice.serialNumber
            let device = CardReaderDevice(
                info: DeviceInfo(id: id, kind: .idCardReader, connection: "usb:" + ids, vendor: usbDevice.manufacturer,
                                 model: usbDevice.product, serialNumber: serial, profile: profile.id),
                configuration: configuration, statistics: statistics, logger: logger
            ) { () throws(ReaderLinkError) -> any ReaderConnection in
                try await USBReaderConnection.open(context: context, profile: usb, serialNumber: serial)
            }
            known[id] = device
            return (device, true)
        }
        if isNew { loops.start(device) }
        return device
    }
}

/// Readers behind serial lines: every existing path that a serial profile's patterns match.
public final class SerialReaderProvider: DeviceProvider, Service {
    let profiles: [(profile: ReaderProfile, serial: ReaderProfile.Serial)]
    let configuration: CardReaderConfiguration
    let statistics: any StatisticsStore
    let logger: Logger
    let known = Mutex<[String: CardReaderDevice]>([:])
    let loops = ReaderLoops()

    public init(profiles: [ReaderProfile], configuration: CardReaderConfiguration = .init(),
                statistics: any StatisticsStore, logger: Logger) {
        self.profiles = profiles.compactMap { profile in
            if case .serial(let serial) = profile.connection { (profile, serial) } else { nil }
        }
        self.configuration = configuration
        self.statistics = statistics
        self.logger = logger
    }

    public func discover() async -> [any Device] {
        var found: [any Device] = []
        var seen: Set<String> = []
        for (profile, serial) in profiles {
            for path in serial.paths.flatMap(existingPaths(matching:)) where seen.insert(path).inserted {
                found.append(device(at: path, profile, serial))
            }
        }
        return found
    }

    public func run() async throws {
        await loops.run()
    }

    private func device(at path: String, _ profile: ReaderProfile, _ serial: ReaderProfile.Serial) -> CardReaderDevice {
        let id = "idcard-serial-" + (path.split(separator: "/").last.map(String.init) ?? path)
        let (device, isNew) = known.withLock { known -> (CardReaderDevice, Bool) in
            if let device = known[id] { return (device, false) }
            let device = CardReaderDevice(
                info: DeviceInfo(id: id, kind: .idCardReader, connection: "serial:" + path, profile: profile.id),
                configuration: configuration, statistics: statistics, logger: logger
            ) { () throws(ReaderLinkError) -> any ReaderConnection in
                try await SerialReaderConnection.open(path: path, baudRate: serial.baudRate)
            }
            known[id] = device
            return (device, true)
        }
        if isNew { loops.start(device) }
        return device
    }
}

private func hex4(_ value: UInt16) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 4 - digits.count) + digits
}
