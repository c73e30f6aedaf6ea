import ArgumentParser
import Foundation
import KioskApp
import KioskConfig
import KioskCore

@main
struct Kiosk: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kiosk",
        abstract: "The backend of a self-service terminal in a government service hall.",
        version: KioskVersion.current,
        subcommands: [
            Serve.self, ConfigCommand.self, DatabaseCommand.self, FormsCommand.self, LogicCommand.self,
            CalendarCommand.self, SlotsCommand.self,
            DevicesCommand.self, DiagnosticsCommand.self, ReceiptCommand.self, IDCardCommand.self,
            StaffCommand.self, DepartmentsCommand.self, DisplaysCommand.self, ReportCommand.self, AuditCommand.self, SecretsCommand.self,
            DistrictCommand.self, Bench.self,
        ],
        defaultSubcommand: Serve.self)
}

/// `--config FILE`, shared by every command so they all read the same configuration.
struct ConfigOptions: ParsableArguments {
    @Option(name: .long, help: "Configuration file (default: $KIOSK_CONFIG, else ./kiosk.conf).")
    var config: String?

    var path: String {
        config ?? ProcessInfo.processInfo.environment[ConfigurationLoader.fileVariable] ?? "kiosk.conf"
    }

    /// The effective configuration, or every problem printed on its own line and exit 1.
    func load() throws -> Configuration {
        do {
            return try ConfigurationLoader.load(file: path)
        } catch {
            for problem in error.problems { printError(problem.description) }
            throw ExitCode.failure
        }
    }
}

func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

/// Prints a kiosk error as one line and exits 1: no stack trace, no half-started server.
func fail(_ error: some KioskError) -> ExitCode {
    printError("kiosk: \(error.message.en) [\(error.code)]")
    return .failure
}
