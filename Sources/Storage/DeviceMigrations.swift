import GRDB

extension Migrations {
    /// Device statistics and print jobs. Instants are seconds since 1970 (REAL, UTC).
    static func registerDevices(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v4-devices") { db in
            // One row per counter that has been counted or reset; `since` is the last reset
            // (or the first count).
            try db.create(table: "device_statistic") { t in
                t.column("device_id", .text).notNull()
                t.column("name", .text).notNull()
                t.column("value", .integer).notNull().defaults(to: 0)
                t.column("since", .double).notNull()
                t.primaryKey(["device_id", "name"])
            }
            // A receipt is stored here before it is sent. No personal data in columns: the
            // reference number identifies the filing; the bytes carry an ID number masked only.
            try db.create(table: "print_job") { t in
                t.primaryKey("id", .text)
                t.column("device_id", .text).notNull()
                t.column("template_id", .text).notNull()
                t.column("reference", .text).notNull()
                t.column("bytes", .blob).notNull()
                t.column("lines", .integer).notNull()
                t.column("characters", .integer).notNull()
                t.column("cuts", .integer).notNull()
                t.column("state", .text).notNull()
                    .check(sql: "state IN ('queued', 'sending', 'printed', 'failed')")
                t.column("failure_reason", .text)
                t.column("attempts", .integer).notNull().defaults(to: 0)
                t.column("created_at", .double).notNull()
                t.column("updated_at", .double).notNull()
                t.check(sql: "(state = 'failed') = (failure_reason IS NOT NULL)")
            }
            try db.create(index: "print_job_by_device", on: "print_job", columns: ["device_id", "created_at"])
            try db.create(index: "print_job_by_time", on: "print_job", columns: ["created_at"])
        }
    }

    /// What each device did per day of the hall (`DailyCounts`): receipts and lines printed.
    static func registerDeviceDays(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v15-device-daily-count") { db in
            try db.create(table: "device_daily_count") { t in
                t.column("device_id", .text).notNull()
                t.column("day", .text).notNull()   // YYYY-MM-DD in the hall's time zone
                t.column("name", .text).notNull()
                t.column("value", .integer).notNull().defaults(to: 0)
                t.primaryKey(["device_id", "day", "name"])
            }
        }
    }
}
