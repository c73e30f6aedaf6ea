import Foundation

/// One change of the hall's queue, as a call display (叫号屏) shows it: which number, which
/// service, which counter, never whose ticket it is.
///
/// Stores record an event in the same transaction as the change it describes, numbered in
/// commit order, so a display that reconnects with the last number it saw (`Last-Event-ID`)
/// gets exactly what it missed.
public struct QueueEvent: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// A ticket was issued (walk-in or check-in).
        case issued
        /// A ticket was called to a counter.
        case called
        /// A called ticket was called again.
        case recalled
        /// A called ticket's holder did not come forward (过号).
        case noShow
        /// A ticket was served.
        case finished
        /// A called ticket was sent to another service's queue.
        case transferred
    }

    /// Monotonic across the store (the district's, or the terminal's own): commit order.
    public var id: Int64
    public var kind: Kind
    public var ticketID: Int64
    public var number: String
    public var serviceID: String
    public var counter: String?
    public var at: Date

    /// How long events are kept for replay. A display shows today's tickets only, and one that
    /// reconnects reads the queue first (`/v1/display/queue`) and replays only what came after;
    /// two days cover a display that lost its connection before midnight. Older events are
    /// deleted by the booking store's sweep, so the table stays the size of two days of calls.
    public static let retention: TimeInterval = 2 * 24 * 3600

    public init(id: Int64, kind: Kind, ticketID: Int64, number: String, serviceID: String, counter: String?, at: Date) {
        self.id = id
        self.kind = kind
        self.ticketID = ticketID
        self.number = number
        self.serviceID = serviceID
        self.counter = counter
        self.at = at
    }
}

/// The recorded queue events of a store, for replay after a reconnect.
public protocol QueueEventLog: Sendable {
    /// The events numbered after `id`, oldest first, at most `limit`.
    func queueEvents(after id: Int64, limit: Int) async throws -> [QueueEvent]
    /// The number of the newest event; 0 before the first.
    func lastQueueEventID() async throws -> Int64
}
