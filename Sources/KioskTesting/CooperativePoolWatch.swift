import Foundation
import Synchronization

/// How late Swift's cooperative pool runs work, measured since the first call to `start()`:
/// a task that asks to sleep 100 ms and notes how much later it woke. The pool has as many
/// threads as the machine has cores (two here); a test that blocks one of them in a system call
/// (a process's wait, a pipe's read, `poll`) takes it from every other test, and a report that
/// shows stalls of seconds says that the failure is the starved pool, not the database.
public enum CooperativePoolWatch {
    private static let longest = Mutex<(late: Duration, at: Date)?>(nil)
    private static let started = Mutex(false)

    public static func start() {
        let first = started.withLock { started in
            defer { started = true }
            return !started
        }
        guard first else { return }
        Task.detached {
            let clock = ContinuousClock()
            while true {
                let asked = clock.now
                try? await Task.sleep(for: .milliseconds(100))
                let late = clock.now - asked - .milliseconds(100)
                longest.withLock { longest in
                    if late > longest?.late ?? .zero { longest = (late, Date()) }
                }
            }
        }
    }

    /// The longest stall seen so far, in words.
    public static var summary: String {
        guard let longest = longest.withLock({ $0 }) else { return "the cooperative pool was not watched" }
        let seconds = Double(longest.late.components.seconds) + Double(longest.late.components.attoseconds) / 1e18
        return String(format: "the cooperative pool's longest stall so far: %.1f s (at %@)", seconds,
                      ISO8601DateFormatter().string(from: longest.at))
    }
}
