import KioskConfig
import KioskServer
import Logging
import ServiceLifecycle
import StoragePostgres

/// District mode: hears what the hall's other terminals do with calls for staff (PostgreSQL
/// LISTEN, as the queue feed follows the hall's queue) and passes it to this terminal's stream
/// and sessions (`HelpServices.heard`); listening again after a lost connection.
struct HelpHallListener: ServiceLifecycle.Service {
    let ledger: PostgresHelpRequestLedger
    let help: HelpServices
    let sessions: CitizenSessions
    let logger: Logger

    func run() async throws {
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

extension KioskApplication {
    /// The district's calls of this hall, and the word to its other terminals; nil on a terminal of its own.
    var districtHelpLedger: PostgresHelpRequestLedger? {
        district.map { PostgresHelpRequestLedger(store: $0, siteID: configuration.siteID, timeZone: configuration.timeZone) }
    }

    var helpHallListener: HelpHallListener? {
        districtHelpLedger.map { HelpHallListener(ledger: $0, help: helpServices, sessions: sessions, logger: logger) }
    }
}
