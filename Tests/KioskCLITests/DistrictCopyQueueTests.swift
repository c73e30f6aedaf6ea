import Booking
import Filings
import Foundation
@testable import KioskBench
import KioskCore
import KioskTesting
import Storage
import StoragePostgres
import Testing

/// `kiosk db copy` and the start in district mode for a terminal's queue: its walk-in tickets,
/// their ratings and the answers kept for retries (idempotency keys) reach the district, and a
/// copy run again (after the terminal was renamed too) adds none of them twice.
@Suite("kiosk db copy: the queue, ratings and idempotency keys", .privatePostgres, .waitsOffPool)
struct DistrictCopyQueueTests {
    static let zone = DistrictBenchmarks.zoneForTests
    /// Wednesday 2026-12-02 10:00 in Beijing: the hall is open.
    static let morning = Date(timeIntervalSince1970: 1_796_083_200 + 86_400 + 7_200)

    static func bookings(_ installation: TestInstallation) throws -> SQLiteBookingStore {
        try SQLiteBookingStore(store: try installation.store(), timeZone: zone)
    }

    static func today() throws -> DaySchedule {
        SlotGenerator(calendar: try OfficialCalendar(years: []), hours: .standard).schedule(for: try LocalDate("2026-12-02"))
    }

    /// Two walk-in tickets today; the first is called, served and rated: 2 tickets, 1 rating and 5
    /// idempotency keys (two issues, the call, the finish, the rating).
    static func queueOfTheDay(_ installation: TestInstallation) async throws {
        let terminal = try bookings(installation)
        let first = try await terminal.issueTicket(serviceID: "hukou", holder: nil, disabilityMarkedByStaff: false, schedule: try today(),
                                                   idempotencyKey: "w0", now: morning)
        _ = try await terminal.issueTicket(serviceID: "hukou", holder: nil, disabilityMarkedByStaff: false, schedule: try today(),
                                           idempotencyKey: "w1", now: morning)
        _ = try await terminal.callNext(counter: "A01", serviceIDs: ["hukou"], idempotencyKey: "n0", now: morning)
        _ = try await terminal.finish(ticketID: first.ticket.id, idempotencyKey: "f0", now: morning)
        _ = try await terminal.rate(ticketID: first.ticket.id, proof: .token(try #require(first.ratingToken)), score: 5, reasons: [],
                                    idempotencyKey: "r0", now: morning)
    }

    static func copy(_ installation: TestInstallation, to url: String, terminal: String? = nil) async throws -> KioskProcess.Result {
        try await offPool {
            try KioskProcess.run(["db", "copy", "--from", "sqlite:" + installation.dataDirectory + "/kiosk.sqlite", "--to", url]
                                 + (terminal.map { ["--terminal", $0] } ?? []), in: installation.root)
        }
    }

    /// A terminal that took tickets on its own after its last copy (here: never copied) would
    /// start in district mode without them: the citizens holding those numbers lose their place in
    /// the queue, the rating leaves the report, a retried request is answered anew. `kiosk serve`
    /// refuses, naming each kind and how many, and starts once they are copied.
    @Test func serveRefusesDistrictModeWhileTicketsRatingsOrKeysWereNeverCopied() async throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        #expect(try await offPool { try KioskProcess.run(["db", "migrate"], in: installation.root) }.status == 0)
        try await Self.queueOfTheDay(installation)
        let url = try await cluster().createDatabase()
        try installation.writeConfig("database = \"\(url)\"\n")
        let path = installation.dataDirectory + "/kiosk.sqlite"
        let refused = try await offPool { try KioskProcess.run(["serve"], in: installation.root) }
        #expect(refused.status == 1)
        #expect(refused.stderr.hasSuffix("kiosk: \(path) holds 2 queue tickets, 1 ratings and 5 idempotency keys that were never "
            + "copied to the district store: run kiosk db copy --from sqlite:\(path) --to <district store> first [notCopiedToDistrict]\n"),
                "\(refused.stderr)")
        let copied = try await Self.copy(installation, to: url)
        #expect(copied.status == 0, "\(copied.stderr)")
        #expect(copied.stdout.contains("\n  tickets: 2 copied, 0 already there\n  ratings: 1 copied, 0 already there\n"), "\(copied.stdout)")
        #expect(!copied.stdout.contains("refuses"), "\(copied.stdout)")
        let server = try await RunningKiosk.start(installation)
        #expect(await RawHTTP.sendOffPool(port: server.port, path: "/readyz")?.status == 200)
        server.stop()
    }

    /// A terminal that served alone between two copies called and served tickets the district
    /// holds as waiting: left so, staff in district mode would call citizens already served, and
    /// the hall display would count them. The second copy carries each change the district has
    /// not gone as far as (more calls; with as many, called is further than waiting, and served or
    /// sent away further than both); one the district called since stays as the district has it.
    @Test func aTicketCalledOrServedOnTheTerminalSinceItsCopyIsSoInTheDistrict() async throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        #expect(try await offPool { try KioskProcess.run(["db", "migrate"], in: installation.root) }.status == 0)
        let terminal = try Self.bookings(installation)
        var tickets: [Int64] = []
        for key in ["w0", "w1", "w2"] {
            tickets.append(try await terminal.issueTicket(serviceID: "hukou", holder: nil, disabilityMarkedByStaff: false,
                                                          schedule: try Self.today(), idempotencyKey: key, now: Self.morning).ticket.id)
        }
        let url = try await cluster().createDatabase()
        let database = String(url.split(separator: "/").last!)
        #expect(try await Self.copy(installation, to: url).status == 0)

        // Alone since: A001 served, A002 called and sent away, A003 called at A01 (and at B02 in the district).
        _ = try await terminal.callNext(counter: "A01", serviceIDs: ["hukou"], idempotencyKey: "n0", now: Self.morning)
        _ = try await terminal.finish(ticketID: tickets[0], idempotencyKey: "f0", now: Self.morning)
        _ = try await terminal.callNext(counter: "A01", serviceIDs: ["hukou"], idempotencyKey: "n1", now: Self.morning)
        _ = try await terminal.markNoShow(ticketID: tickets[1], idempotencyKey: "s1", now: Self.morning)
        _ = try await terminal.callNext(counter: "A01", serviceIDs: ["hukou"], idempotencyKey: "n2", now: Self.morning)
        try await cluster().psql("""
            UPDATE queue_ticket SET state = 'called', counter = 'B02', called_at = 1796094000, call_count = 1 WHERE number = 'A003'
            """, database: database)
        #expect(try await installation.store().notCopiedToDistrict().tickets == 3)

        let again = try await Self.copy(installation, to: url)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout.contains("\n  tickets: 0 copied, 3 already there\n"), "\(again.stdout)")
        #expect(again.stdout.contains("\n2 queue tickets called, served or sent away on this terminal since their copy are so in the "
            + "district store\n"), "\(again.stdout)")
        #expect(try await cluster().psql("""
            SELECT string_agg(number || ' ' || state || ' ' || coalesce(counter, '-') || ' ' || call_count, ',' ORDER BY number)
            FROM queue_ticket
            """, database: database) == "A001 finished A01 1,A002 noShow A01 1,A003 called B02 1")
        #expect(try await cluster().psql("SELECT coalesce(sum(waiting), 0) FROM queue_waiting", database: database) == "0")
        #expect(try await installation.store().notCopiedToDistrict().isEmpty)
    }

    /// A terminal renamed (or re-imaged under another id) between two copies: the second copy's
    /// `--terminal` (by default the configuration's new `terminal.id`) names only what is new. The
    /// tickets copied before keep the terminal-scoped prefix they got (their numbers are not
    /// added again under the new name), a rating made since joins the ticket copied before, and
    /// the calls and prints stay under the terminal that recorded them.
    @Test func aSecondCopyAfterARenameAddsNothingTwice() async throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        #expect(try await offPool { try KioskProcess.run(["db", "migrate"], in: installation.root) }.status == 0)
        let terminal = try Self.bookings(installation)
        let first = try await terminal.issueTicket(serviceID: "hukou", holder: nil, disabilityMarkedByStaff: false,
                                                   schedule: try Self.today(), idempotencyKey: "w0", now: Self.morning)
        _ = try await terminal.callNext(counter: "A01", serviceIDs: ["hukou"], idempotencyKey: "n0", now: Self.morning)
        _ = try await terminal.finish(ticketID: first.ticket.id, idempotencyKey: "f0", now: Self.morning)
        let calls = HelpRequestStore(store: try installation.store(), timeZone: Self.zone)
        _ = try await calls.raise(HelpRequest(id: "call-0", terminalId: "T01", sessionId: nil, screen: "home", raisedAt: Self.morning,
                                              timeout: 90))
        try await calls.recordPolicyPrints(["policy-a"], terminalId: "T01", at: Self.morning)
        let url = try await cluster().createDatabase()
        let database = String(url.split(separator: "/").last!)
        let before = try await Self.copy(installation, to: url, terminal: "T01")
        #expect(before.status == 0, "\(before.stderr)")

        // Renamed T02; then a rating of the ticket copied before and a new ticket.
        _ = try await terminal.rate(ticketID: first.ticket.id, proof: .token(try #require(first.ratingToken)), score: 4, reasons: [],
                                    idempotencyKey: "r0", now: Self.morning)
        _ = try await terminal.issueTicket(serviceID: "hukou", holder: nil, disabilityMarkedByStaff: false, schedule: try Self.today(),
                                           idempotencyKey: "w1", now: Self.morning)
        let after = try await Self.copy(installation, to: url, terminal: "T02")
        #expect(after.status == 0, "\(after.stderr)")
        #expect(after.stdout.contains("\n  tickets: 1 copied, 1 already there\n  ratings: 1 copied, 0 already there\n"), "\(after.stdout)")
        #expect(after.stdout.contains("\n  help requests: 0 copied, 1 already there\n  policy prints: 0 copied, 1 already there\n"),
                "\(after.stdout)")
        #expect(try await cluster().psql("SELECT string_agg(number || ' ' || prefix, ',' ORDER BY id) FROM queue_ticket", database: database)
                == "A001 A@T01,A002 A@T02")
        #expect(try await cluster().psql("""
            SELECT string_agg(t.prefix || ' ' || r.score, ',') FROM rating r JOIN queue_ticket t ON t.id = r.ticket_id
            """, database: database) == "A@T01 4")
        #expect(try await cluster().psql("SELECT string_agg(terminal_id, ',') FROM help_request", database: database) == "T01")
        #expect(try await cluster().psql("SELECT string_agg(terminal_id, ',') FROM policy_print", database: database) == "T01")
        let again = try await Self.copy(installation, to: url, terminal: "T02")
        #expect(again.stdout.contains("\n  tickets: 0 copied, 2 already there\n  ratings: 0 copied, 1 already there\n"), "\(again.stdout)")
        #expect(try await installation.store().notCopiedToDistrict().isEmpty)
    }
}
