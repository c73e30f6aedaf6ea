import Access
import ArgumentParser
import Foundation
import KioskApp
import KioskCore
import Storage

/// The hall's call displays (叫号屏): their read-only tokens, which read the queue's feed and
/// "now serving" on the display listener (`[display]` in kiosk.conf) and nothing else.
struct DisplaysCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "displays", abstract: "Call displays' read-only tokens.",
        subcommands: [Add.self, List.self, Revoke.self])

    /// The terminal's store, migrated, and its audit log; every problem one line and exit 1.
    static func open(_ options: ConfigOptions) throws -> (DisplayTokenStore, AccessStore) {
        let configuration = try options.load()
        do {
            let store = try KioskApplication.openStore(configuration)
            try store.migrate()
            return (DisplayTokenStore(store: store), AccessStore(store: store))
        } catch let error as any KioskError {
            throw fail(error)
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a call display (or issue a revoked one again): prints its token, once.")

        @OptionGroup var options: ConfigOptions
        @Argument(help: "A name for the display (1–32 letters, digits, - or _), e.g. hall-a.") var id: String

        func run() async throws {
            let (displays, access) = try DisplaysCommand.open(options)
            try await withAccessErrors {
                let token = try displays.add(id: id, now: Date())
                try await DepartmentsCommand.audit(access, "display.added", id)
                print("display \(id)")
                print("token: \(token)")
                print("It is not shown again: the terminal keeps it only as a MAC. Open the display page as")
                print("https://<this terminal>:<display port>/ui/display.html#token=\(token)")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List call displays (never a token).")

        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let (displays, _) = try DisplaysCommand.open(options)
            try await withAccessErrors {
                for display in try displays.list() {
                    print("\(display.id)\t\(display.revokedAt == nil ? "active" : "revoked")")
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a call display's token.")

        @OptionGroup var options: ConfigOptions
        @Argument(help: "The display's name.") var id: String

        func run() async throws {
            let (displays, access) = try DisplaysCommand.open(options)
            try await withAccessErrors {
                try displays.revoke(id: id, now: Date())
                try await DepartmentsCommand.audit(access, "display.revoked", id)
                print("revoked \(id)")
            }
        }
    }
}
