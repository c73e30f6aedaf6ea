#if canImport(Glibc)
import Glibc
#endif
import CodeScanner
import DeviceKit
import Foundation
import KioskTesting
import Logging
import Testing

/// A CDC-ACM scanner on a pseudo-terminal: the real serial code path (open, raw mode, poll,
/// read), the scanner typing into the pty's other end.
@Suite(.timeLimit(.minutes(1)))
struct SerialScannerTests {
    final class PseudoTerminal: @unchecked Sendable {
        let controller: Int32
        let path: String

        init() throws {
            var controller: Int32 = -1
            var device: Int32 = -1
            var name = [CChar](repeating: 0, count: 256)
            guard openpty(&controller, &device, &name, nil, nil) == 0 else { throw POSIXError(.ENODEV) }
            // Not inherited by the processes other tests start meanwhile (a private PostgreSQL
            // lives on): a child holding the controller open keeps the line up after `hangUp`.
            _ = fcntl(controller, F_SETFD, FD_CLOEXEC)
            self.controller = controller
            path = String(cString: name)
            close(device)   // the scanner's side is opened by path, as the provider does
        }

        func type(_ text: String) {
            let bytes = Array(text.utf8)
            _ = bytes.withUnsafeBytes { write(controller, $0.baseAddress, $0.count) }
        }

        func hangUp() { close(controller) }
    }

    @Test func codesTypedOnTheLineArriveAndAreCounted() async throws {
        let terminal = try PseudoTerminal()
        let statistics = InMemoryStatisticsStore()
        let provider = ScannerProvider(
            profiles: [ScannerProfile(id: "cdc-acm", name: .init(zh: "扫码器", en: "scanner"),
                                      connection: .serial(paths: [terminal.path], baudRate: 115_200))],
            statistics: statistics, logger: Logger(label: "test"))
        let scans = await provider.scans.subscribe()
        let events = await provider.events.subscribe()
        let device = try #require(await provider.discover().first as? CodeScannerDevice)
        #expect(device.info.kind == .codeScanner)
        #expect(device.info.connection == "serial:" + terminal.path)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await provider.run() }
            defer { group.cancelAll() }
            #expect(await events.next(within: .seconds(30)) == .stateChanged(deviceID: device.info.id, .idle))
            terminal.type("P1:S01-20261129-0001:abcdefghijkl\r")
            let scan = await scans.next(within: .seconds(30))
            #expect(scan?.text == "P1:S01-20261129-0001:abcdefghijkl")
            #expect(scan?.description == "scanned code (33 characters)", "a scan in a log line shows its length only")
            terminal.type("110101198506150019\r")
            #expect(await scans.next(within: .seconds(30))?.text == "110101198506150019")
            let counted = await statistics.statistics(deviceID: device.info.id, names: StatisticNames.codeScanner)
            #expect(counted.first { $0.name == "goodScans" }?.value == 2)
            #expect(await device.healthCheck(.internal).passed)

            terminal.hangUp()   // the scanner is unplugged
            var offline = false
            while let event = await events.next(within: .seconds(30)) {
                if event == .stateChanged(deviceID: device.info.id, .offline) {
                    offline = true
                    break
                }
            }
            #expect(offline)
            #expect(await !device.healthCheck(.internal).passed)
        }
    }
}
