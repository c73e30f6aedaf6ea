import ArgumentParser
import District
import Foundation
import Hosting
import KioskConfig
import KioskCore
import Logging
import StoragePostgres

extension DiagnosticsCommand {
    /// The district's terminals as `GET /v1/fleet` shows them, read from the district store
    /// itself: it answers with or without a running server, on a terminal or on any machine
    /// with the district's `database` URL, and needs no technician sign-in (whoever may read
    /// kiosk.conf may read the district store).
    struct FleetCommand: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "fleet",
            abstract: "District mode: every terminal's last heartbeat, what is wrong, what to bring; silent ones after 5 minutes.")

        @OptionGroup var options: ConfigOptions
        @Flag(help: "Print the terminals as JSON (the `terminals` of GET /v1/fleet).") var json = false

        func run() async throws {
            let configuration = try options.load()
            do {
                guard let district = try DistrictTerminal.openStore(configuration, logger: Logger(label: "kiosk")) else {
                    print("standalone: no district store (database = \"sqlite\"); GET /v1/fleet shows this terminal alone")
                    throw ExitCode.failure
                }
                let heartbeats = try await district.withRunning { try await PostgresFleet(store: district).heartbeats() }
                let terminals = Fleet.view(heartbeats, now: Date())
                if json {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
                    encoder.dateEncodingStrategy = .iso8601
                    print(String(decoding: try encoder.encode(terminals), as: UTF8.self))
                } else {
                    print(Self.describe(terminals, now: Date()), terminator: "")
                }
            } catch let error as StartupError {
                throw fail(error)
            } catch let error as any KioskError {
                throw fail(error)
            }
        }

        /// One block per terminal: hall, id, last seen, then what is wrong and what to bring.
        static func describe(_ terminals: [FleetTerminal], now: Date) -> String {
            if terminals.isEmpty { return "no terminal has sent a heartbeat yet\n" }
            var text = ""
            for terminal in terminals {
                let ago = Int(now.timeIntervalSince(terminal.lastSeen))
                let state = terminal.silent ? "SILENT" : terminal.problems.isEmpty ? "ok" : "NEEDS A LOOK"
                text += "\(terminal.siteId)/\(terminal.terminalId) \(state): last seen \(terminal.lastSeen.formatted(.iso8601)) "
                    + "(\(ago) s ago), version \(terminal.version), outbox \(terminal.outboxPending) pending, \(terminal.outboxRefused) refused\n"
                for problem in terminal.problems {
                    let device = problem.deviceId.map { " on \($0) (\(problem.deviceKind ?? "device"))" } ?? ""
                    text += "  wrong: \(problem.code)\(device)\n"
                }
                if !terminal.bring.isEmpty { text += "  bring: " + terminal.bring.map(\.label.en).joined(separator: ", ") + "\n" }
            }
            return text
        }
    }
}
