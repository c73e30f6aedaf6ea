import Booking
import Filings
import Foundation
import KioskCore
import Testing

/// The monthly report put together from the stores' counts, and drawn as CSV and HTML.
@Suite("The monthly report")
struct MonthlyReportTests {
    static let bureau = LocalizedText(zh: "区某局", en: "District bureau")
    static let permit = LocalizedText(zh: "许可", en: "Permit")

    func count(_ measure: ReportCount.Measure, _ value: Int, matter: String = "permit", department: String = "bureau",
               grade: RatingGrade? = nil) -> ReportCount {
        ReportCount(measure: measure, departmentID: department, department: Self.bureau, matterKey: matter, matter: Self.permit,
                    grade: grade, count: value)
    }

    @Test func monthsParseStrictlyAndKnowTheirYear() throws {
        let month = try ReportMonth("2026-11")
        #expect(month.first == Fixtures.day("2026-11-01") && month.last == Fixtures.day("2026-11-30"))
        #expect(month.trailingYear.first?.description == "2025-12" && month.trailingYear.count == 12)
        #expect(try ReportMonth("2024-02").last == Fixtures.day("2024-02-29"))
        for bad in ["2026-13", "2026-1", "26-11", "2026/11", "2026-11-01", ""] {
            #expect(throws: LifecycleRefusal.self) { try ReportMonth(bad) }
        }
    }

    @Test func countsBecomeRowsTotalsSharesAndATrend() throws {
        let month = try ReportMonth("2026-11")
        let report = MonthlyReport(month: month, scope: "district", generatedAt: Date(timeIntervalSince1970: 0), counts: [
            count(.received, 10), count(.accepted, 9), count(.returned, 1), count(.completed, 8), count(.completedOnTime, 6),
            count(.overdue, 2), count(.deferredFilings, 3), count(.deferredInTime, 2), count(.rating, 4, grade: .verySatisfied),
            count(.rating, 1, grade: .dissatisfied), count(.followUps, 1), count(.followUpsClosedInTime, 1),
            count(.received, 5, matter: "other/part", department: "police"), count(.completed, 5, matter: "other/part", department: "police"),
            count(.completedOnTime, 5, matter: "other/part", department: "police"),
        ], trend: [TrendCount(month: month, completed: 13, onTime: 11, badRatings: 1)])
        #expect(report.rows.map(\.matterKey) == ["permit", "other/part"])
        let permit = try #require(report.rows.first)
        #expect(permit.onTimeShare == 0.75 && permit.badRatings == 1 && permit.ratings["verySatisfied"] == 4)
        #expect(report.totals.received == 15 && report.totals.completed == 13 && report.totals.completedOnTime == 11)
        #expect(report.departments.map(\.departmentId) == ["bureau", "police"])
        #expect(report.departments.last?.onTimeShare == 1)
        #expect(report.trend.count == 12 && report.trend.last?.completed == 13 && report.trend.first?.completed == 0)

        let csv = report.csv()
        let lines = csv.components(separatedBy: "\r\n")
        #expect(lines.count == 5 && lines.last == "")
        #expect(lines[1].hasPrefix("bureau,区某局,permit,许可,10,9,1,8,6,0.7500,2,3,2,4,0,0,1,0,1,1"))
        let html = report.html()
        #expect(html.contains("@page { size: A4"))
        #expect(html.contains("<svg") && html.contains("data-grade=\"dissatisfied\" data-count=\"1\""))
        #expect(html.contains("data-department=\"police\" data-share=\"1.0000\""))
        #expect(html.contains("data-month=\"2026-11\" data-completed=\"13\""))
        #expect(!html.contains("<script"))
    }

    @Test func textIsEscapedInTheHTMLAndQuotedInTheCSV() throws {
        let odd = ReportCount(measure: .received, departmentID: "d", department: .init(zh: "<b>部门</b>, \"甲\"", en: "x"),
                              matterKey: "m", matter: .init(zh: "事项", en: "m"), count: 1)
        let report = MonthlyReport(month: try ReportMonth("2026-01"), scope: "terminal", generatedAt: Date(timeIntervalSince1970: 0),
                                   counts: [odd], trend: [])
        #expect(report.html().contains("&lt;b&gt;部门&lt;/b&gt;, &quot;甲&quot;"))
        #expect(report.csv().contains("\"<b>部门</b>, \"\"甲\"\"\""))
    }
}

/// Issue 19: the calls for staff and the printed policy sheets in the CSV and HTML forms too.
@Suite("The monthly report's help and policy figures")
struct MonthlyReportHelpFiguresTests {
    func report(help: HelpFigures?, prints: [PolicyPrintCount]?) throws -> MonthlyReport {
        var report = MonthlyReport(month: try ReportMonth("2026-09"), scope: "terminal", generatedAt: Date(timeIntervalSince1970: 0),
                                   counts: [], trend: [])
        report.help = help
        report.policyPrints = prints
        return report
    }

    /// Three calls: taken after 30 s and handed over, taken after 150 s (past the 90 s), never taken.
    var figures: HelpFigures {
        get throws {
            let start = Date(timeIntervalSince1970: 1_790_000_000)
            var quick = HelpRequest(id: "a", terminalId: "T01", sessionId: nil, screen: "home", raisedAt: start, timeout: 90)
            try quick.take(by: "S1", at: start.addingTimeInterval(30))
            try quick.handOver(to: "S2", by: "S1", callerMayReassign: false, at: start.addingTimeInterval(40))
            var late = HelpRequest(id: "b", terminalId: "T01", sessionId: nil, screen: "home", raisedAt: start, timeout: 90)
            try late.take(by: "S1", at: start.addingTimeInterval(150))
            let never = HelpRequest(id: "c", terminalId: "T01", sessionId: nil, screen: "home", raisedAt: start, timeout: 90)
            return HelpFigures([quick, late, never])
        }
    }

    @Test func theCSVHasTheHelpFiguresAndThePrintsPerPolicyAfterTheTable() throws {
        let csv = try report(help: figures, prints: [PolicyPrintCount(policyId: "sme-loan, \"guarantee\"", prints: 4),
                                                      PolicyPrintCount(policyId: "rent", prints: 1)]).csv()
        let lines = csv.components(separatedBy: "\r\n")
        #expect(lines.contains("求助次数 help requests,3") && lines.contains("已应答 taken,2"))
        #expect(lines.contains("超时前应答 taken within the timeout,1") && lines.contains("转交 handed over,1"))
        #expect(lines.contains("应答用时中位数（秒） median seconds to take,90.0"))
        #expect(lines.contains("应答用时第90百分位（秒） 90th percentile seconds to take,150.0"))
        #expect(lines.contains("应答率 share answered,0.6667"))
        #expect(lines.contains("\"sme-loan, \"\"guarantee\"\"\",4") && lines.contains("rent,1"))
        // Every block is separated by an empty line; the file ends with CRLF.
        #expect(lines.filter(\.isEmpty).count == 3 && lines.last == "")
    }

    @Test func theHTMLHasTheHelpFiguresAndThePrintsPerPolicy() throws {
        let html = try report(help: figures, prints: [PolicyPrintCount(policyId: "<rent>", prints: 2)]).html()
        #expect(html.contains("id=\"help-figures\""))
        #expect(html.contains("<tr data-figure=\"help requests\"><td class=\"text\">求助次数<br>help requests</td><td>3</td></tr>"))
        #expect(html.contains("<td>90 s</td>") && html.contains("<td>150 s</td>") && html.contains("<td>66.7%</td>"))
        #expect(html.contains("<tr data-policy=\"&lt;rent&gt;\"><td class=\"text\">&lt;rent&gt;</td><td>2</td></tr>"))
    }

    @Test func aReportNarrowedToADepartmentHasNeitherBlock() throws {
        let plain = try report(help: nil, prints: nil)
        #expect(plain.csv().components(separatedBy: "\r\n").count == 3)
        #expect(!plain.html().contains("help-figures") && !plain.html().contains("policy-prints"))
        // No calls in the month: the figures say so instead of inventing a time.
        let empty = try report(help: HelpFigures([]), prints: []).csv()
        #expect(empty.contains("应答用时中位数（秒） median seconds to take,\r\n") && empty.contains("应答率 share answered,\r\n"))
    }
}
