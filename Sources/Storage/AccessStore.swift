import Access
import Foundation
import GRDB
import KioskCore

/// A staff account as listed: never the PIN.
public struct StaffAccount: Sendable, Hashable, Codable {
    public let number: StaffNumber
    public let name: String
    public let role: Role
    public let disabled: Bool
    /// The end of the last lock after failed sign-ins: locked while this is in the future.
    public let lockedUntil: Date?
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
    /// Nil when the whole log is intact.
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
/// Methods throw `AccessError` when a rule refuses and `StorageError` when the database fails.
/// Times are passed in, never read from a clock.
public struct AccessStore: Sendable {
    public let hashing: PINHashing
    public let lockout: LockoutPolicy
    let signer: TokenSigner
    let database: SQLiteStore

    /// Signs tokens with a key derived from the installation secret.
    public init(store: SQLiteStore, hashing: PINHashing = .standard, lockout: LockoutPolicy = LockoutPolicy(),
                tokenLifetime: TimeInterval = 15 * 60) throws(StorageError) {
        let secret: Data?
        do {
            secret = try store.pool.read { db in try Data.fetchOne(db, sql: "SELECT secret FROM installation WHERE id = 1") }
        } catch {
            throw .unavailable(path: store.path, reason: String(describing: error))
        }
        guard let secret, secret.count == 32 else {
            throw .migrationFailed("the installation secret is missing; run kiosk db migrate")
        }
        self.database = store
        self.hashing = hashing
        self.lockout = lockout
        self.signer = TokenSigner(installationSecret: secret, lifetime: tokenLifetime)
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
        return try await write { db in
            guard try Int.fetchOne(db, sql: "SELECT 1 FROM staff_account WHERE number = ?", arguments: [number.value]) == nil else {
                throw AccessError(.staffNumberTaken)
            }
            try db.execute(sql: """
                INSERT INTO staff_account (number, name, role, pin_algorithm, pin_parameters, pin_salt, pin_hash, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [number.value, name, role.rawValue, pinHash.algorithm, pinHash.parameters, pinHash.salt,
                                 pinHash.hash, now.timeIntervalSince1970, now.timeIntervalSince1970])
            try Self.appendAudit(entry, at: now, db)
            return StaffAccount(number: number, name: name, role: role, disabled: false, lockedUntil: nil, createdAt: now)
        }
    }

    /// Disables the account and revokes its tokens: whoever holds one is signed out at once.
    public func disableStaff(_ number: StaffNumber, by actor: AuditActor, now: Date) async throws {
        try await write { db in
            try db.execute(sql: "UPDATE staff_account SET disabled = 1, updated_at = ? WHERE number = ?",
                           arguments: [now.timeIntervalSince1970, number.value])
            guard db.changesCount == 1 else { throw AccessError(.staffNotFound) }
            let revoked = try Self.revokeTokens(of: number, now: now, db)
            try Self.appendAudit(try AuditEntry(actor: actor, action: .staffDisabled, target: number.value,
                                                details: ["revokedTokens": String(revoked)]), at: now, db)
        }
    }

    /// Sets a new PIN, lifts a lock and revokes the account's tokens.
    public func resetPIN(_ number: StaffNumber, to pin: PIN, by actor: AuditActor, now: Date) async throws {
        let pinHash = try await Self.offPool { [hashing] () throws(AccessError) in try hashing.hash(pin) }
        try await write { db in
            try db.execute(sql: """
                UPDATE staff_account SET pin_algorithm = ?, pin_parameters = ?, pin_salt = ?, pin_hash = ?,
                    failed_attempts = 0, failure_window_start = NULL, locked_until = NULL, updated_at = ?
                WHERE number = ?
                """, arguments: [pinHash.algorithm, pinHash.parameters, pinHash.salt, pinHash.hash,
                                 now.timeIntervalSince1970, number.value])
            guard db.changesCount == 1 else { throw AccessError(.staffNotFound) }
            let revoked = try Self.revokeTokens(of: number, now: now, db)
            try Self.appendAudit(try AuditEntry(actor: actor, action: .staffPINReset, target: number.value,
                                                details: ["revokedTokens": String(revoked)]), at: now, db)
        }
    }

    /// Every account, by staff number.
    public func listStaff() async throws -> [StaffAccount] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM staff_account ORDER BY number").map { try StoredAccount($0).account }
        }
    }

    // MARK: Sign-in and tokens

    /// Checks the PIN, applies the lockout and issues a token bound to `terminalID`; the sign-in,
    /// a failure and a lock are each audited in the transaction that records them.
    public func signIn(number text: String, pin: String, terminalID: String, now: Date) async throws -> SignedIn {
        guard let number = try? StaffNumber(text) else {
            try await write { db in
                try Self.appendAudit(try AuditEntry(actor: .system, action: .staffSignInFailed,
                                                    details: ["reason": "malformedNumber", "terminal": terminalID]), at: now, db)
            }
            throw AccessError(.signInFailed)
        }
        let stored = try await read { db in try Self.account(number, db) }
        let (verified, rehashed) = try await Self.offPool { [hashing] () throws(AccessError) -> (Bool, PINHash?) in
            guard let stored else {
                _ = try hashing.verify(pin, against: hashing.decoy)
                return (false, nil)
            }
            guard !stored.account.disabled, stored.attempts.lock(at: now) == nil else { return (false, nil) }
            let verified = try hashing.verify(pin, against: stored.pinHash)
            guard verified, hashing.needsRehash(stored.pinHash), let pin = try? PIN(pin) else { return (verified, nil) }
            return (true, try hashing.hash(pin))
        }
        let checked = stored?.pinHash
        let outcome: SignInOutcome = try await write { [lockout, signer, verified, rehashed] db in
            func refuse(_ reason: String, _ error: AccessError, details: [String: String] = [:]) throws -> SignInOutcome {
                try Self.appendAudit(try AuditEntry(
                    actor: .system, action: .staffSignInFailed, target: number.value,
                    details: details.merging(["reason": reason, "terminal": terminalID]) { _, new in new }), at: now, db)
                return .refused(error)
            }
            guard let current = try Self.account(number, db) else { return try refuse("unknownAccount", AccessError(.signInFailed)) }
            guard !current.account.disabled else { return try refuse("disabled", AccessError(.accountDisabled)) }
            if let until = current.attempts.lock(at: now) { return try refuse("locked", Self.lockedError(until, now)) }
            guard verified, current.pinHash == checked else {
                var attempts = current.attempts
                let locks = attempts.recordFailure(at: now, policy: lockout)
                try db.execute(sql: """
                    UPDATE staff_account SET failed_attempts = ?, failure_window_start = ?, locked_until = ?, updated_at = ?
                    WHERE number = ?
                    """, arguments: [attempts.failures, attempts.windowStart?.timeIntervalSince1970,
                                     attempts.lockedUntil?.timeIntervalSince1970, now.timeIntervalSince1970, number.value])
                guard locks, let until = attempts.lockedUntil else {
                    return try refuse("wrongPIN", AccessError(.signInFailed), details: ["failures": String(attempts.failures)])
                }
                let refusal = try refuse("wrongPIN", Self.lockedError(until, now), details: ["failures": String(lockout.maximumFailures)])
                try Self.appendAudit(try AuditEntry(actor: .system, action: .staffLocked, target: number.value,
                                                    details: ["until": Self.isoSeconds(until)]), at: now, db)
                return refusal
            }
            if let rehashed {
                try db.execute(sql: "UPDATE staff_account SET pin_algorithm = ?, pin_parameters = ?, pin_salt = ?, pin_hash = ? WHERE number = ?",
                               arguments: [rehashed.algorithm, rehashed.parameters, rehashed.salt, rehashed.hash, number.value])
            }
            try db.execute(sql: """
                UPDATE staff_account SET failed_attempts = 0, failure_window_start = NULL, locked_until = NULL WHERE number = ?
                """, arguments: [number.value])
            try db.execute(sql: "DELETE FROM access_token WHERE expires_at <= ?", arguments: [now.timeIntervalSince1970])
            let issued = signer.issue(staffNumber: number, role: current.account.role, terminalID: terminalID, now: now)
            try db.execute(sql: """
                INSERT INTO access_token (id, staff_number, role, terminal_id, issued_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)
                """, arguments: [issued.token.id, number.value, issued.token.role.rawValue, terminalID,
                                 issued.token.issuedAt.timeIntervalSince1970, issued.token.expiresAt.timeIntervalSince1970])
            try Self.appendAudit(try AuditEntry(
                actor: .staff(number), action: .staffSignedIn, target: number.value,
                details: ["role": issued.token.role.rawValue, "terminal": terminalID, "token": issued.token.id]), at: now, db)
            return .signedIn(SignedIn(account: current.account, issued: issued))
        }
        switch outcome {
        case .signedIn(let signedIn): return signedIn
        case .refused(let error): throw error
        }
    }

    /// The token in an `Authorization: Bearer` header if it is well formed, signed by this
    /// installation, for this terminal, unexpired and not revoked.
    public func authenticate(_ text: String, terminalID: String, now: Date) async throws -> AccessToken {
        let token = try signer.verify(text, terminalID: terminalID, now: now)
        guard try await !isRevoked(tokenID: token.id) else { throw AccessError(.tokenRevoked) }
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
        try await write { db in
            guard let staff = try String.fetchOne(db, sql: "SELECT staff_number FROM access_token WHERE id = ? AND revoked_at IS NULL",
                                                  arguments: [tokenID]) else { return false }
            try db.execute(sql: "UPDATE access_token SET revoked_at = ? WHERE id = ?", arguments: [now.timeIntervalSince1970, tokenID])
            try Self.appendAudit(try AuditEntry(actor: actor, action: action, target: staff, details: ["token": tokenID]), at: now, db)
            return true
        }
    }

    // MARK: Audit log

    /// Appends one record in a transaction of its own. Other stores of this module append in
    /// their own transactions with `AccessStore.appendAudit(_:at:_:)`.
    @discardableResult
    public func appendAudit(_ entry: AuditEntry, now: Date) async throws -> AuditRecord {
        try await write { db in try Self.appendAudit(entry, at: now, db) }
    }

    /// Records after `sequence` in order, at most `limit`.
    public func auditRecords(after sequence: Int64 = 0, limit: Int = 1000) async throws -> [AuditRecord] {
        try await read { db in
            try Self.records(db, where: "sequence > ? ORDER BY sequence LIMIT ?", [sequence, limit])
        }
    }

    /// Walks the whole chain in one snapshot, stopping at the first break.
    public func verifyAudit() async throws -> AuditVerification {
        try await read { db in
            let head = try Self.head(db)
            var verifier = AuditChain.Verifier()
            let cursor = try Row.fetchCursor(db, sql: "\(Self.recordColumns) ORDER BY sequence")
            while let row = try cursor.next() {
                if let broken = verifier.check(Self.record(row)) {
                    return AuditVerification(intactRecords: verifier.count, head: head, firstBreak: broken)
                }
            }
            return AuditVerification(intactRecords: verifier.count, head: head, firstBreak: verifier.finish(head: head))
        }
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
    static func appendAudit(_ entry: AuditEntry, at now: Date, _ db: Database) throws -> AuditRecord {
        let record = AuditChain.seal(entry, after: try head(db), at: now)
        try db.execute(sql: """
            INSERT INTO audit_log (sequence, at_ms, actor, action, target, details, previous_hash, hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [record.sequence, record.milliseconds, record.actor, record.action, record.target,
                             record.details, record.previousHash, record.hash])
        try db.execute(sql: "UPDATE audit_head SET sequence = ?, hash = ? WHERE id = 1", arguments: [record.sequence, record.hash])
        return record
    }

    // MARK: Rows

    private enum SignInOutcome: Sendable {
        case signedIn(SignedIn)
        case refused(AccessError)
    }

    private struct StoredAccount: Sendable {
        let account: StaffAccount
        let pinHash: PINHash
        let attempts: SignInAttempts

        init(_ row: Row) throws {
            guard let numberText = row["number"] as String?, let number = try? StaffNumber(numberText),
                  let roleText = row["role"] as String?, let role = Role(rawValue: roleText),
                  let name = row["name"] as String?, let created = row["created_at"] as Double? else {
                throw StorageError.migrationFailed("an unreadable staff account row")
            }
            account = StaffAccount(number: number, name: name, role: role, disabled: row["disabled"] as Bool? ?? true,
                                   lockedUntil: (row["locked_until"] as Double?).map(Date.init(timeIntervalSince1970:)),
                                   createdAt: Date(timeIntervalSince1970: created))
            pinHash = PINHash(algorithm: row["pin_algorithm"] as String? ?? "", parameters: row["pin_parameters"] as String? ?? "",
                              salt: row["pin_salt"] as Data? ?? Data(), hash: row["pin_hash"] as Data? ?? Data())
            attempts = SignInAttempts(failures: row["failed_attempts"] as Int? ?? 0,
                                      windowStart: (row["failure_window_start"] as Double?).map(Date.init(timeIntervalSince1970:)),
                                      lockedUntil: account.lockedUntil)
        }
    }

    private static func account(_ number: StaffNumber, _ db: Database) throws -> StoredAccount? {
        try Row.fetchOne(db, sql: "SELECT * FROM staff_account WHERE number = ?", arguments: [number.value]).map(StoredAccount.init)
    }

    private static func revokeTokens(of number: StaffNumber, now: Date, _ db: Database) throws -> Int {
        try db.execute(sql: "UPDATE access_token SET revoked_at = ? WHERE staff_number = ? AND revoked_at IS NULL",
                       arguments: [now.timeIntervalSince1970, number.value])
        return db.changesCount
    }

    private static func head(_ db: Database) throws -> AuditHead {
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

    private static func records(_ db: Database, where condition: String, _ arguments: StatementArguments) throws -> [AuditRecord] {
        try Row.fetchAll(db, sql: "\(recordColumns) WHERE \(condition)", arguments: arguments).map(record)
    }

    private static func record(_ row: Row) -> AuditRecord {
        AuditRecord(sequence: row[0], milliseconds: row[1], actor: row[2], action: row[3], target: row[4], details: row[5],
                    previousHash: row[6], hash: row[7])
    }

    private static func lockedError(_ until: Date, _ now: Date) -> AccessError {
        .locked(minutes: max(1, Int((until.timeIntervalSince(now) / 60).rounded(.up))))
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
