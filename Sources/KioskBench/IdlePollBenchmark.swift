import DeviceKit
import Foundation
import Logging
import ReceiptPrinter

/// What idle status polling costs: the CPU time (user + system, this process) of one poll of
/// the printer, and what that makes at `devices.status_poll_seconds = 10` as a share of one
/// core (the target is under 1%). Through the real libusb path it needs a USB printer, here the
/// one umockdev emulates:
/// `python3 Devices/simulators/usb/printer.py -- .build/release/kiosk bench idlepoll`
/// (the emulator's own CPU is in its process, not counted; the preload's socket round trips
/// are, so this is an upper bound for a real printer).
public enum IdlePollBenchmark {
    static let polls = 500
    static let interval = 10.0

    public static func run() -> [Figure] {
        measuredFigures("idlepoll") { await measure() }
    }

    private static func measure() async -> [Figure] {
        let root = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        guard let catalog = try? ProfileCatalog.load(directory: root.appendingPathComponent("Devices/profiles").path) else {
            return [Figure(name: "idlepoll: the shipped profiles could not be read", value: 0, unit: "")]
        }
        let environment = PrinterEnvironment(
            jobs: InMemoryPrintJobStore(), statistics: InMemoryStatisticsStore(), events: EventBus(), logger: Logger(label: "bench"))
        let provider = USBPrinterProvider(catalog: catalog, environment: environment)
        let manager = DeviceManager(providers: [provider], logger: Logger(label: "bench"))
        _ = await manager.rescan()
        guard await manager.devices().contains(where: { $0.info.kind == .receiptPrinter }) else {
            return [Figure(name: "idlepoll: no USB receipt printer (run it beside Devices/simulators/usb/printer.py)", value: 0, unit: "")]
        }
        let poller = IdleStatusPoller(manager: manager, interval: .seconds(interval))
        await poller.pollOnce()   // opens and claims the printer: not part of the steady cost
        let before = cpuSeconds()
        for _ in 0..<polls { await poller.pollOnce() }
        let perPoll = (cpuSeconds() - before) / Double(polls)
        return [
            Figure(name: "idlepoll.cpu_per_poll", value: perPoll * 1_000_000, unit: "µs"),
            Figure(name: "idlepoll.cpu_share_at_10s", value: perPoll / interval * 100, unit: "% of one core", target: "< 1%"),
        ]
    }

    private static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1_000_000 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}
