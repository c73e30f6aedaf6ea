import Foundation
import KioskTesting
import Testing

/// Where a department's revocation is audited in district mode. Each terminal keeps one
/// tamper-evident audit chain under its own audit key, its head anchored in the district store;
/// there is no district-wide log. So the record stays in the log of the terminal where the
/// technician ran the command, and the district's department row names that terminal: a
/// technician at any other terminal sees the revocation and where its audit record is.
@Suite("kiosk departments: where a revocation is audited (private PostgreSQL)", .privatePostgres)
struct DistrictDepartmentAuditTests {
    @Test func aKeyRevokedAtOneTerminalIsListedEverywhereWithTheTerminalWhoseAuditLogHoldsIt() async throws {
        let url = try await cluster().createDatabase()
        let first = try TestInstallation(config: "database = \"\(url)\"")
        defer { first.remove() }
        let second = try TestInstallation(config: "database = \"\(url)\"\n[terminal]\nid = \"T02\"")
        defer { second.remove() }
        func kiosk(_ arguments: [String], _ installation: TestInstallation) async throws -> KioskProcess.Result {
            try await offPool { try KioskProcess.run(arguments, in: installation.root) }
        }
        func audit(_ installation: TestInstallation) async throws -> String {
            try await kiosk(["audit", "export", "--from", "2000-01-01", "--to", "2100-01-01"], installation).stdout
        }

        #expect(try await kiosk(["departments", "add", "police", "--name", "公安分局"], first).status == 0)
        #expect(try await kiosk(["secrets", "import", first.root + "/secrets/district-id.key"], second).status == 0)
        let revoked = try await kiosk(["departments", "revoke", "police"], second)
        #expect(revoked.status == 0, "\(revoked.stderr)")

        let listed = try await kiosk(["departments", "list"], first)
        #expect(listed.stdout == "police\trevoked at S01/T02 (audited there)\t公安分局\tpull only\n", "\(listed.stdout)")
        let there = try await audit(second), here = try await audit(first)
        #expect(there.contains("\"department.revoked\"") && there.contains("police"), "\(there)")
        #expect(here.contains("\"department.added\"") && !here.contains("department.revoked"), "\(here)")

        // Issued again, the department is active: the old revocation no longer shows.
        #expect(try await kiosk(["departments", "add", "police", "--name", "公安分局"], second).status == 0)
        #expect(try await kiosk(["departments", "list"], first).stdout == "police\tactive\t公安分局\tpull only\n")
    }
}
