import Foundation

/// How long a staff number must wait after wrong PINs at one terminal: `firstDelay` after the
/// first, doubling with each further one, never more than `maximumDelay`.
///
/// A delay, never a lock: whoever guesses at the screen gets one try per delay, and the owner
/// of the account, at that terminal, signs in once the delay has passed (or at once at another
/// terminal, or after `kiosk staff unlock`). A try during the delay is refused unchecked and
/// does not lengthen it.
public struct LockoutPolicy: Sendable, Hashable {
    public var firstDelay: TimeInterval
    public var maximumDelay: TimeInterval

    public init(firstDelay: TimeInterval = 1, maximumDelay: TimeInterval = 300) {
        precondition(firstDelay > 0 && maximumDelay >= firstDelay, "a delay policy needs 0 < first ≤ maximum")
        self.firstDelay = firstDelay
        self.maximumDelay = maximumDelay
    }

    /// The wait after `failures` wrong PINs in a row.
    public func delay(afterFailures failures: Int) -> TimeInterval {
        guard failures > 0 else { return 0 }
        // 2^(n-1) without overflow: past 40 doublings every realistic maximum is reached.
        return min(maximumDelay, firstDelay * pow(2, Double(min(failures - 1, 40))))
    }
}

/// One staff number's wrong PINs in a row at one terminal, as stored. Pure: every change takes
/// the time, so the policy is tested without a clock.
public struct SignInFailures: Sendable, Hashable {
    public private(set) var count: Int
    public private(set) var last: Date?

    public init(count: Int = 0, last: Date? = nil) {
        self.count = count
        self.last = last
    }

    /// When the next PIN may be checked; nil when it may be now.
    public func waitUntil(_ now: Date, policy: LockoutPolicy) -> Date? {
        guard let last else { return nil }
        let until = last.addingTimeInterval(policy.delay(afterFailures: count))
        return until > now ? until : nil
    }

    public mutating func recordFailure(at now: Date) {
        count += 1
        last = now
    }
}
