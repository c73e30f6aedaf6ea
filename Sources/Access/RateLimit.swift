import Foundation

/// At most `limit` requests per `period`, in bursts of up to `limit`: a token bucket that
/// refills evenly. Pure; the caller passes the time.
public struct RateLimit: Sendable, Hashable {
    public let limit: Int
    public let period: TimeInterval

    public init(limit: Int, per period: TimeInterval) {
        precondition(limit > 0 && period > 0, "a rate limit needs a positive limit and period")
        self.limit = limit
        self.period = period
    }

    public static func perMinute(_ limit: Int) -> Self { .init(limit: limit, per: 60) }

    /// One bucket's state.
    public struct Bucket: Sendable, Hashable {
        var tokens: Double
        var updated: Date?

        public init() {
            tokens = .infinity
            updated = nil
        }
    }

    /// Takes a token if there is one. Returns nil when the request may go ahead, otherwise how
    /// long until a token is back.
    public func take(from bucket: inout Bucket, at now: Date) -> TimeInterval? {
        if let wait = wait(for: &bucket, at: now) { return wait }
        bucket.tokens -= 1
        return nil
    }

    /// Like `take`, without taking: for limits that count only some outcomes.
    public func wait(for bucket: inout Bucket, at now: Date) -> TimeInterval? {
        let rate = Double(limit) / period
        let elapsed = bucket.updated.map { max(0, now.timeIntervalSince($0)) } ?? .infinity
        bucket.tokens = min(Double(limit), bucket.tokens + elapsed * rate)
        bucket.updated = now
        return bucket.tokens >= 1 ? nil : (1 - bucket.tokens) / rate
    }
}

/// The buckets of a terminal, by name (`signIn`, `booking`).
public actor RateLimiter {
    private let limits: [String: RateLimit]
    private var buckets: [String: RateLimit.Bucket] = [:]

    public init(_ limits: [String: RateLimit]) { self.limits = limits }

    /// Nil when allowed; otherwise the seconds to wait. An unknown bucket is never limited.
    public func take(_ name: String, at now: Date) -> TimeInterval? {
        guard let limit = limits[name] else { return nil }
        var bucket = buckets[name] ?? RateLimit.Bucket()
        defer { buckets[name] = bucket }
        return limit.take(from: &bucket, at: now)
    }

    /// Nil when a token is there, otherwise the seconds to wait; takes nothing.
    public func wait(_ name: String, at now: Date) -> TimeInterval? {
        guard let limit = limits[name] else { return nil }
        var bucket = buckets[name] ?? RateLimit.Bucket()
        defer { buckets[name] = bucket }
        return limit.wait(for: &bucket, at: now)
    }

    /// The limit of a bucket, if it has one.
    public func limit(_ name: String) -> RateLimit? { limits[name] }
}
