/// An HTTP route as the router registered it: a method and a path template.
///
/// Parameter segments are compared without their names, so `/v1/sessions/{id}` (Hummingbird's
/// `RouterPath` description) and `/v1/sessions/:sessionID` are the same endpoint.
public struct Endpoint: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let method: String
    public let path: String

    public init(_ method: String, _ path: String) {
        self.method = method.uppercased()
        let segments = path.split(separator: "/", omittingEmptySubsequences: true).map { segment -> Substring in
            if segment.hasPrefix(":") || (segment.hasPrefix("{") && segment.hasSuffix("}")) { return "{}" }
            return segment
        }
        self.path = "/" + segments.joined(separator: "/")
    }

    public var description: String { "\(method) \(path)" }

    public static func < (lhs: Self, rhs: Self) -> Bool { (lhs.path, lhs.method) < (rhs.path, rhs.method) }
}

extension Set where Element == Role {
    /// Everyone at the terminal: the citizen and signed-in staff (not a department's system, not a call display).
    public static let anyone: Set<Role> = Set(Role.allCases).subtracting([.department, .display])
    public static let signedIn: Set<Role> = Role.accountRoles
}

/// Which roles may call each endpoint: the one table the auth middleware consults.
///
/// Closed by default: an endpoint without a declaration is refused to everyone, and
/// `undeclared(_:)` lets a test compare the table with the router's registered routes so a
/// new endpoint cannot ship without its roles.
public struct EndpointPolicy: Sendable {
    public struct Rule: Sendable, Hashable {
        public let endpoint: Endpoint
        public let roles: Set<Role>

        public init(_ method: String, _ path: String, _ roles: Set<Role>) {
            self.endpoint = Endpoint(method, path)
            self.roles = roles
        }
    }

    private let roles: [Endpoint: Set<Role>]

    public init(_ rules: [Rule]) throws(AccessError) {
        var roles: [Endpoint: Set<Role>] = [:]
        for rule in rules {
            guard roles.updateValue(rule.roles, forKey: rule.endpoint) == nil else { throw AccessError(.duplicateEndpoint) }
        }
        self.roles = roles
    }

    public var endpoints: [Endpoint] { roles.keys.sorted() }

    /// The declarations, to extend the table with more rules.
    public var rules: [Rule] { roles.sorted { $0.key < $1.key }.map { Rule($0.key.method, $0.key.path, $0.value) } }

    public func roles(for endpoint: Endpoint) -> Set<Role>? { roles[endpoint] }

    /// Lets `role` through or says why not: a citizen (no token) is asked to sign in, a
    /// signed-in role that is not listed is refused.
    public func authorise(_ role: Role, for endpoint: Endpoint) throws(AccessError) {
        guard let allowed = roles[endpoint] else { throw AccessError(.endpointNotDeclared) }
        guard allowed.contains(role) else { throw AccessError(role == .citizen ? .signInRequired : .roleNotAllowed) }
    }

    /// Registered routes that have no declaration, sorted: must be empty.
    public func undeclared(_ registered: [Endpoint]) -> [Endpoint] {
        Set(registered).subtracting(roles.keys).sorted()
    }

    /// Declarations that match no registered route (a renamed or removed endpoint), sorted.
    public func unregistered(_ registered: [Endpoint]) -> [Endpoint] {
        Set(roles.keys).subtracting(registered).sorted()
    }
}
