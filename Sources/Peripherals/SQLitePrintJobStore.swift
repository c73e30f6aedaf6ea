import Foundation
import Hosting
import ReceiptPrinter
import Storage

/// The receipt printer's job store on the terminal's database (Storage knows no ReceiptPrinter
/// types, ReceiptPrinter no database: the composition root joins them).
struct SQLitePrintJobStore: PrintJobStore {
    let store: DeviceStore

    struct CorruptJob: Error {}

    func insert(_ job: PrintJob) async throws {
        try await store.insertPrintJob(StoredPrintJob(
            id: job.id, deviceID: job.deviceID, templateID: job.templateID, reference: job.reference, bytes: job.bytes,
            lines: job.counts.lines, characters: job.counts.characters, cuts: job.counts.cuts, state: job.state.name,
            failureReason: job.state.failureReason, attempts: job.attempts, createdAt: job.createdAt, updatedAt: job.updatedAt))
    }

    func update(_ id: UUID, state: PrintJob.State, attempts: Int, at time: Date) async throws {
        try await store.updatePrintJob(id, state: state.name, failureReason: state.failureReason, attempts: attempts, at: time)
    }

    func job(_ id: UUID) async throws -> PrintJob? {
        try await store.printJob(id).map(Self.job)
    }

    func recentJobs(deviceID: String?, limit: Int) async throws -> [PrintJob] {
        try await store.recentPrintJobs(deviceID: deviceID, limit: limit).map(Self.job)
    }

    static func job(_ stored: StoredPrintJob) throws -> PrintJob {
        guard let state = PrintJob.State(name: stored.state, failureReason: stored.failureReason) else { throw CorruptJob() }
        return PrintJob(
            id: stored.id, deviceID: stored.deviceID, templateID: stored.templateID, reference: stored.reference,
            bytes: stored.bytes, counts: ReceiptCounts(lines: stored.lines, characters: stored.characters, cuts: stored.cuts),
            state: state, attempts: stored.attempts, createdAt: stored.createdAt, updatedAt: stored.updatedAt)
    }
}
