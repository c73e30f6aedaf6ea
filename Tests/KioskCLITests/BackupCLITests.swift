import Foundation
import GRDB
import KioskTesting
import Storage
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `kiosk db backup` while the terminal books, and `kiosk db restore` refusing what it must.
@Suite("kiosk db backup and restore", .serialized, .waitsOffPool)
struct BackupCLITests {
    /// One service with room for every booking of the hammer, bookable from any day for a month.
    static let config = """
        [log]
        format = "json"
        level = "warning"
        [limits]
        booking_per_minute = 6000
        [booking]
        hold_seconds = 600
        [[services]]
        id = "hammer"
        name_zh = "压力测试"
        name_en = "Hammer"
        duration_minutes = 30
        counters = ["H1"]
        capacity_per_slot = 1000
        horizon_days = 30
        min_notice_minutes = 0
        """

    /// Distinct valid identity numbers, one birth date each, so no quota stops a booking.
    static func idNumber(_ index: Int) -> String {
        var date = DateComponents(calendar: Calendar(identifier: .gregorian), year: 1950, month: 1, day: 1).date!
        date.addTimeInterval(Double(index) * 86_400)
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyyMMdd"
        formatter.timeZone = TimeZone(identifier: "UTC")
        let first17 = "110105" + formatter.string(from: date) + "002"
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        let sum = zip(first17, weights).reduce(0) { $0 + Int(String($1.0))! * $1.1 }
        return first17 + String(Array("10X98765432")[sum % 11])
    }

    /// What the hammer's clients got: the codes of confirmed bookings with the time each answer
    /// came, and every refusal.
    final class Ledger: Sendable {
        let confirmed = Mutex<[(code: String, at: ContinuousClock.Instant)]>([])
        let failures = Mutex<[String]>([])
    }

    static func post(_ port: Int, _ path: String, _ body: String, key: String) -> RawHTTP.Reply? {
        RawHTTP.send(port: port, method: "POST", path: path, body: body, headers: ["Idempotency-Key": key])
    }

    struct Hold: Decodable { let holdId: String }
    struct Confirmed: Decodable { let code: String }

    /// 64 clients book through the HTTP API while `kiosk db backup` runs beside them; the copy
    /// restores to a database that passes integrity_check and holds every booking confirmed
    /// before the backup began.
    @Test func aBackupDuringABookingHammerHoldsEveryConfirmedBooking() async throws {
        let installation = try TestInstallation(config: Self.config)
        defer { installation.remove() }
        let (process, port, err) = try await StopTests.startServing(installation)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        let today = ISO8601DateFormatter.string(from: Date(), timeZone: TimeZone(identifier: "Asia/Shanghai")!, formatOptions: [.withFullDate])
        let last = ISO8601DateFormatter.string(from: Date().addingTimeInterval(29 * 86_400),
                                               timeZone: TimeZone(identifier: "Asia/Shanghai")!, formatOptions: [.withFullDate])
        let slotsReply = try #require(RawHTTP.send(port: port, path: "/v1/services/hammer/slots?from=\(today)&to=\(last)"))
        let slots = try slotsReply.decoded([OfferedSlot].self).filter { $0.remaining > 0 }.map(\.id)
        try #require(!slots.isEmpty, "no bookable slot in the next 30 days: \(slotsReply.body)")

        let clients = 64, bookingsPerClient = 12
        let ledger = Ledger()
        let hammer = Task {
            await withTaskGroup(of: Void.self) { group in
                for client in 0..<clients {
                    group.addTask {
                        for attempt in 0..<bookingsPerClient {
                            let index = client * bookingsPerClient + attempt
                            let slot = slots[index % slots.count]
                            let reply: RawHTTP.Reply? = await withCheckedContinuation { continuation in
                                Thread.detachNewThread {
                                    guard let hold = Self.post(port, "/v1/holds", #"{"slotId":"\#(slot)","idNumber":"\#(Self.idNumber(index))"}"#,
                                                               key: "h\(index)"),
                                          hold.status == 201, let holdID = try? hold.decoded(Hold.self).holdId else {
                                        continuation.resume(returning: nil)
                                        return
                                    }
                                    continuation.resume(returning: Self.post(
                                        port, "/v1/bookings", #"{"holdId":"\#(holdID)","idNumber":"\#(Self.idNumber(index))"}"#,
                                        key: "b\(index)"))
                                }
                            }
                            if let reply, reply.status == 201, let code = try? reply.decoded(Confirmed.self).code {
                                ledger.confirmed.withLock { $0.append((code, .now)) }
                            } else {
                                ledger.failures.withLock { $0.append("\(reply?.status ?? 0) \(reply?.body.prefix(200) ?? "")") }
                            }
                        }
                    }
                }
            }
        }

        // Let the hammer get going, then back up while it runs.
        try #require(try await eventually(within: .seconds(300)) { ledger.confirmed.withLock { $0.count } >= clients * bookingsPerClient / 4 },
                     "a quarter of the bookings confirmed: \(ledger.failures.withLock { $0.prefix(3) })")
        let backupBegins = ContinuousClock.now
        let before = Set(ledger.confirmed.withLock { $0 }.filter { $0.at < backupBegins }.map(\.code))
        let backupFile = installation.root + "/during-hammer.sqlite"
        let backup = try KioskProcess.run(["db", "backup", "--to", backupFile], in: installation.root)
        let backupEnded = ContinuousClock.now
        let during = ledger.confirmed.withLock { $0 }.filter { $0.at >= backupBegins && $0.at <= backupEnded }.count
        await hammer.value
        kill(process.processIdentifier, SIGTERM)
        _ = await Tool.finish(process, err)

        #expect(backup.status == 0, "\(backup.stderr)")
        #expect(backup.stdout.hasPrefix("backup \(backupFile): "))
        let mode = try FileManager.default.attributesOfItem(atPath: backupFile)[.posixPermissions] as? Int
        #expect(mode == 0o600, "a backup holds what the database holds: its owner's alone")
        #expect(ledger.failures.withLock { $0 }.isEmpty, "\(ledger.failures.withLock { $0.prefix(3) })")
        let total = ledger.confirmed.withLock { $0.count }
        #expect(total == clients * bookingsPerClient)

        // Restored into a terminal of its own — with the key directory's backup beside it, as a
        // technician restores both — the copy is whole and holds what was confirmed.
        let fresh = try TestInstallation(config: Self.config)
        defer { fresh.remove() }
        try Self.copySecrets(from: installation, to: fresh)
        let restore = try KioskProcess.run(["db", "restore", backupFile], in: fresh.root)
        #expect(restore.status == 0, "\(restore.stderr)")
        let restored = try DatabaseQueue(path: fresh.dataDirectory + "/kiosk.sqlite")
        let (integrity, codes) = try await restored.read { db in
            (try String.fetchAll(db, sql: "PRAGMA integrity_check"), Set(try String.fetchAll(db, sql: "SELECT code FROM booking")))
        }
        #expect(integrity == ["ok"])
        #expect(before.subtracting(codes).isEmpty, "\(before.subtracting(codes).count) of \(before.count) bookings confirmed before the backup are missing")
        #expect(codes.count < total, "the backup was taken while the hammer ran (\(during) bookings confirmed during it)")
        #expect(codes.count >= before.count)
    }

    /// The key directory (`data_dir/../secrets` of a test installation), 0700 with files 0600.
    static func copySecrets(from source: TestInstallation, to target: TestInstallation) throws {
        let from = source.root + "/secrets", to = target.root + "/secrets"
        try? FileManager.default.removeItem(atPath: to)
        try FileManager.default.copyItem(atPath: from, toPath: to)
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: to)
        for name in try FileManager.default.contentsOfDirectory(atPath: to) {
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: to + "/" + name)
        }
    }

    /// A copy written with another terminal's key cannot be read here: refused, nothing replaced.
    @Test func aBackupWrittenWithAnotherKeyIsRefused() throws {
        let installation = try Self.migratedInstallation()
        defer { installation.remove() }
        let other = try Self.migratedInstallation()
        defer { other.remove() }
        let file = installation.root + "/other-terminal.sqlite"
        #expect(try KioskProcess.run(["db", "backup", "--to", file], in: other.root).status == 0)
        let result = try KioskProcess.run(["db", "restore", file], in: installation.root)
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("kiosk: restore refused: "))
        #expect(result.stderr.contains(file))
        #expect(result.stderr.hasSuffix("[databaseRestoreRefused]\n"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: installation.dataDirectory).filter { $0.contains("before-restore") } == [])
    }

    static func migratedInstallation() throws -> TestInstallation {
        let installation = try TestInstallation(config: Self.config)
        let migrate = try KioskProcess.run(["db", "migrate"], in: installation.root)
        try #require(migrate.status == 0, "\(migrate.stderr)")
        return installation
    }

    @Test func aBackupNeverOverwritesAFile() throws {
        let installation = try Self.migratedInstallation()
        defer { installation.remove() }
        let file = installation.root + "/taken.sqlite"
        try "keep me".write(toFile: file, atomically: true, encoding: .utf8)
        let result = try KioskProcess.run(["db", "backup", "--to", file], in: installation.root)
        #expect(result.status == 1)
        #expect(result.stderr == "kiosk: \(file) exists; a backup never overwrites a file [databaseBackupRefused]\n")
        #expect(try String(contentsOfFile: file, encoding: .utf8) == "keep me")
    }

    /// The nightly timer's call: a new file in the directory, and only the newest `--keep` stay.
    @Test func backupsIntoADirectoryKeepTheNewest() throws {
        let installation = try Self.migratedInstallation()
        defer { installation.remove() }
        let directory = installation.root + "/backups"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        for old in ["kiosk-20240101T023000Z.sqlite", "kiosk-20240102T023000Z.sqlite", "kiosk-20240103T023000Z.sqlite", "notes.txt"] {
            FileManager.default.createFile(atPath: directory + "/" + old, contents: Data("old".utf8))
        }
        let result = try KioskProcess.run(["db", "backup", "--into", directory, "--keep", "2"], in: installation.root)
        #expect(result.status == 0, "\(result.stderr)")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        #expect(names.count == 3)
        #expect(names.contains("kiosk-20240103T023000Z.sqlite") && names.contains("notes.txt"))
        let new = try #require(names.first { $0.hasPrefix("kiosk-2") && $0 != "kiosk-20240103T023000Z.sqlite" })
        #expect(result.stdout.split(separator: "\n").map(String.init) == [
            "backup \(directory)/\(new): \(try FileManager.default.attributesOfItem(atPath: directory + "/" + new)[.size] as! Int) bytes, schema version \(SQLiteStore.knownSchemaVersion)",
            "deleted \(directory)/kiosk-20240102T023000Z.sqlite",
            "deleted \(directory)/kiosk-20240101T023000Z.sqlite",
        ])
    }

    @Test func aBackupFromANewerKioskIsRefused() throws {
        let installation = try Self.migratedInstallation()
        defer { installation.remove() }
        let file = installation.root + "/newer.sqlite"
        #expect(try KioskProcess.run(["db", "backup", "--to", file], in: installation.root).status == 0)
        try DatabaseQueue(path: file).write { db in try db.execute(sql: "INSERT INTO grdb_migrations VALUES ('v99-future')") }
        let result = try KioskProcess.run(["db", "restore", file], in: installation.root)
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("kiosk: restore refused: the database schema (version \(SQLiteStore.knownSchemaVersion + 1)) is newer than this kiosk knows"))
        #expect(result.stderr.hasSuffix("[databaseRestoreRefused]\n"))
        // Nothing was replaced, nothing kept aside.
        #expect(try FileManager.default.contentsOfDirectory(atPath: installation.dataDirectory).filter { $0.contains("before-restore") } == [])
    }

    /// An index that no longer matches its table: the file opens, but integrity_check fails.
    @Test func aBackupThatFailsTheIntegrityCheckIsRefused() throws {
        let installation = try Self.migratedInstallation()
        defer { installation.remove() }
        let file = installation.root + "/broken.sqlite"
        #expect(try KioskProcess.run(["db", "backup", "--to", file], in: installation.root).status == 0)
        let broken = try DatabaseQueue(path: file)
        try broken.writeWithoutTransaction { db in
            try db.execute(sql: """
                CREATE TABLE damaged (a INTEGER, b INTEGER);
                CREATE INDEX damaged_a ON damaged (a);
                INSERT INTO damaged VALUES (1, 10), (2, 20), (3, 30);
                PRAGMA writable_schema = ON;
                UPDATE sqlite_schema SET sql = 'CREATE INDEX damaged_a ON damaged (b)' WHERE name = 'damaged_a';
                PRAGMA writable_schema = OFF;
                """)
        }
        try broken.close()
        let result = try KioskProcess.run(["db", "restore", file], in: installation.root)
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("kiosk: restore refused: \(file) fails the integrity check: "))
        #expect(result.stderr.hasSuffix("[databaseRestoreRefused]\n"))
    }

    @Test func aRestoreKeepsWhatItReplaces() throws {
        let installation = try Self.migratedInstallation()
        defer { installation.remove() }
        let file = installation.root + "/good.sqlite"
        #expect(try KioskProcess.run(["db", "backup", "--to", file], in: installation.root).status == 0)
        try DatabaseQueue(path: installation.dataDirectory + "/kiosk.sqlite").write { db in
            try db.execute(sql: "CREATE TABLE written_after_the_backup (a INTEGER)")
        }
        let result = try KioskProcess.run(["db", "restore", file], in: installation.root)
        #expect(result.status == 0, "\(result.stderr)")
        let kept = try #require(try FileManager.default.contentsOfDirectory(atPath: installation.dataDirectory)
            .first { $0.hasPrefix("kiosk.sqlite.before-restore-") })
        #expect(result.stdout == "restored \(file) into \(installation.dataDirectory)/kiosk.sqlite, schema version "
            + "\(SQLiteStore.knownSchemaVersion); the previous database is kept in \(installation.dataDirectory)/\(kept)\n")
        let tables = { (path: String) in
            try DatabaseQueue(path: path).read { db in try db.tableExists("written_after_the_backup") }
        }
        #expect(try tables(installation.dataDirectory + "/kiosk.sqlite") == false)
        #expect(try tables(installation.dataDirectory + "/" + kept) == true)
    }

    @Test func aRestoreIsRefusedWhileTheTerminalServes() async throws {
        let installation = try TestInstallation(config: Self.config)
        defer { installation.remove() }
        let (process, port, err) = try await StopTests.startServing(installation)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let file = installation.root + "/live.sqlite"
        #expect(try KioskProcess.run(["db", "backup", "--to", file], in: installation.root).status == 0)
        let result = try KioskProcess.run(["db", "restore", file], in: installation.root)
        #expect(result.status == 1)
        #expect(result.stderr == "kiosk: kiosk serve is running on \(installation.dataDirectory): stop it first (systemctl stop kiosk) [kioskRunning]\n")
        #expect(RawHTTP.send(port: port, path: "/readyz")?.status == 200)
        kill(process.processIdentifier, SIGTERM)
        _ = await Tool.finish(process, err)
    }
}
