import GRDB

extension Migrations {
    /// Staff accounts, sign-in tokens and the audit log. Instants are seconds since 1970 (REAL),
    /// except audit times, which are whole milliseconds (INTEGER) because they are hashed.
    static func registerAccess(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v5-access") { db in
            // The PIN is stored as the key derivation's name and parameters, salt and key, so the
            // parameters can be raised without invalidating existing PINs.
            try db.create(table: "staff_account") { t in
                t.primaryKey("number", .text)
                t.column("name", .text).notNull()
                t.column("role", .text).notNull().check(sql: "role IN ('staff', 'technician', 'admin')")
                t.column("disabled", .boolean).notNull().defaults(to: false)
                t.column("pin_algorithm", .text).notNull()
                t.column("pin_parameters", .text).notNull()
                t.column("pin_salt", .blob).notNull()
                t.column("pin_hash", .blob).notNull()
                t.column("failed_attempts", .integer).notNull().defaults(to: 0)
                t.column("failure_window_start", .double)
                t.column("locked_until", .double)
                t.column("created_at", .double).notNull()
                t.column("updated_at", .double).notNull()
            }
            // Every token issued until it expires; a token without a row here counts as revoked.
            try db.create(table: "access_token") { t in
                t.primaryKey("id", .text)
                t.column("staff_number", .text).notNull().references("staff_account")
                t.column("role", .text).notNull()
                t.column("terminal_id", .text).notNull()
                t.column("issued_at", .double).notNull()
                t.column("expires_at", .double).notNull()
                t.column("revoked_at", .double)
            }
            try db.create(index: "access_token_by_staff", on: "access_token", columns: ["staff_number", "revoked_at"])
            try db.create(index: "access_token_by_expiry", on: "access_token", columns: ["expires_at"])
            // The hash chain (see `AuditChain` for the canonical encoding). `details` is stored
            // as the canonical JSON text that was hashed.
            try db.create(table: "audit_log") { t in
                t.primaryKey("sequence", .integer)
                t.column("at_ms", .integer).notNull()
                t.column("actor", .text).notNull()
                t.column("action", .text).notNull()
                t.column("target", .text).notNull()
                t.column("details", .text).notNull()
                t.column("previous_hash", .text).notNull()
                t.column("hash", .text).notNull()
            }
            try db.create(index: "audit_log_by_time", on: "audit_log", columns: ["at_ms"])
            // The last record, so that records deleted from the end are noticed as well.
            try db.create(table: "audit_head") { t in
                t.primaryKey("id", .integer).check { $0 == 1 }
                t.column("sequence", .integer).notNull()
                t.column("hash", .text).notNull()
            }
            try db.execute(sql: "INSERT INTO audit_head (id, sequence, hash) VALUES (1, 0, ?)", arguments: [String(repeating: "0", count: 64)])
            // Append-only for kiosk's own code. Someone with the file can drop these; the chain
            // is what catches them then.
            try db.execute(sql: """
                CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
                BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
                BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
                """)
        }
    }
}
