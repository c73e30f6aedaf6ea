import KioskServer
import Logging
import ServiceLifecycle
import StoragePostgres

/// District mode: hears what the hall's other terminals do with calls for staff (PostgreSQL
/// LISTEN, as `QueueFeedService` follows the hall's queue) and passes it to this terminal's
/// stream and sessions (`HelpServices.heard`); listening again after a lost connection.
public struct HelpHallListener: ServiceLifecycle.Service {
    let ledger: PostgresHelpRequestLedger
    let help: HelpServices
    let sessions: CitizenSessions
    let logger: Logger

    public init(ledger: PostgresHelpRequestLedger, help: HelpServices, sessions: CitizenSessions, logger: Logger) {
        self.ledger = ledger
        self.help = help
        self.sessions = sessions
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var failing = false
            while !Task.isCancelled {
                do {
                    try await ledger.listen { kind, id, origin in await help.heard(kind, id: id, origin: origin, sessions: sessions) }
                } catch {
                    if !failing { logger.warning("the hall's calls for staff cannot be followed; retrying") }
                    failing = true
                }
                try? await Task.sleep(for: .seconds(1))
            }
        }
    }
}
