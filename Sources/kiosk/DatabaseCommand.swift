import ArgumentParser
import KioskApp
import KioskCore
import Logging
import Storage
import StoragePostgres

struct DatabaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db", abstract: "Manage the terminal's database and the district store.", subcommands: [Migrate.self])

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
}
