import Access
import Crypto
import Foundation
import GRDB
import KioskCore
import KioskTesting
import Secrets
import Testing
@testable import Storage

@Suite("SQLite store and migrations")
struct SQLiteStoreTests {
    let scratch: ScratchDirectory
    let path: String
    let keys = TerminalKeys.random()

    init() throws {
        scratch = try ScratchDirectory(prefix: "kiosk-store")
        path = scratch.path + "/kiosk.sqlite"
    }

    @Test func freshDatabaseIsMigratedToTheLatestVersionAndKeepsOnlyTheKeysFingerprint() throws {
        #expect(try SQLiteStore.keyState(atPath: path) == .fresh)
        let store = try SQLiteStore(path: path, keys: keys)
        #expect(try store.schemaVersion() == 0)
        #expect(try store.migrate() == SQLiteStore.knownSchemaVersion)
        #expect(SQLiteStore.knownSchemaVersion >= 1)
        let columns = try store.pool.read { db in try db.columns(in: "installation").map(\.name) }
        #expect(!columns.contains("secret"))
        #expect(try SQLiteStore.keyState(atPath: path) == .keyed(fingerprint: keys.fingerprint))
        // The secret the first migration still makes is gone from the file and its log.
        let auditRecords = try store.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM audit_log") }
        #expect(auditRecords == 0, "nothing to move on a new database, so nothing to audit")
    }

    @Test func migratingAnUpToDateDatabaseChangesNothingAndOtherKeysAreRefused() throws {
        let first = try SQLiteStore(path: path, keys: keys)
        try first.migrate()
        let reopened = try SQLiteStore(path: path, keys: keys)
        #expect(try reopened.migrate() == SQLiteStore.knownSchemaVersion)
        let stranger = try SQLiteStore(path: path, keys: .random())
        #expect(throws: StorageError.self) { try stranger.migrate() }
        do {
            try stranger.migrate()
        } catch {
            #expect(error.kind == .keysDoNotMatch)
            #expect(error.message.en.contains(keys.fingerprint))
        }
    }

    @Test func usesWALABusyTimeoutAndSecureDelete() throws {
        let store = try SQLiteStore(path: path, keys: keys)
        let (mode, timeout, secureDelete) = try store.pool.write { db in
            (try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Int.fetchOne(db, sql: "PRAGMA busy_timeout"),
             try Int.fetchOne(db, sql: "PRAGMA secure_delete"))
        }
        #expect(mode == "wal")
        #expect(timeout == 5000)
        #expect(secureDelete == 1)
    }

    @Test func refusesADatabaseFromANewerKiosk() async throws {
        let store = try SQLiteStore(path: path, keys: keys)
        try store.migrate()
        try await store.pool.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99-from-the-future')")
        }
        do {
            try store.migrate()
            Issue.record("migrating a database from a newer kiosk must fail")
        } catch {
            #expect(error.kind == .schemaTooNew)
            #expect(error.message.en.contains("v99-from-the-future"))
        }
        if case .failure(let error) = await store.isReady() {
            #expect(error.kind == .migrationFailed)
        } else {
            Issue.record("a database with an unknown migration must not be ready")
        }
    }

    @Test func unopenableFileIsAClearError() {
        #expect {
            try SQLiteStore(path: "/proc/kiosk-cannot-be-here/kiosk.sqlite", keys: keys)
        } throws: { error in
            guard let error = error as? StorageError else { return false }
            return error.kind == .unavailable && error.message.en.contains("/proc/kiosk-cannot-be-here")
        }
    }

    @Test func readinessReportsTheVersion() async throws {
        let store = try SQLiteStore(path: path, keys: keys)
        if case .success = await store.isReady() { Issue.record("an unmigrated database must not be ready") }
        try store.migrate()
        #expect(try await store.isReady().get() == SQLiteStore.knownSchemaVersion)
    }

    /// A database written before keys left it: the upgrade moves everything its secret keyed
    /// to the terminal's keys, seals what it kept in the clear, keys the audit chain, and leaves
    /// neither the secret nor the plaintext in the file or its log.
    @Test func upgradingADatabaseThatHeldItsSecretMovesItOut() async throws {
        let legacy = try LegacyDatabase(path: path)
        #expect(try SQLiteStore.keyState(atPath: path) == .legacy)

        let store = try SQLiteStore(path: path, keys: keys)
        try store.migrate()
        #expect(try SQLiteStore.keyState(atPath: path) == .keyed(fingerprint: keys.fingerprint))
        for suffix in ["", "-wal"] {
            let bytes = (try? Data(contentsOf: URL(fileURLWithPath: path + suffix))) ?? Data()
            #expect(bytes.range(of: legacy.secret) == nil, "the old secret in kiosk.sqlite\(suffix)")
            for text in [legacy.citizen.value, "13912345678", "王小明", "李工"] {
                #expect(bytes.range(of: Data(text.utf8)) == nil, "\(text) in kiosk.sqlite\(suffix)")
            }
        }

        // The booking is found by ID number under the new key; the draft resumes with it.
        let bookingHash = try await store.pool.read { db in try Data.fetchOne(db, sql: "SELECT id_hash FROM booking") }
        #expect(bookingHash == store.idHasher().hash(legacy.citizen))
        let draft = try #require(try await store.takeDraft(code: "D1", idNumber: legacy.citizen, now: legacy.now))
        #expect(draft.formID == "f")
        #expect(String(describing: draft.answers["mobile"]).contains("13912345678"))
        // Sealed filing, opened to exactly what was stored.
        let sealed = try #require(try await store.pool.read { db in try Data.fetchOne(db, sql: "SELECT document FROM filing") })
        #expect(try store.sealer.open(sealed, context: "filing:S01-20260101-0001") == legacy.filingDocument)
        // Staff keep their names; the chain is keyed and intact, and says what happened.
        let access = AccessStore(store: store)
        #expect(try await access.listStaff().map(\.name) == ["李工"])
        let verification = try await access.verifyAudit()
        #expect(verification.firstBreak == nil)
        let records = try await access.auditRecords()
        #expect(records.map(\.action) == ["staff.added", "staff.signIn", "secrets.migrated"])
        #expect(records.last?.detailValues?["bookings"] == "1")
        #expect(records.last?.detailValues?["signInsEnded"] == "1")
        #expect(AuditChain.unkeyedHash(of: records[0]) != records[0].hash, "the chain is no longer plain SHA-256")
    }
}

/// A terminal's database as kiosk wrote it before keys left it (schema v6): the secret in the
/// `installation` row, ID hashes keyed with it, filings, drafts and staff names in the clear,
/// an audit chain of plain SHA-256.
struct LegacyDatabase {
    let secret: Data
    let citizen = try! ResidentIDNumber("11010519491231002X")
    let now = Date(timeIntervalSince1970: 1_767_225_600)
    let filingDocument = Data(#"{"answers":{"mobile":"13912345678","name":"王小明"},"reference":"S01-20260101-0001"}"#.utf8)

    init(path: String) throws {
        let queue = try DatabaseQueue(path: path)
        try Migrations.migrator(keys: .random()).migrate(queue, upTo: "v6-outbox")
        let secret = try queue.read { db in try Data.fetchOne(db, sql: "SELECT secret FROM installation") }!
        self.secret = secret
        let hash = Data(HMAC<SHA256>.authenticationCode(for: Data(citizen.value.utf8), using: SymmetricKey(data: secret)))
        let draft = #"{"answers":{"idNumber":"11010519491231002X","mobile":"13912345678"},"formID":"f","formVersion":1,"materials":{}}"#
        let citizen = citizen, now = now, filingDocument = filingDocument
        try queue.write { db in
            try db.execute(sql: "INSERT INTO slot_capacity (slot_id, service_id, capacity, taken) VALUES ('s1', 'hukou', 2, 1)")
            try db.execute(sql: """
                INSERT INTO booking (id, code, slot_id, service_id, date, start, "end", id_hash, id_masked, status, created_at, updated_at)
                VALUES ('b1', 'ABCD2345', 's1', 'hukou', '2026-01-02', 0, 1, ?, ?, 'confirmed', 0, 0)
                """, arguments: [hash, citizen.masked])
            try db.execute(sql: "INSERT INTO filing (reference, formID, formVersion, submittedAt, document) VALUES (?, 'f', 1, ?, ?)",
                           arguments: ["S01-20260101-0001", now, filingDocument])
            try db.execute(sql: "INSERT INTO draft (code, idHash, formID, document, expiresAt) VALUES ('D1', ?, 'f', ?, ?)",
                           arguments: [hash, Data(draft.utf8), now.addingTimeInterval(86_400)])
            try db.execute(sql: """
                INSERT INTO staff_account (number, name, role, pin_algorithm, pin_parameters, pin_salt, pin_hash, created_at, updated_at)
                VALUES ('S1', '李工', 'staff', 'scrypt', 'x', x'00', x'00', 0, 0)
                """)
            try db.execute(sql: "INSERT INTO access_token (id, staff_number, role, terminal_id, issued_at, expires_at) VALUES ('t', 'S1', 'staff', 'T01', 0, 9999999999)")
            var previous = AuditChain.genesisHash
            for (sequence, action) in [(Int64(1), "staff.added"), (2, "staff.signIn")] {
                let unsealed = AuditRecord(sequence: sequence, milliseconds: 1000 * sequence, actor: "system", action: action,
                                           target: "S1", details: "{}", previousHash: previous, hash: "")
                let hash = AuditChain.unkeyedHash(of: unsealed)
                try db.execute(sql: """
                    INSERT INTO audit_log (sequence, at_ms, actor, action, target, details, previous_hash, hash)
                    VALUES (?, ?, 'system', ?, 'S1', '{}', ?, ?)
                    """, arguments: [sequence, 1000 * sequence, action, previous, hash])
                previous = hash
            }
            try db.execute(sql: "UPDATE audit_head SET sequence = 2, hash = ? WHERE id = 1", arguments: [previous])
        }
        try queue.close()
    }
}
