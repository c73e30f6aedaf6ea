import KioskCore
import Storage

/// Why `kiosk serve` (or another command) could not start. Each prints as one line.
public struct StartupError: KioskError {
    public let code: String
    public let message: LocalizedText

    public init(code: String, message: LocalizedText) {
        self.code = code
        self.message = message
    }

    public static func dataDirectory(_ path: String, _ reason: String) -> StartupError {
        StartupError(code: "dataDirectoryUnusable", message: .init(
            zh: "数据目录 \(path) 不可用：\(reason)", en: "the data directory \(path) is unusable: \(reason)"))
    }

    public static func cannotListen(_ address: String, _ reason: String) -> StartupError {
        StartupError(code: "cannotListen", message: .init(
            zh: "无法在 \(address) 上监听：\(reason)", en: "cannot listen on \(address): \(reason)"))
    }

    /// A lone terminal whose outbox keeps records for the district (filings, offline tickets,
    /// ratings taken while the district was unreachable): only a terminal in district mode sends
    /// them, so started alone it would strand them for good.
    public static func outboxNotDelivered(_ pending: [OutboxRecord.Kind: Int], _ path: String) -> StartupError {
        let kinds = [(OutboxRecord.Kind.filing, "件办件", "filings"), (.ticket, "张离线排队号", "offline tickets"), (.rating, "条评价", "ratings")]
            .compactMap { kind, zh, en in pending[kind].map { (count: $0, zh: zh, en: en) } }
        let total = pending.values.reduce(0, +)
        return StartupError(code: "outboxNotDelivered", message: .init(
            zh: "\(path) 中有 \(total) 条记录（\(kinds.map { "\($0.count) \($0.zh)" }.joined(separator: "、"))）尚未发送到区域数据库：请以区域模式"
                + "（database = 区域的 postgres://… 地址）再次运行 kiosk serve，直到 kiosk diag district 显示发件箱已清空，再切换",
            en: "\(path) keeps \(total) records (\(kinds.map { "\($0.count) \($0.en)" }.joined(separator: ", "))) for the district store "
                + "that were never sent: start kiosk serve in district mode again (database = the district's postgres://… URL) until "
                + "kiosk diag district shows the outbox empty, then switch"))
    }

    /// District mode with bookings, calls for staff, policy prints, filings' lifecycles, queue tickets,
    /// ratings or idempotency keys in the terminal's own file that the district store lacks: started
    /// now, the terminal would never show them again (the staff consoles, the queue and the monthly
    /// report read the district's; a retried request would be answered anew).
    public static func notCopiedToDistrict(_ left: NotCopiedToDistrict, _ path: String) -> StartupError {
        let kinds = [(left.bookings, "条预约", "bookings"), (left.helpRequests, "条求助呼叫", "help requests"),
                     (left.policyPrints, "条政策单打印记录", "policy prints"), (left.filings, "件办件的办理记录", "filings' lifecycles"),
                     (left.tickets, "张排队号", "queue tickets"), (left.ratings, "条评价", "ratings"),
                     (left.idempotencyKeys, "条重试应答记录（幂等键）", "idempotency keys")]
            .filter { $0.0 > 0 }
        let en = kinds.map { "\($0.0) \($0.2)" }
        return StartupError(code: "notCopiedToDistrict", message: .init(
            zh: "\(path) 中有 \(kinds.map { "\($0.0) \($0.1)" }.joined(separator: "、"))尚未复制到区域数据库：请先运行 "
                + "kiosk db copy --from sqlite:\(path) --to <区域数据库>",
            en: "\(path) holds \(en.count > 1 ? en.dropLast().joined(separator: ", ") + " and " + en.last! : en.joined()) that were "
                + "never copied to the district store: run kiosk db copy --from sqlite:\(path) --to <district store> first"))
    }
}
