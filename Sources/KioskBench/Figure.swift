import Foundation
import Synchronization

/// One measured figure of a benchmark, as `kiosk-bench` prints it.
public struct Figure: Sendable, Codable, Equatable {
    public let name: String
    public let value: Double
    public let unit: String
    /// The target, in words ("≥ 50000/s"), or nil where none was set.
    public let target: String?

    public init(name: String, value: Double, unit: String, target: String? = nil) {
        self.name = name
        self.value = value
        self.unit = unit
        self.target = target
    }
}

/// Runs `body` repeatedly in ten windows of a tenth of `seconds` each (after one warm-up call)
/// and returns the rate of the fastest window, in calls per second: on a shared machine the
/// fastest window is the one least disturbed by other processes, as with Python's `timeit`.
/// The result of `body` is kept alive so the optimiser cannot drop the work.
public func callsPerSecond<T>(minimumSeconds: Double = 1.0, _ body: () throws -> T) rethrows -> Double {
    var sink: T? = try body()
    let clock = ContinuousClock()
    let window = Duration.milliseconds(Int64(minimumSeconds * 100))
    var best = 0.0
    for _ in 0..<10 {
        let start = clock.now
        var calls = 0
        var elapsed: Duration = .zero
        repeat {
            for _ in 0..<64 { sink = try body() }
            calls += 64
            elapsed = clock.now - start
        } while elapsed < window
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        best = max(best, Double(calls) / seconds)
    }
    withExtendedLifetime(sink) {}
    return best
}

/// Median of `samples` durations of `body`, in microseconds.
public func medianMicroseconds(samples: Int = 1001, _ body: () throws -> Void) rethrows -> Double {
    let clock = ContinuousClock()
    var times: [Double] = []
    times.reserveCapacity(samples)
    try body()
    for _ in 0..<samples {
        let start = clock.now
        try body()
        let d = clock.now - start
        times.append(Double(d.components.seconds) * 1e6 + Double(d.components.attoseconds) / 1e12)
    }
    times.sort()
    return times[times.count / 2]
}

/// Runs an asynchronous measurement to its end from the synchronous `kiosk-bench` command; a
/// thrown error becomes one figure that names `benchmark` and the error.
func measuredFigures(_ benchmark: String, _ measure: @escaping @Sendable () async throws -> [Figure]) -> [Figure] {
    let result = Mutex<Result<[Figure], any Error>?>(nil)
    let done = DispatchSemaphore(value: 0)
    Task.detached {
        let outcome: Result<[Figure], any Error>
        do { outcome = .success(try await measure()) } catch { outcome = .failure(error) }
        result.withLock { $0 = outcome }
        done.signal()
    }
    done.wait()
    switch result.withLock({ $0 }) {
    case .success(let figures): return figures
    case .failure(let error): return [Figure(name: "\(benchmark): failed: \(error)", value: 0, unit: "")]
    case nil: return [Figure(name: "\(benchmark): no result", value: 0, unit: "")]
    }
}
