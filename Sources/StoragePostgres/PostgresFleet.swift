import Foundation
import KioskCore
import PostgresNIO
import Storage

/// The terminals' heartbeats in the district store (`terminal_heartbeat`): one row per terminal,
/// overwritten by each heartbeat, read whole for the fleet view.
public struct PostgresFleet: Sendable {
    let store: PostgresStore

    public init(store: PostgresStore) {
        self.store = store
    }

    /// Keeps `heartbeat` as its terminal's last; an older one arriving late never overwrites a newer.
    public func record(_ heartbeat: TerminalHeartbeat) async throws {
        let devices = try String(decoding: JSONEncoder().encode(heartbeat.devices), as: UTF8.self)
        let sentAt = heartbeat.sentAt.timeIntervalSince1970
        _ = try await store.run(inTransaction: false, passing: Never.self) { [logger = store.logger] c in
            try await c.query("""
                INSERT INTO terminal_heartbeat (site_id, terminal_id, version, sent_at, devices, outbox_pending, outbox_refused, last_error)
                VALUES (\(heartbeat.siteId), \(heartbeat.terminalId), \(heartbeat.version), \(sentAt), \(devices),
                        \(Int64(heartbeat.outboxPending)), \(Int64(heartbeat.outboxRefused)), \(heartbeat.lastError))
                ON CONFLICT (site_id, terminal_id) DO UPDATE SET version = excluded.version, sent_at = excluded.sent_at,
                    devices = excluded.devices, outbox_pending = excluded.outbox_pending,
                    outbox_refused = excluded.outbox_refused, last_error = excluded.last_error
                WHERE terminal_heartbeat.sent_at <= excluded.sent_at
                """, logger: logger)
        }
    }

    /// Every terminal's last heartbeat, in the whole district.
    public func heartbeats() async throws -> [TerminalHeartbeat] {
        try await store.run(inTransaction: false, passing: Never.self) { [logger = store.logger] c in
            try await c.query("""
                SELECT site_id, terminal_id, version, sent_at, devices, outbox_pending, outbox_refused, last_error
                FROM terminal_heartbeat ORDER BY site_id, terminal_id
                """, logger: logger).collect().map { row in
                let (site, terminal, version, sentAt, devices, pending, refused, lastError) =
                    try row.decode((String, String, String, Double, String, Int64, Int64, String?).self)
                guard let listed = try? JSONDecoder().decode([TerminalHeartbeat.Device].self, from: Data(devices.utf8)) else {
                    throw StoredRowError(column: "terminal_heartbeat.devices")
                }
                return TerminalHeartbeat(
                    terminalId: terminal, siteId: site, version: version, sentAt: Date(timeIntervalSince1970: sentAt),
                    devices: listed, outboxPending: Int(pending), outboxRefused: Int(refused), lastError: lastError)
            }
        }
    }
}
