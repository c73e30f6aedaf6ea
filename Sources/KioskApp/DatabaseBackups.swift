import Foundation
import Hosting
import KioskConfig
import KioskCore
import Storage

/// Where `kiosk db backup --into DIRECTORY` (the nightly `kiosk-backup.timer`) puts its files:
/// `kiosk-YYYYMMDDTHHMMSSZ.sqlite`, so the names sort by age and the newest are kept.
public enum DatabaseBackups {
    static let prefix = "kiosk-"
    static let suffix = ".sqlite"

    /// A new file name in `directory`, which is created (owner and group only) when missing.
    public static func file(in directory: String, at date: Date) throws(StartupError) -> String {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o750])
        } catch {
            throw StartupError(code: "backupDirectoryUnusable", message: .init(
                zh: "备份目录 \(directory) 不可用", en: "the backup directory \(directory) is unusable: cannot create it"))
        }
        return directory + "/" + prefix + SQLiteStore.stamp(date) + suffix
    }

    /// Deletes all but the `keep` newest backups of `directory`; returns the deleted files.
    public static func prune(_ directory: String, keep: Int) -> [String] {
        SQLiteStore.pruneBackups(in: directory, prefix: prefix, suffix: suffix, keep: keep)
    }
}

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
