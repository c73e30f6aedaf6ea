import ArgumentParser
import DeviceKit
import Diagnostics
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

/// The running `kiosk serve`'s admin channel when one answers; nil: the CLI opens the devices
/// itself. Says on standard error which it is, so a technician knows whose view this is.
func runningServer(_ options: ConfigOptions) async throws -> AdminClient? {
    let configuration = try options.load()
    let path = AdminChannel.socketPath(configuration)
    guard let client = await AdminClient.connect(socketPath: path) else { return nil }
    printError("kiosk: through the running kiosk serve (\(path))")
    return client
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
            if let server = try await runningServer(options) {
                let devices = try await server.deviceSummaries()
                try show(devices)
                if devices.isEmpty {
                    printError("kiosk: the running kiosk serve has found no devices")
                    throw ExitCode.failure
                }
                return
            }
            let terminal = try await openTerminal(options)
            let devices = await terminal.diagnostics.deviceSummaries()
            // Nothing found is a failure a script should see, with what was looked for.
            if let nothing = await terminal.diagnostics.nothingFound() {
                if json { try printJSON(devices) }
                printError("kiosk: \(nothing.en)")
                throw ExitCode.failure
            }
            try show(devices)
        }

        func show(_ devices: [DeviceSummary]) throws {
            if json { return try printJSON(devices) }
            for device in devices {
                let status = [device.status.paper.map { "paper \($0.rawValue)" }, device.status.cover.map { "cover \($0.rawValue)" },
                              device.status.card.map { "card \($0.rawValue)" }, device.status.sam.map { "SAM \($0.rawValue)" }]
                    .compactMap { $0 }.joined(separator: ", ")
                print("\(device.info.id)\t\(device.info.kind.rawValue)\t\(device.state.rawValue)\t\(device.info.connection)\t\(status)")
                for line in DeviceDetails.lines(device.info) { print("  " + line) }
                if let today = device.daily?.last {
                    print("  today \(today.day): \(today.counts[DailyCounts.receipts] ?? 0) receipts, \(today.counts[DailyCounts.lines] ?? 0) lines")
                }
            }
        }
    }

    /// What `kiosk devices list` prints under a device: what it says about itself and what its
    /// profile says it can do.
    enum DeviceDetails {
        static func lines(_ info: DeviceInfo) -> [String] {
            var lines: [String] = []
            if info.kind == .receiptPrinter {
                let reported = info.reported ?? ReportedIdentity()
                lines.append("firmware \(reported.firmware); reports itself as \(reported.model) by \(reported.manufacturer)")
            }
            if let capabilities = info.capabilities {
                lines.append("profile \(info.profile ?? "none"): " + describe(capabilities))
            }
            return lines
        }

        static func describe(_ capabilities: DeviceCapabilities) -> String {
            func yesNo(_ value: Bool?) -> String { value == true ? "yes" : "no" }
            return [
                capabilities.paperWidthMillimetres.map { "\($0) mm paper" },
                capabilities.paperWidthDots.map { "\($0) dots" },
                capabilities.columns.map { "\($0) columns" },
                capabilities.cutter.map { "cutter \($0)" },
                "QR code \(yesNo(capabilities.qrCode))",
                capabilities.codePage.map { "code page \($0)" },
                "Chinese text \(yesNo(capabilities.chineseText))",
                capabilities.barcodes.map { "barcodes \($0.isEmpty ? "none" : $0.joined(separator: " "))" },
            ].compactMap { $0 }.joined(separator: ", ")
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
        commandName: "diag", abstract: "Diagnostics for technicians.", subcommands: [Health.self, Stats.self, District.self, FleetCommand.self])

    struct Health: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a health check: internal (query only) or external (test print, test read).")

        @OptionGroup var options: ConfigOptions
        @Argument(help: "Device id (see kiosk devices list).") var device: String
        @Option(help: "internal or external.") var level: HealthCheckLevel = .internal
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let result: HealthCheckResult
            if let server = try await runningServer(options) {
                do {
                    result = try await server.healthCheck(device, level: level)
                } catch let refusal as AdminChannel.Refusal {
                    throw fail(refusal)
                }
            } else {
                let terminal = try await openTerminal(options)
                do {
                    result = await try terminal.diagnostics.device(device).healthCheck(level)
                } catch {
                    throw fail(error)
                }
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
            if let server = try await runningServer(options) {
                do {
                    if let reset {
                        let counter = try await server.resetStatistic(reset, of: device)
                        return json ? try printJSON(counter) : print("\(counter.name) reset at \(counter.since.formatted(.iso8601))")
                    }
                    return try show(try await server.statistics(device))
                } catch let refusal as AdminChannel.Refusal {
                    throw fail(refusal)
                }
            }
            let terminal = try await openTerminal(options)
            do {
                let target = try await terminal.diagnostics.device(device)
                if let reset {
                    let counter = try await terminal.diagnostics.resetStatistic(reset, of: target)
                    return json ? try printJSON(counter) : print("\(counter.name) reset at \(counter.since.formatted(.iso8601))")
                }
                try show(try await terminal.diagnostics.statistics(of: target))
            } catch let error as StartupError {
                throw fail(error)
            }
        }

        func show(_ counters: [Statistic]) throws {
            if json { return try printJSON(counters) }
            for counter in counters { print("\(counter.name)\t\(counter.value)\tsince \(counter.since.formatted(.iso8601))") }
        }
    }
}

extension HealthCheckLevel: ExpressibleByArgument {}
