import Access
import ArgumentParser
import Foundation
import KioskApp
import KioskCore
import Storage

/// Department systems (办件系统) that take filings over the department interface
/// (docs/DEPARTMENT-API.md): their API keys and webhook endpoints.
struct DepartmentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "departments", abstract: "Department systems' API keys and webhooks.",
        subcommands: [Add.self, List.self, Revoke.self])

    /// The terminal's store, migrated, and its audit log; every problem one line and exit 1.
    static func open(_ options: ConfigOptions) throws -> (DepartmentStore, AccessStore) {
        let configuration = try options.load()
        do {
            let store = try KioskApplication.openStore(configuration)
            try store.migrate()
            return (DepartmentStore(store: store), AccessStore(store: store))
        } catch let error as any KioskError {
            throw fail(error)
        }
    }

    static func audit(_ access: AccessStore, _ action: String, _ id: String) async throws {
        _ = try await access.appendAudit(try AuditEntry(actor: .system, action: AuditAction(action), target: id), now: Date())
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a department (or issue a revoked one again): prints its API key and webhook secret, once.")

        @OptionGroup var options: ConfigOptions
        @Argument(help: "The department's id, as forms name it in `departmentId` (1–32 letters, digits, - or _).") var id: String
        @Option(help: "A name to recognise it by.") var name: String?
        @Option(help: "Where its webhooks are POSTed (http:// or https://); without it, the department pulls only.")
        var webhookURL: String?

        func run() async throws {
            let (departments, access) = try DepartmentsCommand.open(options)
            try await withAccessErrors {
                let issued = try departments.add(id: id, name: name ?? id, webhookURL: webhookURL, now: Date())
                try await DepartmentsCommand.audit(access, "department.added", id)
                print("department \(issued.id)")
                print("api key: \(issued.apiKey)")
                if let secret = issued.webhookSecret { print("webhook secret: \(secret)") }
                print("Neither is shown again: the terminal keeps the key only as a MAC, the secret sealed.")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List departments and their webhooks (never a key).")

        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let (departments, _) = try DepartmentsCommand.open(options)
            try await withAccessErrors {
                for department in try departments.list() {
                    let state = department.revokedAt == nil ? "active" : "revoked"
                    let push = department.webhookURL.map {
                        "\($0) through \(department.pushedThrough), \(department.pushAttempts) failed tries, \(department.deadLetters) dead letters"
                    } ?? "pull only"
                    print("\(department.id)\t\(state)\t\(department.name)\t\(push)")
                }
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Revoke a department's API key and stop its webhooks.")

        @OptionGroup var options: ConfigOptions
        @Argument(help: "The department's id.") var id: String

        func run() async throws {
            let (departments, access) = try DepartmentsCommand.open(options)
            try await withAccessErrors {
                try departments.revoke(id: id, now: Date())
                try await DepartmentsCommand.audit(access, "department.revoked", id)
                print("revoked \(id)")
            }
        }
    }
}
