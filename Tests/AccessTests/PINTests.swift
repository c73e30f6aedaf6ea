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
    let policy = LockoutPolicy(maximumFailures: 5, window: 900, lockDuration: 900)
    let start = Date(timeIntervalSince1970: 1_740_816_000)

    @Test func fiveFailuresInTheWindowLock() {
        var attempts = SignInAttempts()
        for minute in 0..<4 {
            let locks = attempts.recordFailure(at: start + Double(minute * 60), policy: policy)
            #expect(!locks)
        }
        #expect(attempts.failures == 4)
        let locks = attempts.recordFailure(at: start + 240, policy: policy)
        #expect(locks)
        #expect(attempts.lock(at: start + 240) == start + 240 + 900)
        #expect(attempts.lock(at: start + 240 + 899) == start + 240 + 900)
        #expect(attempts.lock(at: start + 240 + 900) == nil)
        #expect(attempts.failures == 0)
    }

    @Test func failuresOutsideTheWindowStartAgain() {
        var attempts = SignInAttempts()
        for minute in 0..<4 { _ = attempts.recordFailure(at: start + Double(minute * 60), policy: policy) }
        let locks = attempts.recordFailure(at: start + 900, policy: policy)
        #expect(!locks)
        #expect(attempts.failures == 1)
        #expect(attempts.windowStart == start + 900)
    }

    @Test func failuresWhileLockedDoNotExtendTheLock() {
        var attempts = SignInAttempts(lockedUntil: start + 600)
        let locks = attempts.recordFailure(at: start + 60, policy: policy)
        #expect(!locks)
        #expect(attempts.lock(at: start + 60) == start + 600)
        #expect(attempts.failures == 0)
    }

    @Test func successForgetsFailures() {
        var attempts = SignInAttempts()
        _ = attempts.recordFailure(at: start, policy: policy)
        attempts.recordSuccess()
        #expect(attempts == SignInAttempts())
    }
}
