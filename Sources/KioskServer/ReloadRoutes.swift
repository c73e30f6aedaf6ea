import Foundation
import Hummingbird
import KioskCore
import Synchronization

/// What a reload of the hall's rules did: `POST /v1/reload` answers with it, the log says it.
///
/// A reload re-reads `Forms/` (filings and receipt templates), the official calendar and the
/// reloadable tables of `kiosk.conf` (`[hours]`, `[[services]]`) and replaces them all at once,
/// or none: when anything fails its checks the running version stays and `problems` says why.
public struct ReloadReport: Codable, Sendable, Equatable {
    /// True when the new version is being served; false when it was refused.
    public var reloaded: Bool
    /// The filings offered now.
    public var forms: [String]
    /// The services that can be booked now.
    public var services: [String]
    /// The years of the official calendar now known (imported years included).
    public var calendarYears: [Int]
    /// The reloadable keys of kiosk.conf whose new values are served now (`hours`, `services`).
    public var applied: [String]
    /// Keys of kiosk.conf changed in the file that take effect only when kiosk serve restarts.
    public var restartNeeded: [String]
    /// Why a reload was refused, one `FILE:LINE: message` each.
    public var problems: [String]

    public init(reloaded: Bool, forms: [String], services: [String], calendarYears: [Int], applied: [String],
                restartNeeded: [String], problems: [String]) {
        self.reloaded = reloaded
        self.forms = forms
        self.services = services
        self.calendarYears = calendarYears
        self.applied = applied
        self.restartNeeded = restartNeeded
        self.problems = problems
    }
}

/// The router the server answers with, replaced whole by a reload: every request is answered
/// by one version of the rules, the one before or the one after, never a mix.
public final class LiveResponder: HTTPResponder, Sendable {
    public typealias Context = KioskRequestContext
    private let current: Mutex<RouterResponder<KioskRequestContext>>

    /// Starts with a router that knows no route, until `replace` gives it the terminal's.
    public init() {
        current = Mutex(Router(context: KioskRequestContext.self).buildResponder())
    }

    public func replace(with router: Router<KioskRequestContext>) {
        let responder = router.buildResponder()
        current.withLock { $0 = responder }
    }

    public func respond(to request: Request, context: KioskRequestContext) async throws -> Response {
        let responder = current.withLock { $0 }
        return try await responder.respond(to: request, context: context)
    }
}

extension KioskRoutes {
    /// The technician's "apply the changed files now", the same as SIGHUP.
    static func addReloadRoute(to router: Router<KioskRequestContext>, _ reload: (@Sendable () async -> ReloadReport)?) {
        router.post("/v1/reload") { _, _ in
            guard let reload else {
                throw APIError(.notFound, code: "reloadNotAvailable", message: .init(
                    zh: "此服务不支持重新加载", en: "This server cannot reload its rules"))
            }
            let report = await reload()
            guard report.reloaded else {
                var problem = Problem(status: .unprocessableContent, code: "reloadRefused", messages: .init(
                    zh: "重新加载被拒绝，仍使用原来的版本：" + report.problems.joined(separator: "；"),
                    en: "The reload was refused and the running version stays: " + report.problems.joined(separator: "; ")))
                problem.problems = report.problems
                return ProblemMiddleware<KioskRequestContext>.response(for: problem)
            }
            return json(report)
        }
    }
}
