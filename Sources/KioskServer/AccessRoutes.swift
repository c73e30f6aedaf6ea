import Access
import FormEngine
import Foundation
import Hummingbird
import JSONLogic
import KioskCore

/// What sign-in, the role checks and staff overrides need from the terminal.
public struct AccessServices: Sendable {
    public var terminalID: String
    public var reasons: OverrideReasons
    public var signIn: @Sendable (_ number: String, _ pin: String, _ now: Date) async throws -> IssuedToken
    public var authenticate: @Sendable (_ token: String, _ now: Date) async throws -> AccessToken
    /// The department a presented API key (`kdk1.…`) belongs to; nil for any other text.
    public var authenticateDepartment: @Sendable (_ apiKey: String) async throws -> String?
    /// The call display a presented token (`kds1.…`) belongs to; nil for any other text.
    public var authenticateDisplay: @Sendable (_ token: String) async throws -> String?
    public var signOut: @Sendable (AccessToken, Date) async throws -> Void
    public var audit: @Sendable (AuditEntry, Date) async throws -> Void
    public var now: @Sendable () -> Date
    /// Booking requests per minute this terminal accepts.
    public var rateLimiter: RateLimiter

    public init(
        terminalID: String, reasons: OverrideReasons = .standard,
        signIn: @escaping @Sendable (String, String, Date) async throws -> IssuedToken,
        authenticate: @escaping @Sendable (String, Date) async throws -> AccessToken,
        signOut: @escaping @Sendable (AccessToken, Date) async throws -> Void,
        audit: @escaping @Sendable (AuditEntry, Date) async throws -> Void,
        now: @escaping @Sendable () -> Date = Date.init,
        rateLimiter: RateLimiter = RateLimiter(["booking": .perMinute(60)]),
        authenticateDepartment: @escaping @Sendable (String) async throws -> String? = { _ in nil },
        authenticateDisplay: @escaping @Sendable (String) async throws -> String? = { _ in nil }
    ) {
        self.authenticateDepartment = authenticateDepartment
        self.authenticateDisplay = authenticateDisplay
        self.rateLimiter = rateLimiter
        self.terminalID = terminalID
        self.reasons = reasons
        self.signIn = signIn
        self.authenticate = authenticate
        self.signOut = signOut
        self.audit = audit
        self.now = now
    }
}

extension KioskRoutes {
    /// Who may call what. Every route the server registers must stand here: a test compares this
    /// list with the router's, so a new endpoint cannot forget its roles. The terminal's own
    /// screen is the `citizen` role; diagnostics, counter work and overrides need a sign-in.
    public static func endpointPolicy() throws(AccessError) -> EndpointPolicy {
        let anyone = Set<Role>.anyone
        let staff: Set<Role> = [.staff, .admin]
        let technicians: Set<Role> = [.technician, .admin]
        let citizenRoutes: [(String, String)] = [
            ("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/v1/info"), ("GET", "/metrics"), ("GET", "/v1/events"),
            ("GET", "/v1/forms"), ("POST", "/v1/sessions"), ("GET", "/v1/sessions/{id}"), ("DELETE", "/v1/sessions/{id}"), ("POST", "/v1/sessions/{id}/keep-alive"),
            ("GET", "/v1/sessions/{id}/speech"), ("GET", "/v1/speech"), ("GET", "/v1/policies"), ("POST", "/v1/policies/match"), ("POST", "/v1/policies/print"),
            ("PUT", "/v1/sessions/{id}/answers/{field}"), ("POST", "/v1/sessions/{id}/next"), ("POST", "/v1/sessions/{id}/back"),
            ("POST", "/v1/sessions/{id}/jump"), ("GET", "/v1/sessions/{id}/review"), ("POST", "/v1/sessions/{id}/review/confirm"),
            ("GET", "/v1/sessions/{id}/materials"), ("POST", "/v1/sessions/{id}/materials/{material}"),
            ("POST", "/v1/sessions/{id}/submit"), ("POST", "/v1/sessions/{id}/materials/notice"), ("POST", "/v1/sessions/{id}/draft"), ("POST", "/v1/drafts/resume"),
            ("POST", "/v1/print-jobs/{job}/reprint"), ("GET", "/v1/devices"), ("GET", "/v1/devices/{id}"),
            ("GET", "/v1/services"), ("GET", "/v1/services/{id}/slots"), ("GET", "/v1/calendar"), ("POST", "/v1/holds"), ("POST", "/v1/bookings"),
            ("POST", "/v1/bookings/lookup"), ("GET", "/v1/bookings/{code}.ics"), ("POST", "/v1/bookings/{code}/cancel"),
            ("POST", "/v1/bookings/{code}/slip"),
            ("POST", "/v1/bookings/{code}/reschedule"), ("POST", "/v1/check-ins"), ("POST", "/v1/tickets"),
            ("POST", "/v1/tickets/{id}/rating"), ("GET", "/v1/queue"),
            ("POST", "/v1/progress/lookup"), ("POST", "/v1/filings/{reference}/rating"),
            ("POST", "/v1/filings/{reference}/deferred/{material}/hand-in"), ("POST", "/v1/filings/{reference}/correction"),
            ("GET", "/v1/filings/reasons"),
            ("GET", "/v1/simulator/cards"), ("POST", "/v1/simulator/cards"), ("DELETE", "/v1/simulator/cards"),
            ("POST", "/v1/staff/sign-in"), ("GET", "/v1/qr-code"),
            // Calling for a member of staff; only staff take, hand over and close a call.
            ("POST", "/v1/help-requests"), ("GET", "/v1/help-requests/current"),
            // The touch UI itself: the screen loads it before anyone signs in.
            ("GET", "/"), ("GET", "/ui/{file}"),
        ]
        let staffRoutes: [(String, String)] = [
            ("POST", "/v1/counters/{counter}/call-next"), ("POST", "/v1/tickets/{id}/recall"), ("POST", "/v1/tickets/{id}/no-show"),
            ("POST", "/v1/tickets/{id}/finish"), ("POST", "/v1/tickets/{id}/transfer"),
            ("GET", "/v1/override-reasons"), ("POST", "/v1/sessions/{id}/overrides/{action}"),
            ("GET", "/v1/desk/queue"), ("POST", "/v1/filings/{reference}/receive"), ("POST", "/v1/filings/{reference}/accept"),
            ("POST", "/v1/filings/{reference}/return"), ("POST", "/v1/filings/{reference}/start"),
            ("POST", "/v1/filings/{reference}/complete"), ("POST", "/v1/filings/{reference}/collect"),
            ("POST", "/v1/filings/{reference}/notice"), ("POST", "/v1/filings/{reference}/deferred/{material}/received"),
            ("POST", "/v1/filings/{reference}/commitments/{material}"),
        ]
        let supervisors: Set<Role> = [.supervisor, .admin]
        let supervisorRoutes: [(String, String)] = [
            ("GET", "/v1/supervision/desk"), ("GET", "/v1/supervision/dead-letters"), ("GET", "/v1/reports/monthly"), ("POST", "/v1/filings/{reference}/urge"),
            ("POST", "/v1/filings/{reference}/follow-up/callback"), ("POST", "/v1/filings/{reference}/follow-up/rectification"),
            ("POST", "/v1/filings/{reference}/follow-up/close"),
        ]
        // Calls for staff: whoever works the floor, the duty supervisor (值班长) included.
        let helpStaffRoutes: [(String, String)] = [
            ("GET", "/v1/help-requests"), ("POST", "/v1/help-requests/{id}/take"), ("POST", "/v1/help-requests/{id}/handover"),
            ("POST", "/v1/help-requests/{id}/close"),
        ]
        let technicianRoutes: [(String, String)] = [
            ("POST", "/v1/devices/{id}/health-checks"), ("GET", "/v1/devices/{id}/statistics"),
            ("POST", "/v1/devices/{id}/statistics/{name}/reset"), ("GET", "/v1/devices/{id}/last-receipt"),
            ("POST", "/v1/devices/{id}/counter-slip"),
            ("GET", "/v1/simulator/printer"), ("POST", "/v1/simulator/printer"), ("POST", "/v1/simulator/scanner"), ("GET", "/v1/district"), ("GET", "/v1/fleet"),
            ("POST", "/v1/reload"),
        ]
        var endpoints: [EndpointPolicy.Rule] = citizenRoutes.map { .init($0.0, $0.1, anyone) }
        endpoints += staffRoutes.map { .init($0.0, $0.1, staff) }
        endpoints += technicianRoutes.map { .init($0.0, $0.1, technicians) }
        endpoints += supervisorRoutes.map { .init($0.0, $0.1, supervisors) }
        // A filing as it stands, answers included while kept: the window's and the supervision post's.
        endpoints.append(.init("GET", "/v1/filings/{reference}", staff.union(supervisors)))
        endpoints += helpStaffRoutes.map { .init($0.0, $0.1, staff.union(supervisors)) }
        endpoints.append(.init("POST", "/v1/staff/sign-out", .signedIn))
        // Department systems, with their API keys (docs/DEPARTMENT-API.md).
        endpoints += [.init("GET", "/v1/departments/{id}/filings", [.department]), .init("POST", "/v1/filings/{reference}/events", [.department])]
        // The hall's call display, with its read-only token (README "the queue display").
        endpoints += [.init("GET", "/v1/display/queue", [.display]), .init("GET", "/v1/display/events", [.display])]
        return try EndpointPolicy(endpoints)
    }

    static func addAccessRoutes(to router: Router<KioskRequestContext>, _ services: AccessServices) {
        router.post("/v1/staff/sign-in") { request, context in
            let body = try await RequestBody(request, context: context, allowed: ["number", "pin"])
            let issued: IssuedToken
            do {
                issued = try await services.signIn(try body.string("number"), try body.string("pin"), services.now())
            } catch let error as AccessError where error.retryAfter != nil {
                // A delay or the terminal's budget: the answer says how long (`Retry-After`).
                return try error.response(from: request, context: context)
            }
            return json(SignedInView(token: issued.text, staffNumber: issued.token.staffNumber.value,
                                     role: issued.token.role.rawValue, expiresAt: issued.token.expiresAt), status: .created)
        }

        router.post("/v1/staff/sign-out") { _, context in
            if let token = context.staff { try await services.signOut(token, services.now()) }
            return Response(status: .noContent)
        }
    }

    /// Staff take a step off a citizen's hands, always with a reason from the configured list;
    /// the session records who, when, what and why, and the audit log gets the same.
    static func addOverrideRoutes(to router: Router<KioskRequestContext>, _ access: AccessServices, _ filings: FilingServices) {
        // The hall's reasons, for the staff console's list: the one list the overrides are checked against.
        router.get("/v1/override-reasons") { _, _ in
            json(access.reasons.reasons)
        }
        router.post("/v1/sessions/{id}/overrides/{action}") { request, context in
            let body = try await RequestBody(request, context: context, allowed: ["reasonCode", "note", "material", "field", "value"])
            guard let token = context.staff else { throw AccessError(.signInRequired) }
            let id = try context.parameters.require("id")
            let actionName = try context.parameters.require("action")
            guard let action = OverrideAction(rawValue: actionName) else {
                throw APIError(.notFound, code: "unknownOverride", message: .init(
                    zh: "不支持的协助操作：\(actionName)",
                    en: "Unknown override \(actionName); use one of \(OverrideAction.allCases.map(\.rawValue).joined(separator: ", "))"))
            }
            var note = ""
            if case .string(let text)? = body.fields["note"] { note = text }
            let record = try access.reasons.record(
                action, by: token.staffNumber, role: token.role, reasonCode: try body.string("reasonCode"), note: note, at: access.now())
            let authorisation = StaffAuthorisation(
                staffID: record.staffNumber.value, reasonCode: record.reasonCode, note: record.note, at: record.at)
            let material = [.markMaterialReceivedOnPaper, .approveDeferredMaterial].contains(action) ? try body.string("material") : nil
            let field = action == .correctCardData ? try body.string("field") : nil
            let sessions = filings.sessions
            let formID: String
            switch action {
            case .cancelSession:
                formID = try await sessions.read(id) { session, _ in session.formID }
                try await sessions.end(id)
            case .takeOverSession, .handBackSession:
                if action == .takeOverSession {
                    try await sessions.takeOver(id, by: token.staffNumber.value)
                } else {
                    try await sessions.handBack(id)
                }
                formID = try await sessions.update(id) { session, _ in
                    try session.recordAssistance(action == .takeOverSession ? .takeOver : .handBack, authorisation: authorisation)
                    return session.formID
                }
            default:
                formID = try await sessions.update(id) { session, form in
                    switch action {
                    case .skipStep:
                        try session.skipStep(in: form, context: filings.context, authorisation: authorisation)
                    case .acceptInvalidAnswer:
                        _ = try session.next(in: form, context: filings.context, override: authorisation)
                    case .markMaterialReceivedOnPaper:
                        try session.markMaterialReceivedOnPaper(material ?? "", in: form, authorisation: authorisation)
                    case .correctCardData:
                        try session.correctCardData(field ?? "", try body.json("value"), in: form, authorisation: authorisation)
                    default:
                        try session.approveDeferral(material ?? "", in: form, context: filings.context, authorisation: authorisation)
                    }
                    return session.formID
                }
            }
            // The note stays with the session: staff may type a name there; the log keeps the reason.
            // The corrected value may be a name: the log names the field only.
            let details = ["form": formID] + (material.map { ["material": $0] } ?? [:]) + (field.map { ["field": $0] } ?? [:])
            try await access.audit(try record.auditEntry(target: "session", details: details), access.now())
            if action == .cancelSession { return Response(status: .noContent) }
            return try await view(context, filings) { _, _ in }
        }
    }
}

extension Dictionary {
    static func + (lhs: Self, rhs: Self) -> Self { lhs.merging(rhs) { $1 } }
}

struct SignedInView: Codable {
    let token: String
    let staffNumber: String
    let role: String
    let expiresAt: Date
}

/// Finds who is calling (a bearer token, or the terminal's citizen) and refuses what their role
/// may not do, before any handler runs. Unmatched paths pass through to their 404.
struct AccessMiddleware: RouterMiddleware {
    typealias Context = KioskRequestContext
    let services: AccessServices
    let policy: EndpointPolicy

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        var role = Role.citizen
        if let header = request.headers[.authorization] {
            guard header.hasPrefix("Bearer ") else { throw AccessError(.tokenMalformed) }
            let text = String(header.dropFirst("Bearer ".count))
            if text.hasPrefix("kdk1.") {
                // A department system's API key: made up, revoked or another terminal's keys alike.
                guard let department = try await services.authenticateDepartment(text) else { throw AccessError(.tokenForged) }
                context.department = department
                role = .department
            } else if text.hasPrefix("kds1.") {
                // A call display's read-only token: made up, revoked or another terminal's alike.
                guard try await services.authenticateDisplay(text) != nil else { throw AccessError(.tokenForged) }
                role = .display
            } else {
                let token = try await services.authenticate(text, services.now())
                context.staff = token
                role = token.role
            }
        }
        if let path = context.endpointPath, path != "NotFound" {
            // HEAD is GET without the body: the same roles.
            let method = request.method == .head ? "GET" : request.method.rawValue
            try policy.authorise(role, for: Endpoint(method, path))
        }
        return try await next(request, context)
    }
}

extension AccessError: HTTPResponseError {
    public var status: HTTPResponse.Status {
        switch kind {
        case .signInRequired, .signInFailed, .tokenMalformed, .tokenForged, .tokenExpired, .tokenOtherTerminal, .tokenRevoked:
            .unauthorized
        case .roleNotAllowed, .endpointNotDeclared, .accountDisabled: .forbidden
        case .signInDelayed, .signInRateLimited: .tooManyRequests
        case .staffNotFound: .notFound
        default: .unprocessableContent
        }
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = ProblemMiddleware<BasicRequestContext>.response(for: Problem(status: status, code: code, messages: message))
        if let retryAfter { response.headers[.retryAfter] = String(retryAfter) }
        return response
    }
}
