import DeviceKit
import KioskServer
import Logging
import ServiceLifecycle
import StoragePostgres

/// Tells the queue feed when the store changed: in district mode every event recorded at any
/// terminal (PostgreSQL LISTEN, listening again after a lost connection and reading what came
/// meanwhile), on a terminal of its own the queue announcements of its routes. At a stop it
/// closes the feed, so open display streams end and a display reconnecting gets a stream that
/// has already ended (as the terminal's `/v1/events` does).
public struct QueueFeedService: ServiceLifecycle.Service {
    let feed: QueueFeed
    let district: PostgresBookingStore?
    let announcements: EventBus<TerminalEvent>
    let logger: Logger

    public init(feed: QueueFeed, district: PostgresBookingStore?, announcements: EventBus<TerminalEvent>, logger: Logger) {
        self.feed = feed
        self.district = district
        self.announcements = announcements
        self.logger = logger
    }

    static let queueKinds: Set<TerminalEvent.Kind> = [
        .ticketIssued, .ticketCalled, .ticketRecalled, .ticketNoShow, .ticketFinished, .ticketTransferred,
    ]

    public func run() async throws {
        await feed.changed()
        await cancelWhenGracefulShutdown {
            if let district {
                var failing = false
                while !Task.isCancelled {
                    do {
                        try await district.listenForQueueEvents { await feed.changed() }
                    } catch {
                        if !failing { logger.warning("the district's queue events cannot be followed; retrying") }
                        failing = true
                    }
                    try? await Task.sleep(for: .seconds(1))
                }
            } else {
                for await event in await announcements.subscribe() where Self.queueKinds.contains(event.type) {
                    await feed.changed()
                }
            }
        }
        await feed.close()
    }
}
