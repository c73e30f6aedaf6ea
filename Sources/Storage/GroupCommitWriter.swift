import Foundation
import GRDB
import Synchronization

/// Group commit: concurrent write requests share one `BEGIN IMMEDIATE … COMMIT`, each in its
/// own savepoint, so each takes effect entirely or not at all and none is answered before the
/// commit that makes it durable, while the cost of a commit (the hop to the writer queue, the
/// WAL write and sync) is paid once per batch instead of once per request.
///
/// The database's writer queue drives itself: a request that finds it idle schedules a batch,
/// and a batch that finishes with requests waiting schedules the next. Batches run on that
/// queue, so the cancellation of one caller's task cannot fail the others' requests.
final class GroupCommitWriter: Sendable {
    typealias Work = @Sendable (Database) throws -> any Sendable
    typealias Outcome = Result<any Sendable, any Error>

    private struct Request {
        let work: Work
        let answer: CheckedContinuation<Outcome, Never>
    }

    private struct State {
        var queue: [Request] = []
        var scheduled = false
    }

    /// Bounds how long the first request of a batch waits for the last.
    static let maximumBatch = 64
    private let pool: DatabasePool
    private let state = Mutex(State())

    init(pool: DatabasePool) {
        self.pool = pool
    }

    func write(_ work: @escaping Work) async throws -> any Sendable {
        try await withCheckedContinuation { (answer: CheckedContinuation<Outcome, Never>) in
            let schedules = state.withLock { state in
                state.queue.append(Request(work: work, answer: answer))
                defer { state.scheduled = true }
                return !state.scheduled
            }
            if schedules { scheduleBatch() }
        }.get()
    }

    private func scheduleBatch() {
        pool.asyncWriteWithoutTransaction { db in self.runBatch(db) }
    }

    private func runBatch(_ db: Database) {
        let batch = state.withLock { state in
            let count = min(state.queue.count, Self.maximumBatch)
            defer { state.queue.removeFirst(count) }
            return Array(state.queue.prefix(count))
        }
        var outcomes: [Outcome] = []
        do {
            try db.inTransaction(.immediate) {
                for request in batch {
                    // Cached statements: GRDB's inSavepoint parses its SQL on every call.
                    try db.cachedStatement(sql: "SAVEPOINT request").run([])
                    let outcome = Result { try request.work(db) }
                    if case .failure = outcome { try db.cachedStatement(sql: "ROLLBACK TO SAVEPOINT request").run([]) }
                    try db.cachedStatement(sql: "RELEASE SAVEPOINT request").run([])
                    outcomes.append(outcome)
                }
                return .commit
            }
        } catch {
            outcomes = batch.map { _ in .failure(error) }
        }
        for (request, outcome) in zip(batch, outcomes) { request.answer.resume(returning: outcome) }
        let more = state.withLock { state in
            state.scheduled = !state.queue.isEmpty
            return state.scheduled
        }
        if more { scheduleBatch() }
    }
}
