import Foundation
import KioskCore
import Testing

struct RandomUUIDTests {
    /// Version 4 and variant 10 (RFC 9562), so anything that reads the ids as UUIDs takes them as random ones.
    @Test func isAVersion4UUIDOfTheRFCVariant() {
        for _ in 0..<1000 {
            let text = Array(UUID.random().uuidString)
            #expect(text[14] == "4")
            #expect("89AB".contains(text[19]))
        }
    }

    /// The other 122 bits are random: no two of many are alike, and each bit is sometimes set and sometimes not.
    @Test func theOtherBitsVary() {
        let ids = (0..<10_000).map { _ in UUID.random() }
        #expect(Set(ids).count == ids.count)
        var set = [Int](repeating: 0, count: 128)
        for id in ids {
            withUnsafeBytes(of: id.uuid) { bytes in
                for bit in 0..<128 where bytes[bit / 8] & (0x80 >> (bit % 8)) != 0 { set[bit] += 1 }
            }
        }
        let fixed: Set<Int> = [48, 49, 50, 51, 64, 65]
        for bit in 0..<128 where !fixed.contains(bit) {
            #expect((4000...6000).contains(set[bit]), "bit \(bit) set in \(set[bit]) of 10,000")
        }
        #expect(fixed.allSatisfy { [0, 10_000].contains(set[$0]) })
    }
}
