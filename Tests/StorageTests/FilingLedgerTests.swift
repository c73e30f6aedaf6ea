import Booking
import Filings
import Foundation
import KioskCore
@testable import Storage
@testable import StoragePostgres
import Testing

/// One behaviour, two stores: the filing lifecycle in the terminal's SQLite file and in the
/// district's PostgreSQL answer alike.
@Suite("Filing lifecycle store", .privatePostgres)
struct FilingLedgerTests {
    @Test(arguments: StoreKind.allCases) func transitionsAreSavedWithAnIncreasingChangeNumber(_ kind: StoreKind) async throws {
        let fixture = try await FilingLedgerFixture(kind)
        let reference = try await fixture.file(at: "2026-03-02 09:00", applicant: try FilingLedgerFixture.citizen(1))
        let opened = try #require(try await fixture.ledger.record(reference))
        #expect(opened.state == .submitted && opened.deferrals.count == 1 && opened.commitments.count == 1)
        try await fixture.apply(.receive(part: nil), reference, at: "2026-03-02 10:00")
        try await fixture.apply(.accept(part: nil, window: "A3"), reference, at: "2026-03-02 10:05")
        let record = try #require(try await fixture.ledger.record(reference))
        #expect(record.state == .accepted && record.cases[0].clock?.dueDate == FilingLedgerFixture.day("2026-03-09"))
        #expect(try await fixture.count("SELECT count(*) FROM lifecycle_event") == 3)
        #expect(try await fixture.count("SELECT max(change_seq) FROM lifecycle_event") == 3)
        #expect(try await fixture.count("SELECT change_seq FROM lifecycle_record") == 3)
        // A refused step changes nothing.
        await #expect(throws: LifecycleRefusal(.invalidTransition, "accepted → collected")) {
            try await fixture.apply(.collect(part: nil), reference, at: "2026-03-03 10:00")
        }
        await #expect(throws: LifecycleRefusal(.filingNotFound)) {
            try await fixture.apply(.receive(part: nil), "S01-20260302-9999", at: "2026-03-03 10:00")
        }
        #expect(try await fixture.count("SELECT count(*) FROM lifecycle_event") == 3)
        #expect(try await fixture.ledger.record(reference) == record)
    }

    @Test(arguments: StoreKind.allCases) func theQueueListsADepartmentsSubmittedFilingsOldestFirst(_ kind: StoreKind) async throws {
        let fixture = try await FilingLedgerFixture(kind)
        let citizen = try FilingLedgerFixture.citizen(1)
        let second = try await fixture.file(at: "2026-03-02 11:00", applicant: citizen)
        let first = try await fixture.file(at: "2026-03-02 09:00", applicant: citizen)
        try await fixture.file(at: "2026-03-02 10:00", applicant: citizen, department: "police")
        let bundle = try await fixture.file(at: "2026-03-02 12:00", applicant: citizen, parts: [("licence", "amr"), ("seal", "bureau")])
        let today = FilingLedgerFixture.day("2026-03-02")
        let queue = try await fixture.ledger.queue(departmentID: "bureau", states: [.submitted, .received], today: today, limit: 10)
        #expect(queue.map(\.reference) == [first, second, bundle] && queue.last?.part == "seal")
        try await fixture.apply(.accept(part: nil, window: "A3"), first, at: "2026-03-02 13:00")
        let after = try await fixture.ledger.queue(departmentID: "bureau", states: [.submitted, .received], today: today, limit: 10)
        #expect(after.map(\.reference) == [second, bundle])
        let accepted = try await fixture.ledger.queue(departmentID: "bureau", states: [.accepted], today: today, limit: 10)
        #expect(accepted.map(\.reference) == [first] && accepted[0].dueDate == FilingLedgerFixture.day("2026-03-09"))
        #expect(try await fixture.ledger.queue(departmentID: nil, states: [.submitted], today: today, limit: 10).count == 4)
    }

    @Test(arguments: StoreKind.allCases) func anApplicantFindsTheirFilingsAndOnlyTheirs(_ kind: StoreKind) async throws {
        let fixture = try await FilingLedgerFixture(kind)
        let mine = try FilingLedgerFixture.citizen(1), theirs = try FilingLedgerFixture.citizen(2)
        let older = try await fixture.file(at: "2026-03-02 09:00", applicant: mine)
        let newer = try await fixture.file(at: "2026-03-03 09:00", applicant: mine)
        let other = try await fixture.file(at: "2026-03-03 10:00", applicant: theirs)
        let found = try await fixture.ledger.records(idHash: try await fixture.ledger.idHash(mine), limit: 10)
        #expect(found.map(\.reference) == [newer, older])
        #expect(try await fixture.ledger.record(other, applicant: mine) == nil)
        #expect(try await fixture.ledger.record(other, applicant: theirs)?.reference == other)
        #expect(try await fixture.ledger.record("S01-20260303-0404", applicant: mine) == nil)
    }

    @Test(arguments: StoreKind.allCases) func theSupervisionDeskShowsDeadlinesBadRatingsFlagsAndFollowUps(_ kind: StoreKind) async throws {
        let fixture = try await FilingLedgerFixture(kind)
        let citizen = try FilingLedgerFixture.citizen(1)
        // Three accepted on 2 March with five working days: due 9 March, 黄灯 from 6 March.
        var references: [String] = []
        for hour in 9...11 {
            let reference = try await fixture.file(at: String(format: "2026-03-02 %02d:00", hour), applicant: citizen,
                                                   hall: hour == 11 ? "S02" : "S01")
            try await fixture.apply(.accept(part: nil, window: "A3"), reference, at: "2026-03-02 12:00")
            references.append(reference)
        }
        // One completed and rated 不满意 three times over: three 差评 of the same matter, window and staff.
        var rated: [String] = []
        for day in 3...5 {
            let reference = try await fixture.file(at: "2026-03-0\(day) 09:00", applicant: citizen)
            try await fixture.apply(.accept(part: nil, window: "A3"), reference, at: "2026-03-0\(day) 10:00")
            try await fixture.apply(.complete(part: nil, outcome: .approved, document: nil, collectAt: nil, note: ""), reference,
                                    at: "2026-03-0\(day) 11:00")
            try await fixture.apply(.rate(.dissatisfied, reasons: ["slowProcessing"], comment: nil), reference, by: .citizen,
                                    at: "2026-03-0\(day) 12:00")
            rated.append(reference)
        }
        try await fixture.apply(.verifyCommitment(material: "residence", falseCommitment: true, note: "无人居住"), references[0],
                                at: "2026-03-04 10:00")
        let today = FilingLedgerFixture.day("2026-03-10")
        let desk = try await fixture.ledger.supervisionDesk(DeskFilter(), today: today, limit: 20)
        #expect(desk.overdueCount == 3 && desk.nearlyOverdueCount == 0)
        #expect(Set(desk.deadlines.map(\.reference)) == Set(references) && desk.deadlines.allSatisfy { $0.warning == .red })
        #expect(desk.badRatings.map(\.reference) == rated && desk.badRatings.allSatisfy { !$0.overdue })
        #expect(Set(desk.flags.map(\.subject)) == [.matter, .window, .staff] && desk.flags.allSatisfy { $0.count == 3 })
        #expect(desk.falseCommitments.map(\.reference) == [references[0]])
        // Each filing's 容缺 material was due three working days after it; none came. The one filed
        // on 5 March is due on 10 March itself: not yet overdue.
        #expect(desk.deferralsOverdue.count == 5 && desk.deferralsOverdue.allSatisfy(\.overdue))
        let yellow = try await fixture.ledger.supervisionDesk(DeskFilter(), today: FilingLedgerFixture.day("2026-03-06"), limit: 20)
        #expect(yellow.overdueCount == 0 && yellow.nearlyOverdueCount == 3 && yellow.deadlines.allSatisfy { $0.warning == .yellow })
        let hall = try await fixture.ledger.supervisionDesk(DeskFilter(hall: "S02"), today: today, limit: 20)
        #expect(hall.deadlines.map(\.reference) == [references[2]] && hall.badRatings.isEmpty)
        let police = try await fixture.ledger.supervisionDesk(DeskFilter(departmentID: "police"), today: today, limit: 20)
        #expect(police.overdueCount == 0 && police.flags.isEmpty)
        // Three in thirty days: on 2 April the first (3 March) is out of the window.
        let later = try await fixture.ledger.supervisionDesk(DeskFilter(), today: FilingLedgerFixture.day("2026-04-02"), limit: 20)
        #expect(later.flags.isEmpty && later.badRatings.allSatisfy(\.overdue))
    }

    /// The desks read their first page from an index in the order they show it: no list sorts
    /// every running case (or every waiting one) first. On a million filings a sort of the
    /// overdue cases took over half a second (`kiosk bench lifecycle`).
    @Test func theDesksReadTheirFirstPageInIndexOrderWithoutSorting() async throws {
        let fixture = try await FilingLedgerFixture(.sqlite)
        let ledger = try #require(fixture.ledger as? SQLiteFilingLedger)
        let today = FilingLedgerFixture.day("2026-03-10")
        func plan(_ statement: SQLStatement) async throws -> String {
            let explained = SQLStatement("EXPLAIN QUERY PLAN " + statement.sql, statement.arguments)
            return try await ledger.runInBulk([explained])[0].compactMap { $0.last?.text }.joined(separator: "\n")
        }
        for filter in [DeskFilter(), DeskFilter(departmentID: "bureau")] {
            let deadlines = try await plan(LifecycleSQL.Desk.deadlines(filter, today: today, limit: 50, dialect: .sqlite))
            #expect(deadlines.contains("lifecycle_case_deadline") && !deadlines.contains("TEMP B-TREE"), "\(deadlines)")
            let counts = try await plan(LifecycleSQL.Desk.counts(filter, today: today, dialect: .sqlite))
            #expect(counts.contains("lifecycle_deadline_count") && !counts.contains("lifecycle_case"), "\(counts)")
            let hallCounts = try await plan(LifecycleSQL.Desk.counts(DeskFilter(departmentID: filter.departmentID, hall: "S02"), today: today,
                                                                     dialect: .sqlite))
            #expect(hallCounts.contains("lifecycle_case_deadline") && !hallCounts.contains("SCAN lifecycle_case"), "\(hallCounts)")
            let queue = try await plan(LifecycleSQL.queue(departmentID: filter.departmentID, states: [.submitted, .received], limit: 100))
            #expect(queue.contains("lifecycle_case_queue") && !queue.contains("SCAN lifecycle_case"), "\(queue)")
        }
        let badRatings = try await plan(LifecycleSQL.Desk.badRatings(DeskFilter(), limit: 50))
        #expect(badRatings.contains("lifecycle_followup_open") && !badRatings.contains("TEMP B-TREE"), "\(badRatings)")
    }

    @Test(arguments: StoreKind.allCases) func theSweepAnnouncesWarningsAndAppliesMissedDeferrals(_ kind: StoreKind) async throws {
        let fixture = try await FilingLedgerFixture(kind)
        let reference = try await fixture.file(at: "2026-03-02 09:00", applicant: try FilingLedgerFixture.citizen(1), limit: 20)
        try await fixture.apply(.accept(part: nil, window: "A3"), reference, at: "2026-03-02 10:00")
        // Reminded on the staff desk two working days before the due date.
        #expect(try await fixture.ledger.reminders(departmentID: "bureau", today: FilingLedgerFixture.day("2026-03-02"), limit: 10).isEmpty)
        let reminded = try await fixture.ledger.reminders(departmentID: "bureau", today: FilingLedgerFixture.day("2026-03-03"), limit: 10)
        #expect(reminded.map(\.reference) == [reference] && reminded[0].dueDate == FilingLedgerFixture.day("2026-03-05"))
        #expect(try await fixture.ledger.sweep(at: FilingLedgerFixture.at("2026-03-05 10:00")).isEmpty)
        // Thursday 5 March was the last day for the material: the form returns the filing.
        let events = try await fixture.ledger.sweep(at: FilingLedgerFixture.at("2026-03-06 10:00"))
        #expect(events.map(\.kind) == [.deferralMissed, .returned])
        #expect(try await fixture.ledger.record(reference)?.state == .returned)
        #expect(try await fixture.ledger.sweep(at: FilingLedgerFixture.at("2026-03-06 11:00")).isEmpty)
        let reminders = try await fixture.ledger.reminders(departmentID: "bureau", today: FilingLedgerFixture.day("2026-03-06"), limit: 10)
        #expect(reminders.isEmpty)
    }

    @Test(arguments: StoreKind.allCases) func theMonthlyReportCountsPerDepartmentAndMatter(_ kind: StoreKind) async throws {
        let fixture = try await FilingLedgerFixture(kind)
        let citizen = try FilingLedgerFixture.citizen(1)
        let onTime = try await fixture.file(at: "2026-11-02 09:00", applicant: citizen)
        let late = try await fixture.file(at: "2026-11-02 10:00", applicant: citizen)
        let returned = try await fixture.file(at: "2026-11-03 09:00", applicant: citizen, form: "other", department: "police")
        try await fixture.file(at: "2026-10-30 09:00", applicant: citizen)
        for reference in [onTime, late] { try await fixture.apply(.accept(part: nil, window: "A3"), reference, at: "2026-11-02 11:00") }
        try await fixture.apply(.receiveDeferred(material: "proof"), onTime, at: "2026-11-03 10:00")
        try await fixture.apply(.complete(part: nil, outcome: .approved, document: nil, collectAt: nil, note: ""), onTime, at: "2026-11-06 10:00")
        try await fixture.apply(.complete(part: nil, outcome: .approved, document: nil, collectAt: nil, note: ""), late, at: "2026-11-12 10:00")
        try await fixture.apply(.returnFiling(part: nil, reasons: ["materialsIncomplete"], note: ""), returned, at: "2026-11-04 10:00")
        try await fixture.apply(.rate(.veryDissatisfied, reasons: [], comment: nil), late, by: .citizen, at: "2026-11-13 10:00")
        try await fixture.apply(.rate(.verySatisfied, reasons: ["fast"], comment: nil), onTime, by: .citizen, at: "2026-11-13 11:00")
        let report = try await fixture.ledger.monthlyReport(try ReportMonth("2026-11"), filter: DeskFilter(),
                                                            today: FilingLedgerFixture.day("2026-12-01"), generatedAt: Date())
        let permit = try #require(report.rows.first { $0.matterKey == "permit" })
        #expect(permit.received == 2 && permit.accepted == 2 && permit.completed == 2 && permit.completedOnTime == 1)
        #expect(permit.overdue == 1 && permit.deferredFilings == 2 && permit.deferredInTime == 1)
        #expect(permit.ratings == ["veryDissatisfied": 1, "verySatisfied": 1] && permit.followUps == 1 && permit.followUpsClosedInTime == 0)
        let other = try #require(report.rows.first { $0.matterKey == "other" })
        #expect(other.departmentId == "police" && other.received == 1 && other.returned == 1)
        #expect(report.totals.received == 3 && report.trend.last?.completed == 2 && report.trend.last?.badRatings == 1)
        #expect(report.scope == (kind == .sqlite ? "terminal" : "district"))
    }

    /// The report's case counts come from the per-month summary the triggers keep; after every
    /// kind of step (a case rewritten, returned, completed late, a bundle's parts in two
    /// departments) it equals what counting the cases themselves gives, for every month, filter
    /// and day of the report.
    @Test(arguments: StoreKind.allCases) func theMonthlySummaryEqualsTheFiguresCountedFromTheCases(_ kind: StoreKind) async throws {
        let fixture = try await FilingLedgerFixture(kind)
        let citizen = try FilingLedgerFixture.citizen(1)
        let october = try await fixture.file(at: "2026-10-29 09:00", applicant: citizen)
        try await fixture.apply(.accept(part: nil, window: "A3"), october, at: "2026-10-29 10:00")
        let onTime = try await fixture.file(at: "2026-11-02 09:00", applicant: citizen, hall: "S02")
        let late = try await fixture.file(at: "2026-11-02 10:00", applicant: citizen)
        let returned = try await fixture.file(at: "2026-11-03 09:00", applicant: citizen, form: "other", department: "police")
        let bundle = try await fixture.file(at: "2026-11-04 09:00", applicant: citizen, parts: [("licence", "amr"), ("seal", "bureau")])
        for reference in [onTime, late] { try await fixture.apply(.accept(part: nil, window: "A3"), reference, at: "2026-11-02 11:00") }
        try await fixture.apply(.receiveDeferred(material: "proof"), onTime, at: "2026-11-03 10:00")
        try await fixture.apply(.start(part: nil), onTime, at: "2026-11-03 11:00")
        try await fixture.apply(.complete(part: nil, outcome: .approved, document: nil, collectAt: nil, note: ""), onTime, at: "2026-11-06 10:00")
        try await fixture.apply(.complete(part: nil, outcome: .refused, document: nil, collectAt: nil, note: ""), late, at: "2026-11-12 10:00")
        try await fixture.apply(.returnFiling(part: nil, reasons: ["materialsIncomplete"], note: ""), returned, at: "2026-11-04 10:00")
        try await fixture.apply(.accept(part: "seal", window: "B1"), bundle, at: "2026-11-05 10:00")
        try await fixture.apply(.rate(.veryDissatisfied, reasons: [], comment: nil), late, by: .citizen, at: "2026-11-13 10:00")
        #expect(try await fixture.count("SELECT count(*) FROM lifecycle_month_count WHERE cases > 0") > 0)
        #expect(try await fixture.count("SELECT count(*) FROM lifecycle_month_count WHERE cases < 0") == 0)
        let filters = [DeskFilter(), DeskFilter(departmentID: "police"), DeskFilter(departmentID: "bureau"), DeskFilter(hall: "S02"),
                       DeskFilter(formID: "permit")]
        for month in ["2026-10", "2026-11", "2026-12"] {
            for today in ["2026-11-10", "2026-12-01", "2027-01-05"] {
                for filter in filters {
                    let reportMonth = try ReportMonth(month)
                    let day = FilingLedgerFixture.day(today)
                    func report(fromSummary: Bool) async throws -> MonthlyReport {
                        let results = try await fixture.run(LifecycleSQL.Report.all(reportMonth, filter: filter, today: day, fromSummary: fromSummary))
                        return LifecycleSQL.Report.assemble(results, month: reportMonth, filter: filter, today: day, scope: "test",
                                                            generatedAt: Date(timeIntervalSince1970: 0))
                    }
                    let summarized = try await report(fromSummary: true), recounted = try await report(fromSummary: false)
                    #expect(summarized == recounted, "\(month) on \(today), \(filter)")
                }
            }
        }
        // The desk's overdue and nearly overdue counts from `DeadlineSummary` equal a recount, on
        // days before, within and after the cases' warning and due days.
        #expect(try await fixture.count("SELECT count(*) FROM lifecycle_deadline_count WHERE cases > 0") > 0)
        #expect(try await fixture.count("SELECT count(*) FROM lifecycle_deadline_count WHERE cases < 0") == 0)
        for today in ["2026-10-30", "2026-11-10", "2026-11-20", "2026-12-01", "2027-01-05"] {
            for filter in [DeskFilter(), DeskFilter(departmentID: "police"), DeskFilter(departmentID: "bureau"), DeskFilter(departmentID: "amr")] {
                let day = FilingLedgerFixture.day(today)
                let dialect: SQLDialect = kind == .sqlite ? .sqlite : .postgres
                let summarized = try await fixture.run([LifecycleSQL.Desk.counts(filter, today: day, dialect: dialect)])
                let recounted = try await fixture.run([LifecycleSQL.Desk.counts(filter, today: day, dialect: dialect, fromSummary: false)])
                #expect(summarized[0].map { $0.map(\.int) } == recounted[0].map { $0.map(\.int) }, "desk counts on \(today), \(filter)")
            }
        }
        // PostgreSQL's one grouping of the bad ratings gives the rows of the three (SQLite's).
        if kind == .postgres {
            let since = FilingLedgerFixture.day("2026-11-01")
            let grouped = try await fixture.run([LifecycleSQL.Desk.badRatingCounts(DeskFilter(), since: since, dialect: .postgres)])
            let unioned = try await fixture.run([LifecycleSQL.Desk.badRatingCounts(DeskFilter(), since: since, dialect: .sqlite)])
            let flags = { (rows: [[SQLValue]]) in rows.compactMap(LifecycleSQL.Desk.badRatingCount).map { "\($0)" }.sorted() }
            #expect(!flags(unioned[0]).isEmpty && flags(grouped[0]) == flags(unioned[0]))
        }
    }

    @Test(arguments: StoreKind.allCases) func twoWindowsAcceptingAtOnceCannotBothWin(_ kind: StoreKind) async throws {
        let fixture = try await FilingLedgerFixture(kind)
        let reference = try await fixture.file(at: "2026-03-02 09:00", applicant: try FilingLedgerFixture.citizen(1))
        let ledger = fixture.ledger
        let outcomes = await withTaskGroup(of: Bool.self) { group in
            for window in 0..<8 {
                group.addTask {
                    do {
                        _ = try await ledger.apply(.accept(part: nil, window: "A\(window)"), to: reference, by: .window(staff: "W\(window)"),
                                                   at: FilingLedgerFixture.at("2026-03-02 10:00"))
                        return true
                    } catch {
                        return false
                    }
                }
            }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(outcomes == 1)
        #expect(try await fixture.count("SELECT count(*) FROM lifecycle_event WHERE kind = 'accepted'") == 1)
    }

    /// 滨海通办: a filing made at one hall's terminal reaches the district from its outbox and is
    /// accepted at another hall; resent, it is not stored twice; its correction replaces it.
    /// The department pull's feed: a department sees its own filings (and a bundle with a part of
    /// its own), each under its last change number, paged by cursor, oldest change first; a
    /// department's own step moves the filing to the end of the feed.
    @Test(arguments: StoreKind.allCases) func aDepartmentsFeedPagesItsNewAndChangedFilingsByChangeNumber(_ kind: StoreKind) async throws {
        let fixture = try await FilingLedgerFixture(kind)
        let citizen = try FilingLedgerFixture.citizen(1)
        let first = try await fixture.file(at: "2026-03-02 09:00", applicant: citizen, department: "amr")
        let other = try await fixture.file(at: "2026-03-02 09:30", applicant: citizen, department: "police")
        let bundle = try await fixture.file(at: "2026-03-02 10:00", applicant: citizen, department: "police",
                                            parts: [("licence", "amr"), ("seal", "police")])
        let feed = try await fixture.ledger.departmentChanges("amr", after: 0, limit: 10)
        #expect(feed.map(\.reference) == [first, bundle])
        #expect(feed[0].change < feed[1].change)
        let page = try await fixture.ledger.departmentChanges("amr", after: 0, limit: 1)
        #expect(page.map(\.reference) == [first])
        #expect(try await fixture.ledger.departmentChanges("amr", after: page[0].change, limit: 10).map(\.reference) == [bundle])
        #expect(try await fixture.ledger.departmentChanges("police", after: 0, limit: 10).map(\.reference) == [other, bundle])

        // The department receives the first: it comes again after the bundle, with a new number.
        try await fixture.apply(.receive(part: nil), first, by: .department("amr"), at: "2026-03-02 11:00")
        let after = try await fixture.ledger.departmentChanges("amr", after: feed[1].change, limit: 10)
        #expect(after.map(\.reference) == [first])
        #expect(try await fixture.ledger.record(first)?.cases[0].state == .received)
        #expect(try await fixture.ledger.departmentChanges("amr", after: after[0].change, limit: 10).isEmpty)
        // Another department's case is not this department's to move.
        await #expect(throws: LifecycleRefusal(.actorNotAllowed)) {
            try await fixture.apply(.receive(part: nil), other, by: .department("amr"), at: "2026-03-02 11:05")
        }
    }

    /// Each case of a bundle carries its own change number: police accepting its part of the
    /// bundle shows the bundle again in police's feed, not in amr's (where nothing of its own
    /// changed), and the other way round. Before, every case took the record's last number.
    @Test(arguments: StoreKind.allCases) func anotherDepartmentsStepOnABundleLeavesThisDepartmentsFeedAsItWas(_ kind: StoreKind) async throws {
        let fixture = try await FilingLedgerFixture(kind)
        let citizen = try FilingLedgerFixture.citizen(1)
        let bundle = try await fixture.file(at: "2026-03-02 10:00", applicant: citizen, department: "police",
                                            parts: [("licence", "amr"), ("seal", "police")])
        let amr = try #require(try await fixture.ledger.departmentChanges("amr", after: 0, limit: 10).last)
        let police = try #require(try await fixture.ledger.departmentChanges("police", after: 0, limit: 10).last)
        try await fixture.apply(.accept(part: "seal", window: "B1"), bundle, by: .department("police"), at: "2026-03-02 11:00")
        #expect(try await fixture.ledger.departmentChanges("amr", after: amr.change, limit: 10).isEmpty)
        let moved = try await fixture.ledger.departmentChanges("police", after: police.change, limit: 10)
        #expect(moved.map(\.reference) == [bundle] && moved[0].change > police.change)
        // amr's own step: its feed shows the bundle again, police's does not.
        try await fixture.apply(.accept(part: "licence", window: "A1"), bundle, by: .department("amr"), at: "2026-03-02 11:30")
        let amrMoved = try await fixture.ledger.departmentChanges("amr", after: amr.change, limit: 10)
        #expect(amrMoved.map(\.reference) == [bundle] && amrMoved[0].change > moved[0].change)
        #expect(try await fixture.ledger.departmentChanges("police", after: moved[0].change, limit: 10).isEmpty)
    }

    @Test func aFilingMadeAtOneHallIsAcceptedAtAnother() async throws {
        let first = try await FilingLedgerFixture(.postgres)
        let citizen = try FilingLedgerFixture.citizen(1)
        let reference = try await first.file(at: "2026-03-02 09:00", applicant: citizen, hall: "S01")
        let otherTerminal = try await PostgresFixture(url: first.postgres?.url)
        let otherHall = FilingLedgerFixture.district(otherTerminal.store)
        try await otherHall.apply(.returnFiling(part: nil, reasons: ["informationIncorrect"], note: ""), to: reference,
                                  by: .window(staff: "B07"), at: FilingLedgerFixture.at("2026-03-02 14:00"))
        let filing = try #require(try await otherHall.filing(reference))
        #expect(filing.answers["mobile"] == "13812345678")
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        #expect(try await otherHall.receive(filing, document: try encoder.encode(filing), terminalID: "T01", hall: "S01", applicant: citizen,
                                            at: FilingLedgerFixture.at("2026-03-02 15:00")) == false)
        let correction = try FilingLedgerFixture.filing(reference: reference, at: FilingLedgerFixture.at("2026-03-03 09:00"),
                                                         applicant: citizen, version: 2)
        #expect(try await otherHall.receive(correction, document: try encoder.encode(correction), terminalID: "T02", hall: "S02",
                                            applicant: citizen, at: FilingLedgerFixture.at("2026-03-03 09:00")))
        try await otherHall.apply(.accept(part: nil, window: "B1"), to: reference, by: .window(staff: "B07"),
                                  at: FilingLedgerFixture.at("2026-03-03 10:00"))
        let record = try #require(try await first.ledger.record(reference, applicant: citizen))
        #expect(record.version == 2 && record.state == .accepted && record.hall == "S01")
        #expect(try await first.count("SELECT count(*) FROM filing") == 1)
        withExtendedLifetime(otherTerminal) {}
    }
}
