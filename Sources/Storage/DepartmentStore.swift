import Access
import Crypto
import Foundation
import GRDB
import KioskCore
import Filings
import Secrets

extension Migrations {
    static func registerDepartments(_ migrator: inout DatabaseMigrator) {
        // Department systems (办件系统): their API key only as a MAC under a key that lives
        // outside this file, their webhook secret sealed, and where their webhooks stand.
        migrator.registerMigration("v11-departments") { db in
            try db.execute(sql: """
                CREATE TABLE department (
                    id text PRIMARY KEY,
                    name text NOT NULL,
                    key_mac blob NOT NULL,
                    webhook_url text,
                    webhook_secret blob,
                    created_at double NOT NULL,
                    revoked_at double,
                    pushed_through integer NOT NULL DEFAULT 0,
                    push_attempts integer NOT NULL DEFAULT 0,
                    push_failing_since double,
                    push_next_at double,
                    push_last_error text)
                """)
            try db.execute(sql: """
                CREATE TABLE webhook_dead_letter (
                    id integer PRIMARY KEY AUTOINCREMENT,
                    department_id text NOT NULL,
                    webhook_id text NOT NULL,
                    reference text NOT NULL,
                    change_seq integer NOT NULL,
                    attempts integer NOT NULL,
                    first_failed_at double NOT NULL,
                    dead_at double NOT NULL,
                    last_error text NOT NULL)
                """)
        }
    }
}

/// Why a department operation was refused.
public struct DepartmentError: KioskError, Equatable {
    public enum Kind: String, Sendable {
        case invalidDepartmentID, departmentExists, departmentNotFound, invalidWebhookURL
    }

    public let kind: Kind
    public init(_ kind: Kind) { self.kind = kind }

    public var code: String { kind.rawValue }
    public var message: LocalizedText {
        switch kind {
        case .invalidDepartmentID:
            .init(zh: "部门编号须为 1–32 个字母、数字、- 或 _", en: "a department id is 1–32 letters, digits, - or _")
        case .departmentExists:
            .init(zh: "该部门已有有效密钥；请先吊销", en: "the department already has a live key; revoke it first")
        case .departmentNotFound:
            .init(zh: "没有该部门", en: "no such department")
        case .invalidWebhookURL:
            .init(zh: "推送地址须为 http:// 或 https:// 网址", en: "the webhook URL must be an http:// or https:// URL")
        }
    }
}

/// What `kiosk departments add` hands over, once: neither is kept by the terminal in a form
/// that gives it back (the API key as a MAC only, the webhook secret sealed).
public struct IssuedDepartment: Sendable {
    public let id: String
    /// `Authorization: Bearer <apiKey>`: `kdk1.<department>.<secret>`.
    public let apiKey: String
    /// The Standard Webhooks secret (`whsec_…`) the department verifies pushes with; nil without a URL.
    public let webhookSecret: String?

    public init(id: String, apiKey: String, webhookSecret: String?) {
        self.id = id
        self.apiKey = apiKey
        self.webhookSecret = webhookSecret
    }
}

/// A department as `kiosk departments list` shows it: never a secret.
public struct DepartmentListing: Sendable, Hashable, Codable {
    public let id: String
    public let name: String
    public let webhookURL: String?
    public let createdAt: Date
    public let revokedAt: Date?
    /// In district mode, the terminal (`site/terminal`) whose audit log records the revocation;
    /// nil in a terminal's own file, whose revocations are in its own log.
    public let revokedBy: String?
    /// The change number the webhooks have delivered through.
    public let pushedThrough: Int64
    public let pushAttempts: Int
    public let deadLetters: Int

    public init(id: String, name: String, webhookURL: String?, createdAt: Date, revokedAt: Date?, revokedBy: String? = nil,
                pushedThrough: Int64, pushAttempts: Int, deadLetters: Int) {
        self.id = id
        self.name = name
        self.webhookURL = webhookURL
        self.createdAt = createdAt
        self.revokedAt = revokedAt
        self.revokedBy = revokedBy
        self.pushedThrough = pushedThrough
        self.pushAttempts = pushAttempts
        self.deadLetters = deadLetters
    }
}

/// Where one department's webhooks stand, for the pusher.
public struct WebhookTarget: Sendable {
    public let departmentID: String
    public let url: String
    /// The raw bytes of the `whsec_` secret.
    public let secret: Data
    public let pushedThrough: Int64
    public let attempts: Int
    public let failingSince: Date?
    public let nextAttemptAt: Date?

    public init(departmentID: String, url: String, secret: Data, pushedThrough: Int64, attempts: Int, failingSince: Date?,
                nextAttemptAt: Date?) {
        self.departmentID = departmentID
        self.url = url
        self.secret = secret
        self.pushedThrough = pushedThrough
        self.attempts = attempts
        self.failingSince = failingSince
        self.nextAttemptAt = nextAttemptAt
    }
}

/// Department systems' keys and webhooks in the terminal's SQLite file.
///
/// The attacker is whoever walks away with a copy of `data_dir`: the file holds the API key's
/// HMAC under `TerminalKeys.departmentKeys` (in the key directory, not beside the file), so the
/// copy cannot call the API as a department; the webhook secret is sealed with the data-at-rest key.
public struct DepartmentStore: DepartmentRegistry, WebhookTargetStore {
    public let store: SQLiteStore

    public init(store: SQLiteStore) { self.store = store }

    public var storeName: String { "this terminal's file \(store.path)" }

    static func validID(_ id: String) -> Bool { DepartmentKeyText.validID(id) }
    static func randomBytes(_ count: Int) -> [UInt8] { DepartmentKeyText.randomBytes(count) }

    func mac(_ apiKey: String) -> Data { Data(store.keys.departmentKeys.authenticationCode(for: Data(apiKey.utf8))) }

    /// A new department (or a revoked one issued again) with a fresh API key and, with a
    /// webhook URL, a fresh `whsec_` secret.
    public func add(id: String, name: String, webhookURL: String?, now: Date) throws -> IssuedDepartment {
        try DepartmentKeyText.check(id: id, webhookURL: webhookURL)
        let apiKey = DepartmentKeyText.issue(id)
        let secretBytes = Data(Self.randomBytes(32))
        let sealed = webhookURL.map { _ in store.sealer.seal(secretBytes, context: "department:" + id) }
        let mac = mac(apiKey)
        try store.pool.write { db in
            if let revoked = try Row.fetchOne(db, sql: "SELECT revoked_at FROM department WHERE id = ?", arguments: [id]) {
                guard (revoked[0] as Double?) != nil else { throw DepartmentError(.departmentExists) }
                try db.execute(sql: "DELETE FROM department WHERE id = ?", arguments: [id])
            }
            // A department issued again starts from what exists now: its pull cursor is its own.
            let through = try Int64.fetchOne(db, sql: "SELECT last FROM lifecycle_change WHERE id = 1") ?? 0
            try db.execute(sql: """
                INSERT INTO department (id, name, key_mac, webhook_url, webhook_secret, created_at, pushed_through)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [id, name, mac, webhookURL, sealed, now.timeIntervalSince1970, webhookURL == nil ? 0 : through])
        }
        return IssuedDepartment(id: id, apiKey: apiKey, webhookSecret: webhookURL.map { _ in DepartmentKeyText.webhookSecret(secretBytes) })
    }

    /// Revokes the department's key and stops its webhooks; the rows stay for the record.
    public func revoke(id: String, now: Date) throws {
        let changed = try store.pool.write { db in
            try db.execute(sql: "UPDATE department SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                           arguments: [now.timeIntervalSince1970, id])
            return db.changesCount
        }
        guard changed == 1 else { throw DepartmentError(.departmentNotFound) }
    }

    public func list() throws -> [DepartmentListing] {
        try store.pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT d.id, d.name, d.webhook_url, d.created_at, d.revoked_at, d.pushed_through, d.push_attempts,
                       (SELECT count(*) FROM webhook_dead_letter l WHERE l.department_id = d.id)
                FROM department d ORDER BY d.id
                """).map { row in
                DepartmentListing(id: row[0], name: row[1], webhookURL: row[2], createdAt: Date(timeIntervalSince1970: row[3]),
                                  revokedAt: (row[4] as Double?).map(Date.init(timeIntervalSince1970:)), pushedThrough: row[5],
                                  pushAttempts: row[6], deadLetters: row[7])
            }
        }
    }

    /// The department a presented API key belongs to; nil for anything else (malformed, made
    /// up, revoked), all alike. The MAC comparison takes the same time whatever matches.
    public func authenticate(_ apiKey: String) throws -> String? {
        guard let id = DepartmentKeyText.departmentID(of: apiKey) else { return nil }
        guard let stored = try store.pool.read({ db in
            try Data.fetchOne(db, sql: "SELECT key_mac FROM department WHERE id = ? AND revoked_at IS NULL", arguments: [id])
        }) else { return nil }
        return store.keys.departmentKeys.isValidAuthenticationCode(stored, for: Data(apiKey.utf8)) ? id : nil
    }

    // MARK: Webhooks
    // Async, as the pusher that calls them runs departments side by side on the cooperative pool.

    /// The departments with a webhook URL whose key is live.
    public func webhookTargets() async throws -> [WebhookTarget] {
        let sealer = store.sealer
        return try await store.pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT id, webhook_url, webhook_secret, pushed_through, push_attempts, push_failing_since, push_next_at
                FROM department WHERE revoked_at IS NULL AND webhook_url IS NOT NULL AND webhook_secret IS NOT NULL ORDER BY id
                """).map { row in
                let id: String = row[0]
                return WebhookTarget(
                    departmentID: id, url: row[1], secret: try sealer.open(row[2], context: "department:" + id), pushedThrough: row[3],
                    attempts: row[4], failingSince: (row[5] as Double?).map(Date.init(timeIntervalSince1970:)),
                    nextAttemptAt: (row[6] as Double?).map(Date.init(timeIntervalSince1970:)))
            }
        }
    }

    /// A delivery arrived: the cursor moves past it and the failure count is cleared.
    /// (Always true: a terminal's own departments are pushed by it alone.)
    @discardableResult
    public func delivered(_ departmentID: String, through change: Int64) async throws -> Bool {
        try await store.pool.write { db in
            try db.execute(sql: """
                UPDATE department SET pushed_through = max(pushed_through, ?), push_attempts = 0, push_failing_since = NULL,
                    push_next_at = NULL, push_last_error = NULL WHERE id = ?
                """, arguments: [change, departmentID])
        }
        return true
    }

    /// A delivery failed: the next attempt waits `retryAt`.
    public func failed(_ departmentID: String, at now: Date, retryAt: Date, error: String) async throws {
        try await store.pool.write { db in
            try db.execute(sql: """
                UPDATE department SET push_attempts = push_attempts + 1, push_failing_since = coalesce(push_failing_since, ?),
                    push_next_at = ?, push_last_error = ? WHERE id = ?
                """, arguments: [now.timeIntervalSince1970, retryAt.timeIntervalSince1970, String(error.prefix(200)), departmentID])
        }
    }

    /// A delivery given up (its last try counted): written to the dead-letter list and passed
    /// over, in one transaction.
    public func deadLetter(_ departmentID: String, webhookID: String, reference: String, change: Int64, now: Date) async throws {
        try await store.pool.write { db in
            guard let row = try Row.fetchOne(db, sql: """
                SELECT push_attempts, push_failing_since, push_last_error FROM department WHERE id = ?
                """, arguments: [departmentID]) else { return }
            try db.execute(sql: """
                INSERT INTO webhook_dead_letter (department_id, webhook_id, reference, change_seq, attempts, first_failed_at, dead_at, last_error)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [departmentID, webhookID, reference, change, (row[0] as Int) + 1,
                                 (row[1] as Double?) ?? now.timeIntervalSince1970, now.timeIntervalSince1970,
                                 (row[2] as String?) ?? ""])
            try db.execute(sql: """
                UPDATE department SET pushed_through = max(pushed_through, ?), push_attempts = 0, push_failing_since = NULL,
                    push_next_at = NULL, push_last_error = NULL WHERE id = ?
                """, arguments: [change, departmentID])
        }
    }

    public func deadLetters(limit: Int = 100) throws -> [DeadLetter] {
        try store.pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT department_id, webhook_id, reference, change_seq, attempts, first_failed_at, dead_at, last_error
                FROM webhook_dead_letter ORDER BY id DESC LIMIT ?
                """, arguments: [limit]).map { row in
                DeadLetter(departmentId: row[0], webhookId: row[1], reference: row[2], change: row[3], attempts: row[4],
                           firstFailedAt: Date(timeIntervalSince1970: row[5]), deadAt: Date(timeIntervalSince1970: row[6]),
                           lastError: row[7])
            }
        }
    }
}
