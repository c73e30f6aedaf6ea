import Foundation
import GRDB
import GRDBSQLite

/// A value bound to a statement's parameter.
enum SQLArgument {
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob(Data)
    case null

    static func integer(_ value: Int) -> SQLArgument { .integer(Int64(value)) }
    static func instant(_ date: Date) -> SQLArgument { .real(date.timeIntervalSince1970) }
}

/// Running a prepared statement through SQLite's C API. GRDB's general path
/// (`execute(arguments:)`, `Row.fetchAll`) wraps each argument in an existential and a
/// `DatabaseValue`, copies each row into a `Row` and does its observation bookkeeping around
/// every step; for the writer's short statements that cost more than SQLite's own work. Only
/// for statements that change no schema and open or end no transaction (GRDB tracks those),
/// on a connection with no transaction observers.
extension Statement {
    /// Binds `arguments` and steps to the end; `db.changesCount` tells how many rows changed.
    func run(_ arguments: [SQLArgument]) throws {
        try withBound(arguments) { statement in
            while true {
                let code = sqlite3_step(statement)
                if code == SQLITE_DONE { return }
                if code != SQLITE_ROW { throw failure(code) }
            }
        }
    }

    /// Binds `arguments` and calls `row` with each result row's statement, whose columns it reads
    /// with `Statement.text(_:_:)` and the like.
    func forEachRow(_ arguments: [SQLArgument], _ row: (SQLiteStatement) throws -> Void) throws {
        try withBound(arguments) { statement in
            while true {
                let code = sqlite3_step(statement)
                if code == SQLITE_DONE { return }
                guard code == SQLITE_ROW else { throw failure(code) }
                try row(statement)
            }
        }
    }

    private func withBound(_ arguments: [SQLArgument], _ body: (SQLiteStatement) throws -> Void) throws {
        let statement = sqliteStatement
        // The previous run's outcome was reported then; a reset statement runs afresh.
        sqlite3_reset(statement)
        defer { sqlite3_reset(statement) }
        precondition(Int(sqlite3_bind_parameter_count(statement)) == arguments.count, "arguments do not fit \(sql)")
        for (offset, argument) in arguments.enumerated() {
            let index = CInt(offset + 1)
            let code: CInt = switch argument {
            case .integer(let value): sqlite3_bind_int64(statement, index, value)
            case .real(let value): sqlite3_bind_double(statement, index, value)
            case .text(let value): Self.bind(text: value, to: statement, at: index)
            case .blob(let value):
                value.withUnsafeBytes { bytes in
                    // A zero-length blob is no NULL (a nil pointer would bind NULL).
                    bytes.baseAddress.map { sqlite3_bind_blob(statement, index, $0, CInt(bytes.count), transient) }
                        ?? sqlite3_bind_zeroblob(statement, index, 0)
                }
            case .null: sqlite3_bind_null(statement, index)
            }
            guard code == SQLITE_OK else { throw failure(code) }
        }
        try body(statement)
    }

    /// By byte count: a NUL inside the text is kept, not where the text ends.
    private static func bind(text: String, to statement: SQLiteStatement, at index: CInt) -> CInt {
        var text = text
        return text.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { chars in
                // A nil pointer would bind NULL; an empty text is no NULL.
                chars.baseAddress.map { sqlite3_bind_text(statement, index, $0, CInt(chars.count), transient) }
                    ?? sqlite3_bind_text(statement, index, "", 0, transient)
            }
        }
    }

    private func failure(_ code: CInt) -> DatabaseError {
        let connection = sqlite3_db_handle(sqliteStatement)
        return DatabaseError(resultCode: ResultCode(rawValue: code), message: connection.map { String(cString: sqlite3_errmsg($0)) },
                             sql: sql)
    }

    /// The text in `column` (0-based) of the current row; nil for NULL.
    static func text(_ statement: SQLiteStatement, _ column: CInt) -> String? {
        guard let text = sqlite3_column_text(statement, column) else { return nil }
        // By byte count (asked after the text, as SQLite's documentation says): a NUL is kept.
        let count = Int(sqlite3_column_bytes(statement, column))
        return String(decoding: UnsafeRawBufferPointer(start: text, count: count), as: UTF8.self)
    }

    static func real(_ statement: SQLiteStatement, _ column: CInt) -> Double {
        sqlite3_column_double(statement, column)
    }

    static func isNull(_ statement: SQLiteStatement, _ column: CInt) -> Bool {
        sqlite3_column_type(statement, column) == SQLITE_NULL
    }

    static func blob(_ statement: SQLiteStatement, _ column: CInt) -> Data? {
        guard sqlite3_column_type(statement, column) != SQLITE_NULL else { return nil }
        let count = Int(sqlite3_column_bytes(statement, column))
        guard count > 0, let bytes = sqlite3_column_blob(statement, column) else { return Data() }
        return Data(bytes: bytes, count: count)
    }
}

/// SQLite copies the bound value before the call returns.
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

