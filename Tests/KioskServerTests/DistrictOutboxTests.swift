import Booking
@testable import District
import Filings
import FormEngine
import Foundation
@testable import KioskApp
import KioskCore
import KioskServer
import KioskTesting
import Logging
import Secrets
import Storage
import StoragePostgres
import Testing

/// A terminal in district mode whose district store goes away in the middle of the day: it keeps
/// filing, issuing walk-in tickets and taking ratings, refuses new bookings, and sends what it
/// kept, exactly once and in order, when the store returns. On a private PostgreSQL of its own,
/// stopped and restarted on the same port.
@Suite("District outbox across an outage")
struct DistrictOutboxTests {
    static let zone = TimeZone(identifier: "Asia/Shanghai")!
    /// Wednesday 2026-12-02 10:00 in Beijing: the hall is open.
    static let morning = Date(timeIntervalSince1970: 1_796_083_200 + 86_400 + 7_200)
    static let citizen = try! ResidentIDNumber("11010519900517001" + String(ResidentIDNumber.checkCharacter(forFirst17: "11010519900517001")!))

    struct Terminal {
        let local: SQLiteStore
        let archive: DistrictFilingArchive
        let ledger: DistrictLedger
        let drainer: OutboxDrainer
        let district: PostgresStore
        let bookings: PostgresBookingStore
    }

    static func filing(_ reference: String, at date: Date, version: Int = 1) throws -> Filing {
        let json = """
            {"formID":"residence-permit","formVersion":1,"reference":"\(reference)","version":\(version),
             "title":{"zh-CN":"居住证","en":"Residence permit"},"department":{"zh-CN":"公安","en":"Police"},
             "timeLimitDays":15,"submittedAt":"\(ISO8601DateFormatter().string(from: date))","answers":{},
             "materials":[],"deferred":[],"commitments":[],"subFilings":[],"overrides":[]}
            """
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(Filing.self, from: Data(json.utf8))
    }

    @Test func recordsKeptDuringAnOutageArriveExactlyOnceInOrder() async throws {
        try await PrivatePostgres.withPrivate { cluster in try await self.outage(on: cluster) }
    }

    func outage(on cluster: PrivatePostgres) async throws {
        let scratch = try ScratchDirectory(prefix: "kiosk-outbox")
        let local = try SQLiteStore(path: scratch.path + "/kiosk.sqlite", keys: .random(district: .random()))
        try local.migrate()
        // Migrated with a generous deadline (the test run starts many at once). The outage is a
        // stopped server (refused at once); a loaded test machine must not look like one.
        let setup = try PostgresStore(url: cluster.url(), operationTimeout: .seconds(60), maximumConnections: 1, logger: Logger(label: "test"))
        try await setup.withRunning { _ = try await setup.migrate() }
        let district = try PostgresStore(url: cluster.url(), operationTimeout: .seconds(60), logger: Logger(label: "test"))
        let runner = Task { await district.run() }
        defer { runner.cancel() }
        let queue = QueuePolicy(prefixes: ["hukou": "A"])
        let bookings = PostgresBookingStore(store: district, queue: queue, timeZone: Self.zone, hasher: HMACIDHasher(key: local.keys.district!))
        let localBookings = try SQLiteBookingStore(store: local, queue: queue, timeZone: Self.zone)
        let archive = DistrictFilingArchive(local: local, terminalID: "T07", now: { Self.morning })
        let ledger = DistrictLedger(district: bookings, local: localBookings, outbox: local, terminalID: "T07")
        let filings = PostgresFilingLedger(store: district, lifecycle: FilingLifecycle(calendar: try OfficialCalendar(years: []), timeZone: Self.zone),
                                           districtHasher: { HMACIDHasher(key: local.keys.district!) })
        let drainer = OutboxDrainer(outbox: local, district: district, bookings: bookings, filings: filings, terminalID: "T07",
                                    hall: "S01", logger: Logger(label: "test"), now: { Self.morning })
        let generator = SlotGenerator(calendar: try OfficialCalendar(years: []), hours: .standard)
        let service = try Service(id: "hukou", nameZH: "户籍", nameEN: "Hukou", durationMinutes: 30, counters: ["A01"],
                                  capacityPerSlot: 5, horizonDays: 14, minimumNoticeMinutes: 0)
        let day = generator.schedule(for: try LocalDate("2026-12-02"))
        let slot = try #require(generator.slots(for: service, from: day.day.date, through: day.day.date, now: Self.morning).last)

        var references: [String] = []
        func file(_ count: Int) async throws {
            for _ in 0..<count {
                references.append(try await archive.recordFiling(site: "S01", day: "20261202") { try Self.filing($0, at: Self.morning) }.reference)
            }
        }
        // Online: filings go out on the next pass; a ticket is served and finished at the counter.
        try await file(5)
        #expect(await drainer.drain() == OutboxDrainer.Pass(sent: 5))
        // Taken with the card: the terminal reads the district's ID key while the store is up.
        let served = try await ledger.issueTicket(serviceID: "hukou", holder: .card(Self.citizen), disabilityMarkedByStaff: false, schedule: day,
                                                  idempotencyKey: "t0", now: Self.morning)
        _ = try await ledger.callNext(counter: "A01", serviceIDs: ["hukou"], idempotencyKey: "n0", now: Self.morning)
        _ = try await ledger.finish(ticketID: served.ticket.id, idempotencyKey: "f0", now: Self.morning)

        // The district store goes down.
        try await cluster.stopServer()
        try await file(10)
        let offline = try await ledger.issueTicket(serviceID: "hukou", holder: nil, disabilityMarkedByStaff: false, schedule: day,
                                                   idempotencyKey: "t1", now: Self.morning)
        #expect(offline.ticket.number == "T07-A001" && offline.ticket.id < 0 && offline.ratingToken == nil)
        #expect(try await local.notCopiedToDistrict().isEmpty,
                "the outbox carries the offline ticket: the next start in district mode is not refused for want of kiosk db copy")
        // Kept with its rating token, which the district checks when it arrives; a rating proved
        // by the card waits for the district (the outbox keeps no ID number).
        await #expect(throws: DeferredToDistrict.self) {
            try await ledger.rate(ticketID: served.ticket.id, proof: .token(try #require(served.ratingToken)), score: 4, reasons: [],
                                  idempotencyKey: "r1", now: Self.morning)
        }
        await #expect(throws: DistrictStoreUnavailable()) {
            try await ledger.rate(ticketID: served.ticket.id, proof: .holder(Self.citizen), score: 4, reasons: [],
                                  idempotencyKey: "r1b", now: Self.morning)
        }
        await #expect(throws: DistrictStoreUnavailable()) {
            try await ledger.hold(slot, idNumber: Self.citizen, idempotencyKey: "h1", now: Self.morning)
        }
        let duringOutage = await drainer.drain()
        #expect(duringOutage.interrupted && duringOutage.sent == 0)
        try await file(5)
        #expect(try await local.outboxBacklog().pending == 17)

        // It returns: the next passes send everything kept, in the order it was made.
        try await cluster.startServer()
        var sent = 0
        // The pool backs off between reconnection attempts (growing to a minute in long outages).
        _ = try await eventually(within: .seconds(90), every: .milliseconds(200)) {
            guard try await local.outboxBacklog().pending > 0 else { return true }
            sent += await drainer.drain().sent
            return try await local.outboxBacklog().pending == 0
        }
        #expect(sent == 17)
        #expect(try await local.outboxBacklog() == OutboxBacklog(pending: 0, failed: 0, sent: 22, oldestPending: nil))
        #expect(try await district.filingReferences(terminalID: "T07") == references)
        #expect(references.allSatisfy { $0.hasPrefix("S01-T07-20261202-") })

        // An acknowledgement lost in transit: the terminal sends again, the district keeps one.
        try await local.markUnsentForTest(references: Array(references.suffix(3)))
        #expect(await drainer.drain().sent == 3)
        #expect(try await district.filingReferences(terminalID: "T07") == references)

        // The screen retries the offline ticket's request once the district is back: the same
        // ticket, not a second place in line.
        let retried = try await ledger.issueTicket(serviceID: "hukou", holder: nil, disabilityMarkedByStaff: false, schedule: day,
                                                   idempotencyKey: "t1", now: Self.morning)
        #expect(retried.ticket == offline.ticket && retried.ahead == nil && retried.ratingToken == nil)
        let waiting = try await ledger.waitingTickets(serviceIDs: ["hukou"], now: Self.morning)
        #expect(waiting.map(\.number) == ["T07-A001"])
        #expect(try await bookings.ratings(serviceID: "hukou").map(\.score) == [4])
        // Booking works again.
        _ = try await ledger.hold(slot, idNumber: Self.citizen, idempotencyKey: "h2", now: Self.morning)
    }
}
