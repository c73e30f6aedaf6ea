import DeviceKit
import Foundation
import Hosting
import KioskConfig
import KioskCore
import Peripherals

/// A device as `kiosk devices list --json` prints it.
public struct DeviceSummary: Codable, Sendable {
    public var info: DeviceInfo
    public var state: DeviceState
    public var status: DeviceStatus
    /// A printer's receipts and lines of the last 7 days of the hall, oldest first.
    public var daily: [DailyCount]?
}

/// What a technician asks of the terminal's devices (`kiosk devices`, `kiosk diag`): answered
/// by the running server over the admin channel, or by the CLI itself when none runs.
public struct DeviceDiagnostics: Sendable {
    let devices: TerminalDevices
    let configuration: Configuration

    public init(devices: TerminalDevices, configuration: Configuration) {
        self.devices = devices
        self.configuration = configuration
    }

    public func deviceSummaries() async -> [DeviceSummary] {
        var summaries: [DeviceSummary] = []
        for device in await devices.manager.devices() {
            let offline = await devices.manager.isOffline(device.info.id)
            // The status first: asking it opens a printer not opened yet, which asks it who it is.
            let status = await device.status()
            let daily = device.info.kind == .receiptPrinter
                ? try? await devices.statistics.dailyCounts(deviceID: device.info.id, days: 7) : nil
            summaries.append(DeviceSummary(
                info: await device.currentInfo(), state: offline ? .offline : await device.state(), status: status, daily: daily))
        }
        return summaries
    }

    /// The device `id`, or an error naming it, what it would be, and what was found instead.
    public func device(_ id: String) async throws(StartupError) -> any Device {
        guard let device = await devices.manager.device(id: id) else {
            let search = DeviceSearch(configuration)
            let known = await devices.manager.devices().map(\.info.id)
            let what = search.describe(id).map { " (\($0))" } ?? ""
            let found = known.isEmpty
                ? LocalizedText(zh: "没有找到任何设备；查找的是：\(search.lookedFor)",
                                en: "no device was found at all; looked for \(search.lookedFor)")
                : LocalizedText(zh: "找到的设备：\(known.joined(separator: "、"))", en: "found: \(known.joined(separator: ", "))")
            let unplugged = configuration.deviceMode == .simulated ? LocalizedText(zh: "", en: "")
                : LocalizedText(zh: "，它没有连接或系统没有识别到（见 lsusb）", en: ": it is not plugged in, or the system does not see it (see lsusb)")
            throw StartupError(code: "deviceNotFound", message: .init(
                zh: "没有设备 \(id)\(what)\(unplugged.zh)；\(found.zh)",
                en: "no device \(id)\(what)\(unplugged.en); \(found.en)"))
        }
        return device
    }

    public func statistics(of device: any Device) async throws -> [Statistic] {
        try await devices.statistics.statistics(deviceID: device.info.id, names: device.statisticNames)
    }

    public func resetStatistic(_ name: String, of device: any Device) async throws -> Statistic {
        guard device.statisticNames.contains(name) else {
            throw StartupError(code: "statisticNotFound", message: .init(
                zh: "没有该计数器：\(name)", en: "no counter \(name); counters: \(device.statisticNames.joined(separator: ", "))"))
        }
        return try await devices.statistics.reset(name, deviceID: device.info.id)
    }

    /// `kiosk devices list` when no device at all was found: what was looked for; nil otherwise.
    public func nothingFound() async -> LocalizedText? {
        guard await devices.manager.devices().isEmpty else { return nil }
        return DeviceSearch(configuration).nothingFound
    }
}
