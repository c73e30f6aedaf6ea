import Access
import Booking
import DeviceKit
import Foundation
import HTTPTypes
import Hummingbird
import KioskCore
import Prometheus

/// The hall's queue as its call displays follow it: every event recorded in the store (the
/// district's, so a call at any terminal reaches every display; or the terminal's own), fanned
/// out live to the open `/v1/display/events` streams.
///
/// Whoever learns that the store changed calls `changed()` (in district mode a PostgreSQL
/// LISTEN, on a terminal of its own its queue routes); the feed reads what is new and publishes
/// it. The live path is best effort (a slow stream loses the oldest), so each stream checks
/// the numbers and reads what it missed from the store: the numbers, not the bus, make a
/// stream complete.
public actor QueueFeed {
    public nonisolated let log: any QueueEventLog
    nonisolated let bus = EventBus<QueueEvent>(bufferSize: 256)
    private var published: Int64?
    private var reading = false
    private var readAgain = false

    public init(log: any QueueEventLog) { self.log = log }

    /// Publishes the events recorded since the last call, in order. A call while one runs makes
    /// that one read once more; a store that cannot be read now is read at the next change.
    public func changed() async {
        guard !reading else {
            readAgain = true
            return
        }
        reading = true
        defer { reading = false }
        repeat {
            readAgain = false
            do {
                guard let after = published else {
                    published = try await log.lastQueueEventID()
                    continue
                }
                for event in try await log.queueEvents(after: after, limit: 500) {
                    await bus.publish(event)
                    published = event.id
                }
            } catch {
                return
            }
        } while readAgain
    }

    /// Ends every stream, now and from now on (the terminal is stopping).
    public func close() async { await bus.close() }

    func subscribe() async -> AsyncStream<QueueEvent> { await bus.subscribe() }
}

/// What a call display may read.
public struct DisplayServices: Sendable {
    public var feed: QueueFeed
    public var booking: BookingServices

    public init(feed: QueueFeed, booking: BookingServices) {
        self.feed = feed
        self.booking = booking
    }
}

/// One event as the display's stream carries it: a number, a service and a counter only.
struct QueueEventView: Encodable {
    let id: Int64
    let kind: String
    let number: String
    let serviceId: String
    let counter: String?
    let at: Date

    init(_ event: QueueEvent) {
        id = event.id
        kind = event.kind.rawValue
        number = event.number
        serviceId = event.serviceID
        counter = event.counter
        at = event.at
    }
}

/// `GET /v1/display/queue`: the queue now, and the event it reflects, to open the stream after.
struct DisplayQueueView: Codable {
    /// Open `/v1/display/events` with this as `Last-Event-ID`: nothing after it is missed.
    let lastEventId: String
    let services: [QueueView]
}

extension KioskRoutes {
    /// The router of the display listener (`[display] listen`, on the hall network): the display
    /// page and `/v1/display/*`, nothing else, so the terminal's API stays on loopback.
    public static func displayRouter(_ deps: ServerDependencies, policy: EndpointPolicy = policy) -> Router<KioskRequestContext> {
        let router = Router(context: KioskRequestContext.self)
        router.add(middleware: RequestMetricsMiddleware(factory: PrometheusMetricsFactory(registry: deps.metricsRegistry)))
        router.add(middleware: ProblemMiddleware())
        router.add(middleware: AccessMiddleware(services: deps.access, policy: policy))
        if let display = deps.display { addDisplayRoutes(to: router, display) }
        let page = deps.ui.only { $0.hasPrefix("display.") }
        router.get("/") { _, _ in
            Response(status: .found, headers: [.location: "/ui/display.html", .cacheControl: "no-cache"])
        }
        router.get("/ui/{file}") { request, context in
            try page.response(try context.parameters.require("file"), request: request)
        }
        return router
    }

    static let lastEventIDHeader = HTTPField.Name("Last-Event-ID")!

    static func addDisplayRoutes(to router: Router<KioskRequestContext>, _ display: DisplayServices) {
        router.get("/v1/display/queue") { _, _ in
            // The number first, the queue after: an event in between is sent again, never missed.
            let last = try await ruled { try await display.feed.log.lastQueueEventID() }
            return json(DisplayQueueView(lastEventId: String(last), services: try await queueViews(display.booking)))
        }

        // Server-sent events, each with its number as `id:`; a client reconnecting with
        // `Last-Event-ID` gets every event after it from the store, then the live ones.
        router.get("/v1/display/events") { request, _ in
            let requested = try lastEventID(request)
            let stream = await display.feed.subscribe()
            let start: Int64
            if let requested { start = requested } else { start = try await ruled { try await display.feed.log.lastQueueEventID() } }
            let log = display.feed.log
            return Response(
                status: .ok,
                headers: [.contentType: "text/event-stream", .cacheControl: "no-store"],
                body: ResponseBody { writer in
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = .sortedKeys
                    encoder.dateEncodingStrategy = .iso8601
                    var sent = start
                    func send(_ event: QueueEvent) async throws {
                        let data = String(decoding: try encoder.encode(QueueEventView(event)), as: UTF8.self)
                        try await writer.write(ByteBuffer(string: "id: \(event.id)\nevent: \(event.kind.rawValue)\ndata: \(data)\n\n"))
                        sent = event.id
                    }
                    /// Everything after `sent` the store has; the live events up to there are then skipped.
                    func replay() async throws {
                        while true {
                            let batch = try await log.queueEvents(after: sent, limit: 500)
                            for event in batch { try await send(event) }
                            if batch.count < 500 { return }
                        }
                    }
                    try await writer.write(ByteBuffer(string: ": kiosk queue display\n\n"))
                    try await replay()
                    for await event in stream where event.id > sent {
                        // Numbers follow commit order without holes: one missing was lost on the way.
                        if event.id == sent + 1 { try await send(event) } else { try await replay() }
                    }
                    try await writer.finish(nil)
                })
        }
    }

    /// `Last-Event-ID`: the number of the last event the client has; absent starts from now.
    static func lastEventID(_ request: Request) throws(APIError) -> Int64? {
        guard let text = request.headers[lastEventIDHeader], !text.isEmpty else { return nil }
        guard let id = Int64(text), id >= 0 else {
            throw APIError(.badRequest, code: "invalidLastEventId", message: .init(
                zh: "Last-Event-ID 应为事件编号（非负整数）", en: "Last-Event-ID must be an event number (a non-negative integer)."))
        }
        return id
    }

    /// The queue of every service: waiting, now serving, the estimated wait.
    static func queueViews(_ booking: BookingServices) async throws -> [QueueView] {
        let services = booking.services.map(\.id)
        let waiting = try await ruled { try await booking.ledger.waitingTickets(serviceIDs: services, now: booking.now()) }
        let serving = Ticket.nowServing(try await ruled { try await booking.ledger.servingTickets(serviceIDs: services, now: booking.now()) })
        return booking.services.map { service in
            let tickets = waiting.filter { $0.serviceID == service.id }
            return QueueView(serviceId: service.id, waiting: tickets.count, numbers: tickets.map(\.number),
                             nowServing: serving.filter { $0.serviceID == service.id }.map(ServingView.init),
                             estimatedWaitMinutes: booking.queue.estimatedWaitMinutes(ahead: tickets.count,
                                                                                      counters: service.counters.count))
        }
    }
}
