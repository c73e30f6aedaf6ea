import GRDB

extension Migrations {
    /// Appointments, holds, queue tickets and ratings. Instants are seconds since 1970 (REAL,
    /// UTC by definition); local dates are `YYYY-MM-DD` in the hall's zone; identity numbers
    /// exist only as a keyed hash and a masked form.
    static func registerBooking(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v3-bookings") { db in
            // Places booked per slot, taken only by a conditional update. Holds are rows of
            // `booking_hold` that count against the slot while they live, so an expired hold
            // frees its place without a sweep. The CHECK is the last line of defence.
            try db.create(table: "slot_capacity") { t in
                t.primaryKey("slot_id", .text)
                t.column("service_id", .text).notNull()
                t.column("capacity", .integer).notNull()
                t.column("taken", .integer).notNull().defaults(to: 0)
                t.check(sql: "taken >= 0 AND taken <= capacity")
            }
            try db.create(table: "booking_hold") { t in
                t.primaryKey("id", .text)
                t.column("slot_id", .text).notNull().references("slot_capacity")
                t.column("service_id", .text).notNull()
                t.column("date", .text).notNull()
                t.column("start", .double).notNull()
                t.column("end", .double).notNull()
                t.column("expires_at", .double).notNull()
            }
            try db.create(index: "booking_hold_by_slot_expiry", on: "booking_hold", columns: ["slot_id", "expires_at"])
            try db.create(index: "booking_hold_by_expiry", on: "booking_hold", columns: ["expires_at"])
            try db.create(table: "booking") { t in
                t.primaryKey("id", .text)
                t.column("code", .text).notNull().unique()
                t.column("slot_id", .text).notNull().references("slot_capacity")
                t.column("service_id", .text).notNull()
                t.column("date", .text).notNull()
                t.column("start", .double).notNull()
                t.column("end", .double).notNull()
                t.column("id_hash", .blob).notNull()
                t.column("id_masked", .text).notNull()
                t.column("status", .text).notNull()
                t.column("sequence", .integer).notNull().defaults(to: 0)
                t.column("created_at", .double).notNull()
                t.column("updated_at", .double).notNull()
                t.column("on_day_off", .boolean).notNull().defaults(to: false)
            }
            try db.create(index: "booking_by_citizen", on: "booking", columns: ["id_hash", "status", "start"])
            try db.create(index: "booking_by_date", on: "booking", columns: ["date", "status"])
            // A retried request finds its first answer here; written in the transaction of its effect.
            try db.create(table: "idempotency_key") { t in
                t.primaryKey("key", .text)
                t.column("operation", .text).notNull()
                t.column("fingerprint", .blob).notNull()
                t.column("response", .blob).notNull()
                t.column("created_at", .double).notNull()
            }
            try db.create(table: "queue_ticket") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("date", .text).notNull()
                t.column("prefix", .text).notNull()
                t.column("sequence", .integer).notNull()
                t.column("number", .text).notNull()
                t.column("service_id", .text).notNull()
                t.column("priority", .text).notNull()
                t.column("queued_at", .double).notNull()
                t.column("state", .text).notNull()
                t.column("counter", .text)
                t.column("called_at", .double)
                t.column("call_count", .integer).notNull().defaults(to: 0)
                t.column("booking_id", .text).references("booking")
                t.uniqueKey(["date", "prefix", "sequence"])
            }
            try db.create(index: "queue_ticket_waiting", on: "queue_ticket", columns: ["date", "state", "service_id"])
            try db.create(table: "rating") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("ticket_id", .integer).notNull().unique().references("queue_ticket")
                t.column("service_id", .text).notNull()
                t.column("counter", .text).notNull()
                t.column("score", .integer).notNull().check { (1...5).contains($0) }
                t.column("reasons", .text).notNull()
                t.column("created_at", .double).notNull()
            }
            try db.create(index: "rating_by_service_counter", on: "rating", columns: ["service_id", "counter"])
        }
    }
}

extension Migrations {
    /// What the public screen may do without a sign-in, bounded (issue 14): a hold names its
    /// citizen (one open hold per ID hash, counted against the quota); a ticket keeps the hash of
    /// its rating token and of the ID number it was taken with, so only its taker rates it; slips
    /// and reprints are answered once per Idempotency-Key and counted per booking and per job.
    static func registerPublicScreenLimits(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v7-public-screen-limits") { db in
            try db.alter(table: "booking_hold") { t in t.add(column: "id_hash", .blob) }
            try db.create(index: "booking_hold_by_citizen", on: "booking_hold", columns: ["id_hash", "expires_at"])
            try db.alter(table: "queue_ticket") { t in
                t.add(column: "rating_token_hash", .blob)
                t.add(column: "holder_hash", .blob)
            }
            try db.create(index: "print_job_by_reference", on: "print_job", columns: ["reference"])
            // A slip or reprint asked for from the screen, by its Idempotency-Key: a retry gets
            // this answer instead of more paper. Pruned with the print jobs.
            try db.create(table: "print_request") { t in
                t.primaryKey("key", .text)
                t.column("target", .text).notNull()
                t.column("job_id", .text)
                t.column("state", .text).notNull()
                t.column("failure_reason", .text)
                t.column("created_at", .double).notNull()
            }
            try db.create(index: "print_request_by_time", on: "print_request", columns: ["created_at"])
        }
    }
}

extension Migrations {
    /// Stored answers start with their layout's version byte (`StoredAnswers.version`): the
    /// answers stored before get version 0, which their reader knows (`AnswerReader.version`).
    static func registerAnswerVersions(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v12-answer-versions") { db in
            try db.execute(sql: "UPDATE idempotency_key SET response = CAST(X'00' || response AS BLOB)")
        }
    }
}
