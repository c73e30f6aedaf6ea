import Foundation
import Hosting
import KioskConfig
import Logging
import Secrets
import Storage
import StoragePostgres

/// Department systems' keys and webhooks (issue 16), kept where the mode says: the terminal's
/// own file, or in district mode the district store, where one key serves every terminal.
extension DistrictTerminal {
    /// Chosen once, at start: the terminal's `DepartmentStore`, or in district mode
    /// `PostgresDepartments` with keys derived from the district's key (`district` known at start,
    /// or found when first needed after a background migration).
    public static func departmentRegistry(_ configuration: Configuration, store: SQLiteStore, district: PostgresStore?,
                                   districtKey: SecretKey?, logger: Logger) -> any DepartmentRegistry {
        guard let district else { return DepartmentStore(store: store) }
        // Keys issued on this terminal before it joined cannot be carried over: the file keeps
        // only their MAC under this terminal's key, and the district's MAC needs the key itself.
        if let local = try? DepartmentStore(store: store).list().filter({ $0.revokedAt == nil }), !local.isEmpty {
            logger.warning("department keys of this terminal's own file are not used in district mode: issue them again with kiosk departments add",
                           metadata: ["department.ids": "\(local.map(\.id).joined(separator: ","))"])
        }
        let keys = store.keys
        return PostgresDepartments(store: district, terminalID: configuration.terminalID, siteID: configuration.siteID) {
            if let districtKey { return districtKey }
            return try await TerminalSecrets.districtKey(keys, store: district, configuration: configuration)
        }
    }

    /// Runs `body` with the departments the configuration names (its audit log beside them), for
    /// `kiosk departments`: in district mode the district store, migrated and checked against
    /// this terminal's `district-id.key`.
    public static func withDepartments<T: Sendable>(
        _ configuration: Configuration, store: SQLiteStore, logger: Logger,
        _ body: @Sendable (any DepartmentRegistry, AccessStore) async throws -> T
    ) async throws -> T {
        _ = try store.migrate()
        let access = AccessStore(store: store)
        guard let district = try openStore(configuration, logger: logger) else {
            return try await body(DepartmentStore(store: store), access)
        }
        return try await district.withRunning {
            try await district.migrate()
            let key = try await TerminalSecrets.districtKey(store.keys, store: district, configuration: configuration)
            return try await body(PostgresDepartments(store: district, terminalID: configuration.terminalID, siteID: configuration.siteID) { key },
                                  access)
        }
    }
}
