import Booking
import Filings
import FormEngine
import Foundation
import KioskCore
import KioskServer
import Logging
import ServiceLifecycle
import Storage
import StoragePostgres

/// Filings in district mode: recorded on the terminal first, with the filing queued in the same
/// transaction for the district, so a citizen's submission never waits for (or fails with) the
/// network. References carry the terminal's id: unique across the district's terminals.
struct DistrictFilingArchive: FilingArchive {
    let local: SQLiteStore
    let terminalID: String
    let now: @Sendable () -> Date

    func recordFiling(site: String, day: String, build: @escaping @Sendable (String) throws -> Filing) async throws -> Filing {
        try await local.recordFilingForDistrict(site: site + "-" + terminalID, day: day, now: now(), build: build)
    }

    func saveDraft(_ draft: FormDraft, idNumber: ResidentIDNumber, now: Date, days: Int) async throws -> String {
        try await local.saveDraft(draft, idNumber: idNumber, now: now, days: days)
    }

    func takeDraft(code: String, idNumber: ResidentIDNumber, now: Date) async throws -> FormDraft? {
        try await local.takeDraft(code: code, idNumber: idNumber, now: now)
    }

    /// Kept and queued like a new filing; the district's lifecycle takes it when it arrives.
    func resubmitFiling(reference: String, version: Int, build: @escaping @Sendable (Int) throws -> Filing) async throws -> Filing {
        let filing = try build(version)
        try await local.recordCorrectionForDistrict(filing, now: now())
        return filing
    }
}

/// The queue and ratings in district mode when the district store cannot be reached: a walk-in
/// ticket is issued by the terminal (numbered `TERMINAL-A001`, never mistaken for a district
/// number) and a rating is kept, both queued in the outbox; everything else (bookings above all,
/// whose places only the district can decide) is refused with `districtStoreUnavailable`.
struct DistrictLedger: BookingLedger {
    let district: PostgresBookingStore
    /// The terminal's own store: numbers offline tickets.
    let local: SQLiteBookingStore
    let outbox: SQLiteStore
    let terminalID: String

    /// An offline ticket gets a district id of its own when it arrives, so it comes without a
    /// rating token: nothing could be rated through its terminal id. A retry of a request this
    /// terminal answered offline is answered with that ticket, also once the district is back:
    /// the district has not seen the key, and would issue the citizen a second place in line.
    func issueTicket(serviceID: String, holder: CitizenIdentity?, disabilityMarkedByStaff: Bool, schedule: DaySchedule,
                     idempotencyKey: String, now: Date) async throws -> TicketReceipt {
        if let kept = try await local.keptTicket(serviceID: serviceID, holder: holder, disabilityMarkedByStaff: disabilityMarkedByStaff,
                                                 idempotencyKey: idempotencyKey) {
            return Self.offline(kept, terminalID: terminalID)
        }
        do {
            return try await district.issueTicket(serviceID: serviceID, holder: holder, disabilityMarkedByStaff: disabilityMarkedByStaff,
                                                  schedule: schedule, idempotencyKey: idempotencyKey, now: now)
        } catch is DistrictStoreUnavailable {
            let terminalID = terminalID
            let carriage = SQLiteBookingStore.DistrictCarriage(terminalID: terminalID) { ticket in
                try JSONEncoder().encode(OfflineTicket(ticket, terminalID: terminalID))
            }
            let receipt = try await local.issueOfflineTicket(serviceID: serviceID, holder: holder, disabilityMarkedByStaff: disabilityMarkedByStaff,
                                                             schedule: schedule, carriage: carriage, idempotencyKey: idempotencyKey, now: now)
            return Self.offline(receipt, terminalID: terminalID)
        }
    }

    /// An offline ticket as the citizen's screen shows it: the terminal's number, no count ahead
    /// (the local count sees only this terminal's offline tickets, not the district's queue).
    static func offline(_ receipt: TicketReceipt, terminalID: String) -> TicketReceipt {
        TicketReceipt(ticket: OfflineTicket(receipt.ticket, terminalID: terminalID).ticket, ahead: nil, ratingToken: nil)
    }

    /// Kept for the district when it is unreachable, with the rating token the district checks
    /// on arrival; a rating proved by the card waits for the district instead (the outbox keeps
    /// no ID number).
    func rate(ticketID: Int64, proof: RatingProof, score: Int, reasons: [String], idempotencyKey: String,
              now: Date) async throws -> Rating {
        do {
            return try await district.rate(ticketID: ticketID, proof: proof, score: score, reasons: reasons,
                                           idempotencyKey: idempotencyKey, now: now)
        } catch let unavailable as DistrictStoreUnavailable {
            guard case .token(let token) = proof else { throw unavailable }
            try Rating.validate(score: score, reasons: reasons)
            let pending = PendingRating(ticketID: ticketID, ratingToken: token, score: score, reasons: reasons,
                                        idempotencyKey: idempotencyKey, at: now)
            try outbox.enqueue(.rating, key: "rating:" + idempotencyKey, payload: try JSONEncoder().encode(pending), now: now)
            throw DeferredToDistrict()
        }
    }

    func hold(_ slot: Slot, idNumber: ResidentIDNumber, idempotencyKey: String, now: Date) async throws -> SlotHold {
        try await district.hold(slot, idNumber: idNumber, idempotencyKey: idempotencyKey, now: now)
    }

    func confirm(holdID: String, idNumber: ResidentIDNumber, idempotencyKey: String, now: Date) async throws -> BookingRecord {
        try await district.confirm(holdID: holdID, idNumber: idNumber, idempotencyKey: idempotencyKey, now: now)
    }

    func lookup(code: BookingCode, idNumber: ResidentIDNumber) async throws -> BookingRecord {
        try await district.lookup(code: code, idNumber: idNumber)
    }

    func booking(code: BookingCode, calendarKey: String) async throws -> BookingRecord {
        try await district.booking(code: code, calendarKey: calendarKey)
    }

    func cancel(code: BookingCode, idNumber: ResidentIDNumber, idempotencyKey: String, now: Date) async throws -> BookingRecord {
        try await district.cancel(code: code, idNumber: idNumber, idempotencyKey: idempotencyKey, now: now)
    }

    func reschedule(code: BookingCode, idNumber: ResidentIDNumber, to slot: Slot, idempotencyKey: String,
                    now: Date) async throws -> BookingRecord {
        try await district.reschedule(code: code, idNumber: idNumber, to: slot, idempotencyKey: idempotencyKey, now: now)
    }

    func placesTaken(slotIDs: [String], now: Date) async throws -> [String: Int] {
        try await district.placesTaken(slotIDs: slotIDs, now: now)
    }

    func checkIn(code: BookingCode, holder: CitizenIdentity, idempotencyKey: String, now: Date) async throws -> CheckInResult {
        try await district.checkIn(code: code, holder: holder, idempotencyKey: idempotencyKey, now: now)
    }

    func checkIn(holder: CitizenIdentity, idempotencyKey: String, now: Date) async throws -> CheckInResult {
        try await district.checkIn(holder: holder, idempotencyKey: idempotencyKey, now: now)
    }

    func callNext(counter: String, serviceIDs: [String], idempotencyKey: String, now: Date) async throws -> Ticket? {
        try await district.callNext(counter: counter, serviceIDs: serviceIDs, idempotencyKey: idempotencyKey, now: now)
    }

    func recall(ticketID: Int64, idempotencyKey: String, now: Date) async throws -> Ticket {
        try await district.recall(ticketID: ticketID, idempotencyKey: idempotencyKey, now: now)
    }

    func markNoShow(ticketID: Int64, idempotencyKey: String, now: Date) async throws -> Ticket {
        try await district.markNoShow(ticketID: ticketID, idempotencyKey: idempotencyKey, now: now)
    }

    func finish(ticketID: Int64, idempotencyKey: String, now: Date) async throws -> Ticket {
        try await district.finish(ticketID: ticketID, idempotencyKey: idempotencyKey, now: now)
    }

    func transfer(ticketID: Int64, to serviceID: String, idempotencyKey: String, now: Date) async throws -> Ticket {
        try await district.transfer(ticketID: ticketID, to: serviceID, idempotencyKey: idempotencyKey, now: now)
    }

    func servingTickets(serviceIDs: [String], now: Date) async throws -> [Ticket] {
        try await district.servingTickets(serviceIDs: serviceIDs, now: now)
    }

    func waitingTickets(serviceIDs: [String], now: Date) async throws -> [Ticket] {
        try await district.waitingTickets(serviceIDs: serviceIDs, now: now)
    }
}

/// A walk-in ticket issued offline: the citizen's printed number is the terminal's id and the
/// local number; `sequence` keeps it unique in the district's queue. Its id is the local id
/// negated: never the id of a district ticket, so nothing (a rating, a recall) can reach
/// another citizen's ticket through it; in the district it gets an id of its own.
struct OfflineTicket: Codable, Sendable {
    let ticket: Ticket
    let sequence: Int

    init(_ local: Ticket, terminalID: String) {
        sequence = Int(local.number.drop { $0.isLetter }) ?? Int(local.id)
        ticket = Ticket(id: -local.id, date: local.date, number: terminalID + "-" + local.number, serviceID: local.serviceID,
                        priority: local.priority, queuedAt: local.queuedAt, state: local.state, counter: nil, calledAt: nil,
                        callCount: 0, bookingID: nil)
    }
}

struct PendingRating: Codable, Sendable {
    let ticketID: Int64
    /// Checked by the district when the rating arrives; absent in records kept before tokens
    /// existed, which the district then refuses (`ratingNotAllowed`).
    let ratingToken: String?
    let score: Int
    let reasons: [String]
    let idempotencyKey: String
    let at: Date
}

/// Sends the outbox to the district store, oldest first: a record is marked sent only after the
/// district has it, and every district write is idempotent on the record's identity, so a
/// record is stored exactly once however often it is sent (a crash between the district's
/// commit and the mark sends it again, and the district keeps what it has). Consecutive
/// filings travel together, up to `batchSize` in one district transaction, and are marked in
/// one local transaction; when the district refuses any of them, that run is sent again one
/// record at a time, so that one bad filing never holds back the others. A record the district
/// refuses for good (a rating of a ticket it does not know) is set aside with the refusal's
/// code for staff; an unreachable district ends the pass, to resume from the same record.
///
/// Each batch commits with the server's `synchronous_commit` as it is (on by default), not
/// `SET LOCAL synchronous_commit = off`: a commit acknowledged before its WAL is on disk can be
/// lost when the server crashes within the next few hundred milliseconds, after the terminal
/// has marked the batch sent; those filings would then never be sent again. Fewer flushes
/// come safely from larger batches (`batchSize`).
public struct OutboxDrainer: ServiceLifecycle.Service {
    let outbox: SQLiteStore
    let district: PostgresStore
    let bookings: PostgresBookingStore
    /// Where filings arrive: stored, and their lifecycle opened (or a correction resubmitted).
    let filings: PostgresFilingLedger
    let terminalID: String
    /// This terminal's hall (site id), recorded with its filings.
    let hall: String
    let interval: Duration
    /// Records read from the outbox at once, and the most filings sent in one transaction:
    /// large enough that a transaction's round trips cost little per filing, small enough that
    /// a run sent again one by one after a refusal stays short.
    let batchSize: Int
    let logger: Logger
    let now: @Sendable () -> Date

    public init(outbox: SQLiteStore, district: PostgresStore, bookings: PostgresBookingStore, filings: PostgresFilingLedger,
                terminalID: String, hall: String, interval: Duration = .seconds(2), batchSize: Int = 500, logger: Logger,
                now: @escaping @Sendable () -> Date = { Date() }) {
        self.outbox = outbox
        self.district = district
        self.bookings = bookings
        self.filings = filings
        self.terminalID = terminalID
        self.hall = hall
        self.interval = interval
        self.batchSize = batchSize
        self.logger = logger
        self.now = now
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            _ = await drain()
            try? await gracefulShutdownOrCancelSleep()
        }
    }

    private func gracefulShutdownOrCancelSleep() async throws {
        try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
    }

    public struct Pass: Sendable, Equatable {
        public var sent = 0
        public var failed = 0
        /// The district could not be reached: records remain.
        public var interrupted = false
    }

    /// One pass over what waits, until it is empty or the district cannot be reached. While the
    /// district receives a batch, the next one (the records after it) is read and prepared, and
    /// the run before it is marked sent, so that the terminal's work and the district's overlap.
    public func drain() async -> Pass {
        var pass = Pass()
        var marking: Marking?
        await drain(&pass, marking: &marking)
        await settle(&marking, &pass)
        return pass
    }

    private func drain(_ pass: inout Pass, marking: inout Marking?) async {
        var upcoming = Task { try await read(after: 0) }
        defer { upcoming.cancel() }
        while true {
            let batch: Batch
            do {
                batch = try await upcoming.value
            } catch {
                logger.error("outbox unreadable", metadata: ["error.type": "\(type(of: error))"])
                pass.interrupted = true
                return
            }
            guard let last = batch.last else { return }
            upcoming = Task { try await read(after: last) }
            for run in batch.runs {
                if run.records.count > 1 {
                    if await sendTogether(run, &pass, marking: &marking) { continue }
                    if pass.interrupted { return }
                }
                guard await settle(&marking, &pass) else { return }
                for record in run.records {
                    guard await sendAlone(record, &pass) else { return }
                }
            }
        }
    }

    /// A run the district has, being marked sent in the terminal's outbox while the next run
    /// travels: a crash before the mark sends the run again, and the district keeps what it has.
    private struct Marking {
        let task: Task<Void, any Error>
        let count: Int
    }

    /// Waits for the run being marked: false (`pass.interrupted`) when the outbox could not mark
    /// it; it is sent again on the next pass.
    @discardableResult
    private func settle(_ marking: inout Marking?, _ pass: inout Pass) async -> Bool {
        guard let pending = marking else { return true }
        marking = nil
        do {
            try await pending.task.value
            pass.sent += pending.count
            return true
        } catch {
            logger.error("outbox run not marked sent", metadata: ["error.type": "\(type(of: error))"])
            pass.interrupted = true
            return false
        }
    }

    /// Pending records read at once, cut into runs; a run of several filings prepared to be sent
    /// together (or the reason it cannot be: it is then sent one record at a time).
    struct Batch: Sendable {
        struct Run: Sendable {
            let records: ArraySlice<OutboxRecord>
            let prepared: Result<PostgresFilingLedger.PreparedArrivals, any Error>?
        }

        let runs: [Run]
        /// The last record's id: the next batch is what waits after it.
        let last: Int64?
    }

    /// Up to `batchSize` records waiting after the record `after`, prepared.
    private func read(after: Int64) async throws -> Batch {
        let records = try await outbox.pendingOutbox(after: after, limit: batchSize)
        var runs: [Batch.Run] = []
        for run in Self.runs(records) {
            var prepared: Result<PostgresFilingLedger.PreparedArrivals, any Error>?
            if run.count > 1 {
                do {
                    let arrivals = try run.map { record in
                        (filing: try PostgresFilingLedger.decodeFiling(record.payload), document: record.payload)
                    }
                    prepared = .success(try await filings.prepare(arrivals, terminalID: terminalID, hall: hall))
                } catch {
                    prepared = .failure(error)
                }
            }
            runs.append(Batch.Run(records: run, prepared: prepared))
        }
        return Batch(runs: runs, last: records.last?.id)
    }

    /// `records` cut, in order, into runs of consecutive filings (sent together) and single
    /// records of the other kinds.
    static func runs(_ records: [OutboxRecord]) -> [ArraySlice<OutboxRecord>] {
        var runs: [ArraySlice<OutboxRecord>] = []
        var start = records.startIndex
        while start < records.endIndex {
            var end = start + 1
            if records[start].kind == .filing {
                while end < records.endIndex, records[end].kind == .filing { end += 1 }
            }
            runs.append(records[start..<end])
            start = end
        }
        return runs
    }

    /// Filings in one district transaction, then marked sent in one local transaction while the
    /// next run travels (`marking`). The district commits a run only once the run before it is
    /// marked: at most one run is ever stored there and not yet marked here, as when each run
    /// was marked before the next was sent. False when they should go one at a time: the
    /// district refused one of them (or anything else but an outage went wrong), or the pass was
    /// interrupted (`pass.interrupted`).
    private func sendTogether(_ run: Batch.Run, _ pass: inout Pass, marking: inout Marking?) async -> Bool {
        let ids = run.records.map(\.id)
        let before = marking?.task
        do {
            guard let prepared = run.prepared else { return false }
            try await filings.receive(try prepared.get(), at: now()) { try await before?.value }
        } catch {
            // The run before it not marked: this one was rolled back.
            guard await settle(&marking, &pass) else { return false }
            if error is DistrictStoreUnavailable {
                try? await outbox.markAttempted(ids)
                pass.interrupted = true
            } else {
                logger.notice("outbox run sent again one record at a time", metadata: [
                    "outbox.first": "\(ids.first ?? 0)", "outbox.count": "\(ids.count)",
                    "error.code": "\((error as? any KioskError)?.code ?? "\(type(of: error))")"])
            }
            return false
        }
        guard await settle(&marking, &pass) else { return false }
        let (outbox, sentAt) = (outbox, now())
        marking = Marking(task: Task { try await outbox.markSent(ids, now: sentAt) }, count: ids.count)
        return true
    }

    /// False when the pass ends here (`pass.interrupted`).
    private func sendAlone(_ record: OutboxRecord, _ pass: inout Pass) async -> Bool {
        do {
            try await send(record)
            try await outbox.markSent([record.id], now: now())
            pass.sent += 1
            return true
        } catch is DistrictStoreUnavailable {
            try? await outbox.markAttempted([record.id])
            pass.interrupted = true
            return false
        } catch let refusal as any KioskError where refusal is BookingRuleError || refusal is LifecycleRefusal {
            logger.warning("outbox record refused by the district", metadata: [
                "outbox.id": "\(record.id)", "outbox.kind": "\(record.kind.rawValue)", "error.code": "\(refusal.code)"])
            try? await outbox.markFailed(record.id, failure: refusal.code, now: now())
            pass.failed += 1
            return true
        } catch {
            // A database error that is not a refusal: try again on the next pass, in order.
            logger.error("outbox record not sent", metadata: [
                "outbox.id": "\(record.id)", "error.code": "\((error as? any KioskError)?.code ?? "\(type(of: error))")"])
            try? await outbox.markAttempted([record.id])
            pass.interrupted = true
            return false
        }
    }

    private func send(_ record: OutboxRecord) async throws {
        switch record.kind {
        case .filing:
            let filing = try PostgresFilingLedger.decodeFiling(record.payload)
            try await filings.receive(filing, document: record.payload, terminalID: terminalID, hall: hall,
                                      applicant: filing.applicantIDNumber, at: now())
        case .ticket:
            let offline = try JSONDecoder().decode(OfflineTicket.self, from: record.payload)
            try await bookings.receiveOfflineTicket(offline.ticket, sequence: offline.sequence, terminalID: terminalID)
        case .rating:
            let rating = try JSONDecoder().decode(PendingRating.self, from: record.payload)
            _ = try await bookings.rate(ticketID: rating.ticketID, proof: .token(rating.ratingToken ?? ""), score: rating.score,
                                        reasons: rating.reasons, idempotencyKey: rating.idempotencyKey, now: rating.at)
        }
    }
}
