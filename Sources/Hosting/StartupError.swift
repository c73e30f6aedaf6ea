import KioskCore

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

    /// District mode with bookings in the terminal's own file that the district store lacks:
    /// started now, the terminal would never show them again.
    public static func uncopiedBookings(_ count: Int, _ path: String) -> StartupError {
        StartupError(code: "bookingsNotCopied", message: .init(
            zh: "\(path) 中有 \(count) 条预约尚未复制到区域数据库：请先运行 kiosk db copy --from sqlite:\(path) --to <区域数据库>",
            en: "\(path) holds \(count) bookings that were never copied to the district store: run "
                + "kiosk db copy --from sqlite:\(path) --to <district store> first"))
    }
}
