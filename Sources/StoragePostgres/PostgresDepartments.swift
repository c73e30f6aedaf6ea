import Filings
import Foundation
import KioskCore
import PostgresNIO
import Secrets
import Storage
import Synchronization

/// Department systems' keys and webhooks for the whole district, in the district store: one
/// key serves every terminal, and a key revoked anywhere fails everywhere at its next request
/// (nothing is cached: every department call reads the row).
///
/// The attackers are whoever holds a dump of these tables, and whoever walks away with a copy of
/// a terminal's `data_dir`: the table keeps the API key as an HMAC under a key derived from
/// `district-id.key` (`KeyLabel.districtDepartmentKeys`) and the webhook secret sealed under
/// another (`KeyLabel.districtWebhookSecrets`); that key lives in each terminal's key directory,
/// never in this database nor in `data_dir`.
///
/// Webhooks: each department is pushed by one terminal at a time, the one holding the row's
/// lease. A round claims the free rows (`FOR UPDATE SKIP LOCKED`, so terminals never wait on
/// each other) and renews its own; every save renews it, and a save that finds the lease taken
/// over tells the pusher to stop.
public struct PostgresDepartments: DepartmentRegistry, WebhookTargetStore {
    let store: PostgresStore
    let keys: DistrictDepartmentKeys
    /// This terminal as `site/terminal` (terminal ids are unique only within a hall): the holder
    /// of the departments it pushes, and recorded with a revocation it makes, whose audit record
    /// is in this terminal's audit log (each terminal keeps its own chain, anchored in the
    /// district store), so the row says where to find it.
    let terminal: String
    /// How long a department stays with the terminal that claimed it without a word from it.
    let lease: TimeInterval
    let now: @Sendable () -> Date

    /// `districtKey` finds the district's key (as the terminal checked it against this store);
    /// it is asked once, when first needed.
    public init(store: PostgresStore, terminalID: String, siteID: String = "", lease: TimeInterval = 60,
                now: @escaping @Sendable () -> Date = Date.init, districtKey: @escaping @Sendable () async throws -> SecretKey) {
        self.store = store
        self.keys = DistrictDepartmentKeys(resolve: districtKey)
        terminal = siteID.isEmpty ? terminalID : siteID + "/" + terminalID
        self.lease = lease
        self.now = now
    }

    public var storeName: String { "the district store \(store.location)" }

    public func add(id: String, name: String, webhookURL: String?, now: Date) async throws -> IssuedDepartment {
        try DepartmentKeyText.check(id: id, webhookURL: webhookURL)
        let keys = try await keys.derived()
        let apiKey = DepartmentKeyText.issue(id)
        let mac = Data(keys.mac.authenticationCode(for: Data(apiKey.utf8)))
        let secretBytes = Data(DepartmentKeyText.randomBytes(32))
        let sealed = webhookURL.map { _ in keys.sealer.seal(secretBytes, context: "department:" + id) }
        let at = now.timeIntervalSince1970, pushes = webhookURL != nil
        try await store.run(passing: DepartmentError.self) { c in
            // A live department keeps its key; a revoked one is issued again, starting from what
            // exists now (its pull cursor is its own).
            let rows = try await c.query("""
                INSERT INTO department (id, name, key_mac, webhook_url, webhook_secret, created_at, pushed_through)
                VALUES (\(id), \(name), \(mac), \(webhookURL), \(sealed), \(at),
                        CASE WHEN \(pushes) THEN coalesce((SELECT last FROM lifecycle_change WHERE id = 1), 0) ELSE 0 END)
                ON CONFLICT (id) DO UPDATE SET name = excluded.name, key_mac = excluded.key_mac, webhook_url = excluded.webhook_url,
                    webhook_secret = excluded.webhook_secret, created_at = excluded.created_at, revoked_at = NULL, revoked_by = NULL,
                    pushed_through = excluded.pushed_through, push_attempts = 0, push_failing_since = NULL, push_next_at = NULL,
                    push_last_error = NULL, push_holder = NULL, push_lease_until = NULL
                WHERE department.revoked_at IS NOT NULL
                RETURNING id
                """, logger: store.logger).collect()
            guard !rows.isEmpty else { throw DepartmentError(.departmentExists) }
        }
        return IssuedDepartment(id: id, apiKey: apiKey, webhookSecret: webhookURL.map { _ in DepartmentKeyText.webhookSecret(secretBytes) })
    }

    public func revoke(id: String, now: Date) async throws {
        let at = now.timeIntervalSince1970
        try await store.run(passing: DepartmentError.self) { c in
            let rows = try await c.query("""
                UPDATE department SET revoked_at = \(at), revoked_by = \(terminal), push_holder = NULL, push_lease_until = NULL
                WHERE id = \(id) AND revoked_at IS NULL RETURNING id
                """, logger: store.logger).collect()
            guard !rows.isEmpty else { throw DepartmentError(.departmentNotFound) }
        }
    }

    public func list() async throws -> [DepartmentListing] {
        try await store.run(inTransaction: false, passing: DepartmentError.self) { c in
            var listings: [DepartmentListing] = []
            for try await (id, name, url, created, revoked, revokedBy, through, attempts, dead) in try await c.query("""
                SELECT d.id, d.name, d.webhook_url, d.created_at, d.revoked_at, d.revoked_by, d.pushed_through, d.push_attempts,
                       (SELECT count(*) FROM webhook_dead_letter l WHERE l.department_id = d.id)
                FROM department d ORDER BY d.id
                """, logger: store.logger).decode((String, String, String?, Double, Double?, String?, Int64, Int32, Int64).self) {
                listings.append(DepartmentListing(
                    id: id, name: name, webhookURL: url, createdAt: Date(timeIntervalSince1970: created),
                    revokedAt: revoked.map(Date.init(timeIntervalSince1970:)), revokedBy: revokedBy, pushedThrough: through,
                    pushAttempts: Int(attempts), deadLetters: Int(dead)))
            }
            return listings
        }
    }

    /// Reads the row at every call: a revocation anywhere holds at the next request. An
    /// unreachable store throws `DistrictStoreUnavailable` (503), never an answer from memory.
    public func authenticate(_ apiKey: String) async throws -> String? {
        guard let id = DepartmentKeyText.departmentID(of: apiKey) else { return nil }
        let keys = try await keys.derived()
        let stored = try await store.run(inTransaction: false, passing: DepartmentError.self) { c in
            try await c.query("SELECT key_mac FROM department WHERE id = \(id) AND revoked_at IS NULL", logger: store.logger)
                .collect().first?.decode(Data.self)
        }
        guard let stored else { return nil }
        return keys.mac.isValidAuthenticationCode(stored, for: Data(apiKey.utf8)) ? id : nil
    }

    public func deadLetters(limit: Int = 100) async throws -> [DeadLetter] {
        try await store.run(inTransaction: false, passing: DepartmentError.self) { c in
            var letters: [DeadLetter] = []
            for try await (department, webhook, reference, change, attempts, first, dead, error) in try await c.query("""
                SELECT department_id, webhook_id, reference, change_seq, attempts, first_failed_at, dead_at, last_error
                FROM webhook_dead_letter ORDER BY id DESC LIMIT \(limit)
                """, logger: store.logger).decode((String, String, String, Int64, Int32, Double, Double, String).self) {
                letters.append(DeadLetter(departmentId: department, webhookId: webhook, reference: reference, change: change,
                                          attempts: Int(attempts), firstFailedAt: Date(timeIntervalSince1970: first),
                                          deadAt: Date(timeIntervalSince1970: dead), lastError: error))
            }
            return letters
        }
    }

    // MARK: Webhooks

    /// Claims the departments no live terminal holds (and renews those this one holds), skipping
    /// rows another terminal is claiming at this instant; returns them.
    public func webhookTargets() async throws -> [WebhookTarget] {
        let keys = try await keys.derived()
        let at = now().timeIntervalSince1970, until = at + lease
        let rows = try await store.run(passing: DepartmentError.self) { c in
            var rows: [(String, String, Data, Int64, Int32, Double?, Double?)] = []
            for try await row in try await c.query("""
                UPDATE department d SET push_holder = \(terminal), push_lease_until = \(until)
                FROM (SELECT id FROM department
                      WHERE revoked_at IS NULL AND webhook_url IS NOT NULL AND webhook_secret IS NOT NULL
                        AND (push_holder IS NULL OR push_holder = \(terminal) OR push_lease_until < \(at))
                      ORDER BY id FOR UPDATE SKIP LOCKED) free
                WHERE d.id = free.id
                RETURNING d.id, d.webhook_url, d.webhook_secret, d.pushed_through, d.push_attempts, d.push_failing_since, d.push_next_at
                """, logger: store.logger).decode((String, String, Data, Int64, Int32, Double?, Double?).self) {
                rows.append(row)
            }
            return rows
        }
        return try rows.sorted { $0.0 < $1.0 }.map { id, url, sealed, through, attempts, failingSince, nextAt in
            WebhookTarget(departmentID: id, url: url, secret: try keys.sealer.open(sealed, context: "department:" + id),
                          pushedThrough: through, attempts: Int(attempts), failingSince: failingSince.map(Date.init(timeIntervalSince1970:)),
                          nextAttemptAt: nextAt.map(Date.init(timeIntervalSince1970:)))
        }
    }

    /// Saves the cursor and renews the lease, only while this terminal holds the department.
    @discardableResult
    public func delivered(_ departmentID: String, through change: Int64) async throws -> Bool {
        let until = now().timeIntervalSince1970 + lease
        return try await store.run(passing: DepartmentError.self) { c in
            let held = try await c.query("""
                UPDATE department SET pushed_through = greatest(pushed_through, \(change)), push_attempts = 0, push_failing_since = NULL,
                    push_next_at = NULL, push_last_error = NULL, push_lease_until = \(until)
                WHERE id = \(departmentID) AND push_holder = \(terminal) AND revoked_at IS NULL RETURNING id
                """, logger: store.logger).collect()
            return !held.isEmpty
        }
    }

    public func failed(_ departmentID: String, at now: Date, retryAt: Date, error: String) async throws {
        let at = now.timeIntervalSince1970, next = retryAt.timeIntervalSince1970, reason = String(error.prefix(200))
        try await store.run(passing: DepartmentError.self) { c in
            _ = try await c.query("""
                UPDATE department SET push_attempts = push_attempts + 1, push_failing_since = coalesce(push_failing_since, \(at)),
                    push_next_at = \(next), push_last_error = \(reason)
                WHERE id = \(departmentID) AND push_holder = \(terminal)
                """, logger: store.logger)
        }
    }

    public func deadLetter(_ departmentID: String, webhookID: String, reference: String, change: Int64, now: Date) async throws {
        let at = now.timeIntervalSince1970
        try await store.run(passing: DepartmentError.self) { c in
            guard let row = try await c.query("""
                SELECT push_attempts, push_failing_since, push_last_error FROM department
                WHERE id = \(departmentID) AND push_holder = \(terminal) FOR UPDATE
                """, logger: store.logger).collect().first else { return }
            let (attempts, since, error) = try row.decode((Int32, Double?, String?).self)
            try await c.query("""
                INSERT INTO webhook_dead_letter (department_id, webhook_id, reference, change_seq, attempts, first_failed_at, dead_at, last_error)
                VALUES (\(departmentID), \(webhookID), \(reference), \(change), \(attempts + 1), \(since ?? at), \(at), \(error ?? ""))
                """, logger: store.logger)
            try await c.query("""
                UPDATE department SET pushed_through = greatest(pushed_through, \(change)), push_attempts = 0, push_failing_since = NULL,
                    push_next_at = NULL, push_last_error = NULL WHERE id = \(departmentID)
                """, logger: store.logger)
        }
    }
}

/// The two keys of district departments, derived from the district's key once it is known.
final class DistrictDepartmentKeys: Sendable {
    struct Derived: Sendable {
        let mac: SecretKey
        let sealer: Sealer
    }

    let resolve: @Sendable () async throws -> SecretKey
    let cached = Mutex<Derived?>(nil)

    init(resolve: @escaping @Sendable () async throws -> SecretKey) {
        self.resolve = resolve
    }

    func derived() async throws -> Derived {
        if let derived = cached.withLock({ $0 }) { return derived }
        let district = try await resolve()
        let derived = Derived(mac: district.derive(.districtDepartmentKeys), sealer: Sealer(key: district.derive(.districtWebhookSecrets)))
        cached.withLock { $0 = derived }
        return derived
    }
}
