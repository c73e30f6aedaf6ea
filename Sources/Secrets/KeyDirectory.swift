import Foundation
import KioskCore
#if canImport(Glibc)
import Glibc
#endif

/// Where a terminal's keys live: a directory of their own outside `data_dir` (`[secrets] dir`),
/// mode 0700 with files 0600 owned by the user kiosk runs as, or systemd credentials
/// (`$CREDENTIALS_DIRECTORY`, `LoadCredential=`/`LoadCredentialEncrypted=`) when the service
/// is started with them. A key is looked for in the credentials first, then in the directory.
///
/// Files hold the key's 32 bytes, raw or as 64 hex digits (what `openssl rand -hex 32` or
/// `systemd-creds` give); kiosk writes them raw. A directory or file that the group or others
/// can read is refused with one line, before any key is read.
public struct KeyDirectory: Sendable, CustomStringConvertible {
    /// The terminal's own master key.
    public static let terminalKey = "terminal.key"
    /// The district's ID-hashing key, imported into every terminal of the district.
    public static let districtKey = "district-id.key"
    /// A master key being put in place by `kiosk secrets rotate` (see `stage`).
    static let stagedTerminalKey = "terminal.key.new"

    public let path: String
    /// `$CREDENTIALS_DIRECTORY`, when systemd passes credentials.
    public let credentials: String?

    public init(path: String, credentials: String? = ProcessInfo.processInfo.environment["CREDENTIALS_DIRECTORY"]) {
        self.path = path
        self.credentials = credentials.flatMap { $0.isEmpty ? nil : $0 }
    }

    public var description: String { path }

    /// Where `name` is read from: the credentials directory when it holds the file, else `path`.
    public func location(of name: String) -> String {
        if let credentials, FileManager.default.fileExists(atPath: credentials + "/" + name) { return credentials + "/" + name }
        return path + "/" + name
    }

    /// The key in `name`, or nil when neither place holds it. The file and its directory must be
    /// private to this user.
    public func read(_ name: String) throws(KeyError) -> SecretKey? {
        let file = location(of: name)
        guard FileManager.default.fileExists(atPath: file) else { return nil }
        let directory = (file as NSString).deletingLastPathComponent
        try Self.checkPrivate(directory, isDirectory: true)
        try Self.checkPrivate(file, isDirectory: false)
        guard let bytes = FileManager.default.contents(atPath: file) else {
            throw KeyError(.unreadable, file, "cannot be read (permissions?)")
        }
        guard let key = Self.decode(bytes) else {
            throw KeyError(.malformed, file, "does not hold a key (32 bytes, raw or as 64 hex digits)")
        }
        return key
    }

    /// The key in a file outside any key directory (one copied from another terminal, to be
    /// imported): nil when there is no such file; its permissions are not checked.
    public static func readFile(_ path: String) throws(KeyError) -> SecretKey? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let bytes = FileManager.default.contents(atPath: path) else {
            throw KeyError(.unreadable, path, "cannot be read (permissions?)")
        }
        guard let key = decode(bytes) else {
            throw KeyError(.malformed, path, "does not hold a key (32 bytes, raw or as 64 hex digits)")
        }
        return key
    }

    /// True when the key directory itself (not the credentials) holds `name`.
    public func holds(_ name: String) -> Bool {
        FileManager.default.fileExists(atPath: path + "/" + name)
    }

    /// Writes `key` as `name` in the key directory, atomically: a temporary file (0600, synced)
    /// renamed over the old one, then the directory synced. Creates the directory (0700) first.
    /// Run as root for another user's directory, the file is given to the directory's owner.
    public func write(_ key: SecretKey, as name: String) throws(KeyError) {
        try create()
        let target = path + "/" + name
        let temporary = path + "/." + name + ".tmp"
        unlink(temporary)
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw KeyError(.notWritable, path, "is not writable: \(Self.lastError())") }
        let written = key.bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        let synced = fsync(descriptor) == 0
        var owner = stat()
        if geteuid() == 0, stat(path, &owner) == 0, owner.st_uid != 0 { _ = fchown(descriptor, owner.st_uid, owner.st_gid) }
        close(descriptor)
        guard written == SecretKey.byteCount, synced, rename(temporary, target) == 0 else {
            unlink(temporary)
            throw KeyError(.notWritable, target, "could not be written: \(Self.lastError())")
        }
        syncDirectory()
    }

    public func remove(_ name: String) throws(KeyError) {
        guard unlink(path + "/" + name) == 0 || Glibc.errno == ENOENT else {
            throw KeyError(.notWritable, path + "/" + name, "could not be removed: \(Self.lastError())")
        }
        syncDirectory()
    }

    /// Creates the key directory, 0700, and checks an existing one is private.
    public func create() throws(KeyError) {
        if !FileManager.default.fileExists(atPath: path) {
            let parent = (path as NSString).deletingLastPathComponent
            do {
                try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
            } catch {
                throw KeyError(.notWritable, parent, "cannot be created")
            }
            guard mkdir(path, 0o700) == 0 || Glibc.errno == EEXIST else {
                throw KeyError(.notWritable, path, "cannot be created: \(Self.lastError())")
            }
            var parentStat = stat()
            if geteuid() == 0, stat(parent, &parentStat) == 0, parentStat.st_uid != 0 {
                _ = chown(path, parentStat.st_uid, parentStat.st_gid)
            }
        }
        try Self.checkPrivate(path, isDirectory: true)
    }

    // MARK: Rotation

    /// Puts a new master key beside the current one (`terminal.key.new`) before the database is
    /// re-keyed, so a crash in between loses neither: at the next start the database's recorded
    /// fingerprint says which of the two it was written with (`settle`).
    public func stage(_ key: SecretKey) throws(KeyError) {
        try write(key, as: Self.stagedTerminalKey)
    }

    /// After a rotation committed: the staged key becomes `terminal.key`.
    public func promoteStaged() throws(KeyError) {
        guard rename(path + "/" + Self.stagedTerminalKey, path + "/" + Self.terminalKey) == 0 else {
            throw KeyError(.notWritable, path + "/" + Self.terminalKey, "could not be replaced: \(Self.lastError())")
        }
        syncDirectory()
    }

    /// After a rotation failed: the staged key goes, the current one stays.
    public func discardStaged() throws(KeyError) {
        try remove(Self.stagedTerminalKey)
    }

    /// Finishes or undoes a rotation that stopped half-way: keeps the staged key if the database
    /// was re-keyed to it (`databaseFingerprint`), drops it otherwise.
    public func settle(databaseFingerprint: String?) throws(KeyError) {
        guard holds(Self.stagedTerminalKey) else { return }
        if let staged = try read(Self.stagedTerminalKey), staged.fingerprint == databaseFingerprint {
            try promoteStaged()
        } else {
            try discardStaged()
        }
    }

    // MARK: Checks

    /// Refuses a directory or file the group or others may use, or that belongs to someone else.
    static func checkPrivate(_ path: String, isDirectory: Bool) throws(KeyError) {
        var info = stat()
        guard stat(path, &info) == 0 else { throw KeyError(.unreadable, path, "cannot be examined: \(lastError())") }
        let mode = info.st_mode & 0o7777
        if mode & 0o077 != 0 {
            let fix = isDirectory ? "chmod 700" : "chmod 600"
            throw KeyError(.notPrivate, path, "is open to group or others (mode \(String(mode, radix: 8))); run \(fix) \(path)")
        }
        let user = geteuid()
        if user != 0, info.st_uid != user {
            throw KeyError(.notPrivate, path, "belongs to user \(info.st_uid), not to the user kiosk runs as (\(user))")
        }
    }

    static func decode(_ bytes: Data) -> SecretKey? {
        if bytes.count == SecretKey.byteCount { return SecretKey(bytes: bytes) }
        let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard text.utf8.count == 2 * SecretKey.byteCount else { return nil }
        var out: [UInt8] = []
        var index = text.startIndex
        while index < text.endIndex {
            let next = text.index(index, offsetBy: 2)
            guard let byte = UInt8(text[index..<next], radix: 16) else { return nil }
            out.append(byte)
            index = next
        }
        return SecretKey(bytes: out)
    }

    private func syncDirectory() {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }

    private static func lastError() -> String { String(cString: strerror(Glibc.errno)) }
}

/// A key that cannot be used, with the file it concerns and what to do; never the key.
public struct KeyError: KioskError, Equatable {
    public enum Kind: String, Sendable {
        case notPrivate = "secretsNotPrivate"
        case unreadable = "secretsUnreadable"
        case malformed = "secretsMalformed"
        case notWritable = "secretsNotWritable"
        case terminalKeyMissing
        case terminalKeyMismatch
        case districtKeyMissing
        case districtKeyMismatch
    }

    public let kind: Kind
    public let message: LocalizedText
    public var code: String { kind.rawValue }

    public init(_ kind: Kind, message: LocalizedText) {
        self.kind = kind
        self.message = message
    }

    init(_ kind: Kind, _ path: String, _ problem: String) {
        self.init(kind, message: .init(zh: "密钥文件 \(path) 不可用：\(problem)", en: "\(path) \(problem)"))
    }
}
