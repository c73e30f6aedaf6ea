import Booking
import FormEngine
import Foundation
import GRDB
import KioskCore
import Secrets

extension Migrations {
    /// Submitted filings, and the per-site daily sequence their reference numbers come from.
    static func registerFilings(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v2-filings") { db in
            try db.create(table: "referenceSequence") { t in
                t.column("site", .text).notNull()
                t.column("day", .text).notNull()
                t.column("last", .integer).notNull()
                t.primaryKey(["site", "day"])
            }
            try db.create(table: "filing") { t in
                t.primaryKey("reference", .text)
                t.column("formID", .text).notNull().indexed()
                t.column("formVersion", .integer).notNull()
                t.column("submittedAt", .datetime).notNull()
                // The whole filing as JSON: answers, materials, deferrals, commitments, overrides.
                t.column("document", .blob).notNull()
            }
            // Saved, unfinished sessions: found again by the short code plus the ID number's hash.
            try db.create(table: "draft") { t in
                t.primaryKey("code", .text)
                t.column("idHash", .blob).notNull()
                t.column("formID", .text).notNull()
                t.column("document", .blob).notNull()
                t.column("expiresAt", .datetime).notNull().indexed()
            }
        }
    }
}

extension SQLiteStore {
    /// Allocates the next reference number of `site` for `day` (`YYYYMMDD`), builds the filing
    /// with it and stores it, all in one transaction: a filing that cannot be built (materials
    /// still missing) leaves no gap in the sequence, and a crash leaves no half-stored filing.
    /// The write runs on the database's writer queue, never on the caller's (cooperative) thread.
    public func recordFiling(site: String, day: String, build: @escaping @Sendable (String) throws -> Filing) async throws -> Filing {
        let sealer = sealer
        return try await pool.write { db in try Self.recordFiling(db, site: site, day: day, sealer: sealer, build: build) }
    }

    /// The filing document is sealed: it holds the citizen's answers.
    static func recordFiling(_ db: Database, site: String, day: String, sealer: Sealer,
                             build: (String) throws -> Filing) throws -> Filing {
        let last = try Int.fetchOne(db, sql: "SELECT last FROM referenceSequence WHERE site = ? AND day = ?", arguments: [site, day]) ?? 0
        let next = last + 1
        let reference = "\(site)-\(day)-\(String(format: "%04d", next))"
        let filing = try build(reference)
        try db.execute(
            sql: "INSERT INTO referenceSequence (site, day, last) VALUES (?, ?, ?) ON CONFLICT(site, day) DO UPDATE SET last = excluded.last",
            arguments: [site, day, next])
        try db.execute(
            sql: "INSERT INTO filing (reference, formID, formVersion, submittedAt, document) VALUES (?, ?, ?, ?, ?)",
            arguments: [reference, filing.formID, filing.formVersion, filing.submittedAt,
                        sealer.seal(try Self.encoder().encode(filing), context: "filing:" + reference)])
        return filing
    }

    public func filing(reference: String) throws -> Filing? {
        let sealer = sealer
        return try pool.read { db in try Self.filing(db, reference: reference, sealer: sealer) }
    }

    static func filing(_ db: Database, reference: String, sealer: Sealer) throws -> Filing? {
        try Data.fetchOne(db, sql: "SELECT document FROM filing WHERE reference = ?", arguments: [reference])
            .map { try decoder().decode(Filing.self, from: try sealer.open($0, context: "filing:" + reference)) }
    }

    /// Keeps a draft under a new short code for `days`; only the code together with the same ID
    /// number finds it again. The answers are sealed; the number is kept as its keyed hash and
    /// masked form (which lets a new key be given to the hash, see `Rekeying`).
    public func saveDraft(_ draft: FormDraft, idNumber: ResidentIDNumber, now: Date, days: Int = 30) async throws -> String {
        let hash = idHasher().hash(idNumber)
        let document = try Self.encoder().encode(draft)
        let sealer = sealer
        let (code, expired) = try await pool.write { db in
            try db.execute(sql: "DELETE FROM draft WHERE expiresAt < ?", arguments: [now])
            let expired = db.changesCount
            var code: String
            var generator = SystemRandomNumberGenerator()
            repeat {
                code = BookingCode.random(using: &generator).description
            } while try Bool.fetchOne(db, sql: "SELECT 1 FROM draft WHERE code = ?", arguments: [code]) == true
            try db.execute(
                sql: "INSERT INTO draft (code, idHash, idMasked, formID, document, expiresAt) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [code, hash, idNumber.masked, draft.formID, sealer.seal(document, context: "draft:" + code),
                            now.addingTimeInterval(Double(days) * 86_400)])
            return (code, expired)
        }
        if expired > 0 { try await wipeRemnantsOffPool() }
        return code
    }

    /// Takes the draft out (a resumed draft is no longer saved), leaving no remnant of it in the
    /// file or its log; nil when the code and ID number do not match an unexpired draft.
    public func takeDraft(code: String, idNumber: ResidentIDNumber, now: Date) async throws -> FormDraft? {
        let hash = idHasher().hash(idNumber)
        let sealer = sealer
        guard let document = try await pool.write({ db -> Data? in
            guard let sealed = try Data.fetchOne(
                db, sql: "SELECT document FROM draft WHERE code = ? AND idHash = ? AND expiresAt >= ?", arguments: [code, hash, now])
            else { return nil }
            try db.execute(sql: "DELETE FROM draft WHERE code = ?", arguments: [code])
            return try sealer.open(sealed, context: "draft:" + code)
        }) else { return nil }
        try await wipeRemnantsOffPool()
        return try Self.decoder().decode(FormDraft.self, from: document)
    }

    /// `wipeRemnants` on the writer queue, for the async callers.
    private func wipeRemnantsOffPool() async throws {
        try await pool.writeWithoutTransaction { db in _ = try db.checkpoint(.truncate) }
    }

    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    static func decoder() -> JSONDecoder {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }
}
