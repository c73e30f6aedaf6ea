import Foundation

/// How many wrong PINs an account takes before it is locked, and for how long.
public struct LockoutPolicy: Sendable, Hashable, Codable {
    public var maximumFailures: Int
    /// Failures count in a window that opens at the first failure; after it, counting restarts.
    public var window: TimeInterval
    public var lockDuration: TimeInterval

    public init(maximumFailures: Int = 5, window: TimeInterval = 15 * 60, lockDuration: TimeInterval = 15 * 60) {
        self.maximumFailures = maximumFailures
        self.window = window
        self.lockDuration = lockDuration
    }
}

/// An account's recent failed sign-ins, as stored with the account. Pure: every change takes
/// the time, so the policy is tested without a clock.
public struct SignInAttempts: Sendable, Hashable, Codable {
    public private(set) var failures: Int
    public private(set) var windowStart: Date?
    public private(set) var lockedUntil: Date?

    public init(failures: Int = 0, windowStart: Date? = nil, lockedUntil: Date? = nil) {
        self.failures = failures
        self.windowStart = windowStart
        self.lockedUntil = lockedUntil
    }

    /// The end of the lock if the account is locked at `now`.
    public func lock(at now: Date) -> Date? {
        guard let lockedUntil, lockedUntil > now else { return nil }
        return lockedUntil
    }

    /// Counts a wrong PIN; returns true when this failure locks the account. A failure while
    /// locked is not counted: the lock does not grow while someone keeps trying.
    public mutating func recordFailure(at now: Date, policy: LockoutPolicy) -> Bool {
        guard lock(at: now) == nil else { return false }
        if let windowStart, now < windowStart.addingTimeInterval(policy.window) {
            failures += 1
        } else {
            failures = 1
            windowStart = now
        }
        guard failures >= policy.maximumFailures else { return false }
        self = SignInAttempts(lockedUntil: now.addingTimeInterval(policy.lockDuration))
        return true
    }

    public mutating func recordSuccess() {
        self = SignInAttempts()
    }
}
