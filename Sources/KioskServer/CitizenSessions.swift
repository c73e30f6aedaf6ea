import FormEngine
import Foundation
import Hummingbird
import JSONLogic
import KioskCore

/// The one citizen session a terminal holds at a time.
///
/// A terminal is a public place: when a citizen walks away, the next person must be able to
/// start and must never see the previous answers. A session idle for `timeout` ends; the screen
/// is warned `warning` before (WCAG 2.2.1: at least 20 seconds, with a simple way to continue).
/// Ending a session, for whatever reason, forgets its answers and the card data it could reach.
/// Taking the card away does not end it. While staff have taken a session over, the clock
/// stops: someone is at the terminal.
public actor CitizenSessions {
    struct Active {
        let id: String
        var session: FormSession
        /// The form as it was when the session started: a reload of `Forms/` changes what new
        /// sessions get, never the steps under a citizen's hands.
        let form: FormDefinition
        var lastActivity: Date
        var warned = false
        /// The staff number of the member of staff working the session, while taken over.
        var assistedBy: String?
        /// Its filing is being stored: everything else waits until that is done.
        var submitting = false
        /// The reference of the returned filing this session corrects (退回补正); nil for a new filing.
        var corrects: String?
    }

    /// What the clock did to the session, for the screen.
    public enum Tick: Sendable, Equatable {
        case warning(sessionID: String, secondsLeft: Int)
        case ended(sessionID: String)
    }

    private var active: Active?
    /// Requests that wait for a submission in progress to finish.
    private var waitingForSubmission: [CheckedContinuation<Void, Never>] = []
    private let cards: CardDesk
    public let timeout: TimeInterval
    public let warning: TimeInterval
    private let now: @Sendable () -> Date

    public init(timeout: TimeInterval = 120, warning: TimeInterval = 30, cards: CardDesk = CardDesk(),
                now: @escaping @Sendable () -> Date = Date.init) {
        self.timeout = timeout
        self.warning = min(warning, timeout)
        self.cards = cards
        self.now = now
    }

    /// Citizen sessions open now (a terminal has one screen: 0 or 1), for `/metrics`.
    public func openCount() -> Int {
        guard let active, !isExpired(active) else { return 0 }
        return 1
    }

    /// The session open at the screen now, if any: where a scanned code goes.
    public func openSessionID() -> String? {
        guard let active, !isExpired(active) else { return nil }
        return active.id
    }

    /// Starts `session` of `form`; the session keeps that version of the form to its end.
    func start(_ session: FormSession, form: FormDefinition, correcting reference: String? = nil) throws(APIError) -> String {
        if let active, !isExpired(active), active.session.position != .submitted {
            throw APIError(.conflict, code: "sessionActive", message: .init(
                zh: "本终端正在办理另一项业务，请先结束", en: "Another session is in progress on this terminal; end it first"))
        }
        let id = UUID.random().uuidString.lowercased()
        active = Active(id: id, session: session, form: form, lastActivity: now(), corrects: reference)
        return id
    }

    /// Runs `body` on the session with this id and the form it started on, recording the activity.
    func update<T: Sendable>(_ id: String, _ body: (inout FormSession, FormDefinition) throws -> T) async throws -> T {
        var current = try await settled(id)
        defer { active = current }
        current.lastActivity = now()
        current.warned = false
        return try body(&current.session, current.form)
    }

    /// Submits the session with this id: `store` gets the session and the form it started on, stores its filing (off the
    /// actor: the database write is I/O, and must not hold the cooperative pool) and answers with
    /// the session as it is afterwards. Meanwhile every other request on the session waits, as
    /// it would behind any change, and its time does not run out; so a second submission finds
    /// it submitted. If staff end the session meanwhile, the filing still stands.
    func submit<T: Sendable>(
        _ id: String, _ store: @Sendable (FormSession, FormDefinition) async throws -> (FormSession, T)
    ) async throws -> T {
        var current = try await settled(id)
        current.submitting = true
        active = current
        let outcome: Result<(FormSession, T), any Error>
        do {
            outcome = .success(try await store(current.session, current.form))
        } catch {
            outcome = .failure(error)
        }
        if var after = active, after.id == id {
            if case .success(let (session, _)) = outcome {
                after.session = session
                after.lastActivity = now()
                after.warned = false
            }
            after.submitting = false
            active = after
        }
        let waiting = waitingForSubmission
        waitingForSubmission = []
        for request in waiting { request.resume() }
        return try outcome.get().1
    }

    func read<T: Sendable>(_ id: String, _ body: (FormSession, FormDefinition) throws -> T) async throws -> T {
        let current = try await settled(id)
        return try body(current.session, current.form)
    }

    /// The live session with this id once no submission of it is in progress.
    private func settled(_ id: String) async throws(APIError) -> Active {
        while let current = active, current.id == id, current.submitting {
            await withCheckedContinuation { waitingForSubmission.append($0) }
        }
        return try live(id)
    }

    /// The reference of the returned filing the session corrects, if it does.
    func correcting(_ id: String) async throws(APIError) -> String? {
        try await settled(id).corrects
    }

    /// The citizen answered the warning: the full time again. Returns the new end.
    func keepAlive(_ id: String) throws(APIError) -> Date {
        var current = try live(id)
        current.lastActivity = now()
        current.warned = false
        active = current
        return current.lastActivity.addingTimeInterval(timeout)
    }

    /// When the session ends if nothing happens; nil while staff have it.
    func endsAt(_ id: String) throws(APIError) -> Date? {
        let current = try live(id)
        return current.assistedBy == nil ? current.lastActivity.addingTimeInterval(timeout) : nil
    }

    func takeOver(_ id: String, by staffNumber: String) throws(APIError) {
        var current = try live(id)
        current.assistedBy = staffNumber
        active = current
    }

    func handBack(_ id: String) throws(APIError) {
        var current = try live(id)
        guard current.assistedBy != nil else {
            throw APIError(.conflict, code: "sessionNotTakenOver", message: .init(
                zh: "该会话未被工作人员接管", en: "Staff have not taken this session over"))
        }
        current.assistedBy = nil
        current.lastActivity = now()
        current.warned = false
        active = current
    }

    /// Ends the session and forgets everything in it, the card's data included.
    func end(_ id: String) async throws(APIError) {
        guard active?.id == id else { throw Self.notFound }
        active = nil
        await cards.remove()
    }

    /// Called about once a second: warns once when the warning time is reached, ends the
    /// session when its time is up.
    public func tick() async -> Tick? {
        guard var current = active, current.assistedBy == nil else { return nil }
        if isExpired(current) {
            active = nil
            await cards.remove()
            return .ended(sessionID: current.id)
        }
        let left = timeout - now().timeIntervalSince(current.lastActivity)
        guard left <= warning, !current.warned else { return nil }
        current.warned = true
        active = current
        return .warning(sessionID: current.id, secondsLeft: Int(left.rounded(.up)))
    }

    private func isExpired(_ session: Active) -> Bool {
        session.assistedBy == nil && !session.submitting && now().timeIntervalSince(session.lastActivity) >= timeout
    }

    /// The session with this id if it has not run out of time (the watch may not have ended it yet).
    private func live(_ id: String) throws(APIError) -> Active {
        guard let current = active, current.id == id, !isExpired(current) else { throw Self.notFound }
        return current
    }

    static let notFound = APIError(.notFound, code: "sessionNotFound", message: .init(
        zh: "找不到该办理会话（可能已超时结束）", en: "No such session (it may have ended after inactivity)"))
}
