import Foundation
import GRDB
import Secrets

/// The schema, as an ordered list of migrations. Append new ones at the end, never edit one that
/// has shipped: terminals in the field have already run it. The schema version is the number of
/// migrations applied, so identifiers start with their position.
enum Migrations {
    /// The migrations, with the keys the one that needs them (`keysOutside`) works with.
    static func migrator(keys: TerminalKeys) -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-installation") { db in
            // One row describing this installation. `secret` keyed the HMAC of ID numbers until
            // keys left the database (`keysOutside` takes it out again).
            try db.create(table: "installation") { t in
                t.column("id", .integer).primaryKey().check { $0 == 1 }
                t.column("createdAt", .datetime).notNull()
                t.column("secret", .blob).notNull()
            }
            var generator = SystemRandomNumberGenerator()
            let secret = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
            try db.execute(
                sql: "INSERT INTO installation (id, createdAt, secret) VALUES (1, CURRENT_TIMESTAMP, ?)",
                arguments: [Data(secret)])
        }
        registerFilings(&migrator)
        registerBooking(&migrator)
        registerDevices(&migrator)
        registerAccess(&migrator)
        registerOutbox(&migrator)
        registerPublicScreenLimits(&migrator)
        registerKeysOutside(&migrator, keys: keys)
        registerLifecycle(&migrator)
        registerDepartments(&migrator)
        registerAnswerVersions(&migrator)
        registerHelpRequests(&migrator)
        registerHallDisplay(&migrator)
        registerDeviceDays(&migrator)
        registerLifecycleFigures(&migrator)
        registerDistrictCopyMarks(&migrator)
        registerDistrictCopyQueueMarks(&migrator)
        registerDistrictCopiedSequence(&migrator)
        registerTicketChangedSinceCopy(&migrator)
        return migrator
    }

    static var latestVersion: Int { migrator(keys: .random()).migrations.count }
}
