import Access
import Foundation
import KioskCore
import Logging
import ServiceLifecycle
import Storage
import StoragePostgres

/// Writes the audit log's head (`SEQ:HEX`, see `AuditHead`) where the terminal's disk cannot
/// take it back: the service log at every start and every `interval`, and in district mode the
/// district store. `kiosk audit verify --anchor SEQ:HEX` later proves that the log still holds
/// what it held then, even against someone who has the audit key.
public struct AuditAnchors: ServiceLifecycle.Service {
    let access: AccessStore
    let district: PostgresStore?
    let terminalID: String
    public let interval: Duration
    let logger: Logger

    public init(access: AccessStore, district: PostgresStore?, terminalID: String, interval: Duration = .seconds(3600),
                logger: Logger) {
        self.access = access
        self.district = district
        self.terminalID = terminalID
        self.interval = interval
        self.logger = logger
    }

    public func run() async throws {
        await repeatUntilShutdown(every: interval) { await anchorOnce() }
    }

    /// Logs the head now and sends it to the district store; the anchor logged, or nil.
    @discardableResult
    public func anchorOnce() async -> AuditHead? {
        let head: AuditHead
        do {
            head = try await access.auditHead()
        } catch {
            logger.error("audit anchor unavailable", metadata: ["error.code": "\((error as? any KioskError)?.code ?? "\(type(of: error))")"])
            return nil
        }
        logger.notice("audit anchor", metadata: ["audit.anchor": "\(head)", "terminal.id": "\(terminalID)"])
        if let district {
            do {
                try await district.recordAuditAnchor(terminalID: terminalID, sequence: head.sequence, mac: head.hash)
            } catch {
                logger.warning("audit anchor not sent to the district store", metadata: [
                    "audit.anchor": "\(head)", "error.code": "\((error as? any KioskError)?.code ?? "\(type(of: error))")"])
            }
        }
        return head
    }
}
