import Booking
@testable import District
import Filings
import Foundation
import Storage
import StoragePostgres
import Testing

extension DistrictOutboxBatchTests {
    /// Filings arrive without a due date (their clock starts at acceptance), so the district's
    /// index of due dates holds only the cases that have one; the query that reads it (the
    /// month's overdue count) still does.
    @Test func arrivalsStayOutOfTheDueDateIndexWhichTheOverdueCountStillReads() async throws {
        try await withTerminal(batchSize: 8) { terminal, cluster in
            _ = try await terminal.file(10)
            #expect(try await terminal.drainAll() == OutboxDrainer.Pass(sent: 10))
            #expect(try await cluster.psql("SELECT count(*) FROM lifecycle_case WHERE due_date IS NULL")
                .trimmingCharacters(in: .whitespacesAndNewlines) == "10")
            let definition = try await cluster.psql("SELECT indexdef FROM pg_indexes WHERE indexname = 'lifecycle_case_due'")
            #expect(definition.contains("WHERE (due_date IS NOT NULL)"))

            let today = try LocalDate("2026-12-20")
            let overdue = try #require(LifecycleSQL.Report.statements(try ReportMonth("2026-12"), filter: DeskFilter(), today: today)
                .first { $0.0 == .overdue }?.1)
            #expect(overdue.sql.contains("FROM lifecycle_case"))
            let plan = try await terminal.filings.runInBulk([
                SQLStatement("SET LOCAL enable_seqscan = off"),
                SQLStatement("EXPLAIN " + overdue.sql, overdue.arguments),
            ])[1].compactMap { $0.first?.text }.joined(separator: "\n")
            #expect(plan.contains("lifecycle_case_due"), "\(plan)")
        }
    }
}
