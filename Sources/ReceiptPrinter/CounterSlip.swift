import DeviceKit
import ESCPOS

/// The technician's counter slip (设备计数单): a printer's counters and its receipts per day,
/// with the audit log's head at the time (`SEQ:HEX`) printed under them. The paper leaves the
/// terminal; whoever later doubts the log proves with `kiosk audit verify --anchor SEQ:HEX`
/// that it still holds what it held when the slip was printed. Counters and days only: no
/// citizen's data is on it.
public struct CounterSlip: Sendable, Equatable {
    /// The template of its print job (a job like a test page, counted and previewed as any).
    public static let templateID = "counterSlip"
    /// Its reference (and CUPS job title).
    public static let reference = "counter slip"

    public var terminalID: String
    public var deviceID: String
    /// The hall's local time of printing, `YYYY-MM-DD HH:MM`.
    public var printedAt: String
    public var counters: [Statistic]
    /// Oldest first.
    public var days: [DailyCount]
    public var anchor: String

    public init(terminalID: String, deviceID: String, printedAt: String, counters: [Statistic], days: [DailyCount], anchor: String) {
        self.terminalID = terminalID
        self.deviceID = deviceID
        self.printedAt = printedAt
        self.counters = counters
        self.days = days
        self.anchor = anchor
    }

    public var receipt: Receipt {
        var elements: [Receipt.Block] = [
            .text("设备计数单 Counter slip", style: TextStyle(bold: true), alignment: .center),
            .separator,
            .keyValue(label: "终端 Terminal", value: terminalID),
            .keyValue(label: "设备 Device", value: deviceID),
            .keyValue(label: "时间 Time", value: printedAt),
            .separator,
        ]
        elements += counters.map { .keyValue(label: $0.name, value: "\($0.value)") }
        elements += [.separator, .text("每日回执 Receipts per day")]
        elements += days.map { day in
            .keyValue(label: day.day, value: "\(day.counts[DailyCounts.receipts] ?? 0) / \(day.counts[DailyCounts.lines] ?? 0)")
        }
        elements += [
            .separator,
            .text("审计锚点 Audit anchor", style: TextStyle(bold: true)),
            .text(anchor),
            .text("核验 Verify: kiosk audit verify --anchor <锚点 anchor>"),
            .cut,
        ]
        return Receipt(elements)
    }
}
