import Booking
import Filings
import Foundation

/// The running cases counted per department, due date and warning day, kept by triggers on
/// `lifecycle_case` in the transaction of the transition that wrote the row (as `MonthlySummary`
/// is): the supervision desk's two counts are then sums over a few thousand rows instead of a
/// visit to each running case. At a million filings (`kiosk bench lifecycle`) the overdue count
/// visited about 175,000 cases (150–190 ms on PostgreSQL under load, with a heap read for each
/// row not yet vacuumed) and the nearly-overdue one 17,000 (8–47 ms, every one from the heap);
/// the summary has about 4,300 rows. Rows at zero stay. A running case always has both dates
/// (`LegalClock` sets them together).
public enum DeadlineSummary {
    static let running = "state IN ('accepted', 'inProgress')"

    /// The table, the counts of the cases already stored, and the triggers.
    public static func statements(_ dialect: SQLDialect) -> [String] {
        let added = """
            INSERT INTO lifecycle_deadline_count (department_id, due_date, warn_on, cases)
            SELECT NEW.department_id, NEW.due_date, NEW.warn_on, 1
            WHERE NEW.\(running) AND NEW.due_date IS NOT NULL AND NEW.warn_on IS NOT NULL
            ON CONFLICT (department_id, due_date, warn_on) DO UPDATE SET cases = lifecycle_deadline_count.cases + 1;
            """
        let removed = """
            UPDATE lifecycle_deadline_count SET cases = cases - 1
            WHERE department_id = OLD.department_id AND due_date = OLD.due_date AND warn_on = OLD.warn_on AND OLD.\(running);
            """
        return [
            """
            CREATE TABLE lifecycle_deadline_count (
                department_id text NOT NULL,
                due_date text NOT NULL,
                warn_on text NOT NULL,
                cases bigint NOT NULL,
                PRIMARY KEY (department_id, due_date, warn_on))
            """,
            """
            INSERT INTO lifecycle_deadline_count (department_id, due_date, warn_on, cases)
            SELECT department_id, due_date, warn_on, count(*) FROM lifecycle_case
            WHERE \(running) AND due_date IS NOT NULL AND warn_on IS NOT NULL
            GROUP BY department_id, due_date, warn_on
            """,
        ] + MonthlySummary.caseTriggers("lifecycle_case_deadline", added: added, removed: removed, dialect)
    }

    /// Overdue (due before `today`) and nearly overdue (due from `today` on, warned) running
    /// cases, of one department or of all; nil when the filter names a matter or a hall, which
    /// the summary does not keep (the desk then counts the cases).
    static func counts(_ filter: DeskFilter, today: LocalDate) -> SQLStatement? {
        guard filter.formID == nil, filter.hall == nil else { return nil }
        let department = LifecycleSQL.filtered(DeskFilter(departmentID: filter.departmentID))
        let day = SQLValue.text(today.description)
        return SQLStatement("""
            SELECT CAST(coalesce(sum(cases) FILTER (WHERE due_date < ?), 0) AS bigint),
                   CAST(coalesce(sum(cases) FILTER (WHERE due_date >= ? AND warn_on <= ?), 0) AS bigint)
            FROM lifecycle_deadline_count WHERE 1 = 1\(department.sql)
            """, [day, day, day] + department.arguments)
    }
}
