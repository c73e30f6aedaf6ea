import Filings
import Foundation

/// The monthly report's case counts, kept per month as each case row is written: a trigger on
/// `lifecycle_case` adds a written row to its months and takes a deleted one away, in the
/// transaction of the transition that wrote it (`LifecycleSQL.save` replaces a record's rows).
/// The report then reads a few hundred summary rows instead of every case of the month (and of
/// the year, for its trend). Rows at zero stay; the report skips them.
public enum MonthlySummary {
    /// Each measure counted from a case row: the date column whose month it falls in, and the
    /// condition (on the row `r`) for the row to count. `overdue` holds for a past month only:
    /// the report counts the current month's from the cases themselves.
    static let measures: [(measure: ReportCount.Measure, column: String, condition: String)] = [
        (.received, "first_submitted_on", "1 = 1"),
        (.accepted, "accepted_on", "1 = 1"),
        (.returned, "returned_on", "1 = 1"),
        (.completed, "completed_on", "1 = 1"),
        (.completedOnTime, "completed_on", "r.on_time = 1"),
        (.overdue, "due_date", "(r.completed_on IS NULL OR r.completed_on > r.due_date) AND r.state <> 'returned'"),
        (.deferredFilings, "first_submitted_on", "r.deferred_total > 0"),
        (.deferredInTime, "first_submitted_on", "r.deferred_total > 0 AND r.deferred_in_time = r.deferred_total"),
    ]
    static let keyColumns = ["department_id", "department_zh", "department_en", "matter_key", "matter_zh", "matter_en", "form_id", "hall"]

    /// The table, the counts of the cases already stored, and the triggers.
    public static func statements(_ dialect: SQLDialect) -> [String] {
        let key = keyColumns.joined(separator: ", ")
        func columns(of row: String) -> String { keyColumns.map { row + "." + $0 }.joined(separator: ", ") }
        func on(_ row: String, _ condition: String) -> String { condition.replacingOccurrences(of: "r.", with: row + ".") }
        var statements = [
            """
            CREATE TABLE lifecycle_month_count (
                month text NOT NULL,
                measure text NOT NULL,
                department_id text NOT NULL, department_zh text NOT NULL, department_en text NOT NULL,
                matter_key text NOT NULL, matter_zh text NOT NULL, matter_en text NOT NULL,
                form_id text NOT NULL, hall text NOT NULL,
                cases bigint NOT NULL,
                PRIMARY KEY (month, measure, \(key)))
            """,
        ]
        for (measure, column, condition) in measures {
            statements.append("""
                INSERT INTO lifecycle_month_count (month, measure, \(key), cases)
                SELECT substr(r.\(column), 1, 7), '\(measure.rawValue)', \(columns(of: "r")), count(*)
                FROM lifecycle_case r WHERE r.\(column) IS NOT NULL AND \(condition)
                GROUP BY substr(r.\(column), 1, 7), \(columns(of: "r"))
                """)
        }
        // `WHERE` before `ON CONFLICT`: SQLite reads the upsert unambiguously after a WHERE.
        let added = measures.map { measure, column, condition in
            """
            INSERT INTO lifecycle_month_count (month, measure, \(key), cases)
            SELECT substr(NEW.\(column), 1, 7), '\(measure.rawValue)', \(columns(of: "NEW")), 1
            WHERE NEW.\(column) IS NOT NULL AND \(on("NEW", condition))
            ON CONFLICT (month, measure, \(key)) DO UPDATE SET cases = lifecycle_month_count.cases + 1;
            """
        }.joined(separator: "\n")
        let removed = measures.map { measure, column, condition in
            """
            UPDATE lifecycle_month_count SET cases = cases - 1
            WHERE month = substr(OLD.\(column), 1, 7) AND measure = '\(measure.rawValue)'
                AND \(keyColumns.map { "\($0) = OLD.\($0)" }.joined(separator: " AND "))
                AND OLD.\(column) IS NOT NULL AND \(on("OLD", condition));
            """
        }.joined(separator: "\n")
        return statements + caseTriggers("lifecycle_case", added: added, removed: removed, dialect)
    }

    /// Triggers on `lifecycle_case` that run `added` (statements on `NEW`) for each row inserted
    /// and `removed` (on `OLD`) for each row deleted: `NAME_counted` and `NAME_uncounted` in
    /// SQLite, `NAME_counted` calling the function `NAME_count()` in PostgreSQL.
    static func caseTriggers(_ name: String, added: String, removed: String, _ dialect: SQLDialect) -> [String] {
        switch dialect {
        case .sqlite:
            [
                "CREATE TRIGGER \(name)_counted AFTER INSERT ON lifecycle_case BEGIN\n\(added)\nEND",
                "CREATE TRIGGER \(name)_uncounted AFTER DELETE ON lifecycle_case BEGIN\n\(removed)\nEND",
            ]
        case .postgres:
            [
                """
                CREATE FUNCTION \(name)_count() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                IF TG_OP = 'INSERT' THEN
                \(added)
                ELSE
                \(removed)
                END IF;
                RETURN NULL;
                END
                $$
                """,
                "CREATE TRIGGER \(name)_counted AFTER INSERT OR DELETE ON lifecycle_case FOR EACH ROW EXECUTE FUNCTION \(name)_count()",
            ]
        }
    }

    /// The month's count of `measure` per department and matter, from the summary.
    static func counts(_ measure: ReportCount.Measure, month: ReportMonth, filter: DeskFilter) -> SQLStatement {
        let group = LifecycleSQL.Report.caseGroup
        let filter = LifecycleSQL.filtered(filter)
        return SQLStatement("""
            SELECT \(group), CAST(sum(cases) AS bigint) FROM lifecycle_month_count WHERE month = ? AND measure = ?\(filter.sql)
            GROUP BY \(group) HAVING sum(cases) > 0
            """, [.text(month.description), .text(measure.rawValue)] + filter.arguments)
    }

    /// Completions (and those on time) per month over the twelve months ending with `month`.
    static func completions(_ month: ReportMonth, filter: DeskFilter) -> SQLStatement {
        let filter = LifecycleSQL.filtered(filter)
        return SQLStatement("""
            SELECT month, CAST(sum(cases) FILTER (WHERE measure = 'completed') AS bigint),
                CAST(sum(cases) FILTER (WHERE measure = 'completedOnTime') AS bigint)
            FROM lifecycle_month_count WHERE month BETWEEN ? AND ? AND measure IN ('completed', 'completedOnTime')\(filter.sql)
            GROUP BY month HAVING sum(cases) > 0
            """, [.text(month.trailingYear[0].description), .text(month.description)] + filter.arguments)
    }
}
