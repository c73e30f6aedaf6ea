import ArgumentParser
import Hosting
import KioskApp
import Logging

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Start the terminal backend (the default command).")

    @OptionGroup var options: ConfigOptions

    func run() async throws {
        let configuration = try options.load()
        bootstrapLogging(configuration)
        let logger = Logger(label: "kiosk")
        do {
            let application = try await KioskApplication(configuration: configuration, logger: logger)
            try await application.run()
        } catch {
            throw fail(error)
        }
    }
}
