import DeviceKit

/// The scanner of `devices.mode = "simulated"`: what a technician (or a test) scans through its
/// controls arrives as the bytes a serial scanner sends, the code and its CR LF suffix, so it
/// takes the real path from there: the framer (overlong codes dropped), the gate, the counters,
/// the forwarding to the screen.
public actor SimulatedScanner {
    public static let deviceID = "scanner-simulated"
    private var pending: [UInt8] = []

    public init() {}

    /// Queues `text` as one scan.
    public func scan(_ text: String) {
        pending += Array(text.utf8) + [0x0D, 0x0A]
    }

    func take() -> [UInt8] {
        defer { pending = [] }
        return pending
    }
}

/// Reads the simulated scanner as a serial line is read: whatever arrived within the timeout.
struct SimulatedScanLink: ScanLink {
    let scanner: SimulatedScanner
    let framer = FramerBox()

    /// The framer keeps a partial code between reads, as a serial line's does.
    actor FramerBox {
        var framer = SerialScanFramer()
        func take(_ bytes: [UInt8]) -> [SerialScanFramer.Output] { framer.take(bytes) }
    }

    func read(timeout: Duration) async throws(DeviceFault) -> [SerialScanFramer.Output] {
        let deadline = ContinuousClock.now + timeout
        repeat {
            let bytes = await scanner.take()
            if !bytes.isEmpty { return await framer.take(bytes) }
            try? await Task.sleep(for: .milliseconds(50))
        } while ContinuousClock.now < deadline && !Task.isCancelled
        return []
    }

    func close() async {}
}
