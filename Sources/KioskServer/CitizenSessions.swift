import FormEngine
import Foundation
import Hummingbird
import JSONLogic
import KioskCore

/// The one citizen session a terminal holds at a time.
///
/// A terminal is a public place: when a citizen walks away, the next person must be able to
/// start, and must never see the previous answers. A session idle for `idleLimit` is replaced by
/// the next start; ending or replacing a session drops its answers from memory.
public actor CitizenSessions {
    struct Active {
        let id: String
        var session: FormSession
        var lastActivity: Date
    }

    private var active: Active?
    private let idleLimit: TimeInterval
    private let now: @Sendable () -> Date

    public init(idleLimit: TimeInterval = 300, now: @escaping @Sendable () -> Date = Date.init) {
        self.idleLimit = idleLimit
        self.now = now
    }

    func start(_ session: FormSession) throws(APIError) -> String {
        if let active, now().timeIntervalSince(active.lastActivity) < idleLimit, active.session.position != .submitted {
            throw APIError(.conflict, code: "sessionActive", message: .init(
                zh: "本终端正在办理另一项业务，请先结束", en: "Another session is in progress on this terminal; end it first"))
        }
        let id = UUID().uuidString.lowercased()
        active = Active(id: id, session: session, lastActivity: now())
        return id
    }

    /// Runs `body` on the session with this id, recording the activity.
    func update<T: Sendable>(_ id: String, _ body: (inout FormSession) throws -> T) throws -> T {
        guard var current = active, current.id == id else { throw Self.notFound }
        defer { active = current }
        current.lastActivity = now()
        return try body(&current.session)
    }

    func read<T: Sendable>(_ id: String, _ body: (FormSession) throws -> T) throws -> T {
        guard let current = active, current.id == id else { throw Self.notFound }
        return try body(current.session)
    }

    /// Ends the session and forgets everything in it.
    func end(_ id: String) throws(APIError) {
        guard active?.id == id else { throw Self.notFound }
        active = nil
    }

    static let notFound = APIError(.notFound, code: "sessionNotFound", message: .init(
        zh: "找不到该办理会话（可能已超时结束）", en: "No such session (it may have ended after inactivity)"))
}
