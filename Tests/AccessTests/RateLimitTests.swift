import Access
import Foundation
import Testing

@Suite("Rate limits")
struct RateLimitTests {
    let start = Date(timeIntervalSince1970: 1_780_000_000)

    @Test func aBurstUpToTheLimitThenOneAsTheBucketRefills() {
        let limit = RateLimit.perMinute(10)
        var bucket = RateLimit.Bucket()
        for _ in 0..<10 { #expect(limit.take(from: &bucket, at: start) == nil) }
        let wait = limit.take(from: &bucket, at: start)
        #expect(wait == 6)
        #expect(limit.take(from: &bucket, at: start.addingTimeInterval(5.9)) != nil)
        #expect(limit.take(from: &bucket, at: start.addingTimeInterval(6)) == nil)
        #expect(limit.take(from: &bucket, at: start.addingTimeInterval(6)) != nil)
        // A quiet hour fills the bucket to the limit, never beyond.
        let later = start.addingTimeInterval(3600)
        for _ in 0..<10 { #expect(limit.take(from: &bucket, at: later) == nil) }
        #expect(limit.take(from: &bucket, at: later) != nil)
    }

    @Test func bucketsAreSeparateAndUnknownOnesUnlimited() async {
        let limiter = RateLimiter(["signIn": .perMinute(1), "booking": .perMinute(2)])
        #expect(await limiter.take("signIn", at: start) == nil)
        #expect(await limiter.take("signIn", at: start) != nil)
        #expect(await limiter.take("booking", at: start) == nil)
        #expect(await limiter.take("booking", at: start) == nil)
        #expect(await limiter.take("booking", at: start) != nil)
        for _ in 0..<100 { #expect(await limiter.take("other", at: start) == nil) }
    }

    /// `wait` looks without taking: a limit that counts only some outcomes takes afterwards.
    @Test func waitingTakesNothing() async {
        let limiter = RateLimiter(["signIn": .perMinute(1)])
        #expect(await limiter.wait("signIn", at: start) == nil)
        #expect(await limiter.wait("signIn", at: start) == nil)
        #expect(await limiter.take("signIn", at: start) == nil)
        #expect(await limiter.wait("signIn", at: start) == 60)
        #expect(await limiter.limit("signIn")?.period == 60)
    }

    /// A failure's time comes back from the database through a Double of seconds since 1970; the
    /// rounding error that adds must not turn a 1 s delay into "Retry-After: 2".
    @Test func aWaitIsWholeSecondsDespiteARoundingError() throws {
        let now = Date(timeIntervalSinceReferenceDate: 786_627_123.456_789_1)
        let stored = Date(timeIntervalSince1970: now.timeIntervalSince1970)
        let wait = stored.addingTimeInterval(1).timeIntervalSince(now)
        #expect(AccessError.delayed(seconds: 1.000_000_2).retryAfter == 1)
        #expect(AccessError.delayed(seconds: wait).retryAfter == 1)
        #expect(AccessError.delayed(seconds: 1.01).retryAfter == 2)
        #expect(AccessError.rateLimited(seconds: 0.2).retryAfter == 1)
    }
}
