import Access
import Foundation
import GRDB
import Secrets
import Storage

/// A migrated database in a temporary directory and an access store with cheap PIN hashing.
struct AccessStoreFixture {
    let directory: URL
    let store: SQLiteStore
    let access: AccessStore
    let admin = try! StaffNumber("A01")
    let now = Date(timeIntervalSince1970: 1_740_816_000)

    init(hashing: PINHashing = PINHashing(logN: 4, blockSize: 1, parallelism: 1)) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("access-\(UUID().uuidString)")
        store = try SQLiteStore(path: directory.appendingPathComponent("kiosk.sqlite").path, keys: .random())
        try store.migrate()
        access = AccessStore(store: store, hashing: hashing)
    }

    func reopen(hashing: PINHashing) throws -> AccessStore {
        AccessStore(store: store, hashing: hashing)
    }

    /// Raw SQL on the file, the way someone with a copy of the database would change it.
    func tamper(_ sql: String) throws {
        let queue = try DatabaseQueue(path: store.path)
        try queue.writeWithoutTransaction { db in try db.execute(sql: sql) }
    }

    func staffNumber(_ text: String) -> StaffNumber { try! StaffNumber(text) }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}
