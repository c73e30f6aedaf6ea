import ArgumentParser
import Foundation
import KioskApp
import KioskConfig
import KioskCore
import Logging
import Storage
import StoragePostgres

struct DatabaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db", abstract: "Manage the terminal's database and the district store.", subcommands: [Migrate.self, Copy.self])

    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create or upgrade the database (and in district mode the district's PostgreSQL) and print the schema versions.")

        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let configuration = try options.load()
            do {
                let store = try KioskApplication.openStore(configuration)
                let before = try store.schemaVersion()
                let after = try store.migrate()
                print(before == after ? "schema version \(after) (up to date)" : "schema version \(after) (was \(before))")
                if let district = try KioskApplication.openDistrict(configuration, logger: Logger(label: "kiosk")) {
                    let (before, after) = try await district.withRunning {
                        (try await district.schemaVersion(), try await district.migrate())
                    }
                    print(before == after ? "district schema version \(after) (up to date)"
                          : "district schema version \(after) (was \(before))")
                }
            } catch let error as StartupError {
                throw fail(error)
            } catch let error as any KioskError {
                throw fail(error)
            }
        }
    }

    struct Copy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy a terminal's bookings, queue, ratings and filings into the district store (idempotent).")

        @OptionGroup var options: ConfigOptions

        @Option(help: "The terminal's database, sqlite:PATH.")
        var from: String

        @Option(help: "The district store, postgres://user:password@host:port/database.")
        var to: String

        @Option(help: "The terminal id the copied filings and tickets are filed under (default: terminal.id of the configuration).")
        var terminal: String?

        func run() async throws {
            guard from.hasPrefix("sqlite:"), from.count > "sqlite:".count else {
                throw ValidationError("--from must be sqlite:PATH")
            }
            let terminalID = try terminal ?? options.load().terminalID
            do {
                let path = String(from.dropFirst("sqlite:".count))
                guard FileManager.default.fileExists(atPath: path) else {
                    throw ValidationError("--from: no such file \(path)")
                }
                let source = try SQLiteStore(path: path)
                try source.checkNotNewer()
                let export = try await source.exportForDistrict()
                let district = try PostgresStore(url: to, operationTimeout: .seconds(600), maximumConnections: 1,
                                                 logger: Logger(label: "kiosk"))
                let report = try await district.withRunning {
                    try await district.migrate()
                    return try await district.copy(export, terminalID: terminalID)
                }
                print("copied to \(district.location): \(report.bookings) bookings, \(report.tickets) tickets, "
                      + "\(report.ratings) ratings, \(report.filings) filings, \(report.idempotencyKeys) idempotency keys"
                      + (report.adoptedSecret ? "; the district now keys ID numbers with this terminal's secret" : ""))
            } catch let error as any KioskError {
                throw fail(error)
            }
        }
    }
}
