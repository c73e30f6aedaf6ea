import Booking
import Foundation
import KioskBench
import KioskTesting
import Secrets
import Storage
import StoragePostgres
import Testing

/// The key directory as a technician meets it: made private on the first start, refused with one
/// line when it is not, checked, rotated with everything moved to the new key.
@Suite("kiosk secrets", .serialized, .waitsOffPool)
struct SecretsCLITests {
    static func mode(_ path: String) throws -> Int {
        try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
    }

    @Test func theKeyDirectoryIsMadePrivateAndRefusedWhenItIsNot() async throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        let secrets = installation.root + "/secrets"
        #expect(try await offPool { try KioskProcess.run(["db", "migrate"], in: installation.root) }.status == 0)
        #expect(try Self.mode(secrets) == 0o700)
        #expect(try Self.mode(secrets + "/terminal.key") == 0o600)
        let fingerprint = try installation.keys().fingerprint

        let check = try await offPool { try KioskProcess.run(["secrets", "check"], in: installation.root) }
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout.contains("terminal.key: \(secrets)/terminal.key, fingerprint \(fingerprint)\n"))
        #expect(check.stdout.contains("written with this terminal.key"))

        chmod(secrets, 0o755)
        let open = try await offPool { try KioskProcess.run(["serve"], in: installation.root) }
        #expect(open.status == 1)
        #expect(open.stderr == "kiosk: \(secrets) is open to group or others (mode 755); run chmod 700 \(secrets) [secretsNotPrivate]\n")
        #expect(try await offPool { try KioskProcess.run(["secrets", "check"], in: installation.root) }.status == 1)
        chmod(secrets, 0o700)

        // The data directory without its key is refused, not read with a new one.
        try FileManager.default.moveItem(atPath: secrets + "/terminal.key", toPath: installation.root + "/backup.key")
        let missing = try await offPool { try KioskProcess.run(["serve"], in: installation.root) }
        #expect(missing.status == 1)
        #expect(missing.stderr.hasPrefix("kiosk: \(secrets)/terminal.key is missing, and the database \(installation.dataDirectory)/kiosk.sqlite was written with the key \(fingerprint)"))
        #expect(!FileManager.default.fileExists(atPath: secrets + "/terminal.key"), "no new key is made for a database that has one")

        // Another terminal's key is refused too.
        try KeyDirectory(path: secrets, credentials: nil).write(.random(), as: KeyDirectory.terminalKey)
        let other = try await offPool { try KioskProcess.run(["staff", "list"], in: installation.root) }
        #expect(other.status == 1)
        #expect(other.stderr.contains("was written with the key \(fingerprint), not with this terminal.key"))
    }

    @Test func aKeyDirectoryInsideDataDirIsAConfigurationError() async throws {
        let installation = try TestInstallation(config: "[secrets]\ndir = \"var/keys\"\n")
        defer { installation.remove() }
        let result = try await offPool { try KioskProcess.run(["config", "check"], in: installation.root) }
        #expect(result.status == 1)
        #expect(result.stderr.contains("kiosk.conf:2: secrets.dir: \(installation.root)/var/keys is inside data_dir (\(installation.dataDirectory)); "
            + "keys must not live beside the data they protect"))
    }

    /// systemd's credentials (`LoadCredential=terminal.key:…`) are read first.
    @Test func systemdCredentialsComeFirst() async throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        #expect(try await offPool { try KioskProcess.run(["db", "migrate"], in: installation.root) }.status == 0)
        let credentials = installation.root + "/credentials"
        mkdir(credentials, 0o700)
        try FileManager.default.moveItem(atPath: installation.root + "/secrets/terminal.key", toPath: credentials + "/terminal.key")
        chmod(credentials + "/terminal.key", 0o400)
        let check = try await offPool {
            try KioskProcess.run(["secrets", "check"], environment: ["CREDENTIALS_DIRECTORY": credentials], in: installation.root)
        }
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout.contains("terminal.key: \(credentials)/terminal.key, fingerprint"))
        let list = try await offPool {
            try KioskProcess.run(["staff", "list"], environment: ["CREDENTIALS_DIRECTORY": credentials], in: installation.root)
        }
        #expect(list.status == 0, "\(list.stderr)")
    }

    /// A rotation moves bookings, drafts, sealed records and the audit chain to a new key, says
    /// what it did and what it could not, ends sign-ins, and gives the new audit anchor.
    @Test func rotateMovesEverythingToTheNewKey() async throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        let added = try await offPool {
            try KioskProcess.run(["staff", "add", "--number", "S1", "--name", "甲", "--role", "staff", "--pin", "4826"], in: installation.root)
        }
        try #require(added.status == 0, "\(added.stderr)")
        let before = try installation.keys()
        let store = try installation.store()
        let bookings = try SQLiteBookingStore(store: store, timeZone: DistrictBenchmarks.zoneForTests)
        let citizen = try DistrictBenchmarks.citizen(7)
        let slot = try DistrictBenchmarks.slots(count: 1, capacity: 2)[0]
        let booking = try await bookings.book(slot, idNumber: citizen, idempotencyKey: "rotate", now: DistrictBenchmarks.now)
        let verified = try await offPool { try KioskProcess.run(["audit", "verify"], in: installation.root) }
        let head = try #require(verified.stdout.firstMatch(of: /head #(\d+) ([0-9a-f]{64})/))
        let oldAnchor = "\(head.1):\(head.2)"

        // Not beside a running server: it holds the old key.
        let server = try await RunningKiosk.start(installation)
        let refused = try await offPool { try KioskProcess.run(["secrets", "rotate"], in: installation.root) }
        server.stop()
        #expect(refused.status == 1)
        #expect(refused.stderr.hasPrefix("kiosk: kiosk serve is running on \(installation.dataDirectory): stop it first"))

        let rotated = try await offPool { try KioskProcess.run(["secrets", "rotate"], in: installation.root) }
        #expect(rotated.status == 0, "\(rotated.stderr)")
        let after = try installation.keys()
        #expect(after.fingerprint != before.fingerprint)
        #expect(rotated.stdout.contains("terminal.key replaced: \(before.fingerprint) → \(after.fingerprint)\n"))
        #expect(rotated.stdout.contains("re-keyed: 1 bookings, 0 drafts, 1 sealed records"))
        #expect(rotated.stdout.contains("back up \(installation.root)/secrets now"))
        #expect(!FileManager.default.fileExists(atPath: installation.root + "/secrets/terminal.key.new"))

        // The citizen is found again under the new key; quotas go on counting the old booking.
        // (The server that ran meanwhile marked the past booking a no-show: its status may differ.)
        let rekeyed = try SQLiteBookingStore(store: try installation.store(), timeZone: DistrictBenchmarks.zoneForTests)
        #expect(try await rekeyed.lookup(code: booking.code, idNumber: citizen).id == booking.id)
        #expect(try await rekeyed.bookings(of: citizen).map(\.id) == [booking.id], "quotas and bans still count it")
        #expect(try await bookings.bookings(of: citizen).isEmpty, "the old key no longer finds the citizen")
        let newAnchor = try #require(rotated.stdout.firstMatch(of: /audit anchor: (\d+:[0-9a-f]{64})/)).1
        let intact = try await offPool { try KioskProcess.run(["audit", "verify", "--anchor", String(newAnchor)], in: installation.root) }
        #expect(intact.status == 0, "\(intact.stderr)")
        #expect(intact.stdout.contains("matches 1 anchor(s)"))
        let old = try await offPool { try KioskProcess.run(["audit", "verify", "--anchor", oldAnchor], in: installation.root) }
        #expect(old.status == 1, "anchors taken before a rotation no longer verify, as rotate says")
    }

    /// Wrong PINs at the screen delay the number; `kiosk staff unlock` lifts the delay at once.
    @Test func staffUnlockLiftsTheDelay() async throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        _ = try await offPool {
            try KioskProcess.run(["staff", "add", "--number", "S1", "--name", "甲", "--role", "staff", "--pin", "4826"], in: installation.root)
        }
        let server = try await RunningKiosk.start(installation)
        defer { server.stop() }
        func signIn(_ pin: String) async -> RawHTTP.Reply? {
            await RawHTTP.sendOffPool(port: server.port, method: "POST", path: "/v1/staff/sign-in", body: #"{"number":"S1","pin":"\#(pin)"}"#)
        }
        // Four wrong PINs, each checked (a try during the delay is refused unchecked and does not
        // lengthen it): the delay doubles to 8 s, so the owner's next try falls inside it however
        // slow the machine. After one wrong PIN only, its 1 s could pass before the next try.
        #expect(await signIn("9999")?.status == 401)
        for _ in 1..<4 {
            // Each once the delay the last one set has passed (tries during it are refused with 429).
            let checked = try await eventually(every: .milliseconds(250)) {
                let reply = await signIn("9999")
                if reply?.status != 401 { #expect(reply?.status == 429) }
                return reply?.status == 401
            }
            #expect(checked)
        }
        let delayed = await signIn("4826")
        #expect(delayed?.status == 429)
        #expect(delayed?.body.contains("signInDelayed") == true)
        let unlocked = try await offPool { try KioskProcess.run(["staff", "unlock", "S1"], in: installation.root) }
        #expect(unlocked.status == 0, "\(unlocked.stderr)")
        #expect(unlocked.stdout == "sign-in delay lifted for S1 at 1 terminal(s)\n")
        #expect(await signIn("4826")?.status == 201)
        let log = try await offPool { try KioskProcess.run(["audit", "export", "--from", "2000-01-01", "--to", "2100-01-01"], in: installation.root) }
        #expect(log.stdout.contains(#""action":"staff.unlocked""#))
    }

    /// `kiosk serve` writes the audit log's head to its log when it starts; that anchor then
    /// verifies the log.
    @Test func theAuditAnchorIsLoggedAtStart() async throws {
        let installation = try TestInstallation(config: "[log]\nformat = \"json\"\n")
        defer { installation.remove() }
        _ = try await offPool {
            try KioskProcess.run(["staff", "add", "--number", "S1", "--name", "甲", "--role", "staff", "--pin", "4826"], in: installation.root)
        }
        let server = try await RunningKiosk.start(installation)
        let log = server.stop()
        let line = try #require(log.split(separator: "\n").first { $0.contains(#""message":"audit anchor""#) })
        let anchor = try #require(String(line).firstMatch(of: /"audit.anchor":"(\d+:[0-9a-f]{64})"/)).1
        #expect(anchor.hasPrefix("1:"))
        let verified = try await offPool { try KioskProcess.run(["audit", "verify", "--anchor", String(anchor)], in: installation.root) }
        #expect(verified.status == 0, "\(verified.stderr)")
    }
}
