import Foundation
import KioskTesting
import GRDB
@testable import Storage
import Testing

/// The `kiosk` command as a technician meets it: every bad start is one clear line and a
/// non-zero exit, never a stack trace and never a half-started server.
@Suite("kiosk command line", .serialized, .waitsOffPool)
struct CLITests {
    @Test func configCheckPrintsTheEffectiveConfiguration() throws {
        let installation = try TestInstallation(config: "[terminal]\nid = \"T09\"\n")
        defer { installation.remove() }
        let result = try KioskProcess.run(["config", "check"], environment: ["KIOSK_LISTEN": "127.0.0.1:9191"], in: installation.root)
        #expect(result.status == 0)
        #expect(result.stdout.contains(#"terminal.id = "T09"  # kiosk.conf:2"#))
        #expect(result.stdout.contains(#"listen = "127.0.0.1:9191"  # KIOSK_LISTEN"#))
        #expect(result.stdout.contains(#"devices.mode = "simulated"  # default"#))
    }

    @Test func configCheckListsEveryProblem() throws {
        let installation = try TestInstallation(config: "listen = \"nowhere\"\n[devices]\nmode = \"fax\"\ncolour = 1\n")
        defer { installation.remove() }
        let result = try KioskProcess.run(["config", "check", "--config", installation.configPath], in: "/")
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines == [
            "\(installation.configPath):4: unknown key 'devices.colour'",
            "\(installation.configPath):1: listen: 'nowhere' has no port (expected host:port)",
            "\(installation.configPath):3: devices.mode: 'fax' is not one of simulated, usb, cups",
        ])
        #expect(result.stdout.isEmpty)
    }

    @Test func missingConfigurationIsOneLine() throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        try FileManager.default.removeItem(atPath: installation.configPath)
        let result = try KioskProcess.run(["serve"], in: installation.root)
        #expect(result.status == 1)
        #expect(result.stderr == "kiosk.conf: the configuration file does not exist (pass --config FILE or set KIOSK_CONFIG)\n")
    }

    @Test func databaseMigrateCreatesThenReportsUpToDate() throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        let first = try KioskProcess.run(["db", "migrate"], in: installation.root)
        #expect(first.status == 0)
        #expect(first.stdout == "schema version \(SQLiteStore.knownSchemaVersion) (was 0)\n")
        let second = try KioskProcess.run(["db", "migrate"], in: installation.root)
        #expect(second.stdout == "schema version \(SQLiteStore.knownSchemaVersion) (up to date)\n")
    }

    @Test func databaseFromANewerKioskIsRefused() throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        _ = try KioskProcess.run(["db", "migrate"], in: installation.root)
        try installation.store().pool.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations VALUES ('v9-future')")
        }
        let result = try KioskProcess.run(["serve"], in: installation.root)
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("kiosk: the database schema (version \(SQLiteStore.knownSchemaVersion + 1)) is newer than this kiosk knows (version \(SQLiteStore.knownSchemaVersion);"))
        #expect(result.stderr.hasSuffix("[databaseSchemaTooNew]\n"))
    }

    @Test func dataDirectoryThatCannotBeCreated() throws {
        let installation = try TestInstallation(config: #"data_dir = "/proc/kiosk-data""#)
        defer { installation.remove() }
        let result = try KioskProcess.run(["serve"], in: installation.root)
        #expect(result.status == 1)
        #expect(result.stderr == "kiosk: the data directory /proc/kiosk-data is unusable: cannot create it [dataDirectoryUnusable]\n")
    }

    @Test func portInUseIsOneLine() throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        let occupied = try ListeningSocket.open()
        defer { occupied.close() }
        let result = try KioskProcess.run(["serve"], environment: ["KIOSK_LISTEN": "127.0.0.1:\(occupied.port)"], in: installation.root)
        #expect(result.status == 1)
        // The one line kiosk writes itself; log records may follow it: Hummingbird shuts the admin
        // socket's server down in a task of its own, which can log after the explanation (CI saw
        // "Server shutdown error: Already closed" there once).
        #expect(result.stderr.split(separator: "\n").filter { $0.hasPrefix("kiosk: ") }
            == ["kiosk: cannot listen on 127.0.0.1:\(occupied.port): the address is already in use (is another kiosk running?) [cannotListen]"])
        #expect(!result.stderr.contains("kiosk is serving"))
    }

    /// Serve, answer, and stop cleanly on SIGTERM with exit status 0.
    @Test func serveAnswersAndStopsOnSIGTERM() async throws {
        let installation = try TestInstallation(config: "[log]\nformat = \"json\"\n")
        defer { installation.remove() }
        let port = try ListeningSocket.freePort()
        let (process, _, err) = try KioskProcess.start(["serve"], environment: ["KIOSK_LISTEN": "127.0.0.1:\(port)"], in: installation.root)
        #expect(try await eventually { RawHTTP.send(port: port, path: "/readyz")?.status == 200 })
        #expect(RawHTTP.send(port: port, path: "/v1/info")?.body.contains(#""terminalID":"T01""#) == true)
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let log = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let lines = log.split(separator: "\n")
        #expect(lines.contains { $0.contains(#""message":"kiosk is serving""#) && $0.contains(#""http.address":"127.0.0.1:\#(port)""#) })
        #expect(lines.contains { $0.contains(#""message":"kiosk stopped""#) })
        // Untyped on purpose: every log line is JSON whatever its fields (the log format under test).
        #expect(lines.allSatisfy { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) != nil })
    }
}
