import Foundation
import KioskCore
import KioskServer
import Logging
import ServiceLifecycle
import Storage

/// The lifecycle's own round, as a `Service`: `LifecycleServices.sweep()` (audited, announced),
/// then retention: the answers of filings taken (by a window, or by the district store) more
/// than the grace period ago leave the terminal's file, with their outbox copies and receipts.
public struct LifecycleWatch: ServiceLifecycle.Service {
    let services: LifecycleServices
    let store: SQLiteStore
    let districtMode: Bool
    let grace: TimeInterval
    let interval: Duration
    let logger: Logger

    public init(services: LifecycleServices, store: SQLiteStore, districtMode: Bool, grace: TimeInterval, interval: Duration, logger: Logger) {
        self.services = services
        self.store = store
        self.districtMode = districtMode
        self.grace = grace
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        await repeatUntilShutdown(every: interval) { await round() }
    }

    /// One round; what `run` does every `interval`.
    @discardableResult
    public func round() async -> (events: Int, forgotten: Int) {
        var events = 0
        do {
            events = try await services.sweep().count
        } catch {
            logger.warning("filing sweep failed", metadata: ["error.code": "\((error as? any KioskError)?.code ?? "\(type(of: error))")"])
        }
        var forgotten = 0
        do {
            forgotten = try store.forgetFilings(takenBefore: services.now().addingTimeInterval(-grace), districtMode: districtMode)
            if forgotten > 0 { logger.info("filings past retention removed", metadata: ["filing.count": "\(forgotten)"]) }
        } catch {
            logger.error("retention failed", metadata: ["error.type": "\(type(of: error))"])
        }
        return (events, forgotten)
    }
}
