import Booking
import Foundation
import Logging
import ServiceLifecycle
import Storage

/// Booking housekeeping every `interval`: expired holds are deleted, bookings whose check-in
/// window closed without the citizen are marked as no-shows, and the answers kept for retried
/// requests are deleted after their retention (`BookingDatabase.sweep`).
///
/// Nothing depends on the sweep for correctness (an expired hold already stops counting, and
/// the ban counts missed bookings itself); it keeps the tables small and the statuses true for
/// staff. The sweep is idempotent, so every terminal on a shared database may run it. A failed
/// sweep is logged and tried again next period: it must not stop the terminal.
///
/// It also applies the print jobs' retention: a job holds a receipt's text (a booking slip's
/// masked number and code, a filing's answers as printed), so jobs older than the retention go.
public struct BookingMaintenance: ServiceLifecycle.Service {
    let bookings: any BookingDatabase
    public let interval: Duration
    let now: @Sendable () -> Date
    let logger: Logger
    let printJobs: DeviceStore?
    let printJobRetention: TimeInterval

    public init(bookings: any BookingDatabase, interval: Duration, now: @escaping @Sendable () -> Date = { Date() },
                logger: Logger, printJobs: DeviceStore? = nil, printJobRetention: TimeInterval = 30 * 86_400) {
        self.bookings = bookings
        self.interval = interval
        self.now = now
        self.logger = logger
        self.printJobs = printJobs
        self.printJobRetention = printJobRetention
    }

    public func run() async throws {
        await repeatUntilShutdown(every: interval) { await sweepOnce() }
    }

    /// One sweep at the current time; nil when the database refused it.
    @discardableResult
    public func sweepOnce() async -> BookingSweep? {
        await prunePrintJobs()
        do {
            let sweep = try await bookings.sweep(now: now())
            if sweep != BookingSweep(holdsDeleted: 0, noShowsMarked: 0) {
                logger.info("booking maintenance", metadata: [
                    "booking.holds_deleted": "\(sweep.holdsDeleted)", "booking.no_shows_marked": "\(sweep.noShowsMarked)",
                    "booking.answers_expired": "\(sweep.answersExpired)", "booking.queue_events_pruned": "\(sweep.queueEventsPruned)",
                ])
            }
            return sweep
        } catch {
            logger.error("booking maintenance failed", metadata: ["error": "\(error)"])
            return nil
        }
    }

    /// Deletes the print jobs past their retention; returns how many went (nil when it failed).
    @discardableResult
    public func prunePrintJobs() async -> Int? {
        guard let printJobs else { return 0 }
        do {
            let pruned = try await printJobs.purgePrintJobs(createdBefore: now().addingTimeInterval(-printJobRetention))
            if pruned > 0 { logger.info("print jobs pruned", metadata: ["print.jobs_pruned": "\(pruned)"]) }
            return pruned
        } catch {
            logger.error("print job retention failed", metadata: ["error.type": "\(type(of: error))"])
            return nil
        }
    }
}
