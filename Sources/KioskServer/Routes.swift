import Access
import FormEngine
import KioskCore
import Foundation
import Hummingbird
import Metrics
import Prometheus

/// Everything the routes need from the rest of the terminal, handed in by the composition root.
public struct ServerDependencies: Sendable {
    public var identity: ServerIdentity
    public var readiness: [ReadinessCheck]
    public var schemaVersion: @Sendable () async -> Int?
    public var metricsRegistry: PrometheusCollectorRegistry
    public var maxBodyBytes: Int
    public var filings: FilingServices
    public var devices: DeviceServices
    public var access: AccessServices
    /// Appointments and the queue; nil on a terminal that offers no booking.
    public var booking: BookingServices?
    /// The touch UI served under `/ui/`; the bundled one unless a test or a hall names another.
    public var ui: StaticUI
    /// District mode's state for the technician (`GET /v1/district`).
    public var district: @Sendable () async -> DistrictStatus
    /// The last heartbeat of every terminal of the district (`GET /v1/fleet`); a lone terminal's own.
    public var fleet: @Sendable () async throws -> [TerminalHeartbeat] = { [] }
    /// Misses on code-bearing endpoints at this terminal (`limits.code_misses_per_minute`).
    public var codeGuesses: CodeGuessLimiter
    /// Sets the gauges that describe the terminal now (devices, outbox, queues, sessions) just
    /// before `/metrics` is written.
    public var refreshMetrics: @Sendable () async -> Void = {}
    /// Re-reads the hall's rules (`POST /v1/reload`, as SIGHUP does); nil where nothing reloads.
    public var reload: (@Sendable () async -> ReloadReport)?
    /// The filing after the terminal: desks, progress look-up, ratings, supervision, reports.
    public var lifecycle: LifecycleServices?
    /// Reading the screen aloud; nil where no synthesizer could start (the route answers 503).
    public var speech: SpeechServices?
    /// The hall's policy fact sheets (惠企政策明白纸); none unless handed in.
    public var policies: PolicyServices
    /// Calls for a member of staff and 首问负责; nil serves none of their routes.
    public var help: HelpServices?
    /// The call display's feed and "now serving" (`/v1/display/*`); nil where none is kept.
    public var display: DisplayServices?

    public init(
        identity: ServerIdentity, readiness: [ReadinessCheck], schemaVersion: @escaping @Sendable () async -> Int?,
        metricsRegistry: PrometheusCollectorRegistry, maxBodyBytes: Int, filings: FilingServices, devices: DeviceServices,
        access: AccessServices, booking: BookingServices? = nil,
        ui: StaticUI = StaticUI(directory: StaticUI.bundledDirectory),
        district: @escaping @Sendable () async -> DistrictStatus = { .standalone },
        codeGuesses: CodeGuessLimiter = CodeGuessLimiter(missesPerMinute: 10), lifecycle: LifecycleServices? = nil,
        speech: SpeechServices? = nil,
        policies: PolicyServices = PolicyServices(catalog: PolicyCatalog(), receipts: nil, timeZone: .current),
        help: HelpServices? = nil
    ) {
        self.help = help
        self.lifecycle = lifecycle
        self.speech = speech
        self.policies = policies
        self.codeGuesses = codeGuesses
        self.ui = ui
        self.district = district
        self.access = access
        self.filings = filings
        self.devices = devices
        self.booking = booking
        self.identity = identity
        self.readiness = readiness
        self.schemaVersion = schemaVersion
        self.metricsRegistry = metricsRegistry
        self.maxBodyBytes = maxBodyBytes
    }
}

public enum KioskRoutes {
    /// The declared roles of every endpoint (see `endpointPolicy()`); a route declared twice is
    /// a programming error the tests catch, not something a request can cause.
    public static let policy: EndpointPolicy = {
        do { return try endpointPolicy() } catch { preconditionFailure("the endpoint policy is invalid: \(error)") }
    }()

    /// The router with the operational endpoints every terminal serves.
    /// `policy` is the endpoint table; a test that adds a route of its own extends it.
    public static func router(_ deps: ServerDependencies, policy: EndpointPolicy = policy) -> Router<KioskRequestContext> {
        // HEAD answers wherever GET does, with GET's headers and no body (RFC 9110 §9.3.2).
        let router = Router(context: KioskRequestContext.self, options: [.autoGenerateHeadEndpoints])
        router.add(middleware: RequestMetricsMiddleware(factory: PrometheusMetricsFactory(registry: deps.metricsRegistry)))
        router.add(middleware: ProblemMiddleware())
        router.add(middleware: MethodNotAllowedMiddleware(policy: policy))
        router.add(middleware: BodyLimitMiddleware(maxBytes: deps.maxBodyBytes))
        router.add(middleware: AccessMiddleware(services: deps.access, policy: policy))
        router.add(middleware: RateLimitMiddleware(limiter: deps.access.rateLimiter, now: deps.access.now))
        router.add(middleware: CodeGuessMiddleware(limiter: deps.codeGuesses, now: deps.access.now))

        router.get("/healthz") { _, _ in
            json(["status": "ok"])
        }
        router.get("/readyz") { _, _ in
            let report = await ReadinessReport.run(deps.readiness)
            return json(report, status: report.ready ? .ok : .serviceUnavailable)
        }
        router.get("/v1/info") { _, _ in
            json(deps.identity.info(schemaVersion: await deps.schemaVersion()))
        }
        router.get("/metrics") { _, _ in
            await deps.refreshMetrics()
            return Response(
                status: .ok,
                headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: deps.metricsRegistry.emitToBuffer())))
        }
        addFilingRoutes(to: router, deps.filings, lifecycle: deps.lifecycle)
        if let lifecycle = deps.lifecycle { addLifecycleRoutes(to: router, lifecycle, deps.filings) }
        addSpeechRoutes(to: router, deps.speech, deps.filings, help: deps.help)
        addScreenSpeechRoutes(to: router, deps.speech, texts: ScreenTexts(ui: deps.ui), deps.filings, booking: deps.booking)
        addPolicyRoutes(to: router, deps.policies, metrics: deps.metricsRegistry)
        if let help = deps.help { addHelpRoutes(to: router, help, deps.filings, deps.access) }
        addDeviceRoutes(to: router, deps.devices)
        addDistrictRoutes(to: router, deps.district, fleet: deps.fleet, now: deps.access.now)
        addReloadRoute(to: router, deps.reload)
        addAccessRoutes(to: router, deps.access)
        addOverrideRoutes(to: router, deps.access, deps.filings)
        if let booking = deps.booking { addBookingRoutes(to: router, booking) }
        if let display = deps.display { addDisplayRoutes(to: router, display) }
        addStaticUIRoutes(to: router, deps.ui)
        addQRCodeRoute(to: router)
        return router
    }

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        do {
            let data = try encoder.encode(value)
            return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: data)))
        } catch {
            return ProblemMiddleware<KioskRequestContext>.response(for: ProblemMiddleware<KioskRequestContext>.problem(for: .internalServerError))
        }
    }
}
