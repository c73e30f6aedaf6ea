import Foundation
import KioskTesting
import Testing

/// `kiosk departments` in district mode: the district store is the one changed (and named), so
/// a key added at one terminal is listed and revoked at another.
@Suite("kiosk departments in district mode (private PostgreSQL)", .privatePostgres, .waitsOffPool)
struct DistrictDepartmentsCLITests {
    @Test func aDepartmentAddedAtOneTerminalIsListedAndRevokedAtAnotherAndEachCommandNamesTheStore() async throws {
        let url = try await cluster().createDatabase()
        let first = try TestInstallation(config: "database = \"\(url)\"")
        defer { first.remove() }
        let second = try TestInstallation(config: "database = \"\(url)\"\n[terminal]\nid = \"T02\"")
        defer { second.remove() }
        let alone = try TestInstallation()
        defer { alone.remove() }
        func kiosk(_ arguments: [String], _ installation: TestInstallation) async throws -> KioskProcess.Result {
            try await offPool { try KioskProcess.run(arguments, in: installation.root) }
        }
        let store = "the district store postgres://kiosk@127.0.0.1:"

        let added = try await kiosk(["departments", "add", "police", "--name", "公安分局"], first)
        #expect(added.status == 0, "\(added.stderr)")
        #expect(added.stdout.hasPrefix("department police, in \(store)"))
        let key = try #require(added.stdout.split(separator: "\n").first { $0.hasPrefix("api key: kdk1.police.") })
        let standalone = try await kiosk(["departments", "add", "police"], alone)
        #expect(standalone.stdout.hasPrefix("department police, in this terminal's file \(alone.dataDirectory)/kiosk.sqlite"))

        #expect(try await kiosk(["secrets", "import", first.root + "/secrets/district-id.key"], second).status == 0)
        let listed = try await kiosk(["departments", "list"], second)
        #expect(listed.status == 0, "\(listed.stderr)")
        #expect(listed.stdout == "police\tactive\t公安分局\tpull only\n")
        #expect(listed.stderr.contains("departments in \(store)"))
        #expect(!listed.stdout.contains(String(key.dropFirst("api key: ".count))))

        let again = try await kiosk(["departments", "add", "police"], second)
        #expect(again.status == 1 && again.stderr.contains("revoke it first"))
        let revoked = try await kiosk(["departments", "revoke", "police"], second)
        #expect(revoked.status == 0, "\(revoked.stderr)")
        #expect(revoked.stdout.hasPrefix("revoked police, in \(store)"))
        #expect(try await kiosk(["departments", "list"], first).stdout.hasPrefix("police\trevoked"))
        #expect(try await kiosk(["departments", "list"], alone).stdout.hasPrefix("police\tactive"), "the lone terminal's file is its own")
        let database = String(url.split(separator: "/").last!)
        #expect(try await cluster().psql("SELECT count(*) FROM department WHERE revoked_at IS NOT NULL", database: database) == "1")
    }
}
