import Access
import Foundation
import KioskServer
import Secrets

/// Staff accounts, their sign-ins and the audit log in memory, with real token handles
/// (`TokenHandles` under a key of its own, each standing for a record kept here, as the access
/// store keeps them): what the access middleware and the staff routes need, without a database.
public actor FakeStaff {
    public let terminalID: String
    private let handles = TokenHandles(key: SecretKey.random())
    private var tokens: [String: AccessToken] = [:]
    private var accounts: [String: (role: Role, pin: String)] = [:]
    private var revoked: Set<String> = []
    /// Every entry the routes appended, in order.
    public private(set) var audit: [AuditEntry] = []

    public init(terminalID: String) {
        self.terminalID = terminalID
    }

    public func add(number: String, role: Role, pin: String) {
        accounts[number] = (role, pin)
    }

    public func signIn(number: String, pin: String, now: Date) throws(AccessError) -> IssuedToken {
        guard let account = accounts[number], account.pin == pin, let staffNumber = try? StaffNumber(number) else {
            throw AccessError(.signInFailed)
        }
        let issued = handles.issue(staffNumber: staffNumber, role: account.role, terminalID: terminalID, now: now)
        tokens[issued.token.id] = issued.token
        return issued
    }

    public func authenticate(_ text: String, now: Date) throws(AccessError) -> AccessToken {
        let id = try handles.id(of: text)
        guard let token = tokens[id], !revoked.contains(id) else { throw AccessError(.tokenRevoked) }
        try TokenHandles.check(token, terminalID: terminalID, now: now)
        return token
    }

    public func signOut(_ token: AccessToken) { revoked.insert(token.id) }

    public func record(_ entry: AuditEntry) { audit.append(entry) }

    /// An `Authorization` value for a member of staff in `role` (`T-<role>`, created on first use).
    public func bearer(_ role: Role, now: Date = Date()) throws -> String {
        let number = "T-\(role.rawValue)"
        if accounts[number] == nil { accounts[number] = (role, "4826") }
        return "Bearer " + (try signIn(number: number, pin: "4826", now: now)).text
    }

    /// The access services of a terminal with these accounts.
    public nonisolated func accessServices(now: @escaping @Sendable () -> Date, rateLimiter: RateLimiter) -> AccessServices {
        AccessServices(
            terminalID: terminalID,
            signIn: { number, pin, now in try await self.signIn(number: number, pin: pin, now: now) },
            authenticate: { text, now in try await self.authenticate(text, now: now) },
            signOut: { token, _ in await self.signOut(token) },
            audit: { entry, _ in await self.record(entry) },
            now: now, rateLimiter: rateLimiter)
    }
}
