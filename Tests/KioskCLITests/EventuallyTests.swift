import Foundation
import KioskTesting
import Synchronization
import Testing

/// The test kit's wait for a change with no event to wait on.
struct EventuallyTests {
    /// The first look starts before the limit and stalls past it (as a starved cooperative pool
    /// stalls a test); the condition held by then, and a second look sees it.
    @Test func aConditionThatHeldByTheEndOfAStallIsLookedAtOnceMore() async throws {
        let looks = Mutex(0)
        let held = try await eventually(within: .milliseconds(50), every: .milliseconds(1)) {
            let look = looks.withLock { looks in
                looks += 1
                return looks
            }
            guard look > 1 else {
                try await Task.sleep(for: .milliseconds(200))
                return false
            }
            return true
        }
        #expect(held)
        #expect(looks.withLock { $0 } == 2)
    }

    /// A condition that never holds is false once the limit has passed, and not before.
    @Test func aConditionThatNeverHoldsIsFalseAfterTheLimit() async throws {
        let clock = ContinuousClock()
        let start = clock.now
        #expect(try await !eventually(within: .milliseconds(100)) { false })
        #expect(clock.now - start >= .milliseconds(100))
    }
}
