import Hosting
import KioskConfig
import StoragePostgres

extension KioskApplication {
    /// The district's calls of this hall, and the word to its other terminals; nil on a terminal of its own.
    var districtHelpLedger: PostgresHelpRequestLedger? {
        district.map { PostgresHelpRequestLedger(store: $0, siteID: configuration.siteID, timeZone: configuration.timeZone) }
    }

    var helpHallListener: HelpHallListener? {
        districtHelpLedger.map { HelpHallListener(ledger: $0, help: helpServices, sessions: sessions, logger: logger) }
    }
}
