import KioskCore

/// Why `kiosk serve` (or another command) could not start. Each prints as one line.
public struct StartupError: KioskError {
    public let code: String
    public let message: LocalizedText

    public init(code: String, message: LocalizedText) {
        self.code = code
        self.message = message
    }

    static func dataDirectory(_ path: String, _ reason: String) -> StartupError {
        StartupError(code: "dataDirectoryUnusable", message: .init(
            zh: "数据目录 \(path) 不可用：\(reason)", en: "the data directory \(path) is unusable: \(reason)"))
    }

    static func cannotListen(_ address: String, _ reason: String) -> StartupError {
        StartupError(code: "cannotListen", message: .init(
            zh: "无法在 \(address) 上监听：\(reason)", en: "cannot listen on \(address): \(reason)"))
    }
}
