import Access
import Foundation
import GRDB
import KioskCore
import Secrets

/// A staff account as listed: never the PIN.
public struct StaffAccount: Sendable, Hashable, Codable {
    public let number: StaffNumber
    public let name: String
    public let role: Role
    public let disabled: Bool
    public let createdAt: Date
}

public struct SignedIn: Sendable, Hashable {
    public let account: StaffAccount
    public let issued: IssuedToken
}

/// The audit log walked from its first record.
public struct AuditVerification: Sendable, Hashable {
    /// Records that were checked and found intact, up to the first break.
    public let intactRecords: Int
    public let head: AuditHead
    /// Nil when the whole log is intact (and passes every anchor given).
    public let firstBreak: AuditBreak?
}

/// Staff accounts, sign-in, tokens and the audit log in the terminal's SQLite database.
///
/// Every change to an account and its audit records are written in one transaction, so the log
/// never misses an event that happened nor holds one that did not. The PIN derivation (tens of
/// milliseconds, 32 MiB) runs before the write transaction, never inside it, so a sign-in does
/// not hold up bookings; the transaction re-reads the account and acts only if the PIN hash it
/// checked is still the stored one.
///
/// Wrong PINs slow a staff number down at the terminal where they were typed (`LockoutPolicy`),
/// never lock it; the terminal also takes at most `signInsPerMinute` failed accounts a minute,
/// and one account's failures draw on that at most once a minute. The number typed is kept only
/// as a keyed mark (`TerminalKeys.pseudonym`), so an unknown number (a phone number typed by
/// mistake) is in no row and no audit record.
///
/// Methods throw `AccessError` when a rule refuses and `StorageError` when the database fails.
/// Times are passed in, never read from a clock.
public struct AccessStore: Sendable {
    public let hashing: PINHashing
    public let lockout: LockoutPolicy
    let handles: TokenHandles
    let database: SQLiteStore
    /// The terminal's failed-sign-in budget (bucket `signIn`).
    let failures: RateLimiter

    public init(store: SQLiteStore, hashing: PINHashing = .standard, lockout: LockoutPolicy = LockoutPolicy(),
                signInsPerMinute: Int = 10, tokenLifetime: TimeInterval = 15 * 60) {
        self.database = store
        self.hashing = hashing
        self.lockout = lockout
        self.handles = TokenHandles(key: store.keys.tokenSigning, lifetime: tokenLifetime)
        self.failures = RateLimiter(["signIn": .perMinute(signInsPerMinute)])
    }

    /// scrypt takes a tenth of a second and 32 MiB. It runs here, one derivation at a time, and
    /// never on Swift's cooperative pool: on a two-core terminal that pool has two threads, and
    /// the HTTP handlers and device loops need them while a PIN is checked.
    private static let derivationQueue = DispatchQueue(label: "kiosk.pin-derivation")

    private static func offPool<T: Sendable>(_ work: @escaping @Sendable () throws(AccessError) -> T) async throws(AccessError) -> T {
        let result: Result<T, AccessError> = await withCheckedContinuation { continuation in
            derivationQueue.async {
                do throws(AccessError) { continuation.resume(returning: .success(try work())) } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }

    var sealer: Sealer { database.sealer }
    var auditKey: SecretKey { database.keys.auditChain }

    // MARK: Staff accounts

    public func addStaff(number: StaffNumber, name: String, role: Role, pin: PIN, by actor: AuditActor,
                         now: Date) async throws -> StaffAccount {
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...40).contains(name.count), !name.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw AccessError(.invalidStaffName)
        }
        guard Role.accountRoles.contains(role) else { throw AccessError(.invalidRole) }
        let pinHash = try await Self.offPool { [hashing] () throws(AccessError) in try hashing.hash(pin) }
        let entry = try AuditEntry(actor: actor, action: .staffAdded, target: number.value, details: ["role": role.rawValue])
        let sealedName = sealer.seal(Data(name.utf8), context: "staff:" + number.value)
        return try await write { [auditKey] db in
            guard try Int.fetchOne(db, sql: "SELECT 1 FROM staff_account WHERE number = ?", arguments: [number.value]) == nil else {
                throw AccessError(.staffNumberTaken)
            }
            try db.execute(sql: """
                INSERT INTO staff_account (number, name, role, pin_algorithm, pin_parameters, pin_salt, pin_hash, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [number.value, sealedName, role.rawValue, pinHash.algorithm, pinHash.parameters, pinHash.salt,
                                 pinHash.hash, now.timeIntervalSince1970, now.timeIntervalSince1970])
            try Self.appendAudit(entry, at: now, key: auditKey, db)
            return StaffAccount(number: number, name: name, role: role, disabled: false, createdAt: now)
        }
    }

    /// Disables the account and revokes its tokens: whoever holds one is signed out at once.
    public func disableStaff(_ number: StaffNumber, by actor: AuditActor, now: Date) async throws {
        try await write { [auditKey] db in
            try db.execute(sql: "UPDATE staff_account SET disabled = 1, updated_at = ? WHERE number = ?",
                           arguments: [now.timeIntervalSince1970, number.value])
            guard db.changesCount == 1 else { throw AccessError(.staffNotFound) }
            let revoked = try Self.revokeTokens(of: number, now: now, db)
            try Self.appendAudit(try AuditEntry(actor: actor, action: .staffDisabled, target: number.value,
                                                details: ["revokedTokens": String(revoked)]), at: now, key: auditKey, db)
        }
    }

    /// Sets a new PIN, lifts every sign-in delay of the account and revokes its tokens.
    public func resetPIN(_ number: StaffNumber, to pin: PIN, by actor: AuditActor, now: Date) async throws {
        let pinHash = try await Self.offPool { [hashing] () throws(AccessError) in try hashing.hash(pin) }
        let mark = database.keys.pseudonym(number.value)
        try await write { [auditKey] db in
            try db.execute(sql: """
                UPDATE staff_account SET pin_algorithm = ?, pin_parameters = ?, pin_salt = ?, pin_hash = ?, updated_at = ?
                WHERE number = ?
                """, arguments: [pinHash.algorithm, pinHash.parameters, pinHash.salt, pinHash.hash,
                                 now.timeIntervalSince1970, number.value])
            guard db.changesCount == 1 else { throw AccessError(.staffNotFound) }
            try db.execute(sql: "DELETE FROM sign_in_failure WHERE account = ?", arguments: [mark])
            let revoked = try Self.revokeTokens(of: number, now: now, db)
            try Self.appendAudit(try AuditEntry(actor: actor, action: .staffPINReset, target: number.value,
                                                details: ["revokedTokens": String(revoked)]), at: now, key: auditKey, db)
        }
    }

    /// Lifts the sign-in delays of an account at every terminal (`kiosk staff unlock`).
    @discardableResult
    public func unlock(_ number: StaffNumber, by actor: AuditActor, now: Date) async throws -> Int {
        let mark = database.keys.pseudonym(number.value)
        return try await write { [auditKey] db in
            guard try Int.fetchOne(db, sql: "SELECT 1 FROM staff_account WHERE number = ?", arguments: [number.value]) != nil else {
                throw AccessError(.staffNotFound)
            }
            try db.execute(sql: "DELETE FROM sign_in_failure WHERE account = ?", arguments: [mark])
            let lifted = db.changesCount
            try Self.appendAudit(try AuditEntry(actor: actor, action: .staffUnlocked, target: number.value,
                                                details: ["terminals": String(lifted)]), at: now, key: auditKey, db)
            return lifted
        }
    }

    /// Every account, by staff number.
    public func listStaff() async throws -> [StaffAccount] {
        let sealer = sealer
        return try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM staff_account ORDER BY number").map { try StoredAccount($0, sealer: sealer).account }
        }
    }

    /// The sign-in delay of an account at a terminal: when its next PIN will be checked, if later than `now`.
    public func delay(of number: StaffNumber, terminalID: String, now: Date) async throws -> Date? {
        let mark = database.keys.pseudonym(number.value)
        return try await read { [lockout] db in try Self.failures(mark, terminalID, db).waitUntil(now, policy: lockout) }
    }

    // MARK: Sign-in and tokens

    /// Checks the PIN, applies the delays and the terminal's budget, and issues a token bound to
    /// `terminalID`; a sign-in and a failure are each audited in the transaction that records them.
    /// A try within a delay or beyond the budget is refused before the PIN is looked at, and is
    /// neither counted nor audited: it changes nothing.
    public func signIn(number text: String, pin: String, terminalID: String, now: Date) async throws -> SignedIn {
        guard let number = try? StaffNumber(text) else {
            try await write { [auditKey] db in
                try Self.appendAudit(try AuditEntry(actor: .system, action: .staffSignInFailed,
                                                    details: ["reason": "malformedNumber", "terminal": terminalID]),
                                     at: now, key: auditKey, db)
            }
            throw AccessError(.signInFailed)
        }
        let mark = database.keys.pseudonym(number.value)
        let (stored, before) = try await read { db in
            (try Self.account(number, db).map(AccountForCheck.init), try Self.failures(mark, terminalID, db))
        }
        if let until = before.waitUntil(now, policy: lockout) { throw AccessError.delayed(seconds: until.timeIntervalSince(now)) }
        if let wait = await failures.wait("signIn", at: now) { throw AccessError.rateLimited(seconds: wait) }

        let sealer = sealer
        let (verified, rehashed) = try await Self.offPool { [hashing] () throws(AccessError) -> (Bool, PINHash?) in
            guard let stored else {
                _ = try hashing.verify(pin, against: hashing.decoy)
                return (false, nil)
            }
            guard !stored.disabled else { return (false, nil) }
            let verified = try hashing.verify(pin, against: stored.pinHash)
            guard verified, hashing.needsRehash(stored.pinHash), let pin = try? PIN(pin) else { return (verified, nil) }
            return (true, try hashing.hash(pin))
        }
        let checked = stored?.pinHash
        let outcome: SignInOutcome = try await write { [lockout, handles, auditKey, verified, rehashed] db in
            // Someone else's try may have landed meanwhile: its delay holds for this one too.
            let current = try Self.failures(mark, terminalID, db)
            if let until = current.waitUntil(now, policy: lockout) { return .refused(AccessError.delayed(seconds: until.timeIntervalSince(now))) }
            let account = try Self.account(number, db).map { try StoredAccount($0, sealer: sealer) }
            func fail(_ reason: String, _ error: AccessError) throws -> SignInOutcome {
                var failures = current
                failures.recordFailure(at: now)
                try db.execute(sql: """
                    INSERT INTO sign_in_failure (account, terminal_id, failures, last_failure_at) VALUES (?, ?, ?, ?)
                    ON CONFLICT (account, terminal_id) DO UPDATE SET failures = excluded.failures, last_failure_at = excluded.last_failure_at
                    """, arguments: [mark, terminalID, failures.count, now.timeIntervalSince1970])
                // Marks nobody has tried for a day are of no more use.
                try db.execute(sql: "DELETE FROM sign_in_failure WHERE last_failure_at < ?", arguments: [now.timeIntervalSince1970 - 86_400])
                try Self.appendAudit(try AuditEntry(
                    actor: .system, action: .staffSignInFailed, target: account == nil ? "unknown:" + mark : number.value,
                    details: ["reason": reason, "terminal": terminalID, "failures": String(failures.count)]), at: now, key: auditKey, db)
                return .failed(error, previous: current.last)
            }
            guard let account else { return try fail("unknownAccount", AccessError(.signInFailed)) }
            guard !account.account.disabled else { return try fail("disabled", AccessError(.accountDisabled)) }
            guard verified, account.pinHash == checked else { return try fail("wrongPIN", AccessError(.signInFailed)) }
            if let rehashed {
                try db.execute(sql: "UPDATE staff_account SET pin_algorithm = ?, pin_parameters = ?, pin_salt = ?, pin_hash = ? WHERE number = ?",
                               arguments: [rehashed.algorithm, rehashed.parameters, rehashed.salt, rehashed.hash, number.value])
            }
            try db.execute(sql: "DELETE FROM sign_in_failure WHERE account = ? AND terminal_id = ?", arguments: [mark, terminalID])
            try db.execute(sql: "DELETE FROM access_token WHERE expires_at <= ?", arguments: [now.timeIntervalSince1970])
            let issued = handles.issue(staffNumber: number, role: account.account.role, terminalID: terminalID, now: now)
            try db.execute(sql: """
                INSERT INTO access_token (id, staff_number, role, terminal_id, issued_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [issued.token.id, number.value, issued.token.role.rawValue, terminalID,
                                 issued.token.issuedAt.timeIntervalSince1970, issued.token.expiresAt.timeIntervalSince1970])
            try Self.appendAudit(try AuditEntry(
                actor: .staff(number), action: .staffSignedIn, target: number.value,
                details: ["role": issued.token.role.rawValue, "terminal": terminalID, "token": issued.token.id]), at: now, key: auditKey, db)
            return .signedIn(SignedIn(account: account.account, issued: issued))
        }
        switch outcome {
        case .signedIn(let signedIn): return signedIn
        case .refused(let error): throw error
        case .failed(let error, let previous):
            // One account draws on the terminal's budget once a minute, however often it fails.
            let period = await failures.limit("signIn")?.period ?? 60
            if previous.map({ now.timeIntervalSince($0) >= period }) ?? true { _ = await failures.take("signIn", at: now) }
            throw error
        }
    }

    /// The sign-in `text` names, as this terminal's record of it says: well formed and signed
    /// (else `tokenMalformed`, `tokenForged`), issued here and not revoked (`tokenRevoked`),
    /// for this terminal (`tokenOtherTerminal`) and unexpired (`tokenExpired`). Role, terminal
    /// and expiry come from the record, never from the token.
    public func authenticate(_ text: String, terminalID: String, now: Date) async throws -> AccessToken {
        let id = try handles.id(of: text)
        let token = try await read { db -> AccessToken? in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM access_token WHERE id = ? AND revoked_at IS NULL", arguments: [id]),
                  let staff = try? StaffNumber(row["staff_number"]), let role = Role(rawValue: row["role"]) else { return nil }
            return AccessToken(id: id, staffNumber: staff, role: role, terminalID: row["terminal_id"],
                               issuedAt: Date(timeIntervalSince1970: row["issued_at"]), expiresAt: Date(timeIntervalSince1970: row["expires_at"]))
        }
        guard let token else { throw AccessError(.tokenRevoked) }
        try TokenHandles.check(token, terminalID: terminalID, now: now)
        return token
    }

    /// True for a revoked token, and for one this database never issued or has pruned.
    public func isRevoked(tokenID: String) async throws -> Bool {
        try await read { db in
            try Row.fetchOne(db, sql: "SELECT revoked_at FROM access_token WHERE id = ?", arguments: [tokenID])
                .map { row in !row.hasNull(atIndex: 0) } ?? true
        }
    }

    public func signOut(_ token: AccessToken, now: Date) async throws {
        try await revoke(tokenID: token.id, by: .staff(token.staffNumber), action: .staffSignedOut, now: now)
    }

    /// Revokes one token (an administrator ending someone's sign-in); false if it was not live.
    @discardableResult
    public func revoke(tokenID: String, by actor: AuditActor, now: Date) async throws -> Bool {
        try await revoke(tokenID: tokenID, by: actor, action: .tokenRevoked, now: now)
    }

    @discardableResult
    private func revoke(tokenID: String, by actor: AuditActor, action: AuditAction, now: Date) async throws -> Bool {
        try await write { [auditKey] db in
            guard let staff = try String.fetchOne(db, sql: "SELECT staff_number FROM access_token WHERE id = ? AND revoked_at IS NULL",
                                                  arguments: [tokenID]) else { return false }
            try db.execute(sql: "UPDATE access_token SET revoked_at = ? WHERE id = ?", arguments: [now.timeIntervalSince1970, tokenID])
            try Self.appendAudit(try AuditEntry(actor: actor, action: action, target: staff, details: ["token": tokenID]),
                                 at: now, key: auditKey, db)
            return true
        }
    }

    // MARK: Audit log

    /// Appends one record in a transaction of its own. Other stores of this module append in
    /// their own transactions with `AccessStore.appendAudit(_:at:key:_:)`.
    @discardableResult
    public func appendAudit(_ entry: AuditEntry, now: Date) async throws -> AuditRecord {
        try await write { [auditKey] db in try Self.appendAudit(entry, at: now, key: auditKey, db) }
    }

    /// Records after `sequence` in order, at most `limit`.
    public func auditRecords(after sequence: Int64 = 0, limit: Int = 1000) async throws -> [AuditRecord] {
        try await read { db in
            try Self.records(db, where: "sequence > ? ORDER BY sequence LIMIT ?", [sequence, limit])
        }
    }

    /// The log's head: the anchor to write down (`SEQ:HEX`).
    public func auditHead() async throws -> AuditHead {
        try await read { db in try Self.head(db) }
    }

    /// Walks the whole chain in one snapshot under the audit key, stopping at the first break;
    /// the record at each anchor's sequence must still carry the anchor's MAC.
    public func verifyAudit(anchors: [AuditHead] = []) async throws -> AuditVerification {
        try await read { [auditKey] db in try Self.verifyAudit(db, key: auditKey, anchors: anchors) }
    }

    static func verifyAudit(_ db: Database, key: SecretKey, anchors: [AuditHead]) throws -> AuditVerification {
        let head = try head(db)
        var verifier = AuditChain.Verifier(key: key, anchors: anchors)
        let cursor = try Row.fetchCursor(db, sql: "\(recordColumns) ORDER BY sequence")
        while let row = try cursor.next() {
            if let broken = verifier.check(record(row)) {
                return AuditVerification(intactRecords: verifier.count, head: head, firstBreak: broken)
            }
        }
        return AuditVerification(intactRecords: verifier.count, head: head, firstBreak: verifier.finish(head: head))
    }

    /// The records from `from` (inclusive) to `to` (exclusive) as JSON lines (see
    /// `AuditRecord.jsonLine`); the export itself is audited.
    public func exportAudit(from: Date, to: Date, by actor: AuditActor, now: Date) async throws -> [String] {
        let lines = try await read { db in
            try Self.records(db, where: "at_ms >= ? AND at_ms < ? ORDER BY sequence",
                             [Self.milliseconds(from), Self.milliseconds(to)]).map(\.jsonLine)
        }
        try await appendAudit(try AuditEntry(actor: actor, action: .auditExported, details: [
            "from": Self.isoSeconds(from), "to": Self.isoSeconds(to), "records": String(lines.count),
        ]), now: now)
        return lines
    }

    /// Appends `entry` after the stored head inside the caller's transaction.
    @discardableResult
    static func appendAudit(_ entry: AuditEntry, at now: Date, key: SecretKey, _ db: Database) throws -> AuditRecord {
        let record = AuditChain.seal(entry, after: try head(db), at: now, key: key)
        try db.execute(sql: """
            INSERT INTO audit_log (sequence, at_ms, actor, action, target, details, previous_hash, hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [record.sequence, record.milliseconds, record.actor, record.action, record.target,
                             record.details, record.previousHash, record.hash])
        try db.execute(sql: "UPDATE audit_head SET sequence = ?, hash = ? WHERE id = 1", arguments: [record.sequence, record.hash])
        return record
    }

    /// The trigger that keeps kiosk's own code from changing a record; re-keying lifts it for
    /// its transaction and puts it back with this.
    static let appendOnlyTrigger = """
        CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
        """

    // MARK: Rows

    private enum SignInOutcome: Sendable {
        case signedIn(SignedIn)
        /// Refused before the PIN counted (a delay another try started).
        case refused(AccessError)
        /// A wrong PIN, an unknown or a disabled account, counted; `previous` is when this
        /// number last failed here.
        case failed(AccessError, previous: Date?)
    }

    private struct StoredAccount: Sendable {
        let account: StaffAccount
        let pinHash: PINHash

        init(_ row: Row, sealer: Sealer) throws {
            guard let numberText = row["number"] as String?, let number = try? StaffNumber(numberText),
                  let roleText = row["role"] as String?, let role = Role(rawValue: roleText),
                  let sealedName = row["name"] as Data?, let created = row["created_at"] as Double? else {
                throw StorageError.migrationFailed("an unreadable staff account row")
            }
            let name = String(decoding: try sealer.open(sealedName, context: "staff:" + number.value), as: UTF8.self)
            account = StaffAccount(number: number, name: name, role: role, disabled: row["disabled"] as Bool? ?? true,
                                   createdAt: Date(timeIntervalSince1970: created))
            pinHash = AccountForCheck(row).pinHash
        }
    }

    /// What the PIN check needs of an account.
    private struct AccountForCheck: Sendable {
        let disabled: Bool
        let pinHash: PINHash

        init(_ row: Row) {
            disabled = row["disabled"] as Bool? ?? true
            pinHash = PINHash(algorithm: row["pin_algorithm"] as String? ?? "", parameters: row["pin_parameters"] as String? ?? "",
                              salt: row["pin_salt"] as Data? ?? Data(), hash: row["pin_hash"] as Data? ?? Data())
        }
    }

    private static func account(_ number: StaffNumber, _ db: Database) throws -> Row? {
        try Row.fetchOne(db, sql: "SELECT * FROM staff_account WHERE number = ?", arguments: [number.value])
    }

    private static func failures(_ mark: String, _ terminalID: String, _ db: Database) throws -> SignInFailures {
        guard let row = try Row.fetchOne(db, sql: "SELECT failures, last_failure_at FROM sign_in_failure WHERE account = ? AND terminal_id = ?",
                                         arguments: [mark, terminalID]) else { return SignInFailures() }
        return SignInFailures(count: row[0], last: Date(timeIntervalSince1970: row[1]))
    }

    private static func revokeTokens(of number: StaffNumber, now: Date, _ db: Database) throws -> Int {
        try db.execute(sql: "UPDATE access_token SET revoked_at = ? WHERE staff_number = ? AND revoked_at IS NULL",
                       arguments: [now.timeIntervalSince1970, number.value])
        return db.changesCount
    }

    static func head(_ db: Database) throws -> AuditHead {
        guard let row = try Row.fetchOne(db, sql: "SELECT CAST(sequence AS INTEGER), IFNULL(CAST(hash AS TEXT), '') FROM audit_head WHERE id = 1") else {
            throw StorageError.migrationFailed("the audit log's head row is missing")
        }
        return AuditHead(sequence: row[0], hash: row[1])
    }

    /// Casts every column, so a value changed to another type or to NULL is read (and then
    /// reported by the chain) instead of stopping the walk.
    private static let recordColumns = """
        SELECT sequence, IFNULL(CAST(at_ms AS INTEGER), 0), IFNULL(CAST(actor AS TEXT), ''), IFNULL(CAST(action AS TEXT), ''),
               IFNULL(CAST(target AS TEXT), ''), IFNULL(CAST(details AS TEXT), ''), IFNULL(CAST(previous_hash AS TEXT), ''),
               IFNULL(CAST(hash AS TEXT), '')
        FROM audit_log
        """

    static func records(_ db: Database, where condition: String, _ arguments: StatementArguments) throws -> [AuditRecord] {
        try Row.fetchAll(db, sql: "\(recordColumns) WHERE \(condition)", arguments: arguments).map(record)
    }

    private static func record(_ row: Row) -> AuditRecord {
        AuditRecord(sequence: row[0], milliseconds: row[1], actor: row[2], action: row[3], target: row[4], details: row[5],
                    previousHash: row[6], hash: row[7])
    }

    private static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    private static func isoSeconds(_ date: Date) -> String {
        String(AuditChain.iso8601(milliseconds: milliseconds(date)).prefix(19)) + "Z"
    }

    private func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await database.pool.read(body)
        } catch let error as DatabaseError {
            throw StorageError.unavailable(path: database.path, reason: error.message ?? "SQLite error \(error.resultCode.rawValue)")
        }
    }

    @discardableResult
    private func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        do {
            return try await database.pool.write(body)
        } catch let error as DatabaseError {
            throw StorageError.unavailable(path: database.path, reason: error.message ?? "SQLite error \(error.resultCode.rawValue)")
        }
    }
}
