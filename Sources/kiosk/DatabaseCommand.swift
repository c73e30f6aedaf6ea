import ArgumentParser
import KioskApp
import Storage

struct DatabaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db", abstract: "Manage the terminal's database.", subcommands: [Migrate.self])

    struct Migrate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create or upgrade the database and print its schema version.")

        @OptionGroup var options: ConfigOptions

        func run() throws {
            let configuration = try options.load()
            do {
                let store = try KioskApplication.openStore(configuration)
                let before = try store.schemaVersion()
                let after = try store.migrate()
                print(before == after ? "schema version \(after) (up to date)" : "schema version \(after) (was \(before))")
            } catch let error as StartupError {
                throw fail(error)
            } catch let error as StorageError {
                throw fail(error)
            }
        }
    }
}
