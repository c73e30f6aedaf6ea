import Foundation
import Testing
@testable import KioskConfig

/// `[tls]` and the rule it enforces: plain HTTP stays on loopback.
@Suite("kiosk.conf [tls]")
struct TLSConfigurationTests {
    let base: String

    init() throws {
        base = FileManager.default.temporaryDirectory.appendingPathComponent("kiosk-tls-config-\(UUID().uuidString)").path
        for folder in ["Forms", "Devices", "tls"] {
            try FileManager.default.createDirectory(atPath: "\(base)/\(folder)", withIntermediateDirectories: true)
        }
        // The loader checks that the files can be read; whether they hold PEM is checked at start.
        for name in ["tls/cert.pem", "tls/key.pem"] {
            try #require(FileManager.default.createFile(atPath: "\(base)/\(name)", contents: Data("pem".utf8)))
        }
    }

    func load(_ text: String, environment: [String: String] = [:]) throws(ConfigurationErrors) -> Configuration {
        try ConfigurationLoader.load(text: text, path: "kiosk.conf", baseDirectory: base, environment: environment)
    }

    func problems(_ text: String, environment: [String: String] = [:]) -> [String] {
        do {
            _ = try load(text, environment: environment)
            return []
        } catch {
            return error.problems.map(\.description)
        }
    }

    static let withFiles = "[tls]\ncertificate_file = \"tls/cert.pem\"\nkey_file = \"tls/key.pem\"\n"

    @Test func noTLSByDefault() throws {
        let config = try load("")
        #expect(config.tls == nil)
        #expect(config.values["tls.certificate_file"] == .string(""))
        #expect(config.rendered().contains(#"tls.key_file = ""  # default"#))
    }

    @Test(arguments: ["0.0.0.0:8080", "192.168.1.20:8080", "[::]:8080", "[fe80::1]:8080", "kiosk.hall.example:8080", "128.0.0.1:80"])
    func aListenerOffLoopbackNeedsTLS(address: String) {
        #expect(problems("# terminal\nlisten = \"\(address)\"\n") == [
            "kiosk.conf:2: listen: \(address) is not loopback; "
                + "a listener reachable from the network needs [tls] certificate_file and key_file",
        ])
    }

    @Test func theEnvironmentCannotOpenTheListenerEither() {
        #expect(problems("", environment: ["KIOSK_LISTEN": "0.0.0.0:8080"]) == [
            "KIOSK_LISTEN (environment): listen: 0.0.0.0:8080 is not loopback; "
                + "a listener reachable from the network needs [tls] certificate_file and key_file",
        ])
    }

    @Test(arguments: ["127.0.0.1:8080", "127.8.9.10:8080", "localhost:8080", "[::1]:8080", "[0:0:0:0:0:0:0:1]:8080"])
    func loopbackServesPlainHTTP(address: String) throws {
        let config = try load("listen = \"\(address)\"")
        #expect(config.listen.isLoopback)
        #expect(config.tls == nil)
    }

    @Test func bothFilesAllowAnyAddressAndResolveAgainstTheConfigDirectory() throws {
        let config = try load("listen = \"0.0.0.0:8443\"\n" + Self.withFiles)
        #expect(config.tls == .init(certificateFile: base + "/tls/cert.pem", keyFile: base + "/tls/key.pem"))
        #expect(config.sources["tls.key_file"] == .file(path: "kiosk.conf", line: 4))
        // TLS on loopback is HTTPS as well.
        #expect(try load(Self.withFiles).tls != nil)
    }

    @Test func filesFromTheEnvironment() throws {
        let config = try load("listen = \"0.0.0.0:8443\"", environment: [
            "KIOSK_TLS_CERTIFICATE_FILE": base + "/tls/cert.pem", "KIOSK_TLS_KEY_FILE": "tls/key.pem",
        ])
        #expect(config.tls == .init(certificateFile: base + "/tls/cert.pem", keyFile: base + "/tls/key.pem"))
        #expect(config.sources["tls.certificate_file"] == .environment("KIOSK_TLS_CERTIFICATE_FILE"))
    }

    @Test func oneFileWithoutTheOtherIsAnError() {
        #expect(problems("[tls]\ncertificate_file = \"tls/cert.pem\"\n") ==
            ["kiosk.conf:2: tls.certificate_file is set but tls.key_file is not; HTTPS needs both"])
        #expect(problems("listen = \"0.0.0.0:8443\"\n[tls]\nkey_file = \"tls/key.pem\"\n") == [
            "kiosk.conf:3: tls.key_file is set but tls.certificate_file is not; HTTPS needs both",
            "kiosk.conf:1: listen: 0.0.0.0:8443 is not loopback; a listener reachable from the network needs [tls] certificate_file and key_file",
        ])
    }

    @Test func missingOrUnusableFilesNameTheLine() throws {
        #expect(problems("[tls]\ncertificate_file = \"tls/absent.pem\"\nkey_file = \"tls/key.pem\"\n") ==
            ["kiosk.conf:2: tls.certificate_file: the file \(base)/tls/absent.pem does not exist"])
        #expect(problems("[tls]\ncertificate_file = \"tls/cert.pem\"\nkey_file = \"tls\"\n") ==
            ["kiosk.conf:3: tls.key_file: \(base)/tls is a directory, not a file"])
        if geteuid() != 0 {
            try FileManager.default.setAttributes([.posixPermissions: 0o000], ofItemAtPath: base + "/tls/key.pem")
            #expect(problems(Self.withFiles) == ["kiosk.conf:3: tls.key_file: the file \(base)/tls/key.pem is not readable"])
        }
    }

    @Test func loopbackIsDecidedByTheAddressNotItsSpelling() {
        func loopback(_ host: String) -> Bool { Configuration.ListenAddress(host: host, port: 1).isLoopback }
        #expect(loopback("127.0.0.1") && loopback("127.255.255.254") && loopback("::1") && loopback("0::1") && loopback("localhost"))
        #expect(!loopback("127.example.com") && !loopback("0.0.0.0") && !loopback("::") && !loopback("::2") && !loopback("10.0.0.1"))
    }
}
