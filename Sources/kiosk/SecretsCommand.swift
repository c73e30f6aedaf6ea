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

/// The terminal's keys, for technicians: where they are and whether they fit (`check`), a new
/// master key (`rotate`), the district's ID key brought in from another terminal (`import`).
/// Keys are never printed; fingerprints name them.
struct SecretsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secrets", abstract: "The terminal's keys: check them, rotate them, import the district's.",
        subcommands: [Check.self, Rotate.self, Import.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the key directory, that terminal.key is the database's key and, in district mode, district-id.key the district's.")

        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let configuration = try options.load()
            let directory = TerminalSecrets.directory(configuration)
            var problems = 0
            func problem(_ text: String) {
                printError("kiosk: " + text)
                problems += 1
            }
            print("key directory: \(directory.path)" + (directory.credentials.map { " (systemd credentials first: \($0))" } ?? ""))
            let databasePath = KioskApplication.storePath(configuration)
            var terminal: SecretKey?
            do {
                terminal = try directory.read(KeyDirectory.terminalKey)
                if let terminal {
                    print("terminal.key: \(directory.location(of: KeyDirectory.terminalKey)), fingerprint \(terminal.fingerprint)")
                } else {
                    problem("terminal.key: missing from \(directory.path) (kiosk serve makes one for a new installation)")
                }
            } catch {
                problem(error.message.en)
            }
            switch try? SQLiteStore.keyState(atPath: databasePath) {
            case .keyed(let fingerprint)?:
                if let terminal, terminal.fingerprint != fingerprint {
                    problem("the database \(databasePath) was written with the key \(fingerprint), not with this terminal.key")
                } else if terminal != nil {
                    print("database: \(databasePath) written with this terminal.key")
                }
            case .legacy?: print("database: \(databasePath) still holds its secret; the next start moves it to the key directory")
            case .fresh?, nil: print("database: \(databasePath) not created yet")
            }
            var district: SecretKey?
            do {
                district = try directory.read(KeyDirectory.districtKey)
                if let district { print("district-id.key: \(directory.location(of: KeyDirectory.districtKey)), fingerprint \(district.fingerprint)") }
            } catch {
                problem(error.message.en)
            }
            if case .postgres = configuration.database {
                do {
                    guard let store = try DistrictTerminal.openStore(configuration, logger: Logger(label: "kiosk")) else { return }
                    let fingerprint = try await store.withRunning { try await store.districtKeyFingerprint() }
                    switch (district, fingerprint) {
                    case (nil, let recorded?): problem("district-id.key: missing; the district's key is \(recorded): copy it from a terminal of the district and run kiosk secrets import FILE")
                    case (let key?, let recorded?) where key.fingerprint != recorded:
                        problem("district-id.key (\(key.fingerprint)) is not the district's key (\(recorded))")
                    case (_?, _?): print("district store: \(store.location) uses this district-id.key")
                    case (_, nil): print("district store: \(store.location) still holds its key; kiosk db migrate takes it out")
                    }
                } catch let error as any KioskError {
                    problem("district store: \(error.message.en)")
                }
            }
            if problems > 0 { throw ExitCode.failure }
        }
    }

    struct Rotate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Replace terminal.key and move everything it keyed to the new key (kiosk serve must be stopped).")

        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let configuration = try options.load()
            do {
                let lock = try ServeLock.exclusive(configuration)
                defer { withExtendedLifetime(lock) {} }
                let store = try KioskApplication.openStore(configuration)
                try store.migrate()
                let directory = TerminalSecrets.directory(configuration)
                guard directory.holds(KeyDirectory.terminalKey) else {
                    printError("kiosk: terminal.key comes from systemd credentials (\(directory.location(of: KeyDirectory.terminalKey))); "
                               + "rotate it where those are made, or move it to \(directory.path)")
                    throw ExitCode.failure
                }
                let oldFingerprint = store.keys.fingerprint
                let master = SecretKey.random()
                try directory.stage(master)
                let report: RekeyReport
                do {
                    report = try store.rotate(to: TerminalKeys(terminal: master, district: store.keys.district), now: Date())
                } catch {
                    try? directory.discardStaged()
                    throw error
                }
                try directory.promoteStaged()
                let access = AccessStore(store: try KioskApplication.openStore(configuration))
                let head = try await access.auditHead()
                print("terminal.key replaced: \(oldFingerprint) → \(master.fingerprint)")
                print("re-keyed: \(report.bookings) bookings, \(report.drafts) drafts, \(report.sealed) sealed records "
                      + "(filings, drafts, outbox, receipts, staff names), \(report.auditRecords) audit records")
                print("re-keyed: \(report.filings) filing records (the applicant's ID hash and the sealed record), "
                      + "\(report.webhookSecrets) department webhook secrets")
                if report.filingsUnmatched > 0 {
                    print("not re-keyed: \(report.filingsUnmatched) filing records whose applicant could not be found from the old key; "
                          + "a card or an ID number no longer finds them (the reference with the receipt's QR code still does)")
                }
                if report.departmentKeysVoided > 0 {
                    print("voided: \(report.departmentKeysVoided) department API keys (only their MAC under the old key was kept); "
                          + "issue each again with kiosk departments revoke and add, and hand the new key to the department")
                }
                if report.bookingsUnmatched > 0 {
                    print("not re-keyed: \(report.bookingsUnmatched) bookings whose ID number could not be found from the old key; "
                          + "they keep their old hash and no longer count for quotas or look-ups by ID number")
                }
                if report.draftsDropped > 0 { print("deleted: \(report.draftsDropped) saved drafts that could not be re-keyed") }
                print("ended: \(report.signInsEnded) sign-ins; staff sign in again")
                print("sign-in delays lifted (they were kept under the old key)")
                if store.keys.district != nil {
                    print("district-id.key is the district's and was not changed")
                }
                print("audit anchor: \(head) (anchors taken before the rotation no longer verify: write this one down)")
                print("back up \(directory.path) now: the data directory cannot be read without it")
            } catch let error as StartupError {
                throw fail(error)
            } catch let error as any KioskError {
                throw fail(error)
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Import the district's ID key (district-id.key copied from a terminal of the district).")

        @OptionGroup var options: ConfigOptions
        @Argument(help: "The key file: 32 bytes, or 64 hex digits.") var file: String

        func run() async throws {
            let configuration = try options.load()
            let directory = TerminalSecrets.directory(configuration)
            do {
                guard let key = try KeyDirectory.readFile(file) else { throw ValidationError("no such file: \(file)") }
                if let existing = try directory.read(KeyDirectory.districtKey) {
                    guard existing.fingerprint == key.fingerprint else {
                        printError("kiosk: \(directory.location(of: KeyDirectory.districtKey)) already holds another district key "
                                   + "(\(existing.fingerprint)); remove it first if this terminal really moves to another district")
                        throw ExitCode.failure
                    }
                    print("district-id.key: already imported (fingerprint \(key.fingerprint))")
                    return
                }
                if case .postgres = configuration.database,
                   let store = try DistrictTerminal.openStore(configuration, logger: Logger(label: "kiosk")),
                   let recorded = try? await store.withRunning({ try await store.districtKeyFingerprint() }),
                   recorded != key.fingerprint {
                    printError("kiosk: \(file) (\(key.fingerprint)) is not this district's key (\(recorded)); nothing imported")
                    throw ExitCode.failure
                }
                try directory.write(key, as: KeyDirectory.districtKey)
                print("district-id.key imported into \(directory.path) (fingerprint \(key.fingerprint)); "
                      + "delete \(file): the key belongs in key directories only")
            } catch let error as any KioskError {
                throw fail(error)
            }
        }
    }
}
