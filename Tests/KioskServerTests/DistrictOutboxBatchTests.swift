import Booking
@testable import District
import Filings
import FormEngine
import Foundation
import GRDB
import KioskCore
import KioskTesting
import Logging
import Secrets
import Storage
import StoragePostgres
import Testing

/// The outbox sends consecutive filings together (one district transaction per run, one local
/// transaction marking them) and keeps what one record at a time promised: each record stored
/// once, in the order it was made, and a refused record holding back no other. On a private
/// PostgreSQL, with small batches so that runs end inside a pass.
@Suite("District outbox in batches")
struct DistrictOutboxBatchTests {
    static let morning = DistrictOutboxTests.morning

    struct Terminal {
        let path: String
        let local: SQLiteStore
        let archive: DistrictFilingArchive
        let drainer: OutboxDrainer
        let district: PostgresStore
        let filings: PostgresFilingLedger

        func file(_ count: Int) async throws -> [String] {
            var references: [String] = []
            for _ in 0..<count {
                references.append(try await archive.recordFiling(site: "S01", day: "20261202") {
                    try DistrictOutboxTests.filing($0, at: DistrictOutboxBatchTests.morning)
                }.reference)
            }
            return references
        }

        /// Drains until nothing is pending: the records sent and refused.
        func drainAll() async throws -> OutboxDrainer.Pass {
            var total = OutboxDrainer.Pass()
            for _ in 0..<20 {
                let pass = await drainer.drain()
                total.sent += pass.sent
                total.failed += pass.failed
                if try await local.outboxBacklog().pending == 0 { return total }
            }
            Issue.record("the outbox did not drain")
            return total
        }
    }

    /// A terminal whose outbox SQLite gives up on a locked file after `busyTimeout`.
    func withTerminal(batchSize: Int, busyTimeout: TimeInterval = 5, _ body: @Sendable (Terminal, PrivatePostgres) async throws -> Void)
        async throws {
        try await PrivatePostgres.withPrivate { cluster in
            let scratch = try ScratchDirectory(prefix: "kiosk-outbox-batch")
            let path = scratch.path + "/kiosk.sqlite"
            let local = try SQLiteStore(path: path, keys: .random(district: .random()), busyTimeout: busyTimeout)
            try local.migrate()
            let district = try PostgresStore(url: cluster.url(), operationTimeout: .seconds(60), logger: Logger(label: "test"))
            try await district.withRunning {
                _ = try await district.migrate()
                let zone = DistrictOutboxTests.zone
                let bookings = PostgresBookingStore(store: district, queue: QueuePolicy(prefixes: ["hukou": "A"]), timeZone: zone,
                                                    hasher: HMACIDHasher(key: local.keys.district!))
                let filings = PostgresFilingLedger(store: district, lifecycle: FilingLifecycle(calendar: try OfficialCalendar(years: []), timeZone: zone),
                                                   districtHasher: { HMACIDHasher(key: local.keys.district!) })
                let drainer = OutboxDrainer(outbox: local, district: district, bookings: bookings, filings: filings, terminalID: "T07",
                                            hall: "S01", batchSize: batchSize, logger: Logger(label: "test"), now: { Self.morning })
                let archive = DistrictFilingArchive(local: local, terminalID: "T07", now: { Self.morning })
                try await body(Terminal(path: path, local: local, archive: archive, drainer: drainer, district: district, filings: filings), cluster)
            }
        }
    }

    /// What the district keeps: filings, lifecycles, their events, and the change counter.
    static func districtCounts(_ cluster: PrivatePostgres) async throws -> String {
        try await cluster.psql("""
            SELECT (SELECT count(*) FROM filing) || ' ' || (SELECT count(*) FROM lifecycle_record) || ' ' ||
                   (SELECT count(*) FROM lifecycle_event) || ' ' || (SELECT last FROM lifecycle_change)
            """).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Filings arrive in the district in the order they were made, across runs and passes, with
    /// a record of another kind between them.
    @Test func filingsArriveOldestFirstAcrossBatches() async throws {
        try await withTerminal(batchSize: 8) { terminal, cluster in
            var references = try await terminal.file(13)
            try terminal.local.enqueue(.ticket, key: "ticket:x", payload: try JSONEncoder().encode(OfflineTicket(
                Ticket(id: 1, date: try LocalDate("2026-12-02"), number: "A001", serviceID: "hukou", priority: .ordinary,
                       queuedAt: Self.morning, state: .waiting, counter: nil, calledAt: nil, callCount: 0, bookingID: nil),
                terminalID: "T07")), now: Self.morning)
            references += try await terminal.file(12)
            #expect(try await terminal.drainAll() == OutboxDrainer.Pass(sent: 26))
            #expect(try await terminal.district.filingReferences(terminalID: "T07") == references)
            // Each lifecycle opened once, its changes numbered in the order the filings were made.
            #expect(try await Self.districtCounts(cluster) == "25 25 25 25")
            let order = try await cluster.psql("SELECT string_agg(reference, ',' ORDER BY change_seq) FROM lifecycle_record")
            #expect(order.trimmingCharacters(in: .whitespacesAndNewlines) == references.joined(separator: ","))
        }
    }

    /// The district commits a run, then the terminal cannot mark it sent (its file is locked, as
    /// by a crash before the mark): the next pass sends the run again and the district keeps
    /// each filing, lifecycle and event once.
    @Test func aCrashBetweenTheDistrictsCommitAndTheMarkSendsNothingTwice() async throws {
        try await withTerminal(batchSize: 8, busyTimeout: 0.2) { terminal, cluster in
            let references = try await terminal.file(20)
            // Another connection holds the file's write lock while the pass runs.
            let locker = try DatabaseQueue(path: terminal.path)
            let taken = DispatchSemaphore(value: 0)
            let release = DispatchSemaphore(value: 0)
            let holder = Task {
                try await offPool {
                    try locker.writeWithoutTransaction { db in
                        try db.inTransaction(.immediate) {
                            taken.signal()
                            release.wait()
                            return .rollback
                        }
                    }
                }
            }
            try await offPool { taken.wait() }
            let blocked = await terminal.drainer.drain()
            #expect(blocked.interrupted && blocked.sent == 0)
            // The first run reached the district; nothing was marked.
            #expect(try await Self.districtCounts(cluster) == "8 8 8 8")
            #expect(try await terminal.local.outboxBacklog().pending == 20)
            release.signal()
            try await holder.value
            try locker.close()

            #expect(try await terminal.drainAll() == OutboxDrainer.Pass(sent: 20))
            #expect(try await terminal.district.filingReferences(terminalID: "T07") == references)
            #expect(try await Self.districtCounts(cluster) == "20 20 20 20")
            #expect(try await terminal.local.outboxBacklog() == OutboxBacklog(pending: 0, failed: 0, sent: 20, oldestPending: nil))
        }
    }

    /// A correction the district refuses (the case was never returned) in the middle of a run:
    /// the run is sent again one by one, the correction is set aside with its code and every
    /// other filing arrives, in order.
    @Test func aRefusedFilingInTheMiddleOfABatchHoldsBackNoOther() async throws {
        try await withTerminal(batchSize: 16) { terminal, cluster in
            let first = try await terminal.file(1)
            #expect(await terminal.drainer.drain() == OutboxDrainer.Pass(sent: 1))
            var references = first + (try await terminal.file(5))
            try await terminal.local.recordCorrectionForDistrict(try DistrictOutboxTests.filing(first[0], at: Self.morning, version: 2),
                                                                now: Self.morning)
            references += try await terminal.file(20)
            #expect(try await terminal.drainAll() == OutboxDrainer.Pass(sent: 25, failed: 1))
            #expect(try await terminal.district.filingReferences(terminalID: "T07") == references)
            #expect(try await Self.districtCounts(cluster) == "26 26 26 26")
            #expect(try await terminal.local.outboxBacklog() == OutboxBacklog(pending: 0, failed: 1, sent: 26, oldestPending: nil))
            #expect(try await terminal.filings.record(first[0])?.version == 1)
        }
    }

    /// Filings in a batch reach the district by COPY, whose text format escapes a tab, a newline,
    /// a carriage return and a backslash, and reads `\N` as NULL: texts holding them (and the
    /// record's document, bytes) arrive as they do when a filing is sent alone.
    @Test func textsCopyEscapesArriveInABatchAsWhenSentAlone() async throws {
        try await withTerminal(batchSize: 8) { terminal, cluster in
            let awkward = "居\tb\nc\rd\\e \\N\\x00 '\",|"
            let quoted = String(decoding: try JSONEncoder().encode(awkward), as: UTF8.self)
            func filing(_ reference: String) throws -> (filing: Filing, document: Data) {
                let document = Data("""
                    {"formID":"residence-permit","formVersion":1,"reference":"\(reference)","version":1,
                     "title":{"zh-CN":\(quoted),"en":\(quoted)},"department":{"zh-CN":\(quoted),"en":"Police"},
                     "timeLimitDays":15,"submittedAt":"2026-12-02T01:00:00Z","answers":{},
                     "materials":[],"deferred":[],"commitments":[],"subFilings":[],"overrides":[]}
                    """.utf8)
                return (try PostgresFilingLedger.filingDecoder.decode(Filing.self, from: document), document)
            }
            let together = try ["S01-20261202-0001", "S01-20261202-0002"].map(filing)
            #expect(try await terminal.filings.receive(together, terminalID: "T07", hall: "S01", at: Self.morning) == 2)
            let alone = try filing("S01-20261202-0003")
            #expect(try await terminal.filings.receive(alone.filing, document: alone.document, terminalID: "T07", hall: "S01",
                                                       applicant: nil, at: Self.morning))

            let text = "convert_from(decode('\(Data(awkward.utf8).map { String(format: "%02x", $0) }.joined())', 'hex'), 'UTF8')"
            let cases = try await cluster.psql("""
                SELECT count(*) FROM lifecycle_case WHERE matter_zh = \(text) AND matter_en = \(text) AND department_zh = \(text)
                """)
            #expect(cases.trimmingCharacters(in: .whitespacesAndNewlines) == "3")
            // The month's summary counted the cases that arrived by COPY, as the one sent alone.
            let received = try await cluster.psql("""
                SELECT cases FROM lifecycle_month_count WHERE measure = 'received' AND month = '2026-12' AND matter_zh = \(text)
                """)
            #expect(received.trimmingCharacters(in: .whitespacesAndNewlines) == "3")
            let sentAlone = try #require(try await terminal.filings.record(alone.filing.reference))
            for (sent, _) in together {
                let record = try #require(try await terminal.filings.record(sent.reference))
                #expect(record.title == sentAlone.title)
                #expect(record.title.zh == awkward)
                #expect(record.cases.map(\.department) == sentAlone.cases.map(\.department))
            }
        }
    }
}
