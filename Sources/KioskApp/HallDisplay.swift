import Booking
import DeviceKit
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Hosting
import KioskConfig
import KioskCore
import KioskServer
import Logging
import NIOCore
import Peripherals
import ServiceLifecycle
import StoragePostgres

extension KioskApplication {
    /// The call display's listener (`[display]`): HTTPS on the hall network, serving the display
    /// page and `/v1/display/*` only. Nil without `[display] listen`.
    public func makeDisplayServer(
        eventLoopGroup: any EventLoopGroup = EventLoopGroupProvider.singleton.eventLoopGroup,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) throws -> (some ApplicationProtocol)? {
        guard let display = configuration.display, let displayTLS else { return nil as Application<LiveResponder>? }
        let http1 = KioskRoutes.http1(readTimeout: .seconds(configuration.readTimeoutSeconds),
                                      writeTimeout: .seconds(configuration.writeTimeoutSeconds), logger: logger, metrics: metrics)
        // The routes are the reload's (`makeHTTPServer` hands them to `displayResponder`).
        return Application(
            responder: displayResponder,
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
