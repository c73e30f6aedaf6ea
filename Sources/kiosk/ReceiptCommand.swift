import ArgumentParser
import Foundation
import KioskConfig
import KioskCore
import ReceiptPrinter

struct ReceiptCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "receipt", abstract: "Receipt templates.", subcommands: [Render.self])

    struct Render: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Render a template with JSON data to the exact ESC/POS bytes the printer receives.")

        @OptionGroup var options: ConfigOptions
        @Argument(help: "Template id (a file in Forms/receipts/).") var template: String
        @Option(help: "JSON file with the template's data.") var data: String
        @Option(help: "Printer profile id (default: the generic ESC/POS profile).") var profile: String?
        @Option(help: "Output file, or - for standard output.") var out: String

        func run() throws {
            let configuration = try options.load()
            let bytes: [UInt8]
            do {
                let json = try Data(contentsOf: URL(fileURLWithPath: data))
                bytes = try ReceiptRendering.render(
                    templateID: template, data: json, profileID: profile,
                    receiptsDirectory: configuration.formsDirectory + "/receipts",
                    profilesDirectory: configuration.devicesDirectory + "/profiles")
            } catch let error as any KioskError {
                throw fail(error)
            } catch {
                printError("kiosk: cannot read \(data): \(error.localizedDescription)")
                throw ExitCode.failure
            }
            if out == "-" {
                FileHandle.standardOutput.write(Data(bytes))
            } else {
                try Data(bytes).write(to: URL(fileURLWithPath: out))
            }
        }
    }
}
