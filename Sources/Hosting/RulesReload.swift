import Booking
import FormEngine
import Foundation
import Hummingbird
import KioskConfig
import KioskCore
import KioskServer
import Logging
import Papers
import ReceiptPrinter
import ServiceLifecycle
import StoragePostgres
import UnixSignals

/// Which keys of `kiosk.conf` a reload applies (kiosk.conf and the README say the same; a test
/// keeps them so).
public enum ReloadPolicy {
    /// The tables a reload applies, with Forms/ and the calendar.
    public static let reloadableKeys = ["hours", "services"]

    /// What changes only with a restart: every key of `Setting.all` and `[queue.prefixes]`
    /// (the booking store, the devices, the listener and the logs are built from them at start).
    public static var restartOnlyKeys: [String] { Setting.all.map(\.path) + ["queue.prefixes"] }
}

/// What a reload replaces while `kiosk serve` runs: the filings and their receipt templates
/// (`Forms/`), the official calendar (`Forms/calendar/` and the years imported into
/// `data_dir/calendar/`), and the hall's hours and services from `kiosk.conf`. Everything else is
/// read once at start; `RulesReload.restartOnlyKeys` lists it.
public struct HallRules: Sendable {
    /// The configuration served: the one read at start, with the reloadable tables of the
    /// latest reload.
    public var configuration: Configuration
    public var forms: FormCatalog
    public var templates: [String: ReceiptTemplate]
    public var calendar: OfficialCalendar

    public init(configuration: Configuration, forms: FormCatalog, templates: [String: ReceiptTemplate], calendar: OfficialCalendar) {
        self.configuration = configuration
        self.forms = forms
        self.templates = templates
        self.calendar = calendar
    }
}

/// A listener other than the terminal's whose routes a reload rebuilds: its responder and how
/// its router is made from the terminal's services.
public struct RulesFollower: Sendable {
    public let responder: LiveResponder
    public let router: @Sendable (ServerDependencies) -> Router<KioskRequestContext>

    public init(responder: LiveResponder, router: @escaping @Sendable (ServerDependencies) -> Router<KioskRequestContext>) {
        self.responder = responder
        self.router = router
    }
}

/// Re-reads the hall's rules on SIGHUP and on a technician's `POST /v1/reload`, and replaces
/// them at once, or not at all: a reload whose files fail their checks (a form, a template, the
/// calendar, kiosk.conf) keeps the running version and says why, in the answer and the log.
/// A citizen's session keeps the form it started on (`CitizenSessions`). Reloads take turns.
public actor RulesReload {
    static let reloadableKeys = ReloadPolicy.reloadableKeys

    /// The terminal's services for a version of the rules (the composition root's).
    private let dependencies: @Sendable (HallRules) -> ServerDependencies
    /// District mode: checks new hours and services against the district's settings.
    private let districtCheck: (@Sendable (Configuration) async throws -> Void)?
    private let responder: LiveResponder
    /// Other listeners whose routes are built from the rules (the call display's), replaced
    /// with the terminal's router so that a display shows the services the terminal serves.
    private let followers: [RulesFollower]
    private let logger: Logger
    private var running: HallRules
    /// What `/readyz` says of reloads: when the rules served were read, and why the last
    /// reload was refused, if it was (the files on disk then differ from what is served).
    private var history = History()

    struct History: Sendable {
        var loadedAt = Date()
        var trigger = "start"
        var refusal: (at: Date, problems: [String])?
    }

    public init(rules: HallRules, responder: LiveResponder, followers: [RulesFollower] = [],
                dependencies: @escaping @Sendable (HallRules) -> ServerDependencies,
                districtCheck: (@Sendable (Configuration) async throws -> Void)?, logger: Logger) {
        self.dependencies = dependencies
        self.districtCheck = districtCheck
        self.running = rules
        self.responder = responder
        self.followers = followers
        self.logger = logger
    }

    /// Serves `rules` on the terminal's listener and on every follower, all from one set of the
    /// terminal's services (a follower's routes share the terminal's stores and limits).
    public nonisolated func serve(_ rules: HallRules) {
        let services = dependencies(rules)
        responder.replace(with: router(with: services))
        for follower in followers { follower.responder.replace(with: follower.router(services)) }
    }

    /// The terminal's router on `services`, whose `POST /v1/reload` comes back here.
    private nonisolated func router(with services: ServerDependencies) -> Router<KioskRequestContext> {
        var dependencies = services
        dependencies.reload = { [self] in await self.reload(trigger: "request") }
        dependencies.readiness.append(ReadinessCheck("reload") { [self] in await self.readiness() })
        return KioskRoutes.router(dependencies)
    }

    /// Always ready (the running version serves); a refused reload is a warning until the
    /// files are fixed and read again.
    func readiness() -> ReadinessState {
        let loaded = "rules read at \(history.loadedAt.formatted(.iso8601)) (\(history.trigger))"
        guard let refusal = history.refusal else { return .ready(loaded) }
        return .ready(loaded, warnings: ["the reload at \(refusal.at.formatted(.iso8601)) was refused; the running version stays"]
            + refusal.problems)
    }

    /// Reads everything again; serves it if all of it passes, else keeps what runs.
    public func reload(trigger: String) async -> ReloadReport {
        let next: HallRules
        let restartNeeded: [String]
        var outcome = read()
        if case .success(let (rules, _)) = outcome, let problems = await districtProblems(rules.configuration) {
            outcome = .failure(Refusal(problems: problems))
        }
        switch outcome {
        case .failure(let refusal):
            for problem in refusal.problems {
                logger.error("reload refused; the running version stays", metadata: [
                    "reload.trigger": "\(trigger)", "reload.problem": "\(problem)"])
            }
            history.refusal = (Date(), refusal.problems)
            return report(running, reloaded: false, applied: [], restartNeeded: [], problems: refusal.problems)
        case .success(let (rules, changedAtRestart)):
            next = rules
            restartNeeded = changedAtRestart
        }
        let applied = Self.reloadableKeys.filter { key in
            key == "hours" ? next.configuration.hours != running.configuration.hours
                : next.configuration.services != running.configuration.services
        }
        running = next
        history = History(loadedAt: Date(), trigger: trigger)
        serve(next)
        logger.notice("reloaded", metadata: [
            "reload.trigger": "\(trigger)", "form.count": "\(next.forms.forms.count)",
            "reload.applied": "\(applied.joined(separator: ","))",
        ])
        for key in restartNeeded {
            logger.warning("kiosk.conf changed a key that takes effect at the next restart", metadata: ["config.key": "\(key)"])
        }
        return report(next, reloaded: true, applied: applied, restartNeeded: restartNeeded, problems: [])
    }

    /// In district mode, hours and services are the district's (`DistrictSettings`): a reload
    /// that changes them must still match what the district store records, or it would make this
    /// terminal differ silently from the others. Nil when there is nothing against it.
    private func districtProblems(_ next: Configuration) async -> [String]? {
        guard let districtCheck,
              next.hours != running.configuration.hours || next.services != running.configuration.services else { return nil }
        do {
            try await districtCheck(next)
            return nil
        } catch let error as DistrictSettingsDiffer {
            return error.message.en.split(separator: "\n").map(String.init)
        } catch {
            return ["hours and services changed, and the district store cannot be reached to check them against the district's "
                + "settings: reload again when it is back (\((error as? any KioskError)?.message.en ?? "\(type(of: error))"))"]
        }
    }

    struct Refusal: Error {
        let problems: [String]
    }

    /// The rules on disk now, with the keys changed in the file that only a restart applies;
    /// or every problem of kiosk.conf, the calendar and the forms at once.
    private func read() -> Result<(HallRules, [String]), Refusal> {
        let current = running.configuration
        guard let file = current.file else {
            return .failure(Refusal(problems: ["the configuration was not read from a file, so there is nothing to read again"]))
        }
        var problems: [String] = []
        var fresh: Configuration?
        do {
            fresh = try ConfigurationLoader.load(file: file)
        } catch {
            problems += error.problems.map(\.description)
        }
        // The calendar and the forms come from the directories the terminal started with:
        // `forms.dir` and `data_dir` themselves need a restart.
        var calendar: OfficialCalendar?
        do {
            calendar = try CalendarFiles(current).load()
        } catch {
            problems.append(error.message.en)
        }
        var filings: PrintableFilings?
        do {
            filings = try PrintableFilings(formsPath: current.formsDirectory)
        } catch {
            problems.append(error.description)
        }
        // At start a broken form is left out and the rest served; a reload never takes a form
        // away because of a slip in an edit: every form must pass, as `kiosk forms validate` says.
        problems += filings?.catalog.problems.map(\.description) ?? []
        var configuration = current
        if let fresh {
            do {
                // The hours follow the running time_zone; a new time_zone waits for the restart.
                configuration.hours = try fresh.hours.inTimeZone(current.timeZone.identifier)
            } catch {
                problems.append("\(file): hours: \(error.messageEN)")
            }
            configuration.services = fresh.services
        }
        guard problems.isEmpty, let fresh, let calendar, let filings else { return .failure(Refusal(problems: problems)) }
        let restartNeeded = ReloadPolicy.restartOnlyKeys.filter { key in
            key == "queue.prefixes" ? fresh.queue.prefixes != current.queue.prefixes : fresh.values[key] != current.values[key]
        }
        return .success((HallRules(configuration: configuration, forms: filings.catalog, templates: filings.templates,
                                   calendar: calendar), restartNeeded))
    }

    private func report(_ rules: HallRules, reloaded: Bool, applied: [String], restartNeeded: [String],
                        problems: [String]) -> ReloadReport {
        ReloadReport(
            reloaded: reloaded, forms: rules.forms.forms.keys.sorted(), services: rules.configuration.services.map(\.id),
            calendarYears: rules.calendar.years.keys.sorted(), applied: applied, restartNeeded: restartNeeded,
            problems: problems)
    }
}

/// SIGHUP reloads the hall's rules (`systemctl reload kiosk`, `kill -HUP`), as administrators
/// expect of a daemon.
public struct ReloadOnHangUp: ServiceLifecycle.Service {
    let reload: RulesReload

    public init(reload: RulesReload) { self.reload = reload }

    public func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            for await _ in signals {
                _ = await reload.reload(trigger: "SIGHUP")
            }
        }
    }
}
