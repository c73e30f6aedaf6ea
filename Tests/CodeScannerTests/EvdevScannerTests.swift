import CodeScanner
import DeviceKit
import Foundation
import KioskTesting
import Logging
import Testing

/// A keyboard-mode scanner through the real evdev code path (sysfs look-up, open, EVIOCGRAB,
/// poll, read of `input_event`s), against the input device `Devices/simulators/input/scanner.py`
/// emulates with umockdev: it types its codes (`SCANSIM_CODES`) once the node is opened.
@Suite(
    .enabled(if: ProcessInfo.processInfo.environment["SCANSIM_CODES"] != nil,
             "needs the emulated scanner: Devices/simulators/usb/run-under-umockdev.sh"),
    .timeLimit(.minutes(1)))
struct EvdevScannerTests {
    @Test func theShippedProfileFindsTheScannerAndItsCodesArrive() async throws {
        let expected = try #require(ProcessInfo.processInfo.environment["SCANSIM_CODES"]).split(separator: "\n").map(String.init)
        let profiles = try ScannerProfile.load(directory: TestInstallation.repository.appendingPathComponent("Devices/profiles/scanners"))
        let statistics = InMemoryStatisticsStore()
        let provider = ScannerProvider(profiles: profiles, statistics: statistics, logger: Logger(label: "test"))
        let scans = await provider.scans.subscribe()
        let device = try #require(await provider.discover().first as? CodeScannerDevice)
        #expect(device.info.id == "scanner-evdev-05e0-1200")
        #expect(device.info.connection == "evdev:05e0:1200")
        #expect(device.info.profile == "hid-keyboard")
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await provider.run() }
            defer { group.cancelAll() }
            var read: [String] = []
            while read.count < expected.count, let scan = await scans.next(within: .seconds(30)) { read.append(scan.text) }
            #expect(read == expected)
            #expect(await device.state() == .idle)
            let counted = await statistics.statistics(deviceID: device.info.id, names: StatisticNames.codeScanner)
            #expect(counted.first { $0.name == "goodScans" }?.value == Int64(expected.count))
        }
    }
}
