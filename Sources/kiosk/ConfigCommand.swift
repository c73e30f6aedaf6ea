import ArgumentParser
import KioskConfig

struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Inspect the configuration.", subcommands: [Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the effective configuration, or every problem as FILE:LINE: message.")

        @OptionGroup var options: ConfigOptions

        func run() throws {
            let configuration = try options.load()
            print("# \(options.path): OK")
            print(configuration.rendered())
        }
    }
}
