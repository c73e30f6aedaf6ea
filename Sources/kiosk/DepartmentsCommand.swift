import Access
import ArgumentParser
import District
import Foundation
import KioskApp
import KioskCore
import Logging
import Storage

/// Department systems (办件系统) that take filings over the department interface
/// (docs/DEPARTMENT-API.md): their API keys and webhook endpoints.
struct DepartmentsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "departments", abstract: "Department systems' API keys and webhooks.",
        subcommands: [Add.self, List.self, Revoke.self])

    /// The departments the configuration names (the terminal's file, or in district mode the
    /// district store) and the terminal's audit log, for `body`; every problem one line and exit 1.
    static func withDepartments(_ options: ConfigOptions,
                                _ body: @Sendable (any DepartmentRegistry, AccessStore) async throws -> Void) async throws {
        let configuration = try options.load()
        try await withAccessErrors {
            try await DistrictTerminal.withDepartments(configuration, store: try KioskApplication.openStore(configuration),
                                                       logger: Logger(label: "kiosk"), body)
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
            let (id, name, webhookURL) = (id, name, webhookURL)
            try await DepartmentsCommand.withDepartments(options) { departments, access in
                let issued = try await departments.add(id: id, name: name ?? id, webhookURL: webhookURL, now: Date())
                try await DepartmentsCommand.audit(access, "department.added", id)
                print("department \(issued.id), in \(departments.storeName)")
                print("api key: \(issued.apiKey)")
                if let secret = issued.webhookSecret { print("webhook secret: \(secret)") }
                print("Neither is shown again: the store keeps the key only as a MAC, the secret sealed.")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List departments and their webhooks (never a key).")

        @OptionGroup var options: ConfigOptions

        func run() async throws {
            try await DepartmentsCommand.withDepartments(options) { departments, _ in
                // Which store, on standard error: standard output stays one department a line.
                printError("departments in \(departments.storeName)")
                for department in try await departments.list() {
                    // In district mode, where the revocation is audited: that terminal's audit log.
                    let state = department.revokedAt == nil ? "active"
                        : department.revokedBy.map { "revoked at \($0) (audited there)" } ?? "revoked"
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
            let id = id
            try await DepartmentsCommand.withDepartments(options) { departments, access in
                try await departments.revoke(id: id, now: Date())
                try await DepartmentsCommand.audit(access, "department.revoked", id)
                print("revoked \(id), in \(departments.storeName)")
            }
        }
    }
}
