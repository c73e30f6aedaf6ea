import Foundation
import KioskTesting
import Testing
@testable import KioskConfig

@Suite("kiosk.conf")
struct ConfigurationTests {
    /// A directory with the Forms and Devices folders the defaults point at.
    let scratch: ScratchDirectory
    let base: String

    init() throws {
        scratch = try ScratchDirectory(prefix: "kiosk-config")
        base = scratch.path
        for folder in ["Forms", "Devices"] {
            try FileManager.default.createDirectory(atPath: "\(base)/\(folder)", withIntermediateDirectories: true)
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

    @Test func emptyFileGivesTheDocumentedDefaults() throws {
        let config = try load("")
        #expect(config.listen == .init(host: "127.0.0.1", port: 8080))
        #expect(config.dataDirectory == base + "/var")
        #expect(config.database == .sqlite(path: base + "/var/kiosk.sqlite"))
        #expect(config.timeZone.identifier == "Asia/Shanghai")
        #expect(config.deviceMode == .simulated)
        #expect(config.formsDirectory == base + "/Forms")
        #expect(config.devicesDirectory == base + "/Devices")
        #expect(config.logLevel == "info")
        #expect(config.logFormat == .text)
        #expect(config.maxBodyBytes == 1_048_576)
        #expect(config.readTimeoutSeconds == 10)
        #expect(config.writeTimeoutSeconds == 30)
        #expect(config.sources["listen"] == .defaultValue)
    }

    @Test func valuesFromTheFile() throws {
        let config = try load("""
        listen = "[::1]:9090"
        database = "sqlite:db/k.sqlite"
        [terminal]
        id = "T07"
        [devices]
        mode = "usb"
        [log]
        format = "json"
        """)
        #expect(config.listen == .init(host: "::1", port: 9090))
        #expect(config.listen.description == "[::1]:9090")
        #expect(config.database == .sqlite(path: base + "/db/k.sqlite"))
        #expect(config.terminalID == "T07")
        #expect(config.deviceMode == .usb)
        #expect(config.logFormat == .json)
        #expect(config.sources["terminal.id"] == .file(path: "kiosk.conf", line: 4))
    }

    @Test func environmentOverridesTheFile() throws {
        let config = try load("listen = \"127.0.0.1:8080\"\n[devices]\nmode = \"usb\"", environment: [
            "KIOSK_LISTEN": "127.0.0.1:9999",
            "KIOSK_DEVICES_MODE": "cups",
            "KIOSK_HTTP_MAX_BODY_BYTES": "4096",
            "KIOSK_CONFIG": "ignored.conf",
            "PATH": "/usr/bin",
        ])
        #expect(config.listen.port == 9999)
        #expect(config.deviceMode == .cups)
        #expect(config.maxBodyBytes == 4096)
        #expect(config.sources["listen"] == .environment("KIOSK_LISTEN"))
    }

    @Test func postgresURLIsAcceptedAndRedacted() throws {
        let config = try load(#"database = "postgres://kiosk:s3cret@db.example:5432/kiosk""#)
        #expect(config.database == .postgres(url: "postgres://kiosk:s3cret@db.example:5432/kiosk"))
        #expect(!config.rendered().contains("s3cret"))
        #expect(config.rendered().contains("postgres://kiosk:***@db.example:5432/kiosk"))
    }

    @Test func everyProblemIsReportedWithItsLine() {
        let found = problems("""
        listen = "127.0.0.1:80800"
        [devices]
        mode = "serial"
        dir = "NoSuchFolder"
        [log]
        levle = "debug"
        [http]
        max_body_bytes = "big"
        """)
        #expect(found == [
            "kiosk.conf:6: unknown key 'log.levle'; did you mean 'log.level'?",
            "kiosk.conf:1: listen: port '80800' is not a number from 1 to 65535",
            "kiosk.conf:3: devices.mode: 'serial' is not one of simulated, usb, cups",
            "kiosk.conf:4: devices.dir: the directory \(base)/NoSuchFolder does not exist",
            "kiosk.conf:8: http.max_body_bytes: expected an integer, found a string",
        ])
    }

    @Test func syntaxErrorsNameTheLine() {
        #expect(problems("listen = \"127.0.0.1:8080\"\n\n[log\n") == ["kiosk.conf:3: expected ']' to close the table header"])
    }

    @Test func wrongTypesAndBadValues() {
        #expect(problems("listen = 8080") == ["kiosk.conf:1: listen: expected a string, found an integer"])
        #expect(problems("listen = \"localhost\"") == ["kiosk.conf:1: listen: 'localhost' has no port (expected host:port)"])
        #expect(problems("time_zone = \"Mars/Olympus\"") == ["kiosk.conf:1: time_zone: 'Mars/Olympus' is not a known time zone"])
        #expect(problems("database = \"mysql://x\"") == [#"kiosk.conf:1: database: expected "sqlite", "sqlite:PATH" or a postgres:// URL"#])
        #expect(problems("\ndatabase = \"postgres://kiosk:pw@db.example:5432\"")
                == ["kiosk.conf:2: database: invalid PostgreSQL URL: the URL names no database"])
        #expect(problems("database = \"postgres://db.example/kiosk\"") == ["kiosk.conf:1: database: invalid PostgreSQL URL: the URL names no user"])
        #expect(problems("database = \"postgres://k:pw@db.example:99999/kiosk\"").count == 1)
        #expect(problems("database = \"postgres://k:pw@db.example/kiosk?sslmode=allow\"")
                == ["kiosk.conf:1: database: invalid PostgreSQL URL: unsupported parameter sslmode=allow (only sslmode=disable|require|verify-full)"])
        #expect(problems("[http]\nmax_body_bytes = 10") == ["kiosk.conf:2: http.max_body_bytes: 10 is outside 1024...67108864"])
        #expect(problems("[http]\nwrite_timeout_seconds = 0") == ["kiosk.conf:2: http.write_timeout_seconds: 0 is outside 1...300"])
        #expect(problems("[terminal]\nid = \"\"") == ["kiosk.conf:2: terminal.id: must not be empty"])
        #expect(problems("devices = \"usb\"") == ["kiosk.conf:1: unknown key 'devices'"])
    }

    @Test func badEnvironmentValuesNameTheVariable() {
        #expect(problems("", environment: ["KIOSK_HTTP_MAX_BODY_BYTES": "lots"]) ==
            ["KIOSK_HTTP_MAX_BODY_BYTES (environment): expected an integer, found 'lots'"])
        #expect(problems("", environment: ["KIOSK_HTTP_WRITE_TIMEOUT_SECONDS": "forever"]) ==
            ["KIOSK_HTTP_WRITE_TIMEOUT_SECONDS (environment): expected an integer, found 'forever'"])
        #expect(problems("", environment: ["KIOSK_LISTN": "x"]) ==
            ["KIOSK_LISTN (environment): no configuration key is named by this variable"])
        #expect(problems("", environment: ["KIOSK_DEVICES_MODE": "fax"]) ==
            ["KIOSK_DEVICES_MODE (environment): devices.mode: 'fax' is not one of simulated, usb, cups"])
    }

    @Test func unwritableOrMissingDataDirectory() throws {
        #expect(problems("data_dir = \"no/such/parent/var\"") ==
            ["kiosk.conf:1: data_dir: cannot create \(base)/no/such/parent/var: \(base)/no/such/parent does not exist"])
        FileManager.default.createFile(atPath: base + "/file", contents: Data())
        #expect(problems("data_dir = \"file\"") == ["kiosk.conf:1: data_dir: \(base)/file is not a directory"])
    }

    @Test func missingFileIsOneClearLine() {
        #expect(throws: ConfigurationErrors.self) { try ConfigurationLoader.load(file: base + "/absent.conf", environment: [:]) }
        do {
            _ = try ConfigurationLoader.load(file: base + "/absent.conf", environment: [:])
        } catch {
            #expect(error.description == "\(base)/absent.conf: the configuration file does not exist (pass --config FILE or set KIOSK_CONFIG)")
        }
    }

    /// The shipped kiosk.conf documents every key with its type and default, and sets nothing
    /// different from the defaults (so reading it tells the truth about an empty file).
    @Test func shippedFileDocumentsEveryKey() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("kiosk.conf"), encoding: .utf8)
        let shipped = try ConfigurationLoader.load(text: text, path: "kiosk.conf", baseDirectory: root.path, environment: [:])
        let defaults = try ConfigurationLoader.load(text: "", path: "kiosk.conf", baseDirectory: root.path, environment: [:])
        #expect(shipped.values == defaults.values)
        for setting in Setting.all {
            #expect(text.contains("# \(setting.path) ("), "kiosk.conf does not document \(setting.path)")
        }
    }
}
