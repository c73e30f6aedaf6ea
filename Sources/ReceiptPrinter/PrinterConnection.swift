import DeviceKit
import ESCPOS

/// How bytes reach one printer: libusb, a CUPS queue, or the simulator. A connection reports
/// failures as `DeviceFault`s so the device can count them and tell people what to do.
public protocol PrinterConnection: Sendable {
    /// `connection` of `DeviceInfo`: `usb:0416:5011`, `cups:receipt`, `simulated`.
    var address: String { get }
    /// Sends a whole job. Checks the printer before the first byte and between chunks, and stops
    /// at the first fault (paper out mid-job stops the job). Returns the status after the last
    /// byte. `title` names the job where the transport shows one (CUPS): a reference number.
    func send(_ bytes: [UInt8], title: String) async throws(DeviceFault) -> DeviceStatus
    /// Asks the printer now; prints nothing.
    func status() async throws(DeviceFault) -> DeviceStatus
    /// What the printer said about itself (`GS I`) when it was last opened; nil where it was
    /// not asked yet or cannot be asked (a CUPS queue sends, never reads).
    func identity() async -> PrinterIdentity?
}

extension PrinterConnection {
    public func identity() async -> PrinterIdentity? { nil }
}
