import Foundation
import GRDB
import KioskCore
import Secrets
#if canImport(Glibc)
import Glibc
#endif

/// What a backup wrote, for the technician's line and the nightly rotation.
public struct BackupSummary: Sendable, Equatable {
    public var file: String
    public var bytes: Int64
    public var schemaVersion: Int
}

/// Backups of the terminal's SQLite file, taken while the terminal serves citizens.
///
/// SQLite's online backup API copies the pages inside one read transaction of the pool: in WAL
/// mode that is a snapshot, so the copy holds exactly what was committed when the backup began,
/// however many bookings are written meanwhile, and writers never wait for it. The copy is made
/// beside its destination (mode 0600), checked with `PRAGMA integrity_check`, and only then
/// renamed into place: a backup file is either whole or absent.
extension SQLiteStore {
    public func backup(to file: String) throws(StorageError) -> BackupSummary {
        guard !FileManager.default.fileExists(atPath: file) else {
            throw .backupRefused(.init(zh: "\(file) 已存在，不覆盖", en: "\(file) exists; a backup never overwrites a file"))
        }
        let partial = file + ".partial"
        try? FileManager.default.removeItem(atPath: partial)
        // Readable by its owner alone from the start: the copy holds what the database holds.
        let created = open(partial, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
        guard created >= 0 else {
            throw .backupRefused(.init(zh: "无法写入 \(file)", en: "cannot write \(file): \(String(cString: strerror(errno)))"))
        }
        close(created)
        do {
            let copy = try DatabaseQueue(path: partial)
            try pool.backup(to: copy)
            // The source is in WAL mode and the copy inherits it; a backup is one self-contained file.
            try copy.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = DELETE") }
            try Self.checkIntegrity(copy, file: partial)
            let version = try copy.read { db in try Migrations.migrator(keys: keys).appliedIdentifiers(db).count }
            try copy.close()
            try Self.flush(partial)
            guard rename(partial, file) == 0 else {
                throw StorageError.backupRefused(.init(zh: "无法写入 \(file)", en: "cannot write \(file): \(String(cString: strerror(errno)))"))
            }
            let bytes = ((try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? Int64) ?? 0
            return BackupSummary(file: file, bytes: bytes, schemaVersion: version)
        } catch let error as StorageError {
            try? FileManager.default.removeItem(atPath: partial)
            throw error
        } catch {
            try? FileManager.default.removeItem(atPath: partial)
            throw .backupRefused(.init(zh: "备份失败：\(Self.reason(error))", en: "the backup failed: \(Self.reason(error))"))
        }
    }

    /// Replaces this database with the backup `file`, after checking it: it must pass
    /// `integrity_check` and hold no migration this kiosk does not know (an older schema is
    /// migrated afterwards). What the database held before is first kept beside it as
    /// `NAME.before-restore-TIMESTAMP`, so a restore never loses anything. A file written with
    /// another `terminal.key` is refused. Stop `kiosk serve` first: a running server keeps what it
    /// read at start.
    public func restore(from file: String, now: Date = Date()) throws(StorageError) -> (kept: String, schemaVersion: Int) {
        guard FileManager.default.fileExists(atPath: file) else {
            throw .restoreRefused(.init(zh: "没有文件 \(file)", en: "no such file \(file)"))
        }
        let source: DatabaseQueue
        do {
            var configuration = GRDB.Configuration()
            configuration.readonly = true
            source = try DatabaseQueue(path: file, configuration: configuration)
            try Self.checkIntegrity(source, file: file)
        } catch let error as StorageError {
            throw .restoreRefused(error.message)
        } catch {
            throw .restoreRefused(.init(zh: "\(file) 不是可用的数据库：\(Self.reason(error))",
                                        en: "\(file) is not a usable database: \(Self.reason(error))"))
        }
        let applied: Set<String>
        do {
            applied = try source.read { db in try Migrations.migrator(keys: keys).appliedIdentifiers(db) }
        } catch {
            throw .restoreRefused(.init(zh: "\(file) 不是 kiosk 的数据库：\(Self.reason(error))",
                                        en: "\(file) is not a kiosk database: \(Self.reason(error))"))
        }
        let unknown = applied.subtracting(Migrations.migrator(keys: keys).migrations).sorted()
        guard unknown.isEmpty else {
            let newer = StorageError.schemaTooNew(found: applied.count, known: Migrations.latestVersion, unknown: unknown)
            throw .restoreRefused(newer.message)
        }
        // A copy written with another terminal.key could not be read here: the key directory's
        // backup of that time comes back first.
        if case .keyed(let fingerprint) = try Self.keyState(atPath: file), fingerprint != keys.fingerprint {
            let mismatch = StorageError.keysDoNotMatch(path: file, recorded: fingerprint, given: keys.fingerprint)
            throw .restoreRefused(mismatch.message)
        }
        let kept = path + ".before-restore-" + Self.stamp(now)
        _ = try backup(to: kept)
        do {
            try source.backup(to: pool)
            try source.close()
        } catch {
            throw .restoreRefused(.init(zh: "恢复失败（原数据库保存在 \(kept)）：\(Self.reason(error))",
                                        en: "the restore failed (the previous database is kept in \(kept)): \(Self.reason(error))"))
        }
        return (kept, try migrate())
    }

    /// Keeps the `keep` newest files of `directory` named like `prefix…suffix` and deletes the
    /// others; returns what was deleted.
    public static func pruneBackups(in directory: String, prefix: String, suffix: String, keep: Int) -> [String] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasPrefix(prefix) && $0.hasSuffix(suffix) }
            .sorted(by: >)
        var deleted: [String] = []
        for name in names.dropFirst(max(keep, 0)) {
            let path = directory + "/" + name
            if (try? FileManager.default.removeItem(atPath: path)) != nil { deleted.append(path) }
        }
        return deleted
    }

    /// A UTC time stamp that sorts as it reads: `20261001T023000Z`.
    public static func stamp(_ date: Date) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        return formatter.string(from: date)
    }

    static func checkIntegrity(_ database: some DatabaseReader, file: String) throws {
        let problems = try database.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check(5)") }
        guard problems == ["ok"] else {
            throw StorageError.backupRefused(.init(
                zh: "\(file) 未通过完整性检查：\(problems.joined(separator: "; "))",
                en: "\(file) fails the integrity check: \(problems.joined(separator: "; "))"))
        }
    }

    /// The copy reaches the disk before it takes the backup's name.
    private static func flush(_ path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return }
        defer { close(fd) }
        _ = fsync(fd)
    }

    private static func reason(_ error: any Error) -> String {
        if let error = error as? DatabaseError { return error.message ?? "SQLite error \(error.resultCode.rawValue)" }
        return String(describing: error)
    }
}

extension StorageError {
    package static func backupRefused(_ reason: LocalizedText) -> StorageError {
        StorageError(kind: .backupRefused, message: reason)
    }

    package static func restoreRefused(_ reason: LocalizedText) -> StorageError {
        StorageError(kind: .restoreRefused, message: .init(zh: "拒绝恢复：" + reason.zh, en: "restore refused: " + reason.en))
    }
}
