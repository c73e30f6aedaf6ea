import ArgumentParser
import DeviceKit
import Foundation
import Hosting
import KioskApp
import KioskConfig
import KioskCore
import Logging
import Peripherals

/// Opens the terminal (database, forms, devices) the way `kiosk serve` does, without serving.
/// Stop a running `kiosk serve` first on real hardware: it holds the devices' interfaces.
func openTerminal(_ options: ConfigOptions) async throws -> KioskApplication {
    let configuration = try options.load()
    var logger = Logger(label: "kiosk")
    logger.logLevel = .warning
    do {
        return try await KioskApplication(configuration: configuration, logger: logger)
    } catch {
        throw fail(error)
    }
}

func printJSON(_ value: some Encodable) throws {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    print(String(decoding: try encoder.encode(value), as: UTF8.self))
}

struct DevicesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "devices", abstract: "The terminal's devices.", subcommands: [List.self, Faults.self, UdevRulesCommand.self])

    struct Faults: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print every device fault code (meaning, action, what a technician does) and every counter, as Markdown.",
            discussion: "docs/DEVICE-FAULTS.md is this output.")

        func run() {
            print(DeviceReference.markdown(), terminator: "")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List devices with their state and status.")

        @OptionGroup var options: ConfigOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let terminal = try await openTerminal(options)
            let devices = await terminal.deviceSummaries()
            // Nothing found is a failure a script should see, with what was looked for.
            if let nothing = await terminal.nothingFound() {
                if json { try printJSON(devices) }
                printError("kiosk: \(nothing.en)")
                throw ExitCode.failure
            }
            if json { return try printJSON(devices) }
            for device in devices {
                let status = [device.status.paper.map { "paper \($0.rawValue)" }, device.status.cover.map { "cover \($0.rawValue)" },
                              device.status.card.map { "card \($0.rawValue)" }, device.status.sam.map { "SAM \($0.rawValue)" }]
                    .compactMap { $0 }.joined(separator: ", ")
                print("\(device.info.id)\t\(device.info.kind.rawValue)\t\(device.state.rawValue)\t\(device.info.connection)\t\(status)")
            }
        }
    }

    struct UdevRulesCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "udev-rules",
            abstract: "Print the udev rules giving the kiosk group access to every USB device the profiles of devices.dir match.",
            discussion: "After adding a profile: kiosk devices udev-rules > /etc/udev/rules.d/60-kiosk.rules; udevadm control --reload; udevadm trigger --subsystem-match=usb --action=change")

        @OptionGroup var options: ConfigOptions

        func run() throws {
            let configuration = try options.load()
            do {
                print(UdevRules.render(try UdevRules.profileMatches(devicesDirectory: configuration.devicesDirectory)), terminator: "")
            } catch let error as any KioskError {
                throw fail(error)
            }
        }
    }
}

struct DiagnosticsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diag", abstract: "Diagnostics for technicians.", subcommands: [Health.self, Stats.self, District.self])

    struct Health: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a health check: internal (query only) or external (test print, test read).")

        @OptionGroup var options: ConfigOptions
        @Argument(help: "Device id (see kiosk devices list).") var device: String
        @Option(help: "internal or external.") var level: HealthCheckLevel = .internal
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let terminal = try await openTerminal(options)
            let result: HealthCheckResult
            do {
                result = await try terminal.device(device).healthCheck(level)
            } catch {
                throw fail(error)
            }
            if json {
                try printJSON(result)
            } else {
                for step in result.steps { print("\(step.passed ? "ok  " : "FAIL") \(step.name): \(step.detail)") }
                print(result.text.en)
                print(result.text.zh)
            }
            if !result.passed { throw ExitCode.failure }
        }
    }

    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show a device's counters, or reset one with --reset NAME.")

        @OptionGroup var options: ConfigOptions
        @Argument(help: "Device id.") var device: String
        @Option(help: "Reset this counter.") var reset: String?
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let terminal = try await openTerminal(options)
            do {
                let target = try await terminal.device(device)
                if let reset {
                    let counter = try await terminal.resetStatistic(reset, of: target)
                    return json ? try printJSON(counter) : print("\(counter.name) reset at \(counter.since.formatted(.iso8601))")
                }
                let counters = try await terminal.statistics(of: target)
                if json { return try printJSON(counters) }
                for counter in counters { print("\(counter.name)\t\(counter.value)\tsince \(counter.since.formatted(.iso8601))") }
            } catch let error as StartupError {
                throw fail(error)
            }
        }
    }
}

extension HealthCheckLevel: ExpressibleByArgument {}
