import Foundation
import GRDB
import Testing
@testable import Storage

/// The writer's statements bind and read through SQLite's C API: a value must come back as it
/// went in, whatever bytes it holds.
@Suite("Statements run through SQLite's C API")
struct StatementRunTests {
    @Test(arguments: ["a\u{0}b", "", "居住证\u{0}", "\u{0}"])
    func textRoundTripsByteForByte(_ text: String) throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE t (value TEXT)")
            try db.cachedStatement(sql: "INSERT INTO t (value) VALUES (?)").run([.text(text)])
            #expect(try Int.fetchOne(db, sql: "SELECT length(CAST(value AS BLOB)) FROM t") == text.utf8.count)
            var read: [String?] = []
            try db.cachedStatement(sql: "SELECT value FROM t").forEachRow([]) { row in read.append(Statement.text(row, 0)) }
            #expect(read == [text])
        }
    }

    @Test func blobsAndNullsKeepTheirKind() throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE t (value)")
            for argument: SQLArgument in [.blob(Data()), .blob(Data([0, 1])), .null] {
                try db.cachedStatement(sql: "INSERT INTO t (value) VALUES (?)").run([argument])
            }
            var read: [Data?] = []
            try db.cachedStatement(sql: "SELECT value FROM t ORDER BY rowid").forEachRow([]) { row in read.append(Statement.blob(row, 0)) }
            #expect(read == [Data(), Data([0, 1]), nil])
        }
    }
}
