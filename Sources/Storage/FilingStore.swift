import FormEngine
import Foundation
import GRDB

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
        }
    }
}

extension SQLiteStore {
    /// Allocates the next reference number of `site` for `day` (`YYYYMMDD`), builds the filing
    /// with it and stores it, all in one transaction: a filing that cannot be built (materials
    /// still missing) leaves no gap in the sequence, and a crash leaves no half-stored filing.
    public func recordFiling(site: String, day: String, build: (String) throws -> Filing) throws -> Filing {
        try pool.write { db in
            let last = try Int.fetchOne(db, sql: "SELECT last FROM referenceSequence WHERE site = ? AND day = ?", arguments: [site, day]) ?? 0
            let next = last + 1
            let reference = "\(site)-\(day)-\(String(format: "%04d", next))"
            let filing = try build(reference)
            try db.execute(
                sql: "INSERT INTO referenceSequence (site, day, last) VALUES (?, ?, ?) ON CONFLICT(site, day) DO UPDATE SET last = excluded.last",
                arguments: [site, day, next])
            try db.execute(
                sql: "INSERT INTO filing (reference, formID, formVersion, submittedAt, document) VALUES (?, ?, ?, ?, ?)",
                arguments: [reference, filing.formID, filing.formVersion, filing.submittedAt, try Self.encoder().encode(filing)])
            return filing
        }
    }

    public func filing(reference: String) throws -> Filing? {
        try pool.read { db in
            try Data.fetchOne(db, sql: "SELECT document FROM filing WHERE reference = ?", arguments: [reference])
                .map { try Self.decoder().decode(Filing.self, from: $0) }
        }
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
