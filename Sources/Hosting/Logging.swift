// CDispatch: on Linux `struct stat` (for $JOURNAL_STREAM) is defined, as Swift sees it, by the
// C module of Dispatch, which Foundation loads anyway.
import CDispatch
import Foundation
import KioskConfig
import Logging
#if canImport(Glibc)
import Glibc
#endif

extension Configuration {
    public var loggerLevel: Logger.Level { Logger.Level(rawValue: logLevel) ?? .info }
}

/// Sets up the process-wide log handler from the configuration: text for people at the
/// terminal, JSON lines for a collector, and journald's own fields when systemd connected
/// standard error to the journal. Call once, before anything logs.
public func bootstrapLogging(_ configuration: Configuration,
                             environment: [String: String] = ProcessInfo.processInfo.environment) {
    let level = configuration.loggerLevel
    if JournalSocket.isStandardErrorTheJournal(environment), let journal = JournalSocket() {
        LoggingSystem.bootstrap { label in
            var handler = JournalLogHandler(label: label, journal: journal)
            handler.logLevel = level
            return handler
        }
        return
    }
    switch configuration.logFormat {
    case .text:
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    case .json:
        LoggingSystem.bootstrap { label in
            var handler = JSONLogHandler(label: label)
            handler.logLevel = level
            return handler
        }
    }
}

/// Writes each record as one JSON object on standard error, metadata flattened under its dotted
/// keys (`device.id`, `form.id`), so a log collector can index them.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    let label: String

    public init(label: String) { self.label = label }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(
        level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?,
        source: String, file: String, function: String, line: UInt
    ) {
        FileHandle.standardError.write(Self.line(level: level, message: message, label: label, metadata: metadata.merging(explicit ?? [:]) { $1 }))
    }

    static func line(level: Logger.Level, message: Logger.Message, label: String, metadata: Logger.Metadata, date: Date = Date()) -> Data {
        var record: [String: String] = [
            "ts": date.formatted(.iso8601),
            "level": level.rawValue,
            "label": label,
            "message": message.description,
        ]
        for (key, value) in metadata {
            record[key] = value.description
        }
        var data = (try? JSONSerialization.data(withJSONObject: record, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        data.append(0x0A)
        return data
    }
}

/// Sends each record to journald in its native protocol, so `journalctl -u kiosk` shows the
/// priority and every metadata key is a field of its own: `device.id` becomes `KIOSK_DEVICE_ID`
/// (`journalctl KIOSK_DEVICE_ID=printer-1`). The metadata is the same as in the other formats:
/// never a name, an ID number or a phone number.
public struct JournalLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    let label: String
    let journal: JournalSocket

    public init(label: String, journal: JournalSocket) {
        self.label = label
        self.journal = journal
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(
        level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?,
        source: String, file: String, function: String, line: UInt
    ) {
        let merged = metadata.merging(explicit ?? [:]) { $1 }
        let fields = Self.fields(level: level, message: message, label: label, metadata: merged,
                                 file: file, function: function, line: line)
        guard journal.send(Self.datagram(fields)) else {
            // Too large for one datagram, or journald is gone: standard error still reaches the
            // journal as a plain line.
            FileHandle.standardError.write(JSONLogHandler.line(level: level, message: message, label: label, metadata: merged))
            return
        }
    }

    static func fields(level: Logger.Level, message: Logger.Message, label: String, metadata: Logger.Metadata,
                       file: String, function: String, line: UInt) -> [(name: String, value: String)] {
        var fields: [(name: String, value: String)] = [
            ("MESSAGE", message.description),
            ("PRIORITY", String(priority(level))),
            ("SYSLOG_IDENTIFIER", "kiosk"),
            ("KIOSK_LABEL", label),
            ("CODE_FILE", file),
            ("CODE_LINE", String(line)),
            ("CODE_FUNC", function),
        ]
        for key in metadata.keys.sorted() {
            fields.append((fieldName(key), metadata[key]!.description))
        }
        return fields
    }

    /// syslog's levels, which journald keeps in `PRIORITY`.
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    /// A journal field name: upper-case letters, digits and underscores, at most 64 of them, not
    /// starting with an underscore (those are journald's own). `KIOSK_` keeps ours apart from
    /// the fields journald and systemd define.
    static func fieldName(_ key: String) -> String {
        let name = "KIOSK_" + String(key.uppercased().unicodeScalars.map { scalar in
            ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar) ? Character(scalar) : "_"
        })
        return String(name.prefix(64))
    }

    /// The native protocol: `NAME=value\n` for a value without a newline; otherwise `NAME\n`,
    /// the value's length as a 64-bit little-endian integer, the value and `\n`.
    static func datagram(_ fields: [(name: String, value: String)]) -> [UInt8] {
        var bytes: [UInt8] = []
        for (name, value) in fields {
            let data = Array(value.utf8)
            bytes += Array(name.utf8)
            if data.contains(0x0A) {
                bytes.append(0x0A)
                withUnsafeBytes(of: UInt64(data.count).littleEndian) { bytes += $0 }
                bytes += data
            } else {
                bytes.append(UInt8(ascii: "="))
                bytes += data
            }
            bytes.append(0x0A)
        }
        return bytes
    }
}

/// journald's datagram socket, open for the life of the process.
public final class JournalSocket: Sendable {
    public static let defaultPath = "/run/systemd/journal/socket"
    public let path: String
    private let fd: Int32

    /// Nil when no journal listens at `path`.
    public init?(path: String = JournalSocket.defaultPath) {
        guard path.utf8.count < MemoryLayout.size(ofValue: sockaddr_un().sun_path),
              FileManager.default.fileExists(atPath: path) else { return nil }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        self.path = path
        self.fd = fd
    }

    deinit { close(fd) }

    /// One record, one datagram; false when the journal refuses it (e.g. larger than the
    /// socket allows).
    public func send(_ datagram: [UInt8]) -> Bool {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: Array(path.utf8)) }
        let sent = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(fd, datagram, datagram.count, Int32(MSG_NOSIGNAL), $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        return sent == datagram.count
    }

    /// systemd sets `$JOURNAL_STREAM` to the device and inode of the stream it connected to the
    /// journal; standard error is that stream only when they match (a shell started from the
    /// unit inherits the variable but may have redirected standard error elsewhere).
    public static func isStandardErrorTheJournal(_ environment: [String: String], descriptor: Int32 = STDERR_FILENO) -> Bool {
        guard let value = environment["JOURNAL_STREAM"] else { return false }
        let parts = value.split(separator: ":")
        guard parts.count == 2, let device = UInt64(parts[0]), let inode = UInt64(parts[1]) else { return false }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { return false }
        return UInt64(status.st_dev) == device && UInt64(status.st_ino) == inode
    }
}
