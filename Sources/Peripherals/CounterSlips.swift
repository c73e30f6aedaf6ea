import DeviceKit
import Foundation
import KioskServer
import ReceiptPrinter

/// Prints a printer's counter slip (`CounterSlip`): its counters and receipts per day, under
/// the head of the audit log after the print is recorded in it, so the paper anchors the log
/// as it stood, that request included.
public struct PrinterCounterSlips: CounterSlipDesk {
    let manager: DeviceManager
    let statistics: any StatisticsStore
    let terminalID: String
    let timeZone: TimeZone
    let now: @Sendable () -> Date
    /// Records that `staffNumber` printed the slip of `deviceID` in the audit log; the log's
    /// head after it, `SEQ:HEX`.
    let anchor: @Sendable (_ deviceID: String, _ staffNumber: String, _ now: Date) async throws -> String

    public init(manager: DeviceManager, statistics: any StatisticsStore, terminalID: String, timeZone: TimeZone,
                now: @escaping @Sendable () -> Date = Date.init,
                anchor: @escaping @Sendable (String, String, Date) async throws -> String) {
        self.manager = manager
        self.statistics = statistics
        self.terminalID = terminalID
        self.timeZone = timeZone
        self.now = now
        self.anchor = anchor
    }

    /// The days a slip shows, today included.
    static let days = 7

    public func printCounterSlip(deviceID: String, by staffNumber: String) async throws -> CounterSlipPrinted? {
        guard let printer = await manager.device(id: deviceID) as? ReceiptPrinterDevice else { return nil }
        let time = now()
        let counters = try await statistics.statistics(deviceID: deviceID, names: printer.statisticNames)
        let days = try await statistics.dailyCounts(deviceID: deviceID, days: Self.days)
        let head = try await anchor(deviceID, staffNumber, time)
        let slip = CounterSlip(terminalID: terminalID, deviceID: deviceID, printedAt: Self.localTime(time, timeZone),
                               counters: counters, days: days, anchor: head)
        // A fault is the job's state, as for any receipt: it is kept and can be reprinted.
        let job = try await printer.print(slip.receipt, templateID: CounterSlip.templateID, reference: CounterSlip.reference)
        return CounterSlipPrinted(jobId: job.id.uuidString, state: job.state.name, anchor: head)
    }

    static func localTime(_ date: Date, _ timeZone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: date)
        return String(format: "%04d-%02d-%02d %02d:%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0, parts.hour ?? 0, parts.minute ?? 0)
    }
}
