import Access
import Foundation
import Testing

struct PINTests {
    @Test(arguments: ["4829", "48291537", "1357", "2580", "1122", "0909"])
    func acceptsPINsThatAreNotTrivial(_ text: String) throws {
        #expect(try PIN(text).digits == text)
    }

    @Test(arguments: [
        ("123", AccessError.Code.pinWrongLength), ("482915370", .pinWrongLength), ("", .pinWrongLength),
        ("12a4", .pinNotDigits), ("１２３４", .pinNotDigits), ("12 34", .pinNotDigits),
        ("0000", .pinRepeated), ("77777777", .pinRepeated),
        ("1234", .pinSequence), ("45678", .pinSequence), ("8765", .pinSequence), ("7890", .pinSequence),
        ("1098", .pinSequence), ("90123", .pinSequence),
    ])
    func refusesWeakPINs(_ text: String, _ code: AccessError.Code) {
        #expect(throws: AccessError(code)) { _ = try PIN(text) }
    }

    @Test func descriptionsHideTheDigits() throws {
        let pin = try PIN("4829")
        #expect("\(pin)" == "PIN(****)")
        #expect(String(reflecting: pin) == "PIN(****)")
    }
}

struct PINHashingTests {
    /// Cheap parameters: the derivation is scrypt's either way.
    let hashing = PINHashing(logN: 4, blockSize: 1, parallelism: 1)

    @Test func matchesScryptGoldenVector() throws {
        // Python: hashlib.scrypt(b"482915", salt=bytes(range(16)), n=16, r=1, p=1, dklen=32)
        let stored = try hashing.hash(PIN("482915"), salt: Data(0..<16))
        #expect(stored.algorithm == "scrypt")
        #expect(stored.parameters == "ln=4,r=1,p=1")
        #expect(stored.hash.map { String(format: "%02x", $0) }.joined()
            == "3301347056577562197af871c5eb7cdfcaa4861f8cead6f68a77ebfb37c960fb")
    }

    @Test func verifiesTheRightPINOnly() throws {
        let stored = try hashing.hash(PIN("482915"))
        #expect(stored.salt.count == 16)
        #expect(try hashing.verify("482915", against: stored))
        #expect(try !hashing.verify("482916", against: stored))
        #expect(try !hashing.verify("", against: stored))
        #expect(try !hashing.verify(String(repeating: "4", count: 65), against: stored))
        #expect(try hashing.hash(PIN("482915")).salt != stored.salt)
    }

    @Test func verifiesWithTheStoredParametersAndAsksForARehash() throws {
        let old = try hashing.hash(PIN("482915"))
        let raised = PINHashing(logN: 5, blockSize: 2, parallelism: 1)
        #expect(try raised.verify("482915", against: old))
        #expect(raised.needsRehash(old))
        #expect(!hashing.needsRehash(old))
    }

    @Test(arguments: [("bcrypt", "ln=4,r=1,p=1"), ("scrypt", "ln=4,r=1"), ("scrypt", "ln=40,r=1,p=1"),
                      ("scrypt", "ln=4,r=1,p=1,p=1"), ("scrypt", "ln=x,r=1,p=1"), ("scrypt", "")])
    func refusesUnknownOrUnboundedParameters(_ algorithm: String, _ parameters: String) {
        let stored = PINHash(algorithm: algorithm, parameters: parameters, salt: Data(count: 16), hash: Data(count: 32))
        #expect(throws: AccessError(.unsupportedPINAlgorithm)) { try hashing.verify("482915", against: stored) }
    }

    @Test func noPINMatchesTheDecoy() throws {
        #expect(try !hashing.verify("482915", against: hashing.decoy))
        #expect(hashing.decoy.parameters == "ln=4,r=1,p=1")
    }
}

struct LockoutTests {
    let policy = LockoutPolicy(firstDelay: 1, maximumDelay: 300)
    let start = Date(timeIntervalSince1970: 1_740_816_000)

    @Test func theDelayDoublesUpToItsCap() {
        #expect((0...11).map { policy.delay(afterFailures: $0) } == [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300])
        #expect(policy.delay(afterFailures: 10_000) == 300)
    }

    @Test func aTryIsCheckedOnlyAfterTheDelay() {
        var failures = SignInFailures()
        #expect(failures.waitUntil(start, policy: policy) == nil)
        failures.recordFailure(at: start)
        failures.recordFailure(at: start + 1)
        #expect(failures.waitUntil(start + 2, policy: policy) == start + 3)
        #expect(failures.waitUntil(start + 3, policy: policy) == nil)
    }

    /// Someone who keeps guessing never pushes the wait beyond the cap past their last checked try.
    @Test func endlessFailuresNeverWaitLongerThanTheCap() {
        var failures = SignInFailures()
        var now = start
        for _ in 0..<50 {
            now = failures.waitUntil(now, policy: policy) ?? now
            failures.recordFailure(at: now)
        }
        #expect(failures.waitUntil(now, policy: policy) == now + 300)
        #expect(failures.waitUntil(now + 300, policy: policy) == nil)
    }
}
