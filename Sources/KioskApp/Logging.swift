import Foundation
import KioskConfig
import Logging

extension Configuration {
    var loggerLevel: Logger.Level { Logger.Level(rawValue: logLevel) ?? .info }
}

/// Sets up the process-wide log handler from the configuration: text for people at the
/// terminal, JSON lines for a collector. Call once, before anything logs.
public func bootstrapLogging(_ configuration: Configuration) {
    let level = configuration.loggerLevel
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
