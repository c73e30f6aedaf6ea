import District
import ArgumentParser
import Booking
import Foundation
import Hosting
import KioskApp
import KioskConfig
import KioskCore
import Logging
import StoragePostgres

/// What the terminals of a district share and the district store keeps: `[[services]]`,
/// `[hours]` and `[queue]` (`kiosk serve` refuses a terminal whose kiosk.conf differs).
struct DistrictCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "district", abstract: "District mode: the settings every terminal of the district shares.",
        subcommands: [Settings.self])

    struct Settings: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The services, hours and queue settings the district store records.",
            subcommands: [Check.self, Push.self])
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compare this terminal's [[services]], [hours] and [queue] with the district's; exit 1 naming each key that differs.")

        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let configuration = try options.load()
            try await withDistrict(configuration) { district in
                let local = configuration.districtSettings
                guard let recorded = try await district.recordedSettings() else {
                    print("district settings: none recorded yet (the first terminal to run kiosk db migrate or kiosk serve records its own); "
                          + "this terminal's are \(local.fingerprint)")
                    return
                }
                let differences = local.differences(from: recorded.settings)
                guard differences.isEmpty else {
                    throw fail(DistrictSettingsDiffer(keys: differences, local: local, recorded: recorded))
                }
                print("district settings \(recorded.fingerprint), recorded by \(recorded.recordedBy): this terminal's are the same")
            }
        }
    }

    struct Push: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make this terminal's [[services]], [hours] and [queue] the district's, on purpose. "
                + "Every other terminal then refuses to start until its kiosk.conf is the same.")

        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let configuration = try options.load()
            try await withDistrict(configuration) { district in
                try await district.migrate()
                let local = configuration.districtSettings
                let before = try await district.pushSettings(local, terminalID: configuration.terminalID)
                let changed = before.map { local.differences(from: $0.settings) } ?? local.values.keys.sorted()
                print("district settings \(local.fingerprint) recorded from terminal \(configuration.terminalID)"
                      + (before.map { " (were \($0.fingerprint), recorded by \($0.recordedBy))" } ?? ""))
                for key in changed { print("  changed: \(key)") }
                if !changed.isEmpty {
                    print("every other terminal of the district refuses to start until its kiosk.conf has the same; "
                          + "a running one keeps its settings until it restarts")
                }
            }
        }
    }

    static func withDistrict(_ configuration: Configuration, _ body: @Sendable @escaping (PostgresStore) async throws -> Void) async throws {
        do {
            guard let district = try DistrictTerminal.openStore(configuration, logger: Logger(label: "kiosk")) else {
                printError("kiosk: this terminal is not in district mode (database is not postgres://…)")
                throw ExitCode.failure
            }
            try await district.withRunning { try await body(district) }
        } catch let error as StartupError {
            throw fail(error)
        } catch let error as any KioskError {
            throw fail(error)
        }
    }
}
