import Foundation

/// A task executor outside the cooperative pool: each job runs on a thread of an overcommitting
/// dispatch queue, which starts another thread when its threads are blocked. For suites whose
/// tests block their thread while they wait for a process, a pipe or a device (`KioskProcess.run`,
/// `waitUntilExit`): run there, they cannot take the pool's two threads from the tests that wait
/// asynchronously on a database, a server or a device meanwhile.
public final class OffPoolExecutor: TaskExecutor {
    public static let shared = OffPoolExecutor()
    private let queue = DispatchQueue(label: "kiosk.tests.off-pool", attributes: .concurrent)

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}

/// Runs `body`, and the child tasks it starts, on `OffPoolExecutor` (see there).
public func withWaitsOffPool<T, Failure: Error>(
    isolation: isolated (any Actor)? = #isolation, _ body: () async throws(Failure) -> T
) async throws(Failure) -> T {
    try await withTaskExecutorPreference(OffPoolExecutor.shared, isolation: isolation, operation: body)
}
