import Filings
import Foundation
@testable import KioskBench
import KioskTesting
import Storage
import Testing

/// `kiosk report monthly`: the monthly report from the terminal's store, the same figures
/// `GET /v1/reports/monthly` gives the supervisor's screen.
@Suite("kiosk report monthly")
struct ReportCLITests {
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
        var fromCommand = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let totals = try #require(fromCommand["totals"] as? [String: Any])
        #expect((totals["received"] as? Int ?? 0) > 0 && (totals["completed"] as? Int ?? 0) > 0)
        #expect(((fromCommand["rows"] as? [Any])?.count ?? 0) > 1, "a row per department and matter")

        // The supervisor's screen, from `kiosk serve` on the same data directory.
        #expect(try await offPool {
            try KioskProcess.run(["staff", "add", "--number", "D1", "--name", "督查", "--role", "supervisor", "--pin", "4826"],
                                 in: installation.root)
        }.status == 0)
        let server = try await RunningKiosk.start(installation)
        defer { server.stop() }
        let signIn = await RawHTTP.sendOffPool(port: server.port, method: "POST", path: "/v1/staff/sign-in",
                                               body: #"{"number":"D1","pin":"4826"}"#)
        let token = try #require(try JSONSerialization.jsonObject(with: Data((signIn?.body ?? "").utf8)) as? [String: Any])["token"] as? String
        let page = try #require(await RawHTTP.sendOffPool(port: server.port, path: "/v1/reports/monthly?month=2026-11",
                                                          headers: ["Authorization": "Bearer " + (token ?? "")]))
        #expect(page.status == 200)
        var fromScreen = try #require(try JSONSerialization.jsonObject(with: Data(page.body.utf8)) as? [String: Any])
        // Everything but the moment each was made.
        fromCommand["generatedAt"] = nil
        fromScreen["generatedAt"] = nil
        #expect(NSDictionary(dictionary: fromCommand).isEqual(to: fromScreen))

        // As text: a line per department and matter and the totals with the same counts.
        let text = try await offPool { try KioskProcess.run(["report", "monthly", "--month", "2026-11"], in: installation.root) }
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.hasPrefix("政务服务月度报告 Monthly report 2026-11 (terminal)\n"))
        let totalLine = try #require(text.stdout.split(separator: "\n").first { $0.hasPrefix("合计 total") })
        let counts = totalLine.split(separator: " ").dropFirst(2).prefix(4).compactMap { Int($0) }
        #expect(counts == ["received", "accepted", "returned", "completed"].map { totals[$0] as? Int ?? -1 })

        // Bad input: one line naming what is wrong, exit status non-zero.
        let badMonth = try await offPool { try KioskProcess.run(["report", "monthly", "--month", "2026-13"], in: installation.root) }
        #expect(badMonth.status != 0 && badMonth.stderr.contains("--month is a month, YYYY-MM"))
        let badFormat = try await offPool { try KioskProcess.run(["report", "monthly", "--format", "pdf"], in: installation.root) }
        #expect(badFormat.status != 0 && badFormat.stderr.contains("--format is text, json, csv or html"))
    }
}
