import Foundation
import KioskTesting
import Testing

@Suite("kiosk departments", .waitsOffPool)
struct DepartmentsCLITests {
    /// Keys shown once and never again; the list names no secret; revoke ends the key; every
    /// change is in the audit log.
    @Test func departmentsAreAddedListedAndRevokedWithoutShowingAKeyTwice() throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        let added = try KioskProcess.run(["departments", "add", "amr", "--name", "市场监管局", "--webhook-url", "https://amr.example/hooks"],
                                         in: installation.root)
        #expect(added.status == 0, "\(added.stderr)")
        let lines = added.stdout.split(separator: "\n").map(String.init)
        let key = try #require(lines.first { $0.hasPrefix("api key: ") }).dropFirst("api key: ".count)
        let secret = try #require(lines.first { $0.hasPrefix("webhook secret: ") }).dropFirst("webhook secret: ".count)
        #expect(key.hasPrefix("kdk1.amr.") && secret.hasPrefix("whsec_"))

        let again = try KioskProcess.run(["departments", "add", "amr"], in: installation.root)
        #expect(again.status == 1 && again.stderr.contains("revoke it first"))
        #expect(try KioskProcess.run(["departments", "add", "a/b"], in: installation.root).status == 1)

        let list = try KioskProcess.run(["departments", "list"], in: installation.root)
        #expect(list.stdout.hasPrefix("amr\tactive\t市场监管局\thttps://amr.example/hooks through 0"))
        #expect(!list.stdout.contains(String(key)) && !list.stdout.contains(String(secret.dropFirst(6))))

        #expect(try KioskProcess.run(["departments", "revoke", "amr"], in: installation.root).status == 0)
        #expect(try KioskProcess.run(["departments", "list"], in: installation.root).stdout.hasPrefix("amr\trevoked"))
        #expect(try KioskProcess.run(["departments", "revoke", "amr"], in: installation.root).status == 1)
        let exported = try KioskProcess.run(["audit", "export", "--from", "2000-01-01", "--to", "2100-01-01"], in: installation.root)
        #expect(exported.stdout.contains("department.added") && exported.stdout.contains("department.revoked"))
    }
}
