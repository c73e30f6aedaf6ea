import Foundation
import KioskServer
import Storage

/// Slips and reprints asked for from the public screen: each answered once per Idempotency-Key
/// (a retry gets the first answer and no more paper) and within `PrintLimits`. Requests take
/// turns, so two with the same key cannot both print; the printer serialises jobs anyway.
public actor PrintRequests {
    let store: DeviceStore
    let limits: PrintLimits
    let now: @Sendable () -> Date
    private var tail: Task<Void, Never>?

    public init(store: DeviceStore, limits: PrintLimits, now: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.limits = limits
        self.now = now
    }

    /// Runs `print` for `target` under `key` unless the key already has an answer (returned
    /// instead, or refused when it was for another target) or `allowed` refuses. Nil when
    /// `print` found nothing to print (no such job); that answer is not kept.
    func once(key: String, target: String, allowed: @escaping @Sendable () async throws(PrintRefused) -> Void,
              print: @escaping @Sendable () async -> PrintOutcome?) async throws(PrintRefused) -> PrintOutcome? {
        let previous = tail
        let store = store, now = now
        let turn = Task { () async -> Result<PrintOutcome?, PrintRefused> in
            await previous?.value
            do {
                if let stored = try? await store.printRequest(key: key) {
                    guard stored.target == target else { throw PrintRefused(.idempotencyKeyReused) }
                    // A state this build does not know is reported as a failure, with the reason kept.
                    return .success(PrintOutcome(jobId: stored.jobID, state: PrintOutcome.State(rawValue: stored.state) ?? .failed,
                                                 reason: stored.failureReason))
                }
                try await allowed()
                guard let outcome = await print() else { return .success(nil) }
                try? await store.recordPrintRequest(StoredPrintRequest(
                    key: key, target: target, jobID: outcome.jobId, state: outcome.state.rawValue, failureReason: outcome.reason,
                    createdAt: now()))
                return .success(outcome)
            } catch let refused as PrintRefused {
                return .failure(refused)
            } catch {
                return .failure(PrintRefused(.idempotencyKeyReused))
            }
        }
        tail = Task { _ = await turn.value }
        return try await turn.value.get()
    }

    /// Slips of one booking, up to `limits.slipsPerBooking`.
    func checkSlips(reference: String) async throws(PrintRefused) {
        let printed = (try? await store.printJobCount(reference: reference)) ?? 0
        guard printed < limits.slipsPerBooking else { throw PrintRefused(.slipLimitReached) }
    }

    /// Reprints of one job, up to `limits.reprintsPerJob` (its first print is one attempt).
    func checkReprints(jobID: UUID) async throws(PrintRefused) {
        guard let job = try? await store.printJob(jobID) else { return }
        guard job.attempts - 1 < limits.reprintsPerJob else { throw PrintRefused(.reprintLimitReached) }
    }
}
