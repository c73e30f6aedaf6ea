import Access
import DeviceKit
import Filings
import FormEngine
import Foundation
import Hummingbird
import KioskCore

/// Calls for a member of staff from the screen (请工作人员帮助) and 首问负责: the terminal's
/// store of calls, its settings, and where staff hear of them.
public struct HelpServices: Sendable {
    public var ledger: any HelpRequestLedger
    public var terminalID: String
    /// After this long without anyone taking a call, the screen shows the hotline.
    public var timeout: TimeInterval
    public var hotline: String
    /// Empty: none.
    public var appointmentLine: String
    public var events: EventBus<TerminalEvent>
    /// Whether staff are in the hall at an instant: the hall's hours on the official calendar
    /// (`SlotGenerator.isStaffed`). Outside them the screen gives the hotline at once.
    public var isStaffed: @Sendable (Date) -> Bool
    /// District mode: tells the hall's other terminals of each change to a call (nil on a
    /// terminal of its own). What they hear comes in through `heard`.
    public var tellHall: (@Sendable (_ kind: TerminalEvent.Kind, _ id: String) async throws -> Void)?
    /// Whether a staff number names an active member of staff a matter can be handed to.
    public var staffExists: @Sendable (String) async throws -> Bool
    public var now: @Sendable () -> Date

    public init(ledger: any HelpRequestLedger, terminalID: String, timeout: TimeInterval, hotline: String, appointmentLine: String = "",
                events: EventBus<TerminalEvent>, isStaffed: @escaping @Sendable (Date) -> Bool, staffExists: @escaping @Sendable (String) async throws -> Bool,
                now: @escaping @Sendable () -> Date = Date.init) {
        self.ledger = ledger
        self.terminalID = terminalID
        self.timeout = timeout
        self.hotline = hotline
        self.appointmentLine = appointmentLine
        self.events = events
        self.isStaffed = isStaffed
        self.staffExists = staffExists
        self.now = now
    }

    /// The terminal's open call, if any.
    func current() async throws -> HelpRequest? {
        try await ledger.open(terminalId: terminalID).first
    }

    func mark(_ request: HelpRequest, overdue: Bool = false) -> TerminalEvent.HelpMark {
        TerminalEvent.HelpMark(
            id: request.id, state: request.state.rawValue, screen: request.screen, formId: request.formId, stepId: request.stepId,
            responsibleStaff: request.responsibleStaff, hotline: overdue ? hotline : nil,
            appointmentLine: overdue && !appointmentLine.isEmpty ? appointmentLine : nil)
    }

    func publish(_ kind: TerminalEvent.Kind, _ request: HelpRequest, overdue: Bool = false) async {
        await events.publish(TerminalEvent(type: kind, sessionId: request.sessionId, help: mark(request, overdue: overdue)))
        // The change is stored; a terminal that misses the word reads the calls afresh when its
        // console is drawn, and the screen asks for its call at the deadline.
        try? await tellHall?(kind, request.id)
    }

    /// A change to a call another terminal of the hall told of: on this terminal's stream (the
    /// staff console redraws its calls), and, for a call from this terminal's screen, on the
    /// citizen's session, so the receipt prints who took it wherever they took it.
    public func heard(_ kindName: String, id: String, origin: String, sessions: CitizenSessions) async {
        guard origin != terminalID, let kind = TerminalEvent.Kind(rawValue: kindName),
              let call = try? await ledger.request(id) else { return }
        if call.terminalId == terminalID, let sessionID = call.sessionId, let staff = call.responsibleStaff,
           let since = call.responsibility.last?.since {
            switch kind {
            case .helpTaken: _ = try? await sessions.update(sessionID) { session, _ in session.recordCallTaken(by: staff, at: since) }
            case .helpHandedOver: _ = try? await sessions.update(sessionID) { session, _ in session.recordHandover(to: staff, at: since) }
            default: break
            }
        }
        let overdue = kind == .helpTimedOut
        await events.publish(TerminalEvent(type: kind, sessionId: call.terminalId == terminalID ? call.sessionId : nil,
                                           help: mark(call, overdue: overdue)))
    }
}

/// Announces each call nobody took in time, once: the screen shows the hotline, staff see it overdue.
public actor HelpDeadlines {
    private var announced: Set<String> = []
    private let services: HelpServices

    public init(services: HelpServices) { self.services = services }

    /// Called about once a second; returns how many calls it announced.
    @discardableResult
    public func tick() async -> Int {
        guard let open = try? await services.ledger.open(terminalId: services.terminalID) else { return 0 }
        let now = services.now()
        announced.formIntersection(open.map(\.id))
        var count = 0
        for request in open where request.isOverdue(at: now) && !announced.contains(request.id) {
            announced.insert(request.id)
            await services.publish(.helpTimedOut, request, overdue: true)
            count += 1
        }
        return count
    }
}

/// The answer to a call outside staffed hours: no call is raised (nobody could take it, and staff
/// must not find a night's calls in the morning); the screen shows the lines at once.
struct NoStaffOnDutyView: Codable {
    let state = "noStaffOnDuty"
    let hotline: String
    let appointmentLine: String?

    init(_ services: HelpServices) {
        hotline = services.hotline
        appointmentLine = services.appointmentLine.isEmpty ? nil : services.appointmentLine
    }
}

/// A call as the screen and the staff console show it.
struct HelpRequestView: Codable {
    let id: String
    let state: String
    /// The terminal whose screen called: in district mode the hall's consoles list every terminal's calls.
    let terminalId: String
    let sessionId: String?
    let screen: String
    let formId: String?
    let stepId: String?
    let raisedAt: Date
    let deadline: Date
    /// Seconds until the deadline, 0 once passed.
    let secondsLeft: Int
    /// Nobody took it in time: the screen shows `hotline` (and `appointmentLine`); the call stays open.
    let overdue: Bool
    let responsibleStaff: String?
    let responsibility: [Responsibility]
    let hotline: String?
    let appointmentLine: String?

    init(_ request: HelpRequest, _ services: HelpServices) {
        let now = services.now()
        id = request.id
        state = request.state.rawValue
        terminalId = request.terminalId
        sessionId = request.sessionId
        screen = request.screen
        formId = request.formId
        stepId = request.stepId
        raisedAt = request.raisedAt
        deadline = request.deadline
        secondsLeft = max(0, Int(request.deadline.timeIntervalSince(now).rounded(.up)))
        overdue = request.isOverdue(at: now)
        responsibleStaff = request.responsibleStaff
        responsibility = request.responsibility
        hotline = overdue ? services.hotline : nil
        appointmentLine = overdue && !services.appointmentLine.isEmpty ? services.appointmentLine : nil
    }
}

extension KioskRoutes {
    static func addHelpRoutes(to router: Router<KioskRequestContext>, _ help: HelpServices, _ filings: FilingServices,
                              _ access: AccessServices) {
        // The citizen asks. The body names where they are, from a closed list; never who they are,
        // and never who should come (a citizen cannot name the responsible member of staff).
        router.post("/v1/help-requests") { request, context in
            let body = try await RequestBody(request, context: context, allowed: ["sessionId", "screen"])
            let screenName = try optionalString(body, "screen") ?? "other"
            let screen = HelpRequest.screens.contains(screenName) ? screenName : "other"
            // Closing time never turns a citizen away: the hotline and the appointment line are the answer then.
            guard help.isStaffed(help.now()) else { return json(NoStaffOnDutyView(help)) }
            var sessionID = try optionalString(body, "sessionId")
            var formID: String?
            var stepID: String?
            // A call for help is never refused for a stale session: it is then a call from the terminal.
            if let id = sessionID,
               let place = try? await filings.sessions.read(id, { session, _ in (session.formID, Self.place(session.position)) }) {
                formID = place.0
                stepID = place.1
                // Waiting for staff is not walking away: the session gets its full time again.
                _ = try? await filings.sessions.keepAlive(id)
            } else {
                sessionID = nil
            }
            let call = HelpRequest(id: UUID.random().uuidString.lowercased(), terminalId: help.terminalID, sessionId: sessionID, screen: screen,
                                   formId: formID, stepId: stepID, raisedAt: help.now(), timeout: help.timeout)
            let (stored, created) = try await help.ledger.raise(call)
            if created { await help.publish(.helpRequested, stored) }
            return json(HelpRequestView(stored, help), status: created ? .created : .ok)
        }

        router.get("/v1/help-requests/current") { _, _ in
            guard let current = try await help.current() else { throw HelpRefusal(.helpRequestNotFound) }
            return json(HelpRequestView(current, help))
        }

        // Staff: the open calls, oldest first.
        router.get("/v1/help-requests") { _, _ in
            json(try await help.ledger.open(terminalId: nil).map { HelpRequestView($0, help) })
        }

        router.post("/v1/help-requests/{id}/take") { request, context in
            _ = try await RequestBody(request, context: context, allowed: [])
            // The first one asked answers for the citizen's matter: on the session, so on its filing and receipt.
            return try await staffCommand(context, help, filings, access, event: .helpTaken, audit: "help.taken",
                                          details: { call in ["screen": call.screen] },
                                          session: { session, staff, now in session.recordCallTaken(by: staff, at: now) }) { call, staff, _, now in
                try call.take(by: staff, at: now)
            }
        }

        // Explicit handover: by the one responsible (or a supervisor), to a named active colleague; audited.
        router.post("/v1/help-requests/{id}/handover") { request, context in
            let body = try await RequestBody(request, context: context, allowed: ["staffNumber"])
            let target = try StaffNumber(try body.string("staffNumber")).value
            guard try await help.staffExists(target) else { throw HelpRefusal(.staffNotFound, target) }
            return try await staffCommand(context, help, filings, access, event: .helpHandedOver, audit: "help.handedOver",
                                          details: { call in ["from": call.responsibility.dropLast().last?.staffNumber ?? "", "to": target] },
                                          session: { session, _, now in session.recordHandover(to: target, at: now) }) { call, staff, role, now in
                try call.handOver(to: target, by: staff, callerMayReassign: [.supervisor, .admin].contains(role), at: now)
            }
        }

        router.post("/v1/help-requests/{id}/close") { request, context in
            _ = try await RequestBody(request, context: context, allowed: [])
            return try await staffCommand(context, help, filings, access, event: .helpClosed, audit: "help.closed") { call, staff, _, now in
                try call.close(by: staff, at: now)
            }
        }
    }

    /// A member of staff's command on a call: applied to the stored call in one transaction,
    /// mirrored on its session when it still has one, audited (never a citizen's data), told on the stream.
    static func staffCommand(
        _ context: KioskRequestContext, _ help: HelpServices, _ filings: FilingServices, _ access: AccessServices,
        event: TerminalEvent.Kind, audit action: String, details: @escaping @Sendable (HelpRequest) -> [String: String] = { _ in [:] },
        session: (@Sendable (inout FormSession, _ staff: String, _ now: Date) -> Void)? = nil,
        _ change: @escaping @Sendable (inout HelpRequest, _ staff: String, _ role: Role, _ now: Date) throws -> Void
    ) async throws -> Response {
        guard let token = context.staff else { throw AccessError(.signInRequired) }
        let id = try context.parameters.require("id")
        let staff = token.staffNumber.value, role = token.role
        let now = help.now()
        let call = try await help.ledger.update(id) { call in try change(&call, staff, role, now) }
        // A call from another terminal of the hall: that terminal records it on its session when it hears.
        if let session, let sessionID = call.sessionId, call.terminalId == help.terminalID {
            _ = try? await filings.sessions.update(sessionID) { state, _ in session(&state, staff, now) }
        }
        try await access.audit(try AuditEntry(actor: .staff(token.staffNumber), action: AuditAction(action), target: "help:\(id)",
                                              details: details(call).merging(["role": role.rawValue]) { $1 }), now)
        await help.publish(event, call)
        return json(HelpRequestView(call, help))
    }

    /// Where in a filing the citizen is, as a step id or the page's name.
    static func place(_ position: FormSession.Position) -> String {
        switch position {
        case .step(let id): id
        case .review: "review"
        case .declaration: "declaration"
        case .submitted: "submitted"
        }
    }
}

extension HelpRefusal: HTTPResponseError {
    public var status: HTTPResponse.Status {
        switch kind {
        case .helpRequestNotFound, .staffNotFound: .notFound
        case .notResponsible: .forbidden
        case .helpRequestTaken, .helpRequestNotTaken, .helpRequestClosed, .alreadyResponsible: .conflict
        }
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        ProblemMiddleware<BasicRequestContext>.response(for: Problem(status: status, code: code, messages: message))
    }
}
