import Access
import Booking
import DeviceKit
import FormEngine
import Foundation
import Hummingbird
import KioskCore
import KioskServer
import Logging
import Prometheus
import Synchronization

/// A clock the test sets and moves: every service of a `TestTerminal` reads it.
public final class ManualClock: Sendable {
    private let current: Mutex<Date>

    public init(_ start: Date) {
        current = Mutex(start)
    }

    public func now() -> Date { current.withLock { $0 } }

    public func advance(by seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }

    public func set(_ date: Date) { current.withLock { $0 = date } }
}

/// The HTTP routes' dependencies made of fakes, the way `HummingbirdTesting` lets an application
/// be tested without a network: filings go to a `FakeFilingArchive`, papers to a
/// `FakeReceiptDesk`, bookings to a `FakeBookingLedger`, staff sign in at `FakeStaff`, devices are
/// `FakeDevice`s; the session, the card desk and the event stream are the server's own. So a route
/// test needs neither `KioskApplication`, nor a database, nor a copy of an installation. Change
/// `dependencies` for what a test needs otherwise.
public struct TestTerminal: Sendable {
    public static let shanghai = TimeZone(identifier: "Asia/Shanghai")!
    /// The repository's shipped filings.
    public static var shippedForms: FormCatalog { FormCatalog.load(TestInstallation.repository.appendingPathComponent("Forms").path) }

    public let clock: ManualClock
    public let archive = FakeFilingArchive()
    public let receipts: FakeReceiptDesk
    public let ledger: FakeBookingLedger
    public let staff: FakeStaff
    public let cards = CardDesk()
    public let sessions: CitizenSessions
    public let events = EventBus<TerminalEvent>()
    public let devices: FakeDeviceProvider
    public let manager: DeviceManager
    public var dependencies: ServerDependencies

    /// - Parameters:
    ///   - forms: the filings offered (none by default).
    ///   - services: bookable services; with none the terminal serves no booking routes.
    ///   - now: where the clock starts (Tuesday 2026-12-01 09:00 in Beijing by default).
    ///   - calendar: the official calendar (by default none published: weekends off).
    public init(forms: FormCatalog = FormCatalog(), services: [Service] = [],
                policy: BookingPolicy = BookingPolicy(), checkInWindow: CheckInWindow = CheckInWindow(),
                queue: QueuePolicy = QueuePolicy(), calendar: OfficialCalendar? = nil,
                hours: HallHours = .standard, devices: [any Device] = [FakeDevice(id: "printer-1")],
                now: Date = Date(timeIntervalSince1970: 1_796_086_800), terminalID: String = "T01", siteID: String = "S01") throws {
        let calendar = try calendar ?? OfficialCalendar(years: [])
        let clock = ManualClock(now)
        self.clock = clock
        receipts = FakeReceiptDesk()
        ledger = FakeBookingLedger(rules: BookingRules(policy: policy, checkInWindow: checkInWindow, queue: queue,
                                                       timeZone: hours.timeZone))
        staff = FakeStaff(terminalID: terminalID)
        sessions = CitizenSessions(cards: cards, now: clock.now)
        self.devices = FakeDeviceProvider(devices)
        manager = DeviceManager(providers: [self.devices], logger: Logger(label: "test"))
        let rateLimiter = RateLimiter(["signIn": .perMinute(1000), "booking": .perMinute(1000), "printing": .perMinute(1000)])
        let access = staff.accessServices(now: clock.now, rateLimiter: rateLimiter)
        dependencies = ServerDependencies(
            identity: ServerIdentity(terminalID: terminalID, terminalName: "测试终端", siteID: siteID, siteName: "测试大厅",
                                     version: KioskVersion.current, timeZone: hours.timeZone),
            readiness: [], schemaVersion: { nil }, metricsRegistry: PrometheusCollectorRegistry(), maxBodyBytes: 65_536,
            filings: FilingServices(catalog: forms, archive: archive, sessions: sessions, cards: cards, receipts: receipts,
                                    siteID: siteID, timeZone: hours.timeZone, calendar: calendar, now: clock.now),
            devices: DeviceServices(manager: manager, statistics: InMemoryStatisticsStore(), events: events, simulator: nil),
            access: access,
            booking: services.isEmpty ? nil : BookingServices(
                services: services, slots: SlotGenerator(calendar: calendar, hours: hours), ledger: ledger, queue: queue,
                siteID: siteID, siteName: "测试大厅", checkInWindow: checkInWindow, receipts: receipts, cards: cards, events: events,
                audit: access.audit, now: clock.now),
            codeGuesses: CodeGuessLimiter(missesPerMinute: 1000))
    }

    /// The router the terminal would serve, with these dependencies.
    public func router() -> Router<KioskRequestContext> { KioskRoutes.router(dependencies) }

    /// A Hummingbird application around `router()`, for `HummingbirdTesting`'s `.test(.router)`.
    public func application() -> some ApplicationProtocol { Application(router: router()) }
}
