import Access
import Filings
import Foundation
import GRDB
import KioskCore
import Secrets

extension Migrations {
    static let keysOutside = "v8-keys-outside"

    /// Takes the installation secret out of the file: everything it keyed is moved to the
    /// terminal's keys (kept outside the file, see `KeyDirectory`), what the file kept about
    /// people in the clear is sealed, the audit chain is keyed, and the secret is dropped.
    /// Also adds what came with the keys: per-account sign-in delays, the record of bookings
    /// copied to a district, the masked number of a draft (so a draft can be re-keyed later).
    static func registerKeysOutside(_ migrator: inout DatabaseMigrator, keys: TerminalKeys) {
        migrator.registerMigration(keysOutside) { db in
            // Wrong PINs in a row per staff number (as a keyed mark, never the number typed) and terminal.
            try db.create(table: "sign_in_failure") { t in
                t.column("account", .text).notNull()
                t.column("terminal_id", .text).notNull()
                t.column("failures", .integer).notNull()
                t.column("last_failure_at", .double).notNull()
                t.primaryKey(["account", "terminal_id"])
            }
            // Bookings `kiosk db copy` has put into the district store.
            try db.create(table: "district_copied") { t in
                t.primaryKey("booking_id", .text)
                t.column("copied_at", .double).notNull()
            }
            try db.alter(table: "draft") { t in t.add(column: "idMasked", .text) }
            try db.alter(table: "installation") { t in t.add(column: "key_fingerprint", .text) }
            guard let secret = try Data.fetchOne(db, sql: "SELECT secret FROM installation WHERE id = 1"),
                  let legacy = SecretKey(bytes: secret) else {
                throw StorageError.migrationFailed("the installation secret is missing")
            }
            let report = try Rekeying.run(db, from: .beforeKeysLeft(idHashing: legacy), to: keys)
            try db.alter(table: "installation") { t in t.drop(column: "secret") }
            try db.alter(table: "staff_account") { t in
                t.drop(column: "failed_attempts")
                t.drop(column: "failure_window_start")
                t.drop(column: "locked_until")
            }
            if !report.isEmpty {
                try AccessStore.appendAudit(try AuditEntry(actor: .system, action: .secretsMigrated, details: report.details),
                                            at: Date(), key: keys.auditChain, db)
            }
        }
    }
}

/// The keys a database was written with, before it is moved to new ones.
struct FormerKeys {
    let idHashing: SecretKey
    /// Nil: what is sealed now was kept in the clear.
    let sealer: Sealer?
    /// Nil: the chain was plain SHA-256.
    let auditChain: SecretKey?

    static func beforeKeysLeft(idHashing: SecretKey) -> FormerKeys {
        FormerKeys(idHashing: idHashing, sealer: nil, auditChain: nil)
    }

    static func terminal(_ keys: TerminalKeys) -> FormerKeys {
        FormerKeys(idHashing: keys.idHashing, sealer: Sealer(key: keys.dataAtRest), auditChain: keys.auditChain)
    }
}

/// What moving a database to new keys did, and what it could not do.
public struct RekeyReport: Sendable, Equatable {
    /// Bookings whose ID hash now uses the new key.
    public var bookings = 0
    /// Bookings whose number could not be found from the old hash: they keep it, and no longer
    /// match their citizen (neither for quotas nor for look-ups by ID number).
    public var bookingsUnmatched = 0
    public var drafts = 0
    /// Drafts saved before drafts kept their masked number, whose number could not be found:
    /// deleted, since nobody could resume them.
    public var draftsDropped = 0
    /// Lifecycle records (issue 16) re-sealed, their applicant's ID hash under the new key.
    public var filings = 0
    /// Lifecycle records whose applicant's number could not be found from the old hash (neither
    /// in the filing's answers nor from its masked number): re-sealed, but no card finds them.
    public var filingsUnmatched = 0
    /// Departments' webhook secrets re-sealed with the new key.
    public var webhookSecrets = 0
    /// Departments whose API key no longer opens anything: it is kept only as a MAC under the
    /// old key, which cannot be moved (the key itself was never stored).
    public var departmentKeysVoided = 0
    /// Filings, drafts, outbox records, print jobs and staff names sealed with the new key.
    public var sealed = 0
    /// Audit records re-sealed with the new key.
    public var auditRecords = 0
    /// Where the audit log was already broken: records from there on keep their old MACs, so
    /// `kiosk audit verify` still names the break.
    public var auditBrokenAt: Int64?
    /// Sign-ins ended: every token is a handle signed with the old key.
    public var signInsEnded = 0

    var isEmpty: Bool { self == RekeyReport() }

    var details: [String: String] {
        var details = ["bookings": String(bookings), "bookingsUnmatched": String(bookingsUnmatched), "drafts": String(drafts),
                       "draftsDropped": String(draftsDropped), "sealed": String(sealed), "auditRecords": String(auditRecords),
                       "signInsEnded": String(signInsEnded), "filings": String(filings), "filingsUnmatched": String(filingsUnmatched),
                       "webhookSecrets": String(webhookSecrets), "departmentKeysVoided": String(departmentKeysVoided)]
        if let auditBrokenAt { details["auditBrokenAt"] = String(auditBrokenAt) }
        return details
    }
}

/// Moves everything a database keys from `FormerKeys` to new `TerminalKeys`, in the caller's
/// transaction: ID hashes (found again from the masked number, see `IDRecovery`), sealed
/// columns, the audit chain, sign-in tokens and delays, and the recorded fingerprint.
enum Rekeying {
    static func run(_ db: Database, from old: FormerKeys, to new: TerminalKeys) throws -> RekeyReport {
        var report = RekeyReport()
        let newSealer = Sealer(key: new.dataAtRest)
        let newHasher = HMACIDHasher(key: new.idHashing)
        let lastYear = IDRecovery.currentYear
        var found: [Data: ResidentIDNumber] = [:]
        func recover(_ hash: Data, masked: String) -> ResidentIDNumber? {
            if let number = found[hash] { return number }
            let number = IDRecovery.number(hash: hash, masked: masked, key: old.idHashing, through: lastYear)
            found[hash] = number
            return number
        }

        for row in try Row.fetchAll(db, sql: "SELECT id, id_hash, id_masked FROM booking") {
            guard let number = recover(row["id_hash"], masked: row["id_masked"]) else {
                report.bookingsUnmatched += 1
                continue
            }
            try db.execute(sql: "UPDATE booking SET id_hash = ? WHERE id = ?", arguments: [newHasher.hash(number), row["id"] as String])
            report.bookings += 1
        }

        for row in try Row.fetchAll(db, sql: "SELECT code, idHash, idMasked, document FROM draft") {
            let code: String = row["code"]
            let hash: Data = row["idHash"]
            let document = try open(row["document"], context: "draft:" + code, with: old.sealer)
            let number = (row["idMasked"] as String?).flatMap { recover(hash, masked: $0) }
                ?? numbers(in: document).first { HMACIDHasher(key: old.idHashing).hash($0) == hash }
            guard let number else {
                try db.execute(sql: "DELETE FROM draft WHERE code = ?", arguments: [code])
                report.draftsDropped += 1
                continue
            }
            try db.execute(sql: "UPDATE draft SET idHash = ?, idMasked = ?, document = ? WHERE code = ?", arguments: [
                newHasher.hash(number), number.masked, newSealer.seal(document, context: "draft:" + code), code])
            report.drafts += 1
            report.sealed += 1
        }

        if try db.tableExists("lifecycle_record") {
            try rekeyLifecycle(db, old: old, newSealer: newSealer, newHasher: newHasher, recover: { recover($0, masked: $1) }, report: &report)
        }
        if try db.tableExists("department") {
            report.webhookSecrets = try reseal(db, "department", key: "id", value: "webhook_secret", context: "department:",
                                               old: old.sealer, new: newSealer, where: "webhook_secret IS NOT NULL")
            report.departmentKeysVoided = try Int.fetchOne(db, sql: "SELECT count(*) FROM department WHERE revoked_at IS NULL") ?? 0
        }
        report.sealed += try reseal(db, "filing", key: "reference", value: "document", context: "filing:", old: old.sealer, new: newSealer)
        report.sealed += try reseal(db, "outbox", key: "idempotency_key", value: "payload", context: "outbox:", old: old.sealer, new: newSealer)
        report.sealed += try reseal(db, "print_job", key: "id", value: "bytes", context: "print-job:", old: old.sealer, new: newSealer)
        report.sealed += try resealNames(db, old: old.sealer, new: newSealer)

        let (resealed, brokenAt) = try resealAudit(db, old: old.auditChain, new: new.auditChain)
        report.auditRecords = resealed
        report.auditBrokenAt = brokenAt

        // A hold lasts minutes and a ticket's holder a day: not worth finding again from the old
        // hash. The holds go (their places are free again); a ticket is still rated with its token.
        try db.execute(sql: "DELETE FROM booking_hold")
        try db.execute(sql: "UPDATE queue_ticket SET holder_hash = NULL")
        try db.execute(sql: "DELETE FROM access_token")
        report.signInsEnded = db.changesCount
        try db.execute(sql: "DELETE FROM sign_in_failure")
        try db.execute(sql: "UPDATE installation SET key_fingerprint = ? WHERE id = 1", arguments: [new.fingerprint])
        return report
    }

    static func open(_ value: Data, context: String, with sealer: Sealer?) throws -> Data {
        guard let sealer else { return value }
        return try sealer.open(value, context: context)
    }

    /// The filing lifecycle's records: each sealed record opened with the old key, its
    /// applicant's hash made again under the new one (the number found in the filing's answers
    /// while the terminal keeps them, else from the record's masked number), sealed with the
    /// new key; the `id_hash` column the look-up by card reads follows the record.
    private static func rekeyLifecycle(_ db: Database, old: FormerKeys, newSealer: Sealer, newHasher: HMACIDHasher,
                                       recover: (Data, String) -> ResidentIDNumber?, report: inout RekeyReport) throws {
        let oldHasher = HMACIDHasher(key: old.idHashing)
        for row in try Row.fetchAll(db, sql: "SELECT reference, document, id_masked FROM lifecycle_record") {
            let reference: String = row["reference"]
            let context = "lifecycle:" + reference
            var record = try LifecycleSQL.decode(try open(row["document"], context: context, with: old.sealer))
            if let hash = record.idHash {
                let answers = try Data.fetchOne(db, sql: "SELECT document FROM filing WHERE reference = ?", arguments: [reference])
                    .map { try open($0, context: "filing:" + reference, with: old.sealer) }
                let number = answers.flatMap { numbers(in: $0).first { oldHasher.hash($0) == hash } }
                    ?? (row["id_masked"] as String?).flatMap { recover(hash, $0) }
                if let number {
                    record = record.rehashed(newHasher.hash(number))
                } else {
                    report.filingsUnmatched += 1
                }
            }
            try db.execute(sql: "UPDATE lifecycle_record SET id_hash = ?, document = ? WHERE reference = ?", arguments: [
                record.idHash, newSealer.seal(try LifecycleSQL.encode(record), context: context), reference])
            report.filings += 1
        }
    }

    /// Every value of `table.value` opened with the old key (or read in the clear) and sealed
    /// with the new one, bound to `context` + the row's key.
    private static func reseal(_ db: Database, _ table: String, key: String, value: String, context: String,
                               old: Sealer?, new: Sealer, where condition: String = "1") throws -> Int {
        let rows = try Row.fetchAll(db, sql: "SELECT \(key), \(value) FROM \(table) WHERE \(condition)")
        for row in rows {
            let id = row[0] as String
            let plain = try open(row[1], context: context + id, with: old)
            try db.execute(sql: "UPDATE \(table) SET \(value) = ? WHERE \(key) = ?", arguments: [new.seal(plain, context: context + id), id])
        }
        return rows.count
    }

    /// Staff names: a text column, sealed as UTF-8.
    private static func resealNames(_ db: Database, old: Sealer?, new: Sealer) throws -> Int {
        let rows = try Row.fetchAll(db, sql: "SELECT number, name FROM staff_account")
        for row in rows {
            let number = row["number"] as String
            let plain: Data = if let old {
                try old.open(row["name"], context: "staff:" + number)
            } else {
                Data((row["name"] as String).utf8)
            }
            try db.execute(sql: "UPDATE staff_account SET name = ? WHERE number = ?",
                           arguments: [new.seal(plain, context: "staff:" + number), number])
        }
        return rows.count
    }

    /// Re-seals the chain under the new key as far as it verifies under the old one; from the
    /// first break on the records keep what they had, so the break stays where it was.
    private static func resealAudit(_ db: Database, old: SecretKey?, new: SecretKey) throws -> (Int, Int64?) {
        var verifier = AuditChain.Verifier(key: old)
        var previous = AuditChain.genesisHash
        var resealed = 0
        var brokenAt: Int64?
        try db.execute(sql: "DROP TRIGGER IF EXISTS audit_log_no_update")
        for record in try AccessStore.records(db, where: "1 ORDER BY sequence", []) {
            if let broken = verifier.check(record) {
                brokenAt = broken.sequence
                break
            }
            let sealed = AuditChain.reseal(record, after: previous, key: new)
            try db.execute(sql: "UPDATE audit_log SET previous_hash = ?, hash = ? WHERE sequence = ?",
                           arguments: [sealed.previousHash, sealed.hash, sealed.sequence])
            previous = sealed.hash
            resealed += 1
        }
        if brokenAt == nil {
            if let broken = verifier.finish(head: try AccessStore.head(db)) {
                brokenAt = broken.sequence
            } else {
                try db.execute(sql: "UPDATE audit_head SET hash = ? WHERE id = 1", arguments: [previous])
            }
        }
        try db.execute(sql: AccessStore.appendOnlyTrigger)
        return (resealed, brokenAt)
    }

    /// Every string in a JSON document that is a valid ID number.
    static func numbers(in document: Data) -> [ResidentIDNumber] {
        guard let object = try? JSONSerialization.jsonObject(with: document) else { return [] }
        var found: [ResidentIDNumber] = []
        func walk(_ value: Any) {
            switch value {
            case let text as String: if let number = try? ResidentIDNumber(text) { found.append(number) }
            case let array as [Any]: array.forEach(walk)
            case let object as [String: Any]: object.values.forEach(walk)
            default: break
            }
        }
        walk(object)
        return found
    }
}

extension SQLiteStore {
    /// Moves this database to `newKeys` in one transaction (see `Rekeying`), after checking that
    /// the audit log is intact under the current key, and rewrites the file so no page or log
    /// frame keeps a value sealed with the old key. The caller puts the new `terminal.key` in
    /// place (staged before, promoted after: see `KeyDirectory.stage`).
    public func rotate(to newKeys: TerminalKeys, now: Date) throws -> RekeyReport {
        let keys = keys
        let report = try pool.write { db -> RekeyReport in
            if let broken = try AccessStore.verifyAudit(db, key: keys.auditChain, anchors: []).firstBreak {
                throw StorageError.rotationRefused(broken)
            }
            let report = try Rekeying.run(db, from: .terminal(keys), to: newKeys)
            try AccessStore.appendAudit(try AuditEntry(actor: .system, action: .secretsRotated, details: report.details),
                                        at: now, key: newKeys.auditChain, db)
            return report
        }
        try pool.vacuum()
        try wipeRemnants()
        return report
    }
}
