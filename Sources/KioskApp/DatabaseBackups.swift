import Foundation
import Hosting
import KioskConfig
import KioskCore
import Storage

extension KioskApplication {
    /// The terminal's database for a backup: it must exist already (a backup never creates an
    /// empty database to copy).
    public static func openExistingStore(_ configuration: Configuration) throws(StartupError) -> SQLiteStore {
        let path = storePath(configuration)
        guard FileManager.default.fileExists(atPath: path) else {
            throw StartupError(code: "databaseMissing", message: .init(
                zh: "没有数据库 \(path)（先运行 kiosk db migrate）", en: "there is no database at \(path) (run kiosk db migrate first)"))
        }
        return try openStore(configuration)
    }
}
