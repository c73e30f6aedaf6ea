import Foundation
import Synchronization

/// How late Swift's cooperative pool runs work, measured since the first call to `start()`:
/// a task that asks to sleep 100 ms and notes how much later it woke. The pool has as many
/// threads as the machine has cores (two here); a test that blocks one of them in a system call
/// (a process's wait, a pipe's read, `poll`) takes it from every other test, and a report that
/// shows stalls of seconds says that the failure is the starved pool, not the database.
///
/// A thread of its own, off the pool, watches that task: when the pool has run nothing for
/// `stallReported`, it writes the threads of the test process to standard error at once (the
/// test's output), with their stacks where gdb is installed, so a stall on a CI machine names
/// the call that blocks.
public enum CooperativePoolWatch {
    private static let longest = Mutex<(late: Duration, at: Date)?>(nil)
    private static let started = Mutex(false)
    private static let lastRun = Mutex(ContinuousClock.now)
    static let stallReported = Duration.seconds(10)
    /// Reports per process: a stall that comes back is the same stall.
    static let reportsAtMost = 3

    public static func start() {
        let first = started.withLock { started in
            defer { started = true }
            return !started
        }
        guard first else { return }
        lastRun.withLock { $0 = .now }
        Task.detached {
            let clock = ContinuousClock()
            while true {
                let asked = clock.now
                try? await Task.sleep(for: .milliseconds(100))
                let late = clock.now - asked - .milliseconds(100)
                lastRun.withLock { $0 = clock.now }
                longest.withLock { longest in
                    if late > longest?.late ?? .zero { longest = (late, Date()) }
                }
            }
        }
        Thread { watchForStalls() }.start()
    }

    private static func watchForStalls() {
        var reports = 0
        var reportedStall: ContinuousClock.Instant?
        while reports < reportsAtMost {
            Thread.sleep(forTimeInterval: 1)
            let since = lastRun.withLock { $0 }
            guard ContinuousClock.now - since >= stallReported, reportedStall != since else { continue }
            reportedStall = since
            reports += 1
            FileHandle.standardError.write(Data(report().utf8))
        }
    }

    /// The process's threads as the kernel sees them, then gdb's stacks if it can give them:
    /// functions and lines only, as an argument can be a key or a PIN (an scrypt frame's was).
    static func report() -> String {
        var text = "\n=== the cooperative pool has run nothing for \(stallReported) (\(ISO8601DateFormatter().string(from: Date()))); "
            + "the test process's threads (id, name: the system call it waits in):\n" + threads()
        if let gdb = ["/usr/bin/gdb", "/bin/gdb"].first(where: FileManager.default.isExecutableFile(atPath:)),
           let stacks = try? PrivateCUPSD.run(gdb, ["-p", "\(getpid())", "-batch", "-ex", "set print frame-arguments none",
                                                       "-ex", "thread apply all bt 16"]) {
            text += stacks.stdout
        } else {
            text += "  (no gdb on this machine: no stacks)\n"
        }
        return text + "=== end of the stall report\n"
    }

    /// One line per thread of this process: its id, its name and the system call it waits in.
    public static func threads() -> String {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task"))?.sorted { (Int($0) ?? 0) < (Int($1) ?? 0) } ?? []
        return tasks.map { tid in
            let name = (try? String(contentsOfFile: "/proc/self/task/\(tid)/comm", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
            let call = (try? String(contentsOfFile: "/proc/self/task/\(tid)/syscall", encoding: .utf8))?
                .split(separator: " ").first.map(String.init) ?? "?"
            return "  \(tid) \(name): \(Int(call).map(systemCallName) ?? call)\n"
        }.joined()
    }

    /// The x86-64 numbers of the calls a blocked thread waits in.
    static func systemCallName(_ number: Int) -> String {
        let names = [0: "read", 1: "write", 7: "poll", 23: "select", 35: "nanosleep", 61: "wait4", 202: "futex",
                     230: "clock_nanosleep", 232: "epoll_wait", 247: "waitid", 270: "pselect6", 271: "ppoll", 281: "epoll_pwait"]
        return names[number].map { "\($0) (\(number))" } ?? "system call \(number)"
    }

    /// The longest stall seen so far, in words.
    public static var summary: String {
        guard let longest = longest.withLock({ $0 }) else { return "the cooperative pool was not watched" }
        let seconds = Double(longest.late.components.seconds) + Double(longest.late.components.attoseconds) / 1e18
        return String(format: "the cooperative pool's longest stall so far: %.1f s (at %@)", seconds,
                      ISO8601DateFormatter().string(from: longest.at))
    }
}
