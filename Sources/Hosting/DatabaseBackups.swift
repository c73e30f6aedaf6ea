import Foundation
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
