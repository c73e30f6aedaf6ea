import Access
import ArgumentParser
import Foundation
import Hosting
import KioskApp
import KioskCore
import Storage

/// The database of the configured terminal, migrated, with its access records.
func openAccess(_ options: ConfigOptions) throws -> AccessStore {
    let configuration = try options.load()
    do {
        let store = try KioskApplication.openStore(configuration)
        try store.migrate()
        return AccessStore(store: store)
    } catch let error as StartupError {
        throw fail(error)
    } catch let error as StorageError {
        throw fail(error)
    }
}

/// Runs an access operation, turning its typed errors into one line and exit 1.
func withAccessErrors<T>(_ body: () async throws -> T) async throws -> T {
    do {
        return try await body()
    } catch let error as any KioskError {
        throw fail(error)
    }
}

/// Reads a PIN from the terminal without echoing it (or a line from standard input when it is
/// not a terminal), so it never stands in the shell's history.
func readPIN(_ prompt: String) throws -> String {
    if isatty(STDIN_FILENO) != 0, let typed = getpass(prompt) {
        return String(cString: typed)
    }
    guard let line = readLine(strippingNewline: true) else {
        printError("kiosk: no PIN given")
        throw ExitCode.failure
    }
    return line
}

struct StaffCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "staff", abstract: "Staff and technician accounts.",
        subcommands: [Add.self, Disable.self, ResetPIN.self, Unlock.self, List.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add an account; without --pin the PIN is asked for.")

        @OptionGroup var options: ConfigOptions
        @Option(help: "Staff number.") var number: String
        @Option(help: "Name (shown to colleagues; never logged).") var name: String
        @Option(help: "staff, technician or admin.") var role: String
        @Option(help: ArgumentHelp(
            "PIN: 4 to 8 digits, not one digit repeated (1111), not a run up or down (1234, 8765, 7890).",
            discussion: "Prefer leaving it out: it is then asked for without echo, and kept out of the shell's history."))
        var pin: String?

        func run() async throws {
            let access = try openAccess(options)
            try await withAccessErrors {
                let pinText = try pin ?? readPIN("PIN for \(number): ")
                let account = try await access.addStaff(
                    number: StaffNumber(number), name: name, role: Role(account: role), pin: PIN(pinText), by: .system, now: Date())
                print("added \(account.number) (\(account.role.rawValue))")
            }
        }
    }

    struct Disable: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Disable an account and revoke its sign-ins.")

        @OptionGroup var options: ConfigOptions
        @Argument(help: "Staff number.") var number: String

        func run() async throws {
            let access = try openAccess(options)
            try await withAccessErrors {
                try await access.disableStaff(StaffNumber(number), by: .system, now: Date())
                print("disabled \(number)")
            }
        }
    }

    struct ResetPIN: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reset-pin", abstract: "Set a new PIN (asked for without echo); lifts a lock.",
            discussion: "The PIN has 4 to 8 digits, not one digit repeated (1111), not a run up or down (1234, 8765, 7890).")

        @OptionGroup var options: ConfigOptions
        @Argument(help: "Staff number.") var number: String

        func run() async throws {
            let access = try openAccess(options)
            try await withAccessErrors {
                let pin = try PIN(readPIN("New PIN for \(number): "))
                try await access.resetPIN(StaffNumber(number), to: pin, by: .system, now: Date())
                print("PIN reset for \(number)")
            }
        }
    }

    struct Unlock: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Lift the sign-in delay that wrong PINs put on an account, at every terminal of this database.")

        @OptionGroup var options: ConfigOptions
        @Argument(help: "Staff number.") var number: String

        func run() async throws {
            let access = try openAccess(options)
            try await withAccessErrors {
                let lifted = try await access.unlock(StaffNumber(number), by: .system, now: Date())
                print(lifted == 0 ? "\(number) had no sign-in delay" : "sign-in delay lifted for \(number) at \(lifted) terminal(s)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List accounts (never their PINs).")

        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let access = try openAccess(options)
            try await withAccessErrors {
                for account in try await access.listStaff() {
                    let state = account.disabled ? "disabled" : "active"
                    print("\(account.number)\t\(account.role.rawValue)\t\(state)\t\(account.name)")
                }
            }
        }
    }
}

struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "The tamper-evident audit log.", subcommands: [Verify.self, Export.self])

    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Walk the keyed chain; exit 1 naming the first record changed, removed or reordered, or not as an anchor says.")

        @OptionGroup var options: ConfigOptions
        @Option(help: ArgumentHelp(
            "An anchor taken earlier, SEQ:HEX (the service log's 'audit anchor' line, or the district store's audit_anchor table); repeatable.",
            valueName: "SEQ:HEX"))
        var anchor: [String] = []

        func run() async throws {
            let anchors = try anchor.map { text in
                guard let head = AuditHead(anchor: text) else { throw ValidationError("--anchor takes SEQ:HEX (a record number and 64 hex digits): \(text)") }
                return head
            }
            let access = try openAccess(options)
            let result = try await withAccessErrors { try await access.verifyAudit(anchors: anchors) }
            if let broken = result.firstBreak {
                if broken.kind == .notAnchored || (broken.kind == .missing && anchors.contains { $0.sequence == broken.sequence }),
                   let anchor = anchors.first(where: { $0.sequence == broken.sequence }) {
                    printError("kiosk: audit log does not match the anchor \(anchor): record \(broken.sequence) was rewritten "
                               + "(or removed) since the anchor was taken")
                } else {
                    printError("kiosk: audit log broken at record \(broken.sequence): \(broken.kind.rawValue) (\(result.intactRecords) records intact before it)")
                }
                throw ExitCode.failure
            }
            print("audit log intact: \(result.intactRecords) records; head #\(result.head.sequence) \(result.head.hash)"
                  + (anchors.isEmpty ? "" : "; matches \(anchors.count) anchor(s)"))
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Write the records of a period as JSON lines (the export is itself audited).")

        @OptionGroup var options: ConfigOptions
        @Option(help: "From (YYYY-MM-DD or ISO 8601).") var from: String
        @Option(help: "To (YYYY-MM-DD or ISO 8601), inclusive.") var to: String

        func run() async throws {
            guard let start = parseInstant(from, endOfDay: false), let end = parseInstant(to, endOfDay: true) else {
                throw ValidationError("--from and --to take YYYY-MM-DD or an ISO 8601 time")
            }
            let access = try openAccess(options)
            for line in try await withAccessErrors({ try await access.exportAudit(from: start, to: end, by: .system, now: Date()) }) {
                print(line)
            }
        }

        func parseInstant(_ text: String, endOfDay: Bool) -> Date? {
            if let date = try? Date(text, strategy: .iso8601) { return date }
            guard let day = try? Date(text + "T00:00:00+08:00", strategy: .iso8601) else { return nil }
            return endOfDay ? day.addingTimeInterval(86_399.999) : day
        }
    }
}
