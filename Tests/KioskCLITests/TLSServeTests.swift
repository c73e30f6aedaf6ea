import Foundation
import KioskTesting
import Testing

/// `kiosk serve` with `[tls]`: HTTPS with a real certificate, plain HTTP refused, and every
/// unusable TLS file one line that names it.
@Suite("kiosk serve over TLS", .serialized, .waitsOffPool)
struct TLSServeTests {
    static let tlsConfig = "[tls]\ncertificate_file = \"cert.pem\"\nkey_file = \"key.pem\"\n"

    @Test func servesHTTPSAndRefusesPlainHTTP() async throws {
        let installation = try TestInstallation(config: "[log]\nformat = \"json\"\n" + Self.tlsConfig)
        defer { installation.remove() }
        try await Tool.makeCertificate(in: installation.root)
        let port = try ListeningSocket.freePort()
        let (process, _, err) = try KioskProcess.start(["serve"], environment: ["KIOSK_LISTEN": "127.0.0.1:\(port)"], in: installation.root)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        // The client trusts only the certificate just made, so a 200 proves the server presents it.
        var status = ""
        _ = try await eventually(every: .milliseconds(100)) {
            status = await Tool.curl(installation.root, "https://127.0.0.1:\(port)/healthz").stdout
            return status == "200" || !process.isRunning
        }
        #expect(status == "200")
        let tls12 = await Tool.curl(installation.root, "https://127.0.0.1:\(port)/readyz", "--tlsv1.2", "--tls-max", "1.2")
        #expect(tls12.stdout == "200")
        #expect(await RawHTTP.sendOffPool(port: port, path: "/healthz") == nil)
        let plain = await Tool.run("/usr/bin/curl", ["--silent", "--max-time", "5", "-o", "/dev/null", "-w", "%{http_code}",
                                                     "http://127.0.0.1:\(port)/healthz"])
        #expect(plain.stdout != "200")
        #expect(process.isRunning, "a plain-HTTP client must not bring the server down")

        kill(process.processIdentifier, SIGTERM)
        let log = await Tool.finish(process, err)
        #expect(process.terminationStatus == 0)
        #expect(log.split(separator: "\n").contains {
            $0.contains(#""message":"kiosk is serving""#) && $0.contains(#""http.scheme":"https""#)
        })
    }

    @Test func aRemoteListenerWithoutTLSDoesNotStart() async throws {
        let installation = try TestInstallation(config: "listen = \"0.0.0.0:8080\"\n")
        defer { installation.remove() }
        let result = try await Tool.serve(in: installation.root)
        #expect(result.status == 1)
        #expect(result.stderr == "kiosk.conf:1: listen: 0.0.0.0:8080 is not loopback; "
            + "a listener reachable from the network needs [tls] certificate_file and key_file\n")
    }

    @Test func aFileWithoutACertificateIsOneLine() async throws {
        let installation = try TestInstallation(config: Self.tlsConfig)
        defer { installation.remove() }
        try await Tool.makeCertificate(in: installation.root)
        try "not a certificate\n".write(toFile: installation.root + "/cert.pem", atomically: true, encoding: .utf8)
        let result = try await Tool.serve(in: installation.root)
        #expect(result.status == 1)
        #expect(result.stderr == "kiosk: the TLS file \(installation.root)/cert.pem is unusable: "
            + "it holds no PEM certificate (expected -----BEGIN CERTIFICATE-----) [tlsFileUnusable]\n")
    }

    @Test func aBrokenKeyIsNamedButNeverQuoted() async throws {
        let installation = try TestInstallation(config: Self.tlsConfig)
        defer { installation.remove() }
        try await Tool.makeCertificate(in: installation.root)
        let secret = "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgSECRETSECRET"
        try "-----BEGIN PRIVATE KEY-----\n\(secret)\n-----END PRIVATE KEY-----\n"
            .write(toFile: installation.root + "/key.pem", atomically: true, encoding: .utf8)
        let result = try await Tool.serve(in: installation.root)
        #expect(result.status == 1)
        #expect(result.stderr == "kiosk: the TLS file \(installation.root)/key.pem is unusable: "
            + "it holds no PEM private key (expected -----BEGIN PRIVATE KEY-----) [tlsFileUnusable]\n")
        #expect(!result.stderr.contains("SECRET") && !result.stdout.contains("SECRET"))
    }

    @Test func aKeyOfAnotherCertificateIsRefused() async throws {
        let installation = try TestInstallation(config: "[tls]\ncertificate_file = \"cert.pem\"\nkey_file = \"other/key.pem\"\n")
        defer { installation.remove() }
        try await Tool.makeCertificate(in: installation.root)
        try FileManager.default.createDirectory(atPath: installation.root + "/other", withIntermediateDirectories: true)
        try await Tool.makeCertificate(in: installation.root + "/other")
        let result = try await Tool.serve(in: installation.root)
        #expect(result.status == 1)
        #expect(result.stderr == "kiosk: the TLS file \(installation.root)/other/key.pem is unusable: it cannot serve with "
            + "the certificate in \(installation.root)/cert.pem (is it that certificate's key?) [tlsFileUnusable]\n")
    }

    @Test func anEncryptedKeyIsRefusedWithoutAskingForAPassphrase() async throws {
        let installation = try TestInstallation(config: Self.tlsConfig)
        defer { installation.remove() }
        try await Tool.makeCertificate(in: installation.root)
        let encrypted = await Tool.run("/usr/bin/openssl", [
            "pkey", "-in", installation.root + "/key.pem", "-out", installation.root + "/encrypted.pem",
            "-aes256", "-passout", "pass:kiosk-test",
        ])
        try #require(encrypted.status == 0, "\(encrypted.stderr)")
        try FileManager.default.removeItem(atPath: installation.root + "/key.pem")
        try FileManager.default.moveItem(atPath: installation.root + "/encrypted.pem", toPath: installation.root + "/key.pem")
        let result = try await Tool.serve(in: installation.root)
        #expect(result.status == 1)
        #expect(result.stderr == "kiosk: the TLS file \(installation.root)/key.pem is unusable: the private key is encrypted; "
            + "kiosk needs it unencrypted (protect it with file permissions) [tlsFileUnusable]\n")
    }
}

/// Child processes for these tests, each waited for on a thread of its own: a blocking wait on
/// the cooperative pool can starve the tests running beside it.
enum Tool {
    struct Output: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func run(_ executable: String, _ arguments: [String], in directory: String? = nil,
                    environment: [String: String]? = nil) async -> Output {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                let process = ChildProcess()
                process.executableURL = URL(fileURLWithPath: executable)
                process.arguments = arguments
                if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
                if let environment { process.environment = environment }
                let out = Pipe(), err = Pipe()
                process.standardOutput = out
                process.standardError = err
                process.standardInput = FileHandle.nullDevice
                do {
                    try process.run()
                } catch {
                    continuation.resume(returning: Output(status: -1, stdout: "", stderr: "\(error)"))
                    return
                }
                // stderr is read on its own thread so neither pipe can fill up and stall the child.
                let errorText = LockedText()
                let readerDone = DispatchSemaphore(value: 0)
                Thread.detachNewThread {
                    errorText.set(String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
                    readerDone.signal()
                }
                let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                readerDone.wait()
                process.waitUntilExit()
                continuation.resume(returning: Output(status: process.terminationStatus, stdout: stdout, stderr: errorText.get()))
            }
        }
    }

    /// `kiosk serve` that is expected to refuse to start; exits on its own.
    static func serve(in directory: String) async throws -> Output {
        let kiosk = KioskProcess.executable.path
        let environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("KIOSK_") }
        // A server that did start would never exit; the timeout turns that into a failed test.
        return await run("/usr/bin/timeout", ["20", kiosk, "serve"], in: directory, environment: environment)
    }

    /// A throwaway self-signed P-256 certificate for 127.0.0.1 and localhost: cert.pem and key.pem.
    static func makeCertificate(in directory: String) async throws {
        let result = await run("/usr/bin/openssl", [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
            "-keyout", "key.pem", "-out", "cert.pem", "-days", "1", "-subj", "/CN=kiosk test",
            "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ], in: directory)
        try #require(result.status == 0, "openssl req failed: \(result.stderr)")
    }

    /// The status code of one HTTPS request that trusts only `cert.pem` in `directory`.
    static func curl(_ directory: String, _ url: String, _ options: String...) async -> Output {
        await run("/usr/bin/curl", ["--silent", "--connect-timeout", "2", "--max-time", "5", "--cacert", directory + "/cert.pem",
                                    "-o", "/dev/null", "-w", "%{http_code}"] + options + [url])
    }

    /// Waits for a `kiosk serve` that was sent SIGTERM (SIGKILL after 20 s) and returns its stderr.
    static func finish(_ process: ChildProcess, _ err: Pipe) async -> String {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                let deadline = Date().addingTimeInterval(20)
                while process.isRunning && Date() < deadline { usleep(20_000) }
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
                process.waitUntilExit()
                continuation.resume(returning: String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self))
            }
        }
    }
}

private final class LockedText: @unchecked Sendable {
    private let lock = NSLock()
    private var text = ""
    func set(_ value: String) { lock.withLock { text = value } }
    func get() -> String { lock.withLock { text } }
}
