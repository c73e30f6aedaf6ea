import Access
import Crypto
import Foundation
import GRDB
import KioskTesting
import Testing

/// The attacks of issue 14 that need a second process: a running `kiosk serve` and someone who
/// holds a key (or only a copy of the database) working on it from outside.
@Suite("Attacks with and without the terminal's key", .serialized, .waitsOffPool)
struct KeyAttackTests {
    /// Someone who has the token-signing key writes themselves a token with another role and a
    /// far expiry. The server reads role and expiry from its own records, so it is refused.
    @Test func aTokenForgedWithTheSigningKeyIsRefused() async throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        let added = try await offPool {
            try KioskProcess.run(["staff", "add", "--number", "S1", "--name", "甲", "--role", "staff", "--pin", "4826"], in: installation.root)
        }
        try #require(added.status == 0, "\(added.stderr)")
        let server = try await RunningKiosk.start(installation)
        defer { server.stop() }

        let signedIn = try #require(await RawHTTP.sendOffPool(port: server.port, method: "POST", path: "/v1/staff/sign-in",
                                                               body: #"{"number":"S1","pin":"4826"}"#))
        #expect(signedIn.status == 201)
        let token = try signedIn.decoded(SignedIn.self).token
        let technicianOnly = "/v1/devices/printer-simulated/statistics"
        let own = await RawHTTP.sendOffPool(port: server.port, path: technicianOnly, headers: ["Authorization": "Bearer " + token])
        #expect(own?.status == 403, "a staff token is not a technician's")

        let signingKey = HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: try #require(MasterKey.read(installation))),
                                                info: Data("kiosk access token v1".utf8), outputByteCount: 32)
        // The token's record: its id is what revocation and the server's table know.
        let parts = token.split(separator: ".").map(String.init)
        let id: String
        struct Claims: Decodable { let jti: String }
        if parts[0] == "kt1", let payload = Base64URL.decode(parts[1]) {
            id = try JSONDecoder().decode(Claims.self, from: payload).jti
        } else {
            id = parts[1]
        }
        let payload = #"{"exp":4102444800,"iat":\#(Int(Date().timeIntervalSince1970)),"jti":"\#(id)","role":"admin","sub":"S1","term":"T01"}"#
        let signed = "kt1." + Base64URL.encode(Data(payload.utf8))
        let forged = signed + "." + Base64URL.encode(Data(HMAC<SHA256>.authenticationCode(for: Data(signed.utf8), using: signingKey)))
        let answer = await RawHTTP.sendOffPool(port: server.port, path: technicianOnly, headers: ["Authorization": "Bearer " + forged])
        #expect(answer?.status == 401, "a forged admin token was answered \(answer?.status ?? 0)")

        // A handle of the current form, correctly signed, that the server never issued.
        let handle = "kt2." + Base64URL.encode(Data((0..<16).map { _ in UInt8.random(in: 0...255) }))
        let unissued = handle + "." + Base64URL.encode(Data(HMAC<SHA256>.authenticationCode(for: Data(handle.utf8), using: signingKey)))
        let refused = await RawHTTP.sendOffPool(port: server.port, path: technicianOnly, headers: ["Authorization": "Bearer " + unissued])
        #expect(refused?.status == 401)
    }

    /// Someone with only a copy of the database rewrites a record and recomputes every hash and
    /// the head, as the chain's documented encoding allows: without the key, it is noticed.
    @Test func aRechainWithoutTheKeyIsDetected() async throws {
        let installation = try await Self.installationWithThreeRecords()
        defer { installation.remove() }
        try Self.rewriteAndRechain(installation) { encoding in Self.hex(SHA256.hash(data: encoding)) }
        let verified = try await offPool { try KioskProcess.run(["audit", "verify"], in: installation.root) }
        #expect(verified.status == 1, "\(verified.stdout)")
        #expect(verified.stderr.hasPrefix("kiosk: audit log broken at record 1"))
    }

    /// Someone who also took the key re-chains with it: the log is consistent again, but an
    /// anchor written down earlier (the log, the technician's receipt) no longer matches.
    @Test func aRechainWithTheKeyFailsAnEarlierAnchor() async throws {
        let installation = try await Self.installationWithThreeRecords()
        defer { installation.remove() }
        let before = try await offPool { try KioskProcess.run(["audit", "verify"], in: installation.root) }
        let head = try #require(before.stdout.firstMatch(of: /head #(\d+) ([0-9a-f]{64})/))
        let anchor = "\(head.1):\(head.2)"

        let auditKey = HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: try #require(MasterKey.read(installation))),
                                              info: Data("kiosk audit chain v1".utf8), outputByteCount: 32)
        try Self.rewriteAndRechain(installation) { encoding in
            Self.hex(HMAC<SHA256>.authenticationCode(for: encoding, using: auditKey))
        }
        let unanchored = try await offPool { try KioskProcess.run(["audit", "verify"], in: installation.root) }
        #expect(unanchored.status == 0, "with the key the chain itself is consistent: \(unanchored.stderr)")
        let anchored = try await offPool { try KioskProcess.run(["audit", "verify", "--anchor", anchor], in: installation.root) }
        #expect(anchored.status == 1)
        #expect(anchored.stderr.hasPrefix("kiosk: audit log does not match the anchor \(anchor)"), "\(anchored.stderr)")

        let fresh = try await Self.installationWithThreeRecords()
        defer { fresh.remove() }
        let freshHead = try await offPool { try KioskProcess.run(["audit", "verify"], in: fresh.root) }
        let match = try #require(freshHead.stdout.firstMatch(of: /head #(\d+) ([0-9a-f]{64})/))
        let freshAnchor = "\(match.1):\(match.2)"
        let intact = try await offPool { try KioskProcess.run(["audit", "verify", "--anchor", freshAnchor], in: fresh.root) }
        #expect(intact.status == 0, "\(intact.stderr)")
    }

    /// The server at `trace` logs a great deal; none of it is a key, in any spelling.
    @Test func noKeyReachesTheLogAtTrace() async throws {
        let installation = try TestInstallation(config: "[log]\nlevel = \"trace\"\n")
        defer { installation.remove() }
        _ = try await offPool {
            try KioskProcess.run(["staff", "add", "--number", "S1", "--name", "甲", "--role", "technician", "--pin", "4826"], in: installation.root)
        }
        let server = try await RunningKiosk.start(installation)
        let signedIn = await RawHTTP.sendOffPool(port: server.port, method: "POST", path: "/v1/staff/sign-in",
                                                 body: #"{"number":"S1","pin":"4826"}"#)
        #expect(signedIn?.status == 201)
        _ = await RawHTTP.sendOffPool(port: server.port, method: "POST", path: "/v1/staff/sign-in", body: #"{"number":"S1","pin":"9999"}"#)
        _ = await RawHTTP.sendOffPool(port: server.port, path: "/readyz")
        let log = server.stop()
        #expect(log.contains("trace") || log.contains("debug"), "the server logged at trace")
        let master = try #require(MasterKey.read(installation))
        var spellings: [String] = []
        for key in [master] + ["kiosk access token v1", "kiosk audit chain v1", "kiosk id hashing v1", "kiosk data at rest v1"].map({
            HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: master), info: Data($0.utf8), outputByteCount: 32)
                .withUnsafeBytes { Data($0) }
        }) {
            spellings += [Self.hex(key), Self.hex(key).uppercased(), key.base64EncodedString(), Base64URL.encode(key),
                          key.map(String.init).joined(separator: ", ")]
        }
        for spelling in spellings { #expect(!log.contains(spelling), "a key in the log") }
    }

    // MARK: Helpers

    static func installationWithThreeRecords() async throws -> TestInstallation {
        let installation = try TestInstallation()
        for number in ["S1", "S2", "S3"] {
            let added = try await offPool {
                try KioskProcess.run(["staff", "add", "--number", number, "--name", "甲", "--role", "staff", "--pin", "4826"], in: installation.root)
            }
            try #require(added.status == 0, "\(added.stderr)")
        }
        return installation
    }

    /// Changes record 1 and recomputes every record's `previous_hash` and `hash` and the head
    /// with `mac` over the documented canonical encoding, straight in the file.
    static func rewriteAndRechain(_ installation: TestInstallation, mac: ([UInt8]) -> String) throws {
        let queue = try DatabaseQueue(path: installation.dataDirectory + "/kiosk.sqlite")
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "DROP TRIGGER IF EXISTS audit_log_no_update")
            try db.execute(sql: "UPDATE audit_log SET target = 'S9' WHERE sequence = 1")
            var previous = String(repeating: "0", count: 64)
            var last: Int64 = 0
            for row in try Row.fetchAll(db, sql: "SELECT * FROM audit_log ORDER BY sequence") {
                let record = AuditRecord(sequence: row["sequence"], milliseconds: row["at_ms"], actor: row["actor"], action: row["action"],
                                         target: row["target"], details: row["details"], previousHash: previous, hash: "")
                let hash = mac(AuditChain.canonicalEncoding(record, includingHash: false))
                try db.execute(sql: "UPDATE audit_log SET previous_hash = ?, hash = ? WHERE sequence = ?",
                               arguments: [previous, hash, record.sequence])
                previous = hash
                last = record.sequence
            }
            try db.execute(sql: "UPDATE audit_head SET sequence = ?, hash = ? WHERE id = 1", arguments: [last, previous])
        }
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
}

/// The terminal's master key, wherever this build keeps it: the key directory, or (before keys
/// left the database) the `installation` row.
enum MasterKey {
    static func read(_ installation: TestInstallation) -> Data? {
        if let bytes = FileManager.default.contents(atPath: installation.root + "/secrets/terminal.key") {
            if bytes.count == 32 { return bytes }
            let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            return text.count == 64 ? Data(stride(from: 0, to: 64, by: 2).compactMap {
                UInt8(text[text.index(text.startIndex, offsetBy: $0)..<text.index(text.startIndex, offsetBy: $0 + 2)], radix: 16)
            }) : nil
        }
        let queue = try? DatabaseQueue(path: installation.dataDirectory + "/kiosk.sqlite")
        return try? queue?.read { db in try Data.fetchOne(db, sql: "SELECT secret FROM installation WHERE id = 1") }
    }
}

enum Base64URL {
    static func encode(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ text: String) -> Data? {
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        standard += String(repeating: "=", count: (4 - standard.count % 4) % 4)
        return Data(base64Encoded: standard)
    }
}

/// `kiosk serve` on a free port of its own, its log going to a file (a pipe could fill up at
/// `trace` and stall the server).
struct RunningKiosk {
    let process: ChildProcess
    let port: Int
    let logPath: String

    static func start(_ installation: TestInstallation, environment: [String: String] = [:]) async throws -> RunningKiosk {
        let port = try ListeningSocket.freePort()
        let logPath = installation.root + "/serve.log"
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        let process = ChildProcess()
        process.executableURL = KioskProcess.executable
        process.arguments = ["serve"]
        process.currentDirectoryURL = URL(fileURLWithPath: installation.root)
        var base = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("KIOSK_") }
        base.merge(environment) { $1 }
        base["KIOSK_LISTEN"] = "127.0.0.1:\(port)"
        process.environment = base
        process.standardOutput = log
        process.standardError = log
        try process.run()
        let server = RunningKiosk(process: process, port: port, logPath: logPath)
        let answered = try await eventually(every: .milliseconds(100)) {
            guard process.isRunning else { return true }
            return await RawHTTP.sendOffPool(port: port, path: "/healthz")?.status == 200
        }
        if answered && process.isRunning { return server }
        let text = server.stop()
        throw PrivatePostgres.SetupFailure("kiosk serve did not start: \(text.suffix(2000))")
    }

    /// SIGTERM, then SIGKILL after 20 s; the whole log.
    @discardableResult
    func stop() -> String {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        let deadline = Date().addingTimeInterval(20)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
    }
}
