import Filings
import Foundation
@testable import KioskBench
import KioskTesting
import Storage
import Testing

/// `kiosk report monthly`: the monthly report from the terminal's store, the same figures
/// `GET /v1/reports/monthly` gives the supervisor's screen.
@Suite("kiosk report monthly", .waitsOffPool)
struct ReportCLITests {
    /// A monthly report as JSON, its `generatedAt` (the one moment in it) read as the same
    /// instant whatever was written, so two reports compare on their figures alone.
    static func report(_ json: String) throws -> MonthlyReport {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { _ in Date(timeIntervalSince1970: 0) }
        return try decoder.decode(MonthlyReport.self, from: Data(json.utf8))
    }

    @Test func theCommandGivesTheFiguresTheSupervisorsScreenGets() async throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        #expect(try await offPool { try KioskProcess.run(["db", "migrate"], in: installation.root) }.status == 0)
        // 400 filings over the twelve months to December 2026, made by the lifecycle itself.
        let keys = try installation.keys()
        let lifecycle = FilingLifecycle(calendar: try LifecycleBenchmarks.calendar(), timeZone: LifecycleBenchmarks.zone)
        let ledger = SQLiteFilingLedger(store: try installation.store(), lifecycle: lifecycle)
        try await ledger.insert(try (0..<400).map { try LifecycleBenchmarks.filing($0, of: 400, lifecycle, keys) })

        let json = try await offPool {
            try KioskProcess.run(["report", "monthly", "--month", "2026-11", "--format", "json"], in: installation.root)
        }
        #expect(json.status == 0, "\(json.stderr)")
        let fromCommand = try Self.report(json.stdout)
        let totals = fromCommand.totals
        #expect(totals.received > 0 && totals.completed > 0)
        #expect(fromCommand.rows.count > 1, "a row per department and matter")

        // The supervisor's screen, from `kiosk serve` on the same data directory.
        #expect(try await offPool {
            try KioskProcess.run(["staff", "add", "--number", "D1", "--name", "督查", "--role", "supervisor", "--pin", "4826"],
                                 in: installation.root)
        }.status == 0)
        let server = try await RunningKiosk.start(installation)
        defer { server.stop() }
        let signIn = await RawHTTP.sendOffPool(port: server.port, method: "POST", path: "/v1/staff/sign-in",
                                               body: #"{"number":"D1","pin":"4826"}"#)
        let token = try #require(signIn).decoded(SignedIn.self).token
        let page = try #require(await RawHTTP.sendOffPool(port: server.port, path: "/v1/reports/monthly?month=2026-11",
                                                          headers: ["Authorization": "Bearer " + token]))
        #expect(page.status == 200)
        // Everything but the moment each was made.
        #expect(try Self.report(page.body) == fromCommand)

        // As text: a line per department and matter and the totals with the same counts.
        let text = try await offPool { try KioskProcess.run(["report", "monthly", "--month", "2026-11"], in: installation.root) }
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.hasPrefix("政务服务月度报告 Monthly report 2026-11 (terminal)\n"))
        let totalLine = try #require(text.stdout.split(separator: "\n").first { $0.hasPrefix("合计 total") })
        let counts = totalLine.split(separator: " ").dropFirst(2).prefix(4).compactMap { Int($0) }
        #expect(counts == [totals.received, totals.accepted, totals.returned, totals.completed])

        // Bad input: one line naming what is wrong, exit status non-zero.
        let badMonth = try await offPool { try KioskProcess.run(["report", "monthly", "--month", "2026-13"], in: installation.root) }
        #expect(badMonth.status != 0 && badMonth.stderr.contains("--month is a month, YYYY-MM"))
        let badFormat = try await offPool { try KioskProcess.run(["report", "monthly", "--format", "pdf"], in: installation.root) }
        #expect(badFormat.status != 0 && badFormat.stderr.contains("--format is text, json, csv or html"))
    }
}
