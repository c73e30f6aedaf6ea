import DeviceKit
import Foundation
import GRDB
import KioskCore
import Secrets

/// Device statistics and print jobs in the terminal's database: counters survive restarts and
/// are reset one by one; a print job is written before its first byte goes to the printer and
/// kept when it fails, for a reprint.
public final class DeviceStore: StatisticsStore, Sendable {
    let database: SQLiteStore
    let now: @Sendable () -> Date
    /// The hall's: a day's counts run from its midnight to its midnight.
    let timeZone: TimeZone

    public init(store: SQLiteStore, now: @escaping @Sendable () -> Date = { Date() },
                timeZone: TimeZone = TimeZone(identifier: "Asia/Shanghai")!) {
        database = store
        self.now = now
        self.timeZone = timeZone
    }

    // MARK: Counts by day

    /// Adds to today's row; rows older than `DailyCounts.keptDays` go in the same transaction,
    /// so the table stays a year and a month long without a sweep of its own.
    public func addToday(_ amounts: [String: Int64], deviceID: String) async throws {
        let time = now()
        let day = DailyCounts.day(of: time, timeZone: timeZone)
        let oldest = DailyCounts.days(endingAt: time, count: DailyCounts.keptDays, timeZone: timeZone).first ?? day
        try await database.pool.write { db in
            for (name, amount) in amounts {
                try db.execute(
                    sql: """
                        INSERT INTO device_daily_count (device_id, day, name, value) VALUES (?, ?, ?, ?)
                        ON CONFLICT (device_id, day, name) DO UPDATE SET value = value + excluded.value
                        """,
                    arguments: [deviceID, day, name, amount])
            }
            try db.execute(sql: "DELETE FROM device_daily_count WHERE day < ?", arguments: [oldest])
        }
    }

    public func dailyCounts(deviceID: String, days: Int) async throws -> [DailyCount] {
        let wanted = DailyCounts.days(endingAt: now(), count: days, timeZone: timeZone)
        guard let first = wanted.first else { return [] }
        let rows = try await database.pool.read { db in
            try Row.fetchAll(
                db, sql: "SELECT day, name, value FROM device_daily_count WHERE device_id = ? AND day >= ?",
                arguments: [deviceID, first])
        }
        var counts: [String: [String: Int64]] = [:]
        for row in rows {
            let day: String = row["day"]
            let name: String = row["name"]
            counts[day, default: [:]][name] = row["value"]
        }
        return wanted.map { DailyCount(day: $0, counts: counts[$0] ?? [:]) }
    }

    // MARK: Statistics

    public func add(_ amounts: [String: Int64], deviceID: String) async throws {
        let time = now().timeIntervalSince1970
        try await database.pool.write { db in
            for (name, amount) in amounts {
                try db.execute(
                    sql: """
                        INSERT INTO device_statistic (device_id, name, value, since) VALUES (?, ?, ?, ?)
                        ON CONFLICT (device_id, name) DO UPDATE SET value = value + excluded.value
                        """,
                    arguments: [deviceID, name, amount, time])
            }
        }
    }

    /// The row that keeps each device's powered seconds not yet a whole hour. Names starting
    /// with "." are the store's own bookkeeping: never listed, never a counter to reset.
    static let poweredSecondsRow = ".poweredSeconds"

    public func addPoweredTime(seconds: Int64, deviceID: String) async throws {
        let time = now().timeIntervalSince1970
        try await database.pool.write { db in
            let kept = try Int64.fetchOne(
                db, sql: "SELECT value FROM device_statistic WHERE device_id = ? AND name = ?",
                arguments: [deviceID, Self.poweredSecondsRow]) ?? 0
            let (hours, rest) = PoweredTime.carry(seconds, onto: kept)
            try db.execute(
                sql: """
                    INSERT INTO device_statistic (device_id, name, value, since) VALUES (?, ?, ?, ?)
                    ON CONFLICT (device_id, name) DO UPDATE SET value = excluded.value
                    """,
                arguments: [deviceID, Self.poweredSecondsRow, rest, time])
            guard hours > 0 else { return }
            try db.execute(
                sql: """
                    INSERT INTO device_statistic (device_id, name, value, since) VALUES (?, 'hoursPowered', ?, ?)
                    ON CONFLICT (device_id, name) DO UPDATE SET value = value + excluded.value
                    """,
                arguments: [deviceID, hours, time])
        }
    }

    /// Counters never counted read 0 since the installation was set up.
    public func statistics(deviceID: String, names: [String]) async throws -> [Statistic] {
        try await database.pool.read { db in
            let installed = try Date.fetchOne(db, sql: "SELECT createdAt FROM installation WHERE id = 1") ?? Date(timeIntervalSince1970: 0)
            var counters: [String: Statistic] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT name, value, since FROM device_statistic WHERE device_id = ? AND name NOT LIKE '.%'",
                arguments: [deviceID])
            {
                let name: String = row["name"]
                counters[name] = Statistic(name: name, value: row["value"], since: Date(timeIntervalSince1970: row["since"]))
            }
            return Set(names).union(counters.keys).sorted().map {
                counters[$0] ?? Statistic(name: $0, value: 0, since: installed)
            }
        }
    }

    public func reset(_ name: String, deviceID: String) async throws -> Statistic {
        let time = now()
        try await database.pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO device_statistic (device_id, name, value, since) VALUES (?, ?, 0, ?)
                    ON CONFLICT (device_id, name) DO UPDATE SET value = 0, since = excluded.since
                    """,
                arguments: [deviceID, name, time.timeIntervalSince1970])
        }
        return Statistic(name: name, value: 0, since: Date(timeIntervalSince1970: time.timeIntervalSince1970))
    }

    // MARK: Print jobs

    /// The receipt's bytes are sealed: a receipt may carry what a citizen or staff typed.
    public func insertPrintJob(_ job: StoredPrintJob) async throws {
        let sealed = database.sealer.seal(job.bytes, context: "print-job:" + job.id.uuidString)
        try await database.pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO print_job (id, device_id, template_id, reference, bytes, lines, characters, cuts,
                                           state, failure_reason, attempts, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    job.id.uuidString, job.deviceID, job.templateID, job.reference, sealed, job.lines,
                    job.characters, job.cuts, job.state, job.failureReason, job.attempts,
                    job.createdAt.timeIntervalSince1970, job.updatedAt.timeIntervalSince1970,
                ])
        }
    }

    /// Moves a job to `state` (`sending`, `printed`, or `failed` with a reason). Throws
    /// `DeviceStoreError` (`printJobNotFound`) for an unknown id.
    public func updatePrintJob(_ id: UUID, state: String, failureReason: String?, attempts: Int, at time: Date) async throws {
        let changed = try await database.pool.write { db in
            try db.execute(
                sql: "UPDATE print_job SET state = ?, failure_reason = ?, attempts = ?, updated_at = ? WHERE id = ?",
                arguments: [state, failureReason, attempts, time.timeIntervalSince1970, id.uuidString])
            return db.changesCount
        }
        guard changed == 1 else { throw DeviceStoreError.printJobNotFound }
    }

    public func printJob(_ id: UUID) async throws -> StoredPrintJob? {
        let sealer = database.sealer
        return try await database.pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM print_job WHERE id = ?", arguments: [id.uuidString])
                .flatMap { try StoredPrintJob(row: $0, sealer: sealer) }
        }
    }

    /// Newest first; of one device and in one state when given.
    public func recentPrintJobs(deviceID: String? = nil, state: String? = nil, limit: Int = 50) async throws -> [StoredPrintJob] {
        let sealer = database.sealer
        return try await database.pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT * FROM print_job
                    WHERE (?1 IS NULL OR device_id = ?1) AND (?2 IS NULL OR state = ?2)
                    ORDER BY created_at DESC, rowid DESC LIMIT ?3
                    """,
                arguments: [deviceID, state, max(limit, 0)]
            ).compactMap { try StoredPrintJob(row: $0, sealer: sealer) }
        }
    }

}

/// A print job as stored: the state by name (`queued`, `sending`, `printed`, `failed`) and the
/// failure's code when it failed.
public struct StoredPrintJob: Sendable, Equatable {
    public var id: UUID
    public var deviceID: String
    public var templateID: String
    public var reference: String
    public var bytes: [UInt8]
    public var lines: Int
    public var characters: Int
    public var cuts: Int
    public var state: String
    public var failureReason: String?
    public var attempts: Int
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: UUID, deviceID: String, templateID: String, reference: String, bytes: [UInt8], lines: Int,
        characters: Int, cuts: Int, state: String, failureReason: String?, attempts: Int, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.deviceID = deviceID
        self.templateID = templateID
        self.reference = reference
        self.bytes = bytes
        self.lines = lines
        self.characters = characters
        self.cuts = cuts
        self.state = state
        self.failureReason = failureReason
        self.attempts = attempts
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Nil for a row whose id is not a UUID; throws when its bytes do not open.
    init?(row: Row, sealer: Sealer) throws {
        guard let id = UUID(uuidString: row["id"]) else { return nil }
        let bytes = try sealer.open(row["bytes"], context: "print-job:" + id.uuidString)
        self.init(
            id: id, deviceID: row["device_id"], templateID: row["template_id"],
            reference: row["reference"], bytes: [UInt8](bytes), lines: row["lines"], characters: row["characters"],
            cuts: row["cuts"], state: row["state"], failureReason: row["failure_reason"], attempts: row["attempts"],
            createdAt: Date(timeIntervalSince1970: row["created_at"]), updatedAt: Date(timeIntervalSince1970: row["updated_at"]))
    }
}

public struct DeviceStoreError: KioskError, Equatable {
    public let code: String
    public let message: LocalizedText

    static let printJobNotFound = DeviceStoreError(
        code: "printJobNotFound", message: .init(zh: "打印任务不存在", en: "no such print job"))
}

// MARK: Print requests from the screen

/// A slip or reprint asked for under an Idempotency-Key, and what became of it.
public struct StoredPrintRequest: Sendable, Equatable {
    public var key: String
    /// What was asked: `slip:CODE` or `reprint:JOB`; the same key for another target is refused.
    public var target: String
    public var jobID: String?
    public var state: String
    public var failureReason: String?
    public var createdAt: Date

    public init(key: String, target: String, jobID: String?, state: String, failureReason: String?, createdAt: Date) {
        self.key = key
        self.target = target
        self.jobID = jobID
        self.state = state
        self.failureReason = failureReason
        self.createdAt = createdAt
    }
}

extension DeviceStore {
    public func printRequest(key: String) async throws -> StoredPrintRequest? {
        try await database.pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM print_request WHERE key = ?", arguments: [key]).map { row in
                StoredPrintRequest(key: row["key"], target: row["target"], jobID: row["job_id"], state: row["state"],
                                   failureReason: row["failure_reason"], createdAt: Date(timeIntervalSince1970: row["created_at"]))
            }
        }
    }

    /// Keeps the first answer under a key; a second record under it changes nothing.
    public func recordPrintRequest(_ request: StoredPrintRequest) async throws {
        try await database.pool.write { db in
            try db.execute(sql: """
                INSERT INTO print_request (key, target, job_id, state, failure_reason, created_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (key) DO NOTHING
                """, arguments: [request.key, request.target, request.jobID, request.state, request.failureReason,
                                 request.createdAt.timeIntervalSince1970])
        }
    }

    /// How many jobs printed `reference` (a booking's slips: `booking-CODE`), reprints not counted.
    public func printJobCount(reference: String) async throws -> Int {
        try await database.pool.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM print_job WHERE reference = ?", arguments: [reference]) ?? 0
        }
    }

    /// Retention: deletes every print job created before `date`, printed or not (they hold
    /// receipt text, and a receipt that old is reprinted by staff from the filing, not from the
    /// job), and the print requests of the same age. Returns how many jobs went.
    @discardableResult
    public func purgePrintJobs(createdBefore date: Date) async throws -> Int {
        try await database.pool.write { db in
            try db.execute(sql: "DELETE FROM print_request WHERE created_at < ?", arguments: [date.timeIntervalSince1970])
            try db.execute(sql: "DELETE FROM print_job WHERE created_at < ?", arguments: [date.timeIntervalSince1970])
            return db.changesCount
        }
    }
}
