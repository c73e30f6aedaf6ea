import KioskCore

/// Why the database could not be opened, migrated or used. Paths may appear in messages (they
/// are configuration, not personal data); SQL and row contents never do.
public struct StorageError: KioskError {
    public enum Code: String, Sendable {
        case unavailable = "databaseUnavailable"
        case schemaTooNew = "databaseSchemaTooNew"
        case migrationFailed = "databaseMigrationFailed"
        case copyRefused = "databaseCopyRefused"
        case backupRefused = "databaseBackupRefused"
        case restoreRefused = "databaseRestoreRefused"
    }

    public let kind: Code
    public let message: LocalizedText
    public var code: String { kind.rawValue }

    package static func unavailable(path: String, reason: String) -> StorageError {
        StorageError(kind: .unavailable, message: .init(
            zh: "无法打开数据库 \(path)：\(reason)",
            en: "cannot open the database \(path): \(reason)"))
    }

    package static func schemaTooNew(found: Int, known: Int, unknown: [String]) -> StorageError {
        StorageError(kind: .schemaTooNew, message: .init(
            zh: "数据库结构版本 \(found) 比本程序支持的版本 \(known) 新（未知迁移：\(unknown.joined(separator: ", "))），请升级 kiosk",
            en: "the database schema (version \(found)) is newer than this kiosk knows (version \(known); unknown migrations: \(unknown.joined(separator: ", "))); upgrade kiosk"))
    }

    package static func migrationFailed(_ reason: String) -> StorageError {
        StorageError(kind: .migrationFailed, message: .init(
            zh: "数据库迁移失败：\(reason)", en: "the database migration failed: \(reason)"))
    }
}

extension StorageError {
    package static func copyRefused(_ reason: LocalizedText) -> StorageError {
        StorageError(kind: .copyRefused, message: reason)
    }
}
