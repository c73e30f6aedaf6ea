import Foundation

/// `postgres://user:password@host:port/database?sslmode=require`, the form libpq and the
/// configuration use. Only what kiosk needs: host, port, user, password, database, TLS.
public struct PostgresURL: Sendable, Equatable {
    public let host: String
    public let port: Int
    public let user: String
    public let password: String?
    public let database: String
    public let requireTLS: Bool

    public init(_ text: String) throws(Invalid) {
        guard text.hasPrefix("postgres://") || text.hasPrefix("postgresql://"),
              let components = URLComponents(string: text), let host = components.host, !host.isEmpty else {
            throw Self.invalid(text, "expected postgres://user:password@host:port/database")
        }
        let database = String(components.path.drop { $0 == "/" })
        guard let user = components.user, !user.isEmpty else { throw Self.invalid(text, "the URL names no user") }
        guard !database.isEmpty, !database.contains("/") else { throw Self.invalid(text, "the URL names no database") }
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else { throw Self.invalid(text, "the port is out of range") }
        var requireTLS = false
        for item in components.queryItems ?? [] {
            switch (item.name, item.value ?? "") {
            case ("sslmode", "disable"): requireTLS = false
            case ("sslmode", "require"), ("sslmode", "verify-full"): requireTLS = true
            default: throw Self.invalid(text, "unsupported parameter \(item.name)=\(item.value ?? "") (only sslmode=disable|require|verify-full)")
            }
        }
        self.host = host
        self.port = port
        self.user = user.removingPercentEncoding ?? user
        self.password = components.password.map { $0.removingPercentEncoding ?? $0 }
        self.database = database
        self.requireTLS = requireTLS
    }

    /// The URL with any password replaced by `***`.
    public var redacted: String {
        "postgres://\(user)\(password == nil ? "" : ":***")@\(host):\(port)/\(database)"
    }

    /// Why a URL was refused; never repeats the URL (it may hold a password).
    public struct Invalid: Error, Sendable {
        public let reason: String
    }

    static func invalid(_ text: String, _ reason: String) -> Invalid { Invalid(reason: reason) }
}
