import Booking
import Crypto
import Foundation
import KioskCore
import Logging
import PostgresNIO

/// The services, hours and queue settings as the district store records them.
public struct RecordedDistrictSettings: Sendable, Equatable {
    public let settings: DistrictSettings
    public let fingerprint: String
    /// The terminal that recorded them: the first to migrate or start, or the last to push.
    public let recordedBy: String
}

extension DistrictSettings {
    /// The first 16 hex digits of the SHA-256 of `document`: what `kiosk district settings`
    /// prints, so two terminals can be compared at a glance.
    public var fingerprint: String {
        SHA256.hash(data: Data(document.utf8)).prefix(8).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}

/// A terminal whose `[[services]]`, `[hours]` or `[queue]` differ from the district's: started,
/// it would offer services the others answer `serviceNotFound` for, slots they do not have, or
/// ticket numbers from another prefix. Names each key, one line each, in both languages.
public struct DistrictSettingsDiffer: KioskError, Equatable {
    public let code = "districtSettingsDiffer"
    public let keys: [String]
    public let recordedBy: String
    public let message: LocalizedText

    public init(keys: [String], local: DistrictSettings, recorded: RecordedDistrictSettings) {
        self.keys = keys
        self.recordedBy = recorded.recordedBy
        let by = recorded.recordedBy
        let lines = keys.map { key in
            let here = local.values[key] ?? "(none)"
            let there = recorded.settings.values[key] ?? "(none)"
            return "  \(key): 本终端 \(here)，区域（\(by) 记录）\(there) / this terminal \(here), the district (recorded by \(by)) \(there)"
        }.joined(separator: "\n")
        message = LocalizedText(
            zh: "本终端 kiosk.conf 的以下设置与终端 \(by) 记录在区域数据库中的不同（每个终端必须相同）；"
                + "把 kiosk.conf 改成一致，或在设置正确的终端上运行 kiosk district settings push，再让其他终端照此修改：\n\(lines)",
            en: "this terminal's kiosk.conf differs from the district's settings recorded by terminal \(by) (every terminal "
                + "of a district must have the same); make kiosk.conf the same, or run kiosk district settings push on the "
                + "terminal whose settings are right and make the others follow:\n\(lines)")
    }
}

extension PostgresStore {
    /// The settings the district store records; nil before any terminal recorded them.
    public func recordedSettings() async throws -> RecordedDistrictSettings? {
        do {
            return try await withConnection { c in
                try await Self.recorded(c, logger: self.logger)
            }
        } catch {
            throw Self.unavailable(error, location: location)
        }
    }

    /// Checks this terminal's settings against the district's: the first terminal records its
    /// own (and gets nil back); any other gets the keys that differ, empty when none does.
    public func checkSettings(_ local: DistrictSettings, terminalID: String) async throws -> (recorded: RecordedDistrictSettings?, differences: [String]) {
        do {
            return try await transaction { c in
                try await self.takeMigrationLock(c)
                guard let recorded = try await Self.recorded(c, logger: self.logger) else {
                    try await Self.record(local, terminalID: terminalID, c, logger: self.logger)
                    return (nil, [])
                }
                if recorded.fingerprint == local.fingerprint { return (recorded, []) }
                return (recorded, local.differences(from: recorded.settings))
            }
        } catch {
            throw Self.unavailable(error, location: location)
        }
    }

    /// Makes this terminal's settings the district's, on purpose; returns what was recorded before.
    public func pushSettings(_ local: DistrictSettings, terminalID: String) async throws -> RecordedDistrictSettings? {
        do {
            return try await transaction { c in
                try await self.takeMigrationLock(c)
                let before = try await Self.recorded(c, logger: self.logger)
                try await Self.record(local, terminalID: terminalID, c, logger: self.logger)
                return before
            }
        } catch {
            throw Self.unavailable(error, location: location)
        }
    }

    static func recorded(_ c: PostgresConnection, logger: Logger) async throws -> RecordedDistrictSettings? {
        guard let row = try await c.query("SELECT settings, fingerprint, recorded_by FROM district_settings WHERE id = 1",
                                          logger: logger).collect().first else { return nil }
        let (document, fingerprint, recordedBy) = try row.decode((String, String, String).self)
        // A document this kiosk cannot read compares as empty: every key differs, and is named.
        return RecordedDistrictSettings(settings: DistrictSettings(document: document) ?? DistrictSettings(values: [:]),
                                        fingerprint: fingerprint, recordedBy: recordedBy)
    }

    static func record(_ settings: DistrictSettings, terminalID: String, _ c: PostgresConnection, logger: Logger) async throws {
        try await c.query("""
            INSERT INTO district_settings (id, fingerprint, settings, recorded_by, recorded_at)
            VALUES (1, \(settings.fingerprint), \(settings.document), \(terminalID), now())
            ON CONFLICT (id) DO UPDATE SET fingerprint = excluded.fingerprint, settings = excluded.settings,
                recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at
            """, logger: logger)
    }
}
