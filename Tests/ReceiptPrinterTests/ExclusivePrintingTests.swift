import DeviceKit
import ESCPOS
import Synchronization
import Testing
@testable import ReceiptPrinter

/// Everything that talks to the printer takes its turn: a citizen's receipt, a reprint, a
/// technician's test print and a status query asked for from the device page never have their
/// bytes mixed on the wire. The connection here is a wire that hands a job over in pieces, with
/// suspensions between them (as libusb does chunk by chunk), and notes any exchange that starts
/// while another is still under way.
@Suite struct ExclusivePrintingTests {
    /// A printer wire: what arrived in which order, and every overlap of two exchanges.
    final class Wire: PrinterConnection, Sendable {
        struct State {
            var arrived: [[UInt8]] = []
            var open = 0
            var overlaps = 0
            var gate: Gate?
        }
        let address = "test"
        let state = Mutex(State())
        static let poll: [UInt8] = [0x10, 0x04, 0x01]

        func send(_ bytes: [UInt8], title: String) async throws(DeviceFault) -> DeviceStatus {
            begin()
            for start in stride(from: 0, to: bytes.count, by: 64) {
                state.withLock { $0.arrived.append(Array(bytes[start..<min(start + 64, bytes.count)])) }
                await Task.yield()
            }
            end()
            return DeviceStatus(paper: .ok, cover: .closed, cutter: .ok)
        }

        func status() async throws(DeviceFault) -> DeviceStatus {
            begin()
            state.withLock { $0.arrived.append(Self.poll) }
            if let gate = state.withLock({ $0.gate }) {
                await gate.wait()   // the printer is slow to answer
            } else {
                await Task.yield()
            }
            end()
            return DeviceStatus(paper: .ok, cover: .closed, cutter: .ok)
        }

        /// Status queries wait at this gate until it opens.
        func hold(_ gate: Gate?) { state.withLock { $0.gate = gate } }
        var inExchange: Bool { state.withLock { $0.open > 0 } }

        private func begin() { state.withLock { $0.open += 1; if $0.open > 1 { $0.overlaps += 1 } } }
        private func end() { state.withLock { $0.open -= 1 } }
        var bytes: [UInt8] { state.withLock { $0.arrived.flatMap { $0 } } }
        var overlaps: Int { state.withLock { $0.overlaps } }
    }

    /// Waiters released together when the gate opens.
    actor Gate {
        private var open = false
        private var waiters: [CheckedContinuation<Void, Never>] = []
        func wait() async {
            if open { return }
            await withCheckedContinuation { waiters.append($0) }
        }
        func release() {
            open = true
            waiters.forEach { $0.resume() }
            waiters = []
        }
    }

    /// The plain case, without luck in the schedule: a receipt asked for while a status query
    /// waits for the printer's answer starts only after that answer.
    @Test func aReceiptWaitsForAStatusQueryInFlight() async throws {
        let wire = Wire()
        let profile = try #require(try shippedProfiles().profile(id: "xprinter-80")).printer
        let printer = await PrinterUnderTest(connection: wire, profile: profile)
        let receipt = try #require(try shippedTemplates()["filing-receipt"]).render(data: filingData)
        let gate = Gate()
        wire.hold(gate)
        let device = printer.device
        let query = Task { await device.status() }
        while !wire.inExchange { await Task.yield() }
        let job = Task { try await device.print(receipt, templateID: "filing-receipt", reference: "A1") }
        // Time enough for the job to start sending, were it allowed to (it is not: 300 ms pass).
        let deadline = ContinuousClock.now + .milliseconds(300)
        while wire.bytes.count == Wire.poll.count && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(2)) }
        await gate.release()
        _ = await query.value
        #expect(try await job.value.state == .printed)
        #expect(wire.overlaps == 0)
        #expect(wire.bytes.starts(with: Wire.poll))
    }

    /// Everything at once, status queries asked again and again while the jobs run.
    @Test func aTestPrintAReceiptAReprintAndStatusQueriesNeverInterleave() async throws {
        let wire = Wire()
        let catalog = try shippedProfiles()
        let profile = try #require(catalog.profile(id: "xprinter-80")).printer
        let printer = await PrinterUnderTest(connection: wire, profile: profile)
        let receipt = try #require(try shippedTemplates()["filing-receipt"]).render(data: filingData)
        let earlier = try await printer.device.print(receipt, templateID: "filing-receipt", reference: "A1")
        let before = wire.bytes.count

        let (job, check, again, testPrint) = try await printAllAtOnce(printer, receipt, reprinting: earlier)
        #expect(job.state == .printed && again.state == .printed && check.passed)
        #expect(wire.overlaps == 0)
        // After the first job: the three jobs whole, in some order, with status queries only between them.
        #expect(firstMixedByte(Array(wire.bytes.dropFirst(before)), exchanges: [job.bytes, testPrint, earlier.bytes], poll: Wire.poll) == nil)
    }
}
