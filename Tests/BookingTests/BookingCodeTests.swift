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
        #expect(BookingCode(payload: [0, 0, 0, 0, 0, 0]).value == "2222222")
        // 7·1 + 6·2 + 5·3 + 4·4 + 3·5 + 2·6 = 77 ≡ 15 (mod 31); 15 + 16 ≡ 0, and alphabet[16] is J.
        #expect(BookingCode(payload: [1, 2, 3, 4, 5, 6]).value == "345678J")
        #expect(try BookingCode("345678J").value == "345678J")
    }

    @Test func typingIsForgivenButNotWrongCharacters() throws {
        #expect(try BookingCode("345-678j").value == "345678J")
        #expect(try BookingCode(" 345 678 J ").value == "345678J")
        for text in ["345678K", "345678", "345678JJ", "O45678J", "345678J\u{FF10}", ""] {
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
