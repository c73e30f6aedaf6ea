import Foundation
import KioskTesting
import Synchronization
import Testing

/// The stall report names each thread's blocking call, so a stall on a CI machine says what blocks.
@Suite("The cooperative pool's stall report")
struct CooperativePoolWatchTests {
    @Test func aBlockedThreadIsListedWithTheCallItWaitsIn() async throws {
        let asleep = Mutex(false)
        let thread = Thread {
            try? "kiosk-asleep".write(toFile: "/proc/thread-self/comm", atomically: false, encoding: .utf8)
            asleep.withLock { $0 = true }
            usleep(3_000_000)
        }
        thread.start()
        #expect(try await eventually(within: .seconds(30)) { asleep.withLock { $0 } })
        try await Task.sleep(for: .milliseconds(100))
        let lines = CooperativePoolWatch.threads().split(separator: "\n")
        let sleeper = try #require(lines.first { $0.contains("kiosk-asleep") }, "\(lines)")
        #expect(sleeper.hasSuffix("clock_nanosleep (230)") || sleeper.hasSuffix("nanosleep (35)"))
        #expect(lines.count > 2)
    }
}
