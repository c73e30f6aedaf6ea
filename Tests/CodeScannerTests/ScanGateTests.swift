import CodeScanner
import DeviceKit
import KioskTesting
import Logging
import Testing

/// Whoever stands at the terminal holds a code under the scanner, or sweeps a stack of codes
/// past it (or sets it to continuous mode): the screen gets one scan per code held, and a few
/// codes a second at most.
@Suite struct ScanGateTests {
    let start = ContinuousClock.now

    @Test func aCodeHeldUnderTheScannerIsOneScan() {
        var gate = ScanGate()
        #expect(gate.admit("A", at: start) == .pass)
        // Read again every 200 ms for 10 s: the window moves with it.
        for tick in 1...50 {
            #expect(gate.admit("A", at: start + .milliseconds(200 * tick)) == .repeated)
        }
        // Taken away and shown again later: a new scan.
        #expect(gate.admit("A", at: start + .seconds(14)) == .pass)
        // Another code at once is a scan of its own.
        #expect(gate.admit("B", at: start + .seconds(14)) == .pass)
    }

    @Test func aFloodIsCutToTheBurstThenOneASecond() {
        var gate = ScanGate()
        let verdicts = (0..<1_000).map { gate.admit("code-\($0)", at: start) }
        #expect(verdicts.filter { $0 == .pass }.count == ScanGate.burst)
        #expect(verdicts.filter { $0 == .flooded }.count == 1_000 - ScanGate.burst)
        #expect(gate.admit("next", at: start + .milliseconds(500)) == .flooded)
        #expect(gate.admit("next", at: start + .seconds(1)) == .pass)
        #expect(gate.admit("after", at: start + .seconds(1)) == .flooded)
        // A quiet spell fills the burst again, never beyond it.
        let later = start + .seconds(60)
        #expect((0..<10).map { gate.admit("late-\($0)", at: later) }.filter { $0 == .pass }.count == ScanGate.burst)
    }
}

/// The simulated scanner of simulated mode takes a real scanner's path: CR LF framing,
/// overlong codes dropped, the flood gate, the counters. The limit is above the sum of the
/// waits (30 + 30 + 2 s), so a slow machine fails a wait that names what did not come, not the
/// limit (a CI run on a quiet machine hit the one-minute limit while the whole suite started).
@Suite(.timeLimit(.minutes(2)))
struct SimulatedScannerTests {
    @Test func scansArriveAndAFloodIsDroppedAndCounted() async throws {
        let statistics = InMemoryStatisticsStore()
        let scanner = SimulatedScanner()
        let provider = ScannerProvider(profiles: [], statistics: statistics, logger: Logger(label: "test"), simulated: scanner)
        let scans = await provider.scans.subscribe()
        let events = await provider.events.subscribe()
        let device = try #require(await provider.discover().first as? CodeScannerDevice)
        #expect(device.info.id == SimulatedScanner.deviceID)
        #expect(device.info.connection == "simulated")
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await provider.run() }
            defer { group.cancelAll() }
            #expect(await events.next(within: .seconds(30)) == .stateChanged(deviceID: device.info.id, .idle))
            await scanner.scan("P1:S01-20261129-0001:abcdefghijkl")
            #expect(await scans.next(within: .seconds(30))?.text == "P1:S01-20261129-0001:abcdefghijkl")
            await scanner.scan(String(repeating: "x", count: 3_000))
            // 200 codes in one sweep: the 4 the burst has left pass, the rest are dropped.
            for index in 0..<200 { await scanner.scan("flood-\(index)") }
            var passed: [String] = []
            while let scan = await scans.next(within: .seconds(2)) { passed.append(scan.text) }
            #expect(passed == (0..<passed.count).map { "flood-\($0)" })
            #expect((ScanGate.burst - 1...ScanGate.burst + 2).contains(passed.count), "\(passed.count) of a flood of 200 passed")
            let counted = Dictionary(uniqueKeysWithValues: try await statistics.statistics(
                deviceID: device.info.id, names: StatisticNames.codeScanner).map { ($0.name, $0.value) })
            #expect(counted["goodScans"] == Int64(1 + passed.count))
            #expect(counted["droppedScans"] == Int64(200 - passed.count))
            #expect(counted["overlongScans"] == 1)
        }
    }
}
