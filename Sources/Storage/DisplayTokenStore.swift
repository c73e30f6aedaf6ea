import Access
import Crypto
import Foundation
import GRDB
import KioskCore
import Secrets

/// Why a display token operation was refused.
public struct DisplayTokenError: KioskError, Equatable {
    public enum Kind: String, Sendable {
        case invalidDisplayID, displayExists, displayNotFound
    }

    public let kind: Kind
    public init(_ kind: Kind) { self.kind = kind }

    public var code: String { kind.rawValue }
    public var message: LocalizedText {
        switch kind {
        case .invalidDisplayID:
            .init(zh: "叫号屏编号须为 1–32 个字母、数字、- 或 _", en: "a display id is 1–32 letters, digits, - or _")
        case .displayExists:
            .init(zh: "该叫号屏已有有效令牌；请先吊销", en: "the display already has a live token; revoke it first")
        case .displayNotFound:
            .init(zh: "没有该叫号屏的有效令牌", en: "no such display with a live token")
        }
    }
}

/// A call display's token as `kiosk displays list` shows it: never the token.
public struct DisplayListing: Sendable, Hashable {
    public let id: String
    public let createdAt: Date
    public let revokedAt: Date?
}

/// The hall's call displays (叫号屏) and their read-only tokens, in the terminal's SQLite file.
///
/// The attacker is whoever walks away with a copy of `data_dir`: the file holds each token's
/// HMAC under `TerminalKeys.displayTokens` (derived from `terminal.key`, in the key directory),
/// so the copy cannot read the feed as a display, let alone anything else.
public struct DisplayTokenStore: Sendable {
    static let tokenPrefix = "kds1."
    public let store: SQLiteStore

    public init(store: SQLiteStore) { self.store = store }

    /// A new display (or a revoked one issued again) with a fresh token, shown once:
    /// `Authorization: Bearer kds1.<id>.<secret>`.
    public func add(id: String, now: Date) throws -> String {
        guard DepartmentStore.validID(id) else { throw DisplayTokenError(.invalidDisplayID) }
        let token = Self.tokenPrefix + id + "." + Base64URL.encode(DepartmentStore.randomBytes(32))
        let mac = Data(store.keys.displayTokens.authenticationCode(for: Data(token.utf8)))
        try store.pool.write { db in
            if let revoked = try Row.fetchOne(db, sql: "SELECT revoked_at FROM display_token WHERE id = ?", arguments: [id]) {
                guard (revoked[0] as Double?) != nil else { throw DisplayTokenError(.displayExists) }
                try db.execute(sql: "DELETE FROM display_token WHERE id = ?", arguments: [id])
            }
            try db.execute(sql: "INSERT INTO display_token (id, key_mac, created_at) VALUES (?, ?, ?)",
                           arguments: [id, mac, now.timeIntervalSince1970])
        }
        return token
    }

    /// Revokes the display's token; the row stays for the record.
    public func revoke(id: String, now: Date) throws {
        let changed = try store.pool.write { db in
            try db.execute(sql: "UPDATE display_token SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                           arguments: [now.timeIntervalSince1970, id])
            return db.changesCount
        }
        guard changed == 1 else { throw DisplayTokenError(.displayNotFound) }
    }

    public func list() throws -> [DisplayListing] {
        try store.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT id, created_at, revoked_at FROM display_token ORDER BY id").map { row in
                DisplayListing(id: row[0], createdAt: Date(timeIntervalSince1970: row[1]),
                               revokedAt: (row[2] as Double?).map(Date.init(timeIntervalSince1970:)))
            }
        }
    }

    /// Whether `token` is this terminal's, well formed and not revoked; every other text alike.
    /// The MAC comparison takes the same time whatever matches.
    public func authenticate(_ token: String) throws -> String? {
        guard token.utf8.count <= 128, token.hasPrefix(Self.tokenPrefix) else { return nil }
        let parts = token.dropFirst(Self.tokenPrefix.count).split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, DepartmentStore.validID(String(parts[0])) else { return nil }
        let id = String(parts[0])
        guard let stored = try store.pool.read({ db in
            try Data.fetchOne(db, sql: "SELECT key_mac FROM display_token WHERE id = ? AND revoked_at IS NULL", arguments: [id])
        }) else { return nil }
        return store.keys.displayTokens.isValidAuthenticationCode(stored, for: Data(token.utf8)) ? id : nil
    }
}
