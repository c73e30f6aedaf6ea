import ArgumentParser
import Booking
import Filings
import Foundation
import Hosting
import KioskApp
import KioskConfig
import KioskCore
import Logging

/// Reports of the supervision post (督查督办): the monthly report, as `GET /v1/reports/monthly`
/// gives it, from the terminal's store (the district's in district mode).
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Reports of the supervision post.", subcommands: [Monthly.self])

    struct Monthly: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The monthly report per department and matter: received, accepted, returned, completed on time, overdue, 容缺, ratings, 差评 follow-ups.")

        @OptionGroup var options: ConfigOptions
        @Option(help: "The month, YYYY-MM (default: the month before this one, in the hall's time zone).") var month: String?
        @Option(help: "text, json, csv or html.") var format: String = "text"
        @Option(help: "Only this department's filings.") var department: String?
        @Option(help: "Only this matter's (form id) filings.") var matter: String?
        @Option(help: "Only the filings made at this hall (site id).") var hall: String?

        func run() async throws {
            let configuration = try options.load()
            guard let format = MonthlyReport.Format(rawValue: format) else {
                throw ValidationError("--format is text, json, csv or html")
            }
            let now = Date()
            let reportMonth: ReportMonth
            if let month {
                do { reportMonth = try ReportMonth(month) } catch { throw ValidationError("--month is a month, YYYY-MM (e.g. 2026-11)") }
            } else {
                reportMonth = ReportMonth(containing: LocalDate(containing: now, in: configuration.timeZone)).previous
            }
            do {
                let report = try await KioskApplication.monthlyReport(
                    configuration, month: reportMonth, filter: DeskFilter(departmentID: department, formID: matter, hall: hall), now: now,
                    logger: Logger(label: "kiosk"))
                print(try report.rendered(format), terminator: format == .json ? "\n" : "")
            } catch let error as StartupError {
                throw fail(error)
            } catch let error as any KioskError {
                throw fail(error)
            }
        }
    }
}
