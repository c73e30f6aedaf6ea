import District
import ArgumentParser
import Foundation
import Hosting
import KioskApp
import KioskConfig
import KioskCore
import Logging
import Storage
import StoragePostgres

extension DiagnosticsCommand {
    /// The technician's view of district mode from the shell (the same as `GET /v1/district`):
    /// is the district store reachable and migrated, and what waits in the outbox.
    struct District: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "District mode: the district store's state and the terminal's outbox backlog.")

        @OptionGroup var options: ConfigOptions

        func run() async throws {
            let configuration = try options.load()
            do {
                guard let district = try DistrictTerminal.openStore(configuration, logger: Logger(label: "kiosk")) else {
                    print("standalone: this terminal keeps its bookings in its own SQLite file (database = \"sqlite\")")
                    return
                }
                let local = try KioskApplication.openStore(configuration)
                _ = try local.migrate()
                let backlog = try await local.outboxBacklog()
                let state = try await district.withRunning { await district.state() }
                switch state {
                case .ready(let version): print("district store \(district.location): ready, schema version \(version)")
                case .unreachable(let problem?):
                    print("district store \(district.location): unreachable (\(problem.cause.rawValue)): \(problem.message.en)")
                case .unreachable(nil): print("district store \(district.location): unreachable (\(DistrictStoreUnavailable().message.en))")
                case .failed(let reason): print("district store \(district.location): failed: \(reason.en)")
                }
                let oldest = backlog.oldestPending.map { ", oldest from \($0.formatted(.iso8601))" } ?? ""
                print("outbox: \(backlog.pending) pending\(oldest), \(backlog.sent) sent, \(backlog.failed) refused by the district")
                // A script (or a technician's `&&`) sees a store that does not work.
                if case .ready = state {} else { throw ExitCode.failure }
            } catch let error as StartupError {
                throw fail(error)
            } catch let error as any KioskError {
                throw fail(error)
            }
        }
    }
}
