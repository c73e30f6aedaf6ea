import Foundation
import KioskConfig
import KioskCore
import Secrets
import Storage
import StoragePostgres
#if canImport(Glibc)
import Glibc
#endif

/// The terminal's keys: found (or on a first start made) in the key directory, checked against
/// the database they key, and in district mode against the district store. Nothing here ever
/// prints a key; messages name files and fingerprints.
public enum TerminalSecrets {
    /// The key directory the configuration names, with systemd's credentials when present.
    public static func directory(_ configuration: Configuration) -> KeyDirectory {
        KeyDirectory(path: configuration.secretsDirectory)
    }

    /// The keys for the database at `databasePath`. A new installation, or one whose database
    /// still holds its secret, gets a new `terminal.key` (the migration then moves what the old
    /// secret keyed); a database written with a key that is not in the directory is refused.
    public static func load(_ configuration: Configuration, databasePath: String) throws(StartupError) -> TerminalKeys {
        let directory = directory(configuration)
        do {
            let state = try SQLiteStore.keyState(atPath: databasePath)
            if case .keyed(let fingerprint) = state { try directory.settle(databaseFingerprint: fingerprint) }
            let terminal: SecretKey
            switch (try directory.read(KeyDirectory.terminalKey), state) {
            case (let key?, .keyed(let fingerprint)):
                guard key.fingerprint == fingerprint else {
                    throw StartupError(StorageError.keysDoNotMatch(path: databasePath, recorded: fingerprint, given: key.fingerprint))
                }
                terminal = key
            case (let key?, _):
                terminal = key
            case (nil, .keyed(let fingerprint)):
                throw StartupError(code: KeyError.Kind.terminalKeyMissing.rawValue, message: .init(
                    zh: "\(directory.location(of: KeyDirectory.terminalKey)) 不存在，而数据库 \(databasePath) 由密钥 \(fingerprint) 写入：请恢复密钥目录的备份",
                    en: "\(directory.location(of: KeyDirectory.terminalKey)) is missing, and the database \(databasePath) was written "
                        + "with the key \(fingerprint): restore the backup of the key directory"))
            case (nil, _):
                terminal = .random()
                try directory.write(terminal, as: KeyDirectory.terminalKey)
            }
            return TerminalKeys(terminal: terminal, district: try directory.read(KeyDirectory.districtKey))
        } catch let error as StartupError {
            throw error
        } catch let error as any KioskError {
            throw StartupError(error)
        } catch {
            throw StartupError(code: "secretsUnusable", message: .init(zh: "密钥不可用", en: "the keys are unusable"))
        }
    }

    /// District mode: the district's ID key, checked against the district store (or taken out of
    /// it into this terminal's `district-id.key` by the first terminal to meet a store that still
    /// holds it). Throws `KeyError` when this terminal's key is missing or not the district's,
    /// `DistrictStoreUnavailable` when the store cannot be reached.
    public static func districtKey(_ keys: TerminalKeys, store: PostgresStore, configuration: Configuration) async throws -> SecretKey {
        let directory = directory(configuration)
        return try await store.districtKey(local: keys.district) { key in
            try directory.write(key, as: KeyDirectory.districtKey)
        }
    }
}

extension StartupError {
    public init(_ error: any KioskError) {
        self.init(code: error.code, message: error.message)
    }
}

/// `kiosk serve` holds this lock on its data directory for as long as it runs; commands that
/// must not run beside it (`kiosk secrets rotate`) take it exclusively and say so when they
/// cannot.
public final class ServeLock: Sendable {
    let descriptor: Int32

    private init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }

    /// Shared by the server: any number of readers of the keys, no rotation meanwhile.
    public static func serving(_ configuration: Configuration) throws(StartupError) -> ServeLock {
        try take(configuration, exclusive: false)
    }

    /// For a command that changes the keys: fails while `kiosk serve` runs on this data directory.
    public static func exclusive(_ configuration: Configuration) throws(StartupError) -> ServeLock {
        try take(configuration, exclusive: true)
    }

    private static func take(_ configuration: Configuration, exclusive: Bool) throws(StartupError) -> ServeLock {
        let path = configuration.dataDirectory + "/kiosk.lock"
        do {
            try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
        } catch {
            throw .dataDirectory(configuration.dataDirectory, "cannot create it")
        }
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .dataDirectory(configuration.dataDirectory, "cannot create \(path)") }
        guard flock(descriptor, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) == 0 else {
            close(descriptor)
            throw StartupError(code: "kioskRunning", message: exclusive
                ? .init(zh: "kiosk serve 正在使用 \(configuration.dataDirectory)：请先停止它（systemctl stop kiosk）",
                        en: "kiosk serve is running on \(configuration.dataDirectory): stop it first (systemctl stop kiosk)")
                : .init(zh: "另一个命令正在更换密钥（\(configuration.dataDirectory)）", en: "another command is changing the keys of \(configuration.dataDirectory)"))
        }
        return ServeLock(descriptor: descriptor)
    }
}
