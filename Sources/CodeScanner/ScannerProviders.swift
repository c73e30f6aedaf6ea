#if canImport(Glibc)
import Glibc
#endif
import DeviceKit
import KioskCore
import Foundation
import Logging
import SerialTransport
import ServiceLifecycle
import Synchronization

/// The code scanners the profiles of `Devices/profiles/scanners` name: serial lines that exist
/// (`/dev/ttyACM*`), and input devices whose USB ids a profile lists exactly. Each scanner keeps
/// its device (and id, so its counters) across an unplug; its loop reopens it when it is back.
/// Run it as a `Service` beside the `DeviceManager` it feeds: it runs the scanners' loops.
public final class ScannerProvider: DeviceProvider, Service {
    let profiles: [ScannerProfile]
    let statistics: any StatisticsStore
    let logger: Logger
    /// Where input devices are listed (`/sys/class/input`); a test's umockdev testbed has its own.
    let inputClass: String
    /// The simulated scanner (`devices.mode = "simulated"`), found beside whatever the profiles name.
    let simulated: SimulatedScanner?
    let known = Mutex<[String: CodeScannerDevice]>([:])
    /// Every scanner's codes, as they are read.
    public let scans = EventBus<ScannedCode>()
    /// Every scanner's state changes and faults.
    public let events = EventBus<DeviceEvent>()
    private let started: AsyncStream<CodeScannerDevice>
    private let start: AsyncStream<CodeScannerDevice>.Continuation

    public init(profiles: [ScannerProfile], statistics: any StatisticsStore, logger: Logger, inputClass: String = "/sys/class/input",
                simulated: SimulatedScanner? = nil) {
        self.profiles = profiles
        self.simulated = simulated
        self.statistics = statistics
        self.logger = logger
        self.inputClass = inputClass
        (started, start) = AsyncStream.makeStream(of: CodeScannerDevice.self)
    }

    public func discover() async -> [any Device] {
        var found: [any Device] = []
        var seen: Set<String> = []
        if let simulated {
            found.append(device(id: SimulatedScanner.deviceID, connection: "simulated", model: "Simulated 2D code scanner",
                                profileID: "simulated") { () throws(DeviceFault) -> any ScanLink in SimulatedScanLink(scanner: simulated) })
        }
        for profile in profiles {
            switch profile.connection {
            case .serial(let patterns, let baudRate):
                for path in patterns.flatMap(existingPaths(matching:)) where seen.insert(path).inserted {
                    let name = path.split(separator: "/").last.map(String.init) ?? path
                    found.append(device(id: "scanner-serial-" + name, connection: "serial:" + path, model: profile.name.en, profileID: profile.id) {
                        () throws(DeviceFault) -> any ScanLink in try await SerialScanLink.open(path: path, baudRate: baudRate)
                    })
                }
            case .evdev(let ids):
                for (usb, node) in inputDevices() where ids.contains(usb) && seen.insert(node).inserted {
                    let inputClass = self.inputClass
                    found.append(device(id: "scanner-evdev-\(hex4(usb.vendorID))-\(hex4(usb.productID))",
                                        connection: "evdev:\(usb)", model: profile.name.en, profileID: profile.id) { () throws(DeviceFault) -> any ScanLink in
                        // The event number may change across a replug: look the node up again.
                        guard let current = Self.inputDevices(in: inputClass).first(where: { $0.usb == usb })?.node else {
                            throw .offline
                        }
                        return try await EvdevScanLink.open(path: current)
                    })
                }
            }
        }
        return found
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await withDiscardingTaskGroup { group in
                for await device in self.started {
                    group.addTask { await device.run() }
                }
            }
        }
    }

    private func device(id: String, connection: String, model: String, profileID: String,
                        open: @escaping @Sendable () async throws(DeviceFault) -> any ScanLink) -> CodeScannerDevice {
        let (device, isNew) = known.withLock { known -> (CodeScannerDevice, Bool) in
            if let device = known[id] { return (device, false) }
            let device = CodeScannerDevice(
                info: DeviceInfo(id: id, kind: .codeScanner, connection: connection, model: model, profile: profileID),
                statistics: statistics, logger: logger, scans: scans, events: events, open: open)
            known[id] = device
            return (device, true)
        }
        if isNew { start.yield(device) }
        return device
    }

    func inputDevices() -> [(usb: ScannerProfile.USBID, node: String)] { Self.inputDevices(in: inputClass) }

    /// The USB input devices (`eventN`) of `inputClass`, with their ids from sysfs.
    static func inputDevices(in inputClass: String) -> [(usb: ScannerProfile.USBID, node: String)] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: inputClass)) ?? []).filter { $0.hasPrefix("event") }.sorted()
        return names.compactMap { name in
            // The ids are the parent input device's (`inputN`, whose directory holds `eventN`):
            // reached through the `device` link, or the directory above where there is no link.
            func attribute(_ file: String) -> UInt16? {
                ["device/id", "../id"].lazy.compactMap { directory in
                    (try? String(contentsOfFile: "\(inputClass)/\(name)/\(directory)/\(file)", encoding: .utf8))
                        .flatMap { UInt16($0.trimmingCharacters(in: .whitespacesAndNewlines), radix: 16) }
                }.first
            }
            guard attribute("bustype") == 0x0003, let vendor = attribute("vendor"), let product = attribute("product") else { return nil }
            return (ScannerProfile.USBID(vendorID: vendor, productID: product), "/dev/input/" + name)
        }
    }
}
