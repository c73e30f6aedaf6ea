import District
import ArgumentParser
import Foundation
import Hosting
import KioskApp
import KioskConfig
import KioskCore
import Logging
import Secrets
import Storage
import StoragePostgres

struct DatabaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db", abstract: "Manage the terminal's database and the district store.",
        subcommands: [Migrate.self, Copy.self, Backup.self, Restore.self])

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
                if let district = try DistrictTerminal.openStore(configuration, logger: Logger(label: "kiosk")) {
                    let had = store.keys.district
                    let settings = configuration.districtSettings
                    let (before, after, key, recorded) = try await district.withRunning {
                        (try await district.schemaVersion(), try await district.migrate(),
                         try await TerminalSecrets.districtKey(store.keys, store: district, configuration: configuration),
                         try await DistrictTerminal.checkSettings(district, configuration))
                    }
                    print(before == after ? "district schema version \(after) (up to date)"
                          : "district schema version \(after) (was \(before))")
                    if had == nil {
                        print("district ID key \(key.fingerprint) taken out of the district store into "
                              + "\(TerminalSecrets.directory(configuration).path)/district-id.key: copy that file to every other "
                              + "terminal of the district and run kiosk secrets import FILE there")
                    }
                    if let recorded {
                        print("district settings \(settings.fingerprint) (services, hours, queue): the same as recorded by \(recorded.recordedBy)")
                    } else {
                        print("district settings \(settings.fingerprint) (services, hours, queue) recorded from this terminal: "
                              + "every other terminal of the district must have the same")
                    }
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
            abstract: "Copy a terminal's bookings, queue, ratings, filings and their lifecycle, help requests and policy prints into the district store (idempotent).")

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
            let configuration = try options.load()
            let terminalID = terminal ?? configuration.terminalID
            do {
                let path = String(from.dropFirst("sqlite:".count))
                guard FileManager.default.fileExists(atPath: path) else {
                    throw ValidationError("--from: no such file \(path)")
                }
                // This terminal's keys open the file (run the copy on the terminal that wrote it);
                // the district's key re-hashes its bookings.
                let source = try SQLiteStore(path: path, keys: try TerminalSecrets.load(configuration, databasePath: path))
                // The official calendar the district's desks count working days on.
                let calendar = try CalendarFiles(configuration).load()
                try source.migrate()
                let district = try PostgresStore(url: to, operationTimeout: .seconds(600), maximumConnections: 1,
                                                 logger: Logger(label: "kiosk"))
                let report = try await district.withRunning {
                    try await district.migrate()
                    let key = try await TerminalSecrets.districtKey(source.keys, store: district, configuration: configuration)
                    return try await district.copy(try await source.exportForDistrict(districtKey: key), terminalID: terminalID,
                                                   siteID: configuration.siteID, calendar: calendar)
                }
                try await source.markCopied(bookings: report.bookingSequences, helpRequestIDs: report.helpRequestIDs,
                                            policyPrintKeys: report.policyPrintKeys, lifecycleReferences: report.lifecycleReferences,
                                            tickets: report.copiedTickets, ratedTicketIDs: report.ratedTicketIDs,
                                            idempotencyKeys: report.answerKeys, now: Date())
                print("copied to \(district.location):")
                for (kind, counted) in [("bookings", report.bookings), ("tickets", report.tickets), ("ratings", report.ratings),
                                        ("filings", report.filings), ("filings' lifecycles", report.lifecycleRecords),
                                        ("help requests", report.helpRequests), ("policy prints", report.policyPrints),
                                        ("idempotency keys", report.idempotencyKeys)] {
                    print("  \(kind): \(counted.copied) copied, \(counted.alreadyThere) already there")
                }
                if report.bookingsChanged > 0 {
                    print("\(report.bookingsChanged) bookings cancelled, moved or checked in on this terminal since their copy are so in the district store")
                }
                if report.ticketsChanged > 0 {
                    print("\(report.ticketsChanged) queue tickets called, served or sent away on this terminal since their copy are so in "
                          + "the district store")
                }
                if report.helpRequestsClosed > 0 {
                    print("\(report.helpRequestsClosed) help requests closed on this terminal since their copy are closed in the district store")
                }
                if report.helpRequestsOpenThere > 0 {
                    print("\(report.helpRequestsOpenThere) open help requests are not copied: the district already holds an open "
                          + "call of this terminal (staff close that one, then copy again)")
                }
                let left = try await source.notCopiedToDistrict()
                if left.bookings > 0 {
                    print("\(left.bookings) bookings are not in the district store (their code is taken there); "
                          + "kiosk serve in district mode refuses to start until they are")
                }
                for (count, kind) in [(left.helpRequests, "help requests"), (left.policyPrints, "policy prints"),
                                      (left.filings, "filings' lifecycles"), (left.tickets, "queue tickets"), (left.ratings, "ratings"),
                                      (left.idempotencyKeys, "idempotency keys")] where count > 0 {
                    print("\(count) \(kind) are not in the district store; kiosk serve in district mode refuses to start until they are")
                }
            } catch let error as StartupError {
                throw fail(error)
            } catch let error as any KioskError {
                throw fail(error)
            }
        }
    }

    struct Backup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy the terminal's SQLite database while it serves (SQLite's online backup API), checked with integrity_check.",
            discussion: """
                In district mode this is the terminal's own file (staff, devices, the outbox); the \
                district's PostgreSQL is backed up by the district. The secrets directory is not in \
                the database: back it up separately, and keep it apart from these files.
                """)

        @OptionGroup var options: ConfigOptions

        @Option(help: "The backup file to write (never overwritten).")
        var to: String?

        @Option(help: "A directory to write kiosk-YYYYMMDDTHHMMSSZ.sqlite into, keeping the newest --keep.")
        var into: String?

        @Option(help: "With --into: how many backups to keep (default 7).")
        var keep: Int?

        func validate() throws {
            guard (to == nil) != (into == nil) else { throw ValidationError("give one of --to FILE or --into DIRECTORY") }
            guard keep == nil || into != nil else { throw ValidationError("--keep goes with --into") }
            guard (keep ?? 1) >= 1 else { throw ValidationError("--keep must be at least 1") }
        }

        func run() async throws {
            let configuration = try options.load()
            do {
                let store = try KioskApplication.openExistingStore(configuration)
                let file = try to ?? DatabaseBackups.file(in: into!, at: Date())
                let summary = try store.backup(to: file)
                print("backup \(summary.file): \(summary.bytes) bytes, schema version \(summary.schemaVersion)")
                if let into {
                    for deleted in DatabaseBackups.prune(into, keep: keep ?? 7) { print("deleted \(deleted)") }
                }
            } catch let error as StartupError {
                throw fail(error)
            } catch let error as any KioskError {
                throw fail(error)
            }
        }
    }

    struct Restore: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace the terminal's database with a backup that passes integrity_check and is not from a newer kiosk.",
            discussion: """
                Refused while kiosk serve runs on the data directory (systemctl stop kiosk first), and for a \
                file written with another terminal.key (restore the key directory's backup of that time \
                first). The database it replaces is kept beside it as NAME.before-restore-TIMESTAMP.
                """)

        @OptionGroup var options: ConfigOptions

        @Argument(help: "The backup file.")
        var file: String

        func run() async throws {
            let configuration = try options.load()
            do {
                // Held while the database is replaced: kiosk serve cannot start meanwhile.
                let lock = try ServeLock.exclusive(configuration)
                defer { withExtendedLifetime(lock) {} }
                let store = try KioskApplication.openStore(configuration)
                let (kept, version) = try store.restore(from: file)
                print("restored \(file) into \(store.path), schema version \(version); the previous database is kept in \(kept)")
            } catch let error as StartupError {
                throw fail(error)
            } catch let error as any KioskError {
                throw fail(error)
            }
        }
    }
}
