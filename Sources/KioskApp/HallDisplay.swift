import Booking
import DeviceKit
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import KioskConfig
import KioskCore
import KioskServer
import Logging
import NIOCore
import Peripherals
import ServiceLifecycle
import StoragePostgres

/// Tells the queue feed when the store changed: in district mode every event recorded at any
/// terminal (PostgreSQL LISTEN, listening again after a lost connection and reading what came
/// meanwhile), on a terminal of its own the queue announcements of its routes. At a stop it
/// closes the feed, so open display streams end and a display reconnecting gets a stream that
/// has already ended (as the terminal's `/v1/events` does).
struct QueueFeedService: ServiceLifecycle.Service {
    let feed: QueueFeed
    let district: PostgresBookingStore?
    let announcements: EventBus<TerminalEvent>
    let logger: Logger

    static let queueKinds: Set<TerminalEvent.Kind> = [
        .ticketIssued, .ticketCalled, .ticketRecalled, .ticketNoShow, .ticketFinished, .ticketTransferred,
    ]

    func run() async throws {
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

extension KioskApplication {
    /// The call display's listener (`[display]`): HTTPS on the hall network, serving the display
    /// page and `/v1/display/*` only. Nil without `[display] listen`.
    public func makeDisplayServer(
        eventLoopGroup: any EventLoopGroup = EventLoopGroupProvider.singleton.eventLoopGroup,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) throws -> (some ApplicationProtocol)? {
        guard let display = configuration.display, let displayTLS else { return nil as Application<RouterResponder<KioskRequestContext>>? }
        let http1 = KioskRoutes.http1(readTimeout: .seconds(configuration.readTimeoutSeconds))
        return Application(
            router: KioskRoutes.displayRouter(serverDependencies),
            server: try .tls(http1, tlsConfiguration: displayTLS),
            configuration: .init(address: .hostname(display.listen.host, port: display.listen.port),
                                 serverName: "kiosk/\(KioskVersion.current)", reuseAddress: true),
            onServerRunning: onServerRunning,
            eventLoopGroupProvider: .shared(eventLoopGroup),
            logger: logger)
    }

    /// Follows the store's queue events for the display feed; nil where the store keeps none.
    var queueFeedService: QueueFeedService? {
        queueFeed.map { QueueFeedService(feed: $0, district: bookings as? PostgresBookingStore, announcements: devices.events,
                                         logger: logger) }
    }
}
