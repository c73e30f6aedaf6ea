import Foundation
import KioskTesting
import StoragePostgres
import Testing

/// `[[services]]`, `[hours]` and `[queue]` are the district's: two terminals of one district
/// store (a private PostgreSQL) that differ are refused at start, each key named.
@Suite("The settings every terminal of a district shares (private PostgreSQL)", .privatePostgres, .waitsOffPool)
struct DistrictSettingsTests {
    static func config(_ url: String, terminal: String, capacity: Int = 2, saturday: String = "closed", prefix: String = "A") -> String {
        """
        database = "\(url)"
        [terminal]
        id = "\(terminal)"
        [hours]
        saturday = "\(saturday)"
        [queue]
        default_prefix = "\(prefix)"
        [[services]]
        id = "hukou"
        name_zh = "户籍业务"
        name_en = "Household registration"
        duration_minutes = 20
        counters = ["A1", "A2"]
        capacity_per_slot = \(capacity)

        """
    }

    static func kiosk(_ arguments: [String], _ installation: TestInstallation) async throws -> KioskProcess.Result {
        try await offPool { try KioskProcess.run(arguments, in: installation.root) }
    }

    static func reloadWarnings(_ port: Int) async -> [String] {
        (try? await RawHTTP.sendOffPool(port: port, path: "/readyz")?.decoded(Readiness.self))?.warnings(of: "reload") ?? []
    }

    @Test func aSecondTerminalWithOtherSettingsIsRefusedNamingEachKeyUntilTheyArePushedOnPurpose() async throws {
        let url = try await cluster().createDatabase()
        let database = String(url.split(separator: "/").last!)
        let first = try TestInstallation(config: Self.config(url, terminal: "T01"))
        let second = try TestInstallation(config: Self.config(url, terminal: "T02", capacity: 3, saturday: "09:00-12:00", prefix: "B"))
        defer { first.remove(); second.remove() }

        let migrated = try await Self.kiosk(["db", "migrate"], first)
        #expect(migrated.status == 0, "\(migrated.stderr)")
        #expect(migrated.stdout.contains("(services, hours, queue) recorded from this terminal"))
        #expect(try await cluster().psql("SELECT recorded_by FROM district_settings", database: database) == "T01")
        #expect(try await Self.kiosk(["secrets", "import", first.root + "/secrets/district-id.key"], second).status == 0)

        // The second terminal differs in a service, the hours and the queue: refused, one line per key.
        let refused = try await Self.kiosk(["serve"], second)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("this terminal's kiosk.conf differs from the district's settings recorded by terminal T01"))
        let keyLines = refused.stderr.split(separator: "\n").filter { $0.hasPrefix("  ") }
        #expect(keyLines.map { String($0.split(separator: ":")[0]).trimmingCharacters(in: .whitespaces) }
                == ["hours.saturday", "queue.default_prefix", "services.hukou"], "\(refused.stderr)")
        #expect(keyLines.allSatisfy { $0.contains("recorded by T01") && $0.contains("（T01 记录）") })
        #expect(keyLines.first?.contains("this terminal \"09:00-12:00\", the district (recorded by T01) \"closed\"") == true)
        #expect(refused.stderr.hasSuffix("[districtSettingsDiffer]\n"))
        let checked = try await Self.kiosk(["district", "settings", "check"], second)
        #expect(checked.status == 1 && checked.stderr.contains("  services.hukou: "))

        // The same settings written differently are the same settings: the second terminal serves.
        try second.writeConfig(Self.config(url, terminal: "T02") + "[check_in]\n")
        #expect(try await Self.kiosk(["district", "settings", "check"], second).status == 0)
        let server = try await RunningKiosk.start(second)
        #expect(await RawHTTP.sendOffPool(port: server.port, path: "/readyz")?.status == 200)
        server.stop()

        // A change made on purpose: pushed from the terminal that has it; the others follow.
        try second.writeConfig(Self.config(url, terminal: "T02", capacity: 4))
        let pushed = try await Self.kiosk(["district", "settings", "push"], second)
        #expect(pushed.status == 0, "\(pushed.stderr)")
        #expect(pushed.stdout.contains("recorded from terminal T02 (were ") && pushed.stdout.contains("  changed: services.hukou\n"))
        let firstRefused = try await Self.kiosk(["serve"], first)
        #expect(firstRefused.status == 1)
        #expect(firstRefused.stderr.contains("  services.hukou: ") && firstRefused.stderr.contains("recorded by T02"))
        try first.writeConfig(Self.config(url, terminal: "T01", capacity: 4))
        let firstServer = try await RunningKiosk.start(first)
        #expect(await RawHTTP.sendOffPool(port: firstServer.port, path: "/readyz")?.status == 200)

        // A reload that would make a running terminal differ is refused; the running version stays.
        try first.writeConfig(Self.config(url, terminal: "T01", capacity: 5))
        kill(firstServer.process.processIdentifier, SIGHUP)
        var warnings: [String] = []
        _ = try await eventually(every: .milliseconds(100)) {
            warnings = await Self.reloadWarnings(firstServer.port)
            return warnings.contains { $0.hasPrefix("  services.hukou: ") }
        }
        #expect(warnings.contains { $0.hasPrefix("  services.hukou: ") && $0.contains("recorded by T02") }, "\(warnings)")
        firstServer.stop()
    }
}
