import Access
import Foundation
import GRDB
import Storage
import Testing

/// Whoever stands at the screen can type anything as a staff number (a mobile number, an ID
/// number); the append-only audit log must not keep it.
@Suite("Unknown sign-in numbers in the audit log")
struct SignInAuditTests {
    @Test func anUnknownNumberIsRecordedAsAKeyedHash() async throws {
        let mobile = "13812345678"
        let first = try AccessStoreFixture()
        let second = try AccessStoreFixture()
        defer { first.remove(); second.remove() }
        for fixture in [first, second] {
            for attempt in 0..<2 {
                await #expect(throws: AccessError.self) {
                    try await fixture.access.signIn(number: mobile, pin: "482915", terminalID: "T-01",
                                                    now: fixture.now + Double(attempt) * 3600)
                }
            }
        }
        let records = try await first.access.auditRecords()
        #expect(records.count == 2)
        #expect(records.allSatisfy { !$0.target.contains(mobile) && !$0.details.contains(mobile) && !$0.jsonLine.contains(mobile) })
        // Keyed: the same number gives the same mark at one terminal (failures can be counted),
        // another terminal's key gives another, so the mark cannot be looked up in a table.
        #expect(records[0].target == records[1].target)
        #expect(!records[0].target.isEmpty)
        let other = try await second.access.auditRecords()
        #expect(other[0].target != records[0].target)
        // Nor is the number anywhere in the database's files.
        for suffix in ["", "-wal"] {
            let bytes = (try? Data(contentsOf: URL(fileURLWithPath: first.store.path + suffix))) ?? Data()
            #expect(bytes.range(of: Data(mobile.utf8)) == nil, "kiosk.sqlite\(suffix)")
        }
    }
}
