import Access
import KioskCore

/// Why the database could not be opened, migrated or used. Paths may appear in messages (they
/// are configuration, not personal data); SQL and row contents never do.
public struct StorageError: KioskError {
    public enum Code: String, Sendable {
        case unavailable = "databaseUnavailable"
        case schemaTooNew = "databaseSchemaTooNew"
        case migrationFailed = "databaseMigrationFailed"
        case copyRefused = "databaseCopyRefused"
        case keysDoNotMatch = "databaseKeysDoNotMatch"
        case rotationRefused = "secretsRotationRefused"
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
    /// The database was written with another `terminal.key` than the one given.
    package static func keysDoNotMatch(path: String, recorded: String, given: String) -> StorageError {
        StorageError(kind: .keysDoNotMatch, message: .init(
            zh: "数据库 \(path) 使用的密钥（指纹 \(recorded)）与 terminal.key（指纹 \(given)）不符：请恢复该数据目录对应的密钥备份",
            en: "the database \(path) was written with the key \(recorded), not with this terminal.key (\(given)); "
                + "restore the secrets backup that belongs to this data directory"))
    }

    /// A rotation would re-seal a log that no longer verifies, and hide where it broke.
    package static func rotationRefused(_ broken: AuditBreak) -> StorageError {
        StorageError(kind: .rotationRefused, message: .init(
            zh: "审计日志在第 \(broken.sequence) 条记录处已损坏（\(broken.kind.rawValue)）：轮换密钥会掩盖该处，已拒绝；请先用 kiosk audit verify 调查",
            en: "the audit log is broken at record \(broken.sequence) (\(broken.kind.rawValue)); a rotation would re-seal it and hide "
                + "where, so nothing was changed: investigate with kiosk audit verify first"))
    }

    package static func copyRefused(_ reason: LocalizedText) -> StorageError {
        StorageError(kind: .copyRefused, message: reason)
    }
}
