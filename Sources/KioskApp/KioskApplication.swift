import Booking
import DeviceKit
import Diagnostics
import District
import Filings
import FormEngine
import Foundation
import Access
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import KioskConfig
import KioskCore
import KioskServer
import Logging
import Peripherals
import NIOCore
import Papers
import Prometheus
import ReceiptPrinter
import Secrets
import ServiceLifecycle
import ESpeakSynthesis
import Hosting
import Speech
import Storage
import UnixSignals
import StoragePostgres
import Telemetry

/// The composition root: configuration in, a running terminal backend out.
///
/// Every service the terminal runs is created here and nowhere else, in an order that fails
/// before anything listens: configuration, data directory, database, then the HTTP server.
public struct KioskApplication: Sendable {
    public let configuration: Configuration
    public let store: SQLiteStore
    /// The filings this terminal offered at start: the valid forms of `forms.dir` (`RulesReload`
    /// reads them again on SIGHUP).
    public let forms: FormCatalog
    public let metrics: PrometheusCollectorRegistry
    /// The citizen session of this terminal; one at a time.
    public let sessions: CitizenSessions
    let devices: TerminalDevices
    let deviceActivity = DeviceActivity()
    let deviceFaults = DeviceFaults()
    let receipts: PrinterReceiptDesk
    public let access: AccessStore
    /// One per terminal, shared by every router made from this application.
    let rateLimiter: RateLimiter
    /// Misses on code-bearing endpoints, one per terminal like `rateLimiter`.
    let codeGuesses: CodeGuessLimiter
    /// The official calendar read at start (`RulesReload` reads it again on SIGHUP).
    public let calendar: OfficialCalendar
    /// Where bookings live, chosen once from `database` in the configuration.
    public let mode: BookingMode
    /// Where the lifecycle of filings is kept: this file, or in district mode the district store.
    public let filingLedger: any FilingLedger
    /// Department systems' keys and webhooks: this terminal's file, or in district mode the
    /// district store (`DistrictTerminal.departmentRegistry`).
    public let departmentRegistry: any DepartmentRegistry
    /// The keyed code of a filing receipt's QR.
    let progressCode: @Sendable (String) -> ProgressCode

    /// What carries the devices' events to the screen (a scanned code checked against this
    /// terminal's keyed receipt codes, for the session open at the screen).
    public var eventForwarder: DeviceEventForwarder {
        DeviceEventForwarder(devices: devices, sessions: sessions, progressCode: progressCode)
    }
    /// HTTPS of the listener, from `[tls]`; nil serves plain HTTP (the loader allows that on loopback only).
    let tls: TLSConfiguration?
    /// HTTPS of the call display's listener, from `[display]`; nil: no display listener.
    let displayTLS: TLSConfiguration?
    /// The call display listener's routes, rebuilt with the terminal's on a reload.
    let displayResponder = LiveResponder()
    /// The queue's events for the call displays, from the store that keeps the queue.
    let queueFeed: QueueFeed?
    let logger: Logger
    /// Reading the screen aloud with libespeak-ng; nil (the route answers 503) when it cannot start.
    let speech: SpeechServices?
    /// The valid policies of `forms.dir/policies/`; the others are logged and left out.
    public let policies: PolicyCatalog

    /// Prepares everything that can fail before the server starts.
    public init(configuration: Configuration, logger: Logger) async throws(StartupError) {
        self.configuration = configuration
        self.logger = logger
        self.tls = try configuration.tls.map { files throws(StartupError) in try ServerTLS.load(files) }
        self.displayTLS = try configuration.display.map { display throws(StartupError) in try ServerTLS.load(display.tls) }
        self.store = try Self.openStore(configuration)
        do {
            let version = try store.migrate()
            logger.info("database ready", metadata: ["db.path": "\(store.path)", "db.schema": "\(version)"])
        } catch {
            throw StartupError(code: error.code, message: error.message)
        }
        self.calendar = try CalendarFiles(configuration).load()
        var districtKey = store.keys.district
        var checkedDistrictKey: SecretKey?
        let district = try DistrictTerminal.openStore(configuration, logger: logger)
        if let district {
            let bookings: PostgresBookingStore
            if let key = try await DistrictTerminal.prepare(district, store, configuration, logger: logger) {
                districtKey = key
                checkedDistrictKey = key
                bookings = DistrictTerminal.bookings(district, configuration, key: key)
            } else {
                bookings = DistrictTerminal.bookings(district, configuration, keys: store.keys)
            }
            self.mode = .district(store: district, bookings: bookings, local: try Self.openBookings(store, configuration))
        } else {
            try await DistrictTerminal.prepareAlone(store)
            self.mode = .standalone(try Self.openBookings(store, configuration))
        }
        self.queueFeed = (mode.bookings as? any QueueEventLog).map { QueueFeed(log: $0) }
        self.filingLedger = Self.filingLedger(configuration, store: store, district: district,
                                              lifecycle: Self.filingLifecycle(configuration, calendar: calendar))
        self.departmentRegistry = DistrictTerminal.departmentRegistry(configuration, store: store, district: district,
                                                                      districtKey: checkedDistrictKey, logger: logger)
        self.progressCode = Self.progressCodes(district == nil ? store.keys.idHashing : districtKey ?? store.keys.idHashing)
        // Failed sign-ins are budgeted by the access store, which knows whose they are.
        self.access = AccessStore(store: store, signInsPerMinute: configuration.rateLimits.signInPerMinute)
        self.rateLimiter = RateLimiter([
            "booking": .perMinute(configuration.rateLimits.bookingPerMinute),
            "printing": .perMinute(configuration.rateLimits.printPerMinute),
            "help": .perMinute(configuration.rateLimits.helpPerMinute),
            "speech": .perMinute(configuration.rateLimits.speechPerMinute),
        ])
        self.codeGuesses = CodeGuessLimiter(missesPerMinute: configuration.rateLimits.codeMissesPerMinute)
        // The forms, refused where a paper they print could fail for want of data.
        let filings: PrintableFilings
        do {
            filings = try PrintableFilings(formsPath: configuration.formsDirectory)
        } catch {
            throw StartupError(code: error.code, message: error.message)
        }
        self.forms = filings.catalog
        for problem in forms.problems {
            logger.warning("form refused", metadata: ["form.problem": "\(problem.description)"])
        }
        logger.info("forms loaded", metadata: ["form.count": "\(forms.forms.count)"])
        self.metrics = PrometheusCollectorRegistry()
        self.devices = try await TerminalDevices.make(configuration, store: store, logger: logger)
        await devices.manager.rescan()
        policies = PolicyCatalog.load(configuration.formsDirectory + "/policies",
                                      today: LocalDate(containing: Date(), in: configuration.timeZone))
        for problem in policies.problems + policies.warnings {
            logger.warning("policy refused or expired", metadata: ["policy.problem": "\(problem.description)"])
        }
        switch ESpeakSynthesizer.shared {
        case .success(let synthesizer): speech = SpeechServices(synthesizer: synthesizer)
        case .failure(let error):
            logger.warning("speech unavailable: the screen will not be read aloud", metadata: ["speech.error": "\(error)"])
            speech = nil
        }
        self.sessions = CitizenSessions(
            timeout: TimeInterval(configuration.sessionTimeout.seconds),
            warning: TimeInterval(configuration.sessionTimeout.warningSeconds), cards: devices.cards)
        receipts = PrinterReceiptDesk(
            manager: devices.manager, templates: filings.templates, hallName: configuration.siteName,
            timeZone: configuration.timeZone, logger: logger,
            requests: PrintRequests(store: DeviceStore(store: store), limits: PrintLimits()), progressCode: progressCode,
            returnReasons: filingLedger.lifecycle.rules.returnReasons)
    }

    /// The terminal's own database file: the configured one, or in district mode
    /// `data_dir/kiosk.sqlite` (staff, devices, the outbox).
    public static func storePath(_ configuration: Configuration) -> String {
        switch configuration.database {
        case .sqlite(let path): path
        case .postgres: configuration.dataDirectory + "/kiosk.sqlite"
        }
    }

    /// Opens the terminal's own database with its keys (see `TerminalSecrets`), creating the
    /// data directory first.
    public static func openStore(_ configuration: Configuration) throws(StartupError) -> SQLiteStore {
        let path = storePath(configuration)
        let directory = configuration.dataDirectory
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw .dataDirectory(directory, "cannot create it")
        }
        guard Glibc.access(directory, W_OK) == 0 else { throw .dataDirectory(directory, "not writable") }
        let keys = try TerminalSecrets.load(configuration, databasePath: path)
        do {
            return try SQLiteStore(path: path, keys: keys)
        } catch {
            throw StartupError(code: error.code, message: error.message)
        }
    }

    /// The appointment store on a migrated database, with the hall's rules from configuration.
    public static func openBookings(_ store: SQLiteStore, _ configuration: Configuration) throws(StartupError) -> SQLiteBookingStore {
        do {
            return try SQLiteBookingStore(store: store, policy: configuration.bookingPolicy,
                                    checkInWindow: configuration.checkInWindow, queue: configuration.queue,
                                    timeZone: configuration.hours.timeZone)
        } catch {
            throw StartupError(code: error.code, message: error.message)
        }
    }

    /// The rules the terminal started with; `RulesReload` replaces them while it runs.
    var startRules: HallRules {
        HallRules(configuration: configuration, forms: forms, templates: receipts.templates, calendar: calendar)
    }

    public var serverDependencies: ServerDependencies { serverDependencies(for: startRules) }

    func serverDependencies(for rules: HallRules) -> ServerDependencies {
        let store = store
        let configuration = rules.configuration
        let receipts = receipts.using(rules.templates)
        var dependencies = ServerDependencies(
            identity: ServerIdentity(
                terminalID: configuration.terminalID, terminalName: configuration.terminalName,
                siteID: configuration.siteID, siteName: configuration.siteName, version: KioskVersion.current,
                timeZone: configuration.timeZone),
            readiness: readinessChecks(forms: rules.forms),
            schemaVersion: { try? store.schemaVersion() },
            metricsRegistry: metrics,
            maxBodyBytes: configuration.maxBodyBytes,
            filings: FilingServices(
                catalog: rules.forms, archive: filingArchive, sessions: sessions, cards: devices.cards, receipts: receipts,
                siteID: configuration.siteID, timeZone: configuration.timeZone, calendar: rules.calendar),
            devices: DeviceServices(
                manager: devices.manager, statistics: devices.statistics, events: devices.events, simulator: devices.simulator,
                printerSimulator: devices.printerSimulator, receiptPreviews: PrinterReceiptPreviews(),
                scannerSimulator: devices.scannerSimulator,
                counterSlips: PrinterCounterSlips(
                    manager: devices.manager, statistics: devices.statistics, terminalID: configuration.terminalID,
                    timeZone: configuration.timeZone) { [access] deviceID, staffNumber, now in
                        let entry = try AuditEntry(actor: .staff(try StaffNumber(staffNumber)), action: .counterSlipPrinted, target: deviceID)
                        let record = try await access.appendAudit(entry, now: now)
                        return AuditHead(sequence: record.sequence, hash: record.hash).description
                    }),
            access: accessServices,
            booking: BookingServices(
                services: configuration.services,
                slots: SlotGenerator(calendar: rules.calendar, hours: configuration.hours),
                ledger: ledger, queue: bookings.queue,
                siteID: configuration.siteID, siteName: configuration.siteName,
                checkInWindow: bookings.checkInWindow, receipts: receipts, cards: devices.cards, events: devices.events,
                audit: { [access] entry, now in _ = try await access.appendAudit(entry, now: now) }),
            district: districtStatus, codeGuesses: codeGuesses, lifecycle: lifecycleServices, speech: speech,
            policies: PolicyServices(catalog: policies, receipts: receipts, timeZone: configuration.timeZone),
            help: helpServices)
        let helpLedger = helpServices.ledger, terminalID = configuration.terminalID
        dependencies.policies.recordPrints = { ids, now in try await helpLedger.recordPolicyPrints(ids, terminalId: terminalID, at: now) }
        dependencies.refreshMetrics = { [terminalMetrics] in await terminalMetrics.refresh() }
        dependencies.fleet = { [district, heartbeat] in
            if let district { try await PostgresFleet(store: district).heartbeats() } else { [await heartbeat.compose()] }
        }
        dependencies.booking?.scannedCodes = devices.scannedCodes
        if let queueFeed, let booking = dependencies.booking { dependencies.display = DisplayServices(feed: queueFeed, booking: booking) }
        return dependencies
    }

    /// Calls for a member of staff from this terminal's screen (首问负责): kept in its own file,
    /// or in district mode in the district's store, where every terminal of the hall sees them.
    var helpServices: HelpServices {
        let access = access, hall = districtHelpLedger, terminalID = configuration.terminalID
        let ledger: any HelpRequestLedger = hall ?? HelpRequestStore(store: store, timeZone: configuration.timeZone)
        var services = HelpServices(
            ledger: ledger, terminalID: terminalID,
            timeout: TimeInterval(configuration.help.timeoutSeconds), hotline: configuration.help.hotline,
            appointmentLine: configuration.help.appointmentLine, events: devices.events,
            isStaffed: { [hours = SlotGenerator(calendar: calendar, hours: configuration.hours)] now in hours.isStaffed(at: now) },
            staffExists: { number in
                try await access.listStaff().contains { $0.number.value == number && !$0.disabled && $0.role != .technician }
            })
        if let hall { services.tellHall = { kind, id in try await hall.tellHall(kind.rawValue, id: id, origin: terminalID) } }
        return services
    }

    /// The terminal's own gauges and counters on `/metrics` (devices, outbox, queue, sessions).
    var terminalMetrics: TerminalMetrics {
        TerminalMetrics(registry: metrics, devices: devices, store: store, ledger: ledger,
                        serviceIDs: configuration.services.map(\.id), sessions: sessions, activity: deviceActivity)
    }

    /// The terminal's heartbeat to the district's fleet view; on a lone terminal it only keeps its faults.
    var heartbeat: Heartbeat {
        var send: (@Sendable (TerminalHeartbeat) async throws -> Void)?
        if let district { send = { [fleet = PostgresFleet(store: district)] in try await fleet.record($0) } }
        return Heartbeat(devices: devices, store: store, terminalID: configuration.terminalID, siteID: configuration.siteID,
                         interval: .seconds(configuration.heartbeatSeconds), faults: deviceFaults,
                         required: Set(configuration.requiredDevices.map(\.deviceKind)), logger: logger, send: send)
    }

    /// Where filings go: the terminal's file, and in district mode its outbox too.
    var filingArchive: any FilingArchive {
        switch mode {
        case .standalone:
            StandaloneFilingArchive(store: store, lifecycle: filingLedger.lifecycle, terminalID: configuration.terminalID,
                                    now: { Date() })
        case .district: DistrictTerminal.filingArchive(local: store, terminalID: configuration.terminalID, now: { Date() })
        }
    }

    /// What the booking and queue routes use: in district mode the district store, with the
    /// outbox for tickets and ratings while it is unreachable.
    var ledger: any BookingLedger {
        switch mode {
        case .standalone(let bookings): bookings
        case .district(_, let bookings, let local):
            DistrictTerminal.ledger(district: bookings, local: local, outbox: store, terminalID: configuration.terminalID)
        }
    }

    /// District mode, after a start-up migration that failed: migrates the store in the background.
    public var districtMigrationRetry: DistrictMigrationRetry? {
        guard case .district(let district, _, _) = mode else { return nil }
        return DistrictMigrationRetry(district: district, store: store, configuration: configuration, logger: logger)
    }

    /// District mode: sends the outbox to the district store.
    public var outboxDrainer: OutboxDrainer? {
        guard case .district(let district, let bookings, _) = mode, let filings = filingLedger as? PostgresFilingLedger else { return nil }
        return OutboxDrainer(outbox: store, district: district, bookings: bookings, filings: filings,
                             terminalID: configuration.terminalID, hall: configuration.siteID, logger: logger)
    }

    var accessServices: AccessServices {
        let access = access
        let terminalID = configuration.terminalID
        return AccessServices(
            terminalID: terminalID,
            signIn: { number, pin, now in try await access.signIn(number: number, pin: pin, terminalID: terminalID, now: now).issued },
            authenticate: { text, now in try await access.authenticate(text, terminalID: terminalID, now: now) },
            signOut: { token, now in try await access.signOut(token, now: now) },
            audit: { entry, now in _ = try await access.appendAudit(entry, now: now) },
            rateLimiter: rateLimiter,
            authenticateDepartment: { [departmentRegistry] key in try await departmentRegistry.authenticate(key) },
            authenticateDisplay: { [displayTokens] token in try displayTokens.authenticate(token) })
    }

    /// A technician's questions to the devices this terminal holds (`kiosk devices`, `kiosk diag`).
    public var diagnostics: DeviceDiagnostics { DeviceDiagnostics(devices: devices, configuration: configuration) }

    /// This terminal's own file's department keys: the ones in use when it stands alone (in
    /// district mode, `departmentRegistry` is the district's).
    public var departments: DepartmentStore { DepartmentStore(store: store) }
    /// The call displays' read-only tokens (`kiosk displays`).
    public var displayTokens: DisplayTokenStore { DisplayTokenStore(store: store) }

    var readinessChecks: [ReadinessCheck] { readinessChecks(forms: forms) }

    func readinessChecks(forms: FormCatalog) -> [ReadinessCheck] {
        let store = store
        let manager = devices.manager
        let required = Set(configuration.requiredDevices.map(\.deviceKind))
        return [
            ReadinessCheck("database") {
                switch await store.isReady() {
                case .success(let version): .ready("sqlite, schema version \(version)")
                case .failure(let error): .notReady(error.message)
                }
            },
        ] + districtReadinessChecks + [
            .forms(forms, policies: policies),
            .devices(manager, required: required),
        ]
    }

    /// The Hummingbird application serving the terminal's HTTP API, over HTTPS when `[tls]` is set.
    public func makeHTTPServer(
        eventLoopGroup: any EventLoopGroup = EventLoopGroupProvider.singleton.eventLoopGroup,
        onServerRunning: @escaping @Sendable (any Channel) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol {
        let listen = configuration.listen
        let http1 = KioskRoutes.http1(readTimeout: .seconds(configuration.readTimeoutSeconds),
                                      writeTimeout: .seconds(configuration.writeTimeoutSeconds), logger: logger, metrics: metrics)
        let server: HTTPServerBuilder = if let tls { try .tls(http1, tlsConfiguration: tls) } else { http1 }
        // SIGHUP and POST /v1/reload swap the router whole (RulesReload).
        let responder = LiveResponder()
        var districtCheck: (@Sendable (Configuration) async throws -> Void)?
        if let district { districtCheck = { try await DistrictTerminal.checkSettings(district, $0) } }
        let display = configuration.display == nil ? [] : [RulesFollower(responder: displayResponder) { KioskRoutes.displayRouter($0) }]
        let reload = RulesReload(rules: startRules, responder: responder, followers: display,
                                 dependencies: { rules in self.serverDependencies(for: rules) }, districtCheck: districtCheck, logger: logger)
        reload.serve(startRules)
        return Application(
            responder: responder,
            server: server,
            configuration: .init(address: .hostname(listen.host, port: listen.port), serverName: "kiosk/\(KioskVersion.current)", reuseAddress: true),
            services: [ReloadOnHangUp(reload: reload)],
            onServerRunning: onServerRunning,
            eventLoopGroupProvider: .shared(eventLoopGroup),
            logger: logger)
    }

    /// Expires holds and marks no-shows every `booking.maintenance_seconds`, and deletes print
    /// jobs older than `devices.print_job_retention_days`.
    public var bookingMaintenance: BookingMaintenance {
        BookingMaintenance(bookings: bookings, interval: .seconds(configuration.bookingMaintenanceSeconds), logger: logger,
                           printJobs: DeviceStore(store: store),
                           printJobRetention: TimeInterval(configuration.printJobRetentionDays) * 86_400)
    }

    /// Writes the audit log's head to the service log (and the district store) at start and every hour.
    public var auditAnchors: AuditAnchors {
        AuditAnchors(access: access, district: district, terminalID: configuration.terminalID, logger: logger)
    }

    /// Runs the terminal until SIGTERM or SIGINT, then finishes in-flight requests and returns;
    /// what is still open after `StopDeadline.graceful` is cut (see `StopDeadline`).
    /// Under systemd (`$NOTIFY_SOCKET`) it reports readiness, status, watchdog pings and the stop.
    /// Holds the data directory's lock meanwhile, so the keys are not rotated under it.
    public func run() async throws(StartupError) {
        let lock = try ServeLock.serving(configuration)
        defer { withExtendedLifetime(lock) {} }
        let listen = configuration.listen
        let logger = logger
        let scheme = tls == nil ? "http" : "https"
        let started = ServerStarted()
        let eventLoops = EventLoopGroupProvider.singleton.eventLoopGroup
        let server: any ServiceLifecycle.Service
        do {
            server = try makeHTTPServer(eventLoopGroup: eventLoops) { _ in
                started.markRunning()
                logger.notice("kiosk is serving", metadata: [
                    "http.address": "\(listen)", "http.scheme": "\(scheme)", "kiosk.version": "\(KioskVersion.current)"])
            }
        } catch {
            throw Self.explain(error, listen: listen)
        }
        let displayServer: (any ServiceLifecycle.Service)?
        do {
            displayServer = try makeDisplayServer(eventLoopGroup: eventLoops) { [configuration] _ in
                logger.notice("the call display is served", metadata: ["http.address": "\(configuration.display.map { "\($0.listen)" } ?? "")"])
            }
        } catch {
            throw Self.explain(error, listen: configuration.display?.listen ?? listen)
        }
        // Shutdown runs in reverse order: the stop deadline starts and systemd hears STOPPING=1,
        // then the event stream ends, then the device loops, then the server finishes the
        // requests in flight.
        // The powered-time counter stops before the manager, so its last count still finds the devices.
        let poweredTime = PoweredTimeCounter(manager: devices.manager, statistics: devices.statistics, logger: logger)
        let serviceManager = ServiceManagerNotifier().map { notifier in
            ServiceManagerReports(
                notifier: notifier, watchdogInterval: ServiceManagerNotifier.watchdogInterval(),
                readiness: readinessChecks, server: started, address: "\(scheme)://\(listen)",
                loops: EventLoopResponsiveness(eventLoops), logger: logger)
        }
        let stop = StopDeadline(logger: logger)
        // The district store is listed first so it stops last, after the requests that use it.
        var services: [any ServiceLifecycle.Service] = district.map { [$0] } ?? []
        services += [server] + (displayServer.map { [$0] } ?? []) + [bookingMaintenance, lifecycleWatch, webhookPusher, devices.manager, poweredTime, auditAnchors]
        services += (districtMigrationRetry.map { [$0] } ?? []) + (outboxDrainer.map { [$0] } ?? []) + devices.services
        services += queueFeedService.map { [$0] } ?? []
        services += helpHallListener.map { [$0] } ?? []
        services += [eventForwarder,
                     SessionWatch(sessions: sessions, events: devices.events, help: HelpDeadlines(services: helpServices)),
                     terminalMetrics, heartbeat,
                     IdleStatusPoller(manager: devices.manager, interval: .seconds(configuration.statusPollSeconds))]
        if let serviceManager { services.append(serviceManager) }
        do {
            services.append(AdminChannel.BestEffort(
                server: try AdminChannel.server(path: AdminChannel.socketPath(configuration), diagnostics: diagnostics,
                                                eventLoopGroup: eventLoops, logger: logger),
                logger: logger))
        } catch {
            // Diagnostics then open the devices themselves, as without a server; serving goes on.
            logger.error("admin channel not opened", metadata: ["error": "\(error)"])
        }
        services.append(stop)
        var groupConfiguration = ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        groupConfiguration.maximumGracefulShutdownDuration = stop.graceful
        do {
            try await ServiceGroup(configuration: groupConfiguration).run()
        } catch {
            // Cut at the deadline, a service may end with the cancellation it was given: the
            // stop was asked for, and it happened.
            guard stop.stopRequested else { throw Self.explain(error, listen: listen) }
            if !(error is CancellationError) {
                logger.warning("a service failed while the terminal stopped", metadata: ["error": "\(error)"])
            }
        }
        if stop.gracefulTimeExceeded {
            logger.warning("requests still open after \(stop.graceful.components.seconds) seconds were cut to stop")
        }
        logger.notice("kiosk stopped")
    }

    /// Turns a failure to start the server into one line a technician can act on.
    static func explain(_ error: any Error, listen: Configuration.ListenAddress) -> StartupError {
        let address = listen.description
        if let io = error as? IOError {
            switch io.errnoCode {
            case EADDRINUSE: return .cannotListen(address, "the address is already in use (is another kiosk running?)")
            case EACCES: return .cannotListen(address, "permission denied (ports below 1024 need privileges)")
            case EADDRNOTAVAIL: return .cannotListen(address, "the address is not available on this machine")
            default: return .cannotListen(address, String(cString: strerror(io.errnoCode)))
            }
        }
        return StartupError(code: "serverFailed", message: .init(zh: "服务失败：\(type(of: error))", en: "the server failed: \(error)"))
    }
}
