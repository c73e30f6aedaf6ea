import Foundation
import GRDB
import KioskTesting
@testable import Storage
import Testing

@Suite("kiosk staff and kiosk audit", .waitsOffPool)
struct StaffCLITests {
    @Test func accountsAreManagedAndAudited() throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        let added = try KioskProcess.run(
            ["staff", "add", "--number", "S1001", "--name", "王工", "--role", "technician", "--pin", "4826"], in: installation.root)
        #expect(added.status == 0, "\(added.stderr)")
        #expect(added.stdout == "added S1001 (technician)\n")

        let weak = try KioskProcess.run(
            ["staff", "add", "--number", "S1002", "--name", "李", "--role", "staff", "--pin", "1234"], in: installation.root)
        #expect(weak.status == 1)
        #expect(weak.stderr.hasPrefix("kiosk: "))

        let piped = try KioskProcess.start(["staff", "add", "--number", "S1003", "--name", "赵", "--role", "staff"], in: installation.root, stdin: "5937\n")
        #expect(piped.status == 0, "\(piped.stderr)")

        #expect(try KioskProcess.run(["staff", "disable", "S1001"], in: installation.root).status == 0)
        let list = try KioskProcess.run(["staff", "list"], in: installation.root)
        let rows = list.stdout.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        #expect(rows.map { $0[0] } == ["S1001", "S1003"])
        #expect(rows.first?[2] == "disabled")
        #expect(!list.stdout.contains("4826"))

        let verified = try KioskProcess.run(["audit", "verify"], in: installation.root)
        #expect(verified.status == 0)
        #expect(verified.stdout.hasPrefix("audit log intact: 3 records"))

        let exported = try KioskProcess.run(["audit", "export", "--from", "2000-01-01", "--to", "2100-01-01"], in: installation.root)
        #expect(exported.status == 0)
        #expect(exported.stdout.split(separator: "\n").count == 3)
        #expect(!exported.stdout.contains("王工"))
    }

    @Test func tamperingIsNamed() throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        _ = try KioskProcess.run(["staff", "add", "--number", "S1", "--name", "甲", "--role", "staff", "--pin", "4826"], in: installation.root)
        _ = try KioskProcess.run(["staff", "add", "--number", "S2", "--name", "乙", "--role", "staff", "--pin", "4826"], in: installation.root)
        try installation.store().pool.write { db in
            try db.execute(sql: "DROP TRIGGER audit_log_no_update")
            try db.execute(sql: "UPDATE audit_log SET target = 'S9' WHERE sequence = 1")
        }
        let verified = try KioskProcess.run(["audit", "verify"], in: installation.root)
        #expect(verified.status == 1)
        #expect(verified.stderr.hasPrefix("kiosk: audit log broken at record 1: changed"))
    }
}
