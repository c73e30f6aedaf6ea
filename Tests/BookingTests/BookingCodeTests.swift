import Testing
@testable import Booking

@Suite("Booking codes")
struct BookingCodeTests {
    @Test func alphabetLeavesOutLookalikes() {
        let alphabet = String(decoding: BookingCode.alphabet, as: UTF8.self)
        #expect(alphabet.count == 31)
        for confusable in "0O1IL" { #expect(!alphabet.contains(confusable)) }
    }

    @Test func checkCharacterVectors() throws {
        #expect(BookingCode(payload: [Int](repeating: 0, count: 10)).value == "22222222222")
        // 11·1 + 10·2 + 9·3 + 8·4 + 7·5 + 6·6 + 5·7 + 4·8 + 3·9 + 2·10 = 275 ≡ 27 (mod 31);
        // 27 + 4 ≡ 0, and alphabet[4] is 6.
        #expect(BookingCode(payload: Array(1...10)).value == "3456789ABC6")
        #expect(try BookingCode("3456789ABC6").value == "3456789ABC6")
        // Codes issued before (six characters and a check, weights 7…2) are still read.
        // 7·1 + 6·2 + 5·3 + 4·4 + 3·5 + 2·6 = 77 ≡ 15 (mod 31); 15 + 16 ≡ 0, and alphabet[16] is J.
        #expect(BookingCode(payload: [1, 2, 3, 4, 5, 6]).value == "345678J")
        #expect(try BookingCode("345678J").value == "345678J")
    }

    /// 31¹⁰ ≈ 8.2 × 10¹⁴ codes: at 20,000 bookings a day in a district, more than 10¹⁰ unused
    /// codes for each one issued that day.
    @Test func theSpaceIsLargeEnoughForADistrict() {
        #expect(BookingCode.space == (0..<10).reduce(1) { product, _ in product * 31 })
        #expect(BookingCode.space / 20_000 > 10_000_000_000)
        var generator = SplitMix(seed: 3)
        #expect(BookingCode.random(using: &generator).value.count == 11)
        #expect(BookingCode(payload: Array(1...10)).grouped == "3456-789A-BC6")
    }

    @Test func typingIsForgivenButNotWrongCharacters() throws {
        #expect(try BookingCode("3456-789a-bc6").value == "3456789ABC6")
        #expect(try BookingCode(" 3456 789A BC6 ").value == "3456789ABC6")
        #expect(try BookingCode("345-678j").value == "345678J")
        for text in ["3456789ABC7", "3456789ABC", "3456789ABC66", "O456789ABC6", "3456789ABC6\u{FF10}", "345678K", "345678", ""] {
            #expect(throws: BookingRuleError(.invalidBookingCode)) { try BookingCode(text) }
        }
    }

    @Test func everySingleSubstitutionAndNeighbourSwapIsCaught() throws {
        var generator = SplitMix(seed: 7)
        for _ in 0..<50 {
            let code = BookingCode.random(using: &generator)
            let characters = Array(code.value.utf8)
            for position in characters.indices {
                for replacement in BookingCode.alphabet where replacement != characters[position] {
                    var typo = characters
                    typo[position] = replacement
                    #expect(throws: BookingRuleError(.invalidBookingCode)) { try BookingCode(String(decoding: typo, as: UTF8.self)) }
                }
                if position + 1 < characters.count, characters[position] != characters[position + 1] {
                    var swapped = characters
                    swapped.swapAt(position, position + 1)
                    #expect(throws: BookingRuleError(.invalidBookingCode)) { try BookingCode(String(decoding: swapped, as: UTF8.self)) }
                }
            }
            #expect(try BookingCode(code.value) == code)
        }
    }
}

/// A seeded generator, so a failing case can be replayed.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
