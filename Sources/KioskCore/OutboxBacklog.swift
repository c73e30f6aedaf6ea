import Foundation

/// What the technician sees of a terminal's outbox (district mode): records waiting, refused
/// and sent.
public struct OutboxBacklog: Sendable, Equatable, Codable {
    public var pending: Int
    public var failed: Int
    public var sent: Int
    /// When the oldest pending record was made; nil when nothing waits.
    public var oldestPending: Date?

    public init(pending: Int, failed: Int, sent: Int, oldestPending: Date?) {
        self.pending = pending
        self.failed = failed
        self.sent = sent
        self.oldestPending = oldestPending
    }
}
