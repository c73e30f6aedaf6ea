import Booking
import Filings
import Foundation
@testable import KioskBench
import KioskCore
import KioskTesting
import Storage
@testable import StoragePostgres
import Testing

/// `kiosk db copy` carries a terminal's calls for staff and its printed policy sheets: after the
/// switch to district mode the hall's staff consoles see its open call, and the district's monthly
/// report counts the calls and prints of the months the terminal served alone.
@Suite("kiosk db copy: help requests and policy prints", .privatePostgres)
struct DistrictCopyCallsTests {
    static let zone = TimeZone(identifier: "Asia/Shanghai")!
    /// 2026-11-20 10:00 in the hall.
    static let november = Date(timeIntervalSince1970: 1_795_140_000)
    static let december = november.addingTimeInterval(20 * 86_400)

    /// Two answered calls (one handed over) and one still open, and sheets printed in two months,
    /// all at the default terminal T01 of hall S01.
    static func callsAndPrints(_ installation: TestInstallation) async throws -> HelpRequestStore {
        let terminal = HelpRequestStore(store: try installation.store(), timeZone: zone)
        for (index, at) in [november, december].enumerated() {
            let (call, _) = try await terminal.raise(HelpRequest(id: "answered-\(index)", terminalId: "T01", sessionId: nil, screen: "home",
                                                                 raisedAt: at, timeout: 90))
            _ = try await terminal.update(call.id) { call in
                try call.take(by: "S100", at: at.addingTimeInterval(30))
                if index == 1 { try call.handOver(to: "S200", by: "S100", callerMayReassign: false, at: at.addingTimeInterval(60)) }
                try call.close(by: call.responsibleStaff!, at: at.addingTimeInterval(120))
            }
        }
        _ = try await terminal.raise(HelpRequest(id: "open-0", terminalId: "T01", sessionId: "session-1", screen: "book-slot",
                                                 raisedAt: december.addingTimeInterval(3_600), timeout: 90))
        try await terminal.recordPolicyPrints(["policy-a", "policy-b"], terminalId: "T01", at: november)
        try await terminal.recordPolicyPrints(["policy-a"], terminalId: "T01", at: december)
        return terminal
    }

    /// Migrates a fresh district store with `kiosk db copy`'s deadline (600 s): every migration in
    /// one go can outlast a terminal's 10 s on a loaded machine.
    static func migrate(_ url: String) async throws {
        let store = try PostgresStore(url: url, operationTimeout: .seconds(600))
        try await store.withRunning { _ = try await store.migrate() }
    }

    static func copy(_ installation: TestInstallation, to url: String) async throws -> KioskProcess.Result {
        try await offPool {
            try KioskProcess.run(["db", "copy", "--from", "sqlite:" + installation.dataDirectory + "/kiosk.sqlite", "--to", url],
                                 in: installation.root)
        }
    }

    /// What the district's consoles and monthly report read equals what the terminal's did.
    static func expectSame(_ terminal: HelpRequestStore, _ district: PostgresStore) async throws {
        let hall = PostgresHelpRequestLedger(store: district, siteID: "S01", timeZone: zone)
        #expect(try await hall.open(terminalId: nil) == terminal.open(terminalId: nil))
        #expect(try await hall.open(terminalId: "T01").map(\.id) == ["open-0"])
        for id in ["answered-0", "answered-1", "open-0"] {
            #expect(try await hall.request(id) == terminal.request(id), "\(id)")
        }
        for month in ["2026-11", "2026-12"] {
            let month = try ReportMonth(month)
            let raised = try await PostgresHelpRequestLedger.raised(in: month, store: district).sorted { $0.id < $1.id }
            #expect(try await raised == terminal.raised(in: month).sorted { $0.id < $1.id })
            #expect(try await PostgresHelpRequestLedger.policyPrints(in: month, store: district) == terminal.policyPrints(in: month))
        }
    }

    /// A terminal with open and answered calls and printed sheets joins a district: the district
    /// shows each exactly once; a second copy adds nothing, and a third, after staff took the open
    /// call in the district, leaves it taken. The output counts and names no one.
    @Test func callsAndPrintsArriveOnceAndStayAsTheDistrictChangesThem() async throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        #expect(try await offPool { try KioskProcess.run(["db", "migrate"], in: installation.root) }.status == 0)
        let terminal = try await Self.callsAndPrints(installation)
        let url = try await cluster().createDatabase()
        let database = String(url.split(separator: "/").last!)

        let first = try await Self.copy(installation, to: url)
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("\n  help requests: 3 copied, 0 already there\n  policy prints: 3 copied, 0 already there\n"),
                "\(first.stdout)")
        let second = try await Self.copy(installation, to: url)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("\n  help requests: 0 copied, 3 already there\n  policy prints: 0 copied, 3 already there\n"),
                "\(second.stdout)")
        #expect(try await cluster().psql("SELECT count(*) FROM help_request", database: database) == "3")
        #expect(try await cluster().psql("SELECT count(*) FROM policy_print", database: database) == "3")
        #expect(!second.stdout.contains("S100") && !second.stdout.contains("session-1") && !second.stdout.contains("policy-a"))

        let district = try PostgresStore(url: url)
        try await district.withRunning {
            try await Self.expectSame(terminal, district)
            let hall = PostgresHelpRequestLedger(store: district, siteID: "S01", timeZone: Self.zone)
            _ = try await hall.update("open-0") { try $0.take(by: "S300", at: Self.december.addingTimeInterval(3_700)) }
        }
        let third = try await Self.copy(installation, to: url)
        #expect(third.stdout.contains("\n  help requests: 0 copied, 3 already there\n"), "\(third.stdout)")
        let again = try PostgresStore(url: url)
        try await again.withRunning {
            let taken = try await PostgresHelpRequestLedger(store: again, siteID: "S01", timeZone: Self.zone).request("open-0")
            #expect(taken?.state == .taken && taken?.responsibleStaff == "S300", "a copy again does not reopen what staff took")
        }
    }

    /// A call copied while open, then answered and closed on the terminal (it served alone until the
    /// switch): the next copy carries the close, so the hall's consoles no longer show a call
    /// nobody waits at and the terminal's next call in district mode is a call of its own; until
    /// then `kiosk serve` refuses district mode. Nothing is added twice, and a call staff closed in
    /// the district stays closed though the terminal's file still has it open.
    @Test func aCallClosedOnTheTerminalAfterItsCopyIsClosedInTheDistrictByTheNextCopy() async throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        #expect(try await offPool { try KioskProcess.run(["db", "migrate"], in: installation.root) }.status == 0)
        let terminal = try await Self.callsAndPrints(installation)
        let url = try await cluster().createDatabase()
        let database = String(url.split(separator: "/").last!)
        #expect(try await Self.copy(installation, to: url).status == 0)

        _ = try await terminal.update("open-0") { call in
            try call.take(by: "S100", at: Self.december.addingTimeInterval(3_630))
            try call.close(by: "S100", at: Self.december.addingTimeInterval(3_700))
        }
        #expect(try await installation.store().notCopiedToDistrict() == NotCopiedToDistrict(bookings: 0, helpRequests: 1, policyPrints: 0),
                "kiosk serve refuses district mode until the close is copied")
        _ = try await terminal.raise(HelpRequest(id: "open-1", terminalId: "T01", sessionId: nil, screen: "home",
                                                 raisedAt: Self.december.addingTimeInterval(7_200), timeout: 90))
        let second = try await Self.copy(installation, to: url)
        #expect(second.status == 0, "\(second.stderr)")
        #expect(second.stdout.contains("\n  help requests: 1 copied, 3 already there\n"), "\(second.stdout)")
        #expect(second.stdout.contains("\n1 help requests closed on this terminal since their copy are closed in the district store\n"),
                "\(second.stdout)")
        #expect(try await cluster().psql("SELECT string_agg(id || ' ' || open, ',' ORDER BY id) FROM help_request", database: database)
                == "answered-0 false,answered-1 false,open-0 false,open-1 true")
        #expect(try await installation.store().notCopiedToDistrict().isEmpty)
        let district = try PostgresStore(url: url)
        try await district.withRunning {
            let hall = PostgresHelpRequestLedger(store: district, siteID: "S01", timeZone: Self.zone)
            #expect(try await hall.request("open-0") == terminal.request("open-0"), "the terminal's answer and close, as it kept them")
            _ = try await hall.update("open-1") { call in
                try call.take(by: "S300", at: Self.december.addingTimeInterval(7_230))
                try call.close(by: "S300", at: Self.december.addingTimeInterval(7_260))
            }
        }
        let third = try await Self.copy(installation, to: url)
        #expect(third.stdout.contains("\n  help requests: 0 copied, 4 already there\n"), "\(third.stdout)")
        #expect(try await cluster().psql("SELECT string_agg(id || ' ' || open, ',' ORDER BY id) FROM help_request", database: database)
                == "answered-0 false,answered-1 false,open-0 false,open-1 false", "a copy again does not reopen what staff closed")
    }

    /// A terminal that took calls and printed sheets on its own, switched to district mode before
    /// they were copied: started, its open call would never reach a staff console and the month's
    /// report would miss its calls and prints. `kiosk serve` refuses, naming what is left and the
    /// command that copies it, and starts once they are copied.
    @Test func serveRefusesDistrictModeWhileCallsOrPrintsWereNeverCopied() async throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        #expect(try await offPool { try KioskProcess.run(["db", "migrate"], in: installation.root) }.status == 0)
        _ = try await Self.callsAndPrints(installation)
        let url = try await cluster().createDatabase()
        try installation.writeConfig("database = \"\(url)\"\n")
        let path = installation.dataDirectory + "/kiosk.sqlite"
        let refused = try await offPool { try KioskProcess.run(["serve"], in: installation.root) }
        #expect(refused.status == 1)
        #expect(refused.stderr.hasSuffix("kiosk: \(path) holds 3 help requests and 3 policy prints that were never copied to the "
            + "district store: run kiosk db copy --from sqlite:\(path) --to <district store> first [notCopiedToDistrict]\n"),
                "\(refused.stderr)")
        let copied = try await Self.copy(installation, to: url)
        #expect(copied.status == 0, "\(copied.stderr)")
        let server = try await RunningKiosk.start(installation)
        #expect(await RawHTTP.sendOffPool(port: server.port, path: "/readyz")?.status == 200)
        server.stop()
    }

    /// A terminal restores a backup older than its last copy (or its file is made anew): its
    /// policy prints' row ids start again below the ones the district copied. A sheet printed then
    /// is a print of its own and arrives; keyed by the row id it was taken for the copied print
    /// with that id and dropped without a word.
    @Test func aPrintMadeAfterARestoreIsCopiedNotTakenForOneCopiedBefore() async throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        #expect(try await offPool { try KioskProcess.run(["db", "migrate"], in: installation.root) }.status == 0)
        let backup = installation.root + "/before-the-second-print.sqlite"
        do {
            let terminal = HelpRequestStore(store: try installation.store(), timeZone: Self.zone)
            try await terminal.recordPolicyPrints(["policy-a"], terminalId: "T01", at: Self.november)
            let backedUp = try await offPool { try KioskProcess.run(["db", "backup", "--to", backup], in: installation.root) }
            #expect(backedUp.status == 0, "\(backedUp.stderr)")
            try await terminal.recordPolicyPrints(["policy-b"], terminalId: "T01", at: Self.november)
        }
        let url = try await cluster().createDatabase()
        let database = String(url.split(separator: "/").last!)
        let first = try await Self.copy(installation, to: url)
        #expect(first.stdout.contains("\n  policy prints: 2 copied, 0 already there\n"), "\(first.stdout)\(first.stderr)")

        let restored = try await offPool { try KioskProcess.run(["db", "restore", backup], in: installation.root) }
        #expect(restored.status == 0, "\(restored.stderr)")
        try await HelpRequestStore(store: try installation.store(), timeZone: Self.zone)
            .recordPolicyPrints(["policy-c"], terminalId: "T01", at: Self.december)
        let second = try await Self.copy(installation, to: url)
        #expect(second.stdout.contains("\n  policy prints: 1 copied, 1 already there\n"), "\(second.stdout)\(second.stderr)")
        #expect(try await cluster().psql("SELECT string_agg(policy_id || ' ' || printed_on, ',' ORDER BY policy_id) FROM policy_print",
                                         database: database) == "policy-a 2026-11-20,policy-b 2026-11-20,policy-c 2026-12-10")
        let third = try await Self.copy(installation, to: url)
        #expect(third.stdout.contains("\n  policy prints: 0 copied, 2 already there\n"), "\(third.stdout)")
    }

    /// A district store that marked copied prints with the terminal's row id (v21), upgraded: each
    /// keeps as its mark the key the terminal's upgraded file gives the same row
    /// (`DistrictCopyMarksTests`: "1/policy-a/2026-11-20"), so a copy again finds it there and adds
    /// none twice; a print a terminal served in district mode has no mark.
    @Test func printsCopiedByRowIDBeforeTheUpgradeKeepTheKeyTheTerminalGivesThem() async throws {
        let url = try await cluster().createDatabase()
        let database = String(url.split(separator: "/").last!)
        let before = try #require(PostgresMigrations.all.firstIndex { $0.name.hasSuffix("-policy-print-copied-key") })
        let store = try PostgresStore(url: url, operationTimeout: .seconds(600))
        try await store.withRunning { _ = try await store.migrate(through: before) }
        try await cluster().psql("""
            INSERT INTO policy_print (policy_id, site_id, terminal_id, printed_on, copied_id)
            VALUES ('policy-a', 'S01', 'T01', '2026-11-20', 1), ('policy-b', 'S01', 'T01', '2026-11-20', 2),
                   ('policy-a', 'S01', 'T02', '2026-11-21', NULL)
            """, database: database)
        try await Self.migrate(url)
        #expect(try await cluster().psql("SELECT string_agg(coalesce(copied_key, '-'), ',' ORDER BY id) FROM policy_print",
                                         database: database) == "1/policy-a/2026-11-20,2/policy-b/2026-11-20,-")
    }

    /// A terminal with a booking, calls and prints, and a migrated district store whose
    /// `policy_print` (the last rows the copy writes) has the trigger `trigger` runs: `interrupt`
    /// runs the copy and stops it there. Then neither side holds anything new, and once the trigger
    /// is gone the copy run again completes, once.
    static func expectInterruptedCopyLeavesBothSidesAndARerunCompletes(
        trigger: String, _ interrupt: (TestInstallation, _ url: String, _ database: String) async throws -> Void
    ) async throws {
        let slots = try DistrictBenchmarks.slots(count: 2, capacity: 3)
        let (installation, _) = try await DistrictCopyTests.terminalWithBookings([7], slots: slots)
        defer { installation.remove() }
        let terminal = try await callsAndPrints(installation)
        let url = try await cluster().createDatabase()
        let database = String(url.split(separator: "/").last!)
        try await migrate(url)
        try await cluster().psql("""
            CREATE FUNCTION interrupt_copy() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \(trigger) END $$;
            CREATE TRIGGER interrupt_copy BEFORE INSERT ON policy_print FOR EACH STATEMENT EXECUTE FUNCTION interrupt_copy();
            """, database: database)

        try await interrupt(installation, url, database)
        for table in ["booking", "idempotency_key", "help_request", "policy_print"] {
            #expect(try await cluster().psql("SELECT count(*) FROM \(table)", database: database) == "0", "\(table)")
        }
        #expect(try await installation.store().notCopiedToDistrict() == NotCopiedToDistrict(bookings: 1, helpRequests: 3, policyPrints: 3,
                                                                                           idempotencyKeys: 1),
                "the terminal does not mark what the district did not take")
        #expect(try await terminal.open(terminalId: nil).map(\.id) == ["open-0"])

        try await cluster().psql("DROP TRIGGER interrupt_copy ON policy_print", database: database)
        let rerun = try await copy(installation, to: url)
        #expect(rerun.status == 0, "\(rerun.stderr)")
        #expect(rerun.stdout.contains("\n  bookings: 1 copied, 0 already there\n"), "\(rerun.stdout)")
        #expect(rerun.stdout.contains("\n  help requests: 3 copied, 0 already there\n  policy prints: 3 copied, 0 already there\n"),
                "\(rerun.stdout)")
        #expect(try await installation.store().notCopiedToDistrict().isEmpty)
        let district = try PostgresStore(url: url)
        try await district.withRunning { try await expectSame(terminal, district) }
    }

    /// A row the district refuses in the middle of the copy: the copy fails, saying why.
    @Test func aCopyThatFailsHalfwayLeavesBothSidesAsTheyWereAndARerunCompletes() async throws {
        try await Self.expectInterruptedCopyLeavesBothSidesAndARerunCompletes(trigger: "RAISE EXCEPTION 'no room for prints';") {
            installation, url, _ in
            let failed = try await Self.copy(installation, to: url)
            #expect(failed.status == 1)
            #expect(failed.stderr.contains("no room for prints"), "\(failed.stderr)")
        }
    }

    /// The technician's copy is killed (SIGKILL) while the district holds its transaction in
    /// `pg_sleep`: the district rolls it back when the connection is gone.
    @Test func aCopyKilledHalfwayLeavesNothingInTheDistrictAndARerunCompletes() async throws {
        try await Self.expectInterruptedCopyLeavesBothSidesAndARerunCompletes(trigger: "PERFORM pg_sleep(4); RETURN NULL;") {
            installation, url, database in
            let (process, _, _) = try KioskProcess.start(
                ["db", "copy", "--from", "sqlite:" + installation.dataDirectory + "/kiosk.sqlite", "--to", url], in: installation.root)
            let held = try await eventually {
                try await cluster().psql("SELECT count(*) FROM pg_stat_activity WHERE datname = '\(database)' AND wait_event = 'PgSleep'",
                                         database: database) == "1"
            }
            #expect(held, "the copy reached the policy prints")
            kill(process.processIdentifier, SIGKILL)
            try await offPool { process.waitUntilExit() }
            let gone = try await eventually {
                try await cluster().psql("SELECT count(*) FROM pg_stat_activity WHERE datname = '\(database)' AND pid <> pg_backend_pid()",
                                         database: database) == "0"
            }
            #expect(gone, "the district ended the killed copy's transaction")
        }
    }

    /// A terminal that served in district mode before its copy may have an open call there: one
    /// open call per terminal, so its file's open call is left out and the output says so; the
    /// answered ones arrive.
    @Test func anOpenCallIsLeftOutWhileTheDistrictHoldsAnotherOpenCallOfTheTerminal() async throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        #expect(try await offPool { try KioskProcess.run(["db", "migrate"], in: installation.root) }.status == 0)
        _ = try await Self.callsAndPrints(installation)
        let url = try await cluster().createDatabase()
        try await Self.migrate(url)
        let district = try PostgresStore(url: url)
        try await district.withRunning {
            _ = try await PostgresHelpRequestLedger(store: district, siteID: "S01", timeZone: Self.zone)
                .raise(HelpRequest(id: "in-district", terminalId: "T01", sessionId: nil, screen: "home", raisedAt: Self.december, timeout: 90))
        }
        let copied = try await Self.copy(installation, to: url)
        #expect(copied.status == 0, "\(copied.stderr)")
        #expect(copied.stdout.contains("\n  help requests: 2 copied, 0 already there\n"), "\(copied.stdout)")
        #expect(copied.stdout.contains("\n1 open help requests are not copied: the district already holds an open call of this terminal"),
                "\(copied.stdout)")
        let database = String(url.split(separator: "/").last!)
        #expect(try await cluster().psql("SELECT string_agg(id, ',' ORDER BY id) FROM help_request", database: database)
                == "answered-0,answered-1,in-district")
        #expect(try await installation.store().notCopiedToDistrict() == NotCopiedToDistrict(bookings: 0, helpRequests: 1, policyPrints: 0),
                "the left-out call stays marked as not copied")
        #expect(copied.stdout.contains("\n1 help requests are not in the district store; kiosk serve in district mode refuses to start "
            + "until they are\n"), "\(copied.stdout)")
    }
}
