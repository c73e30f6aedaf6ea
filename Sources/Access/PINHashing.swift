import _CryptoExtras
import Crypto
import Foundation

/// A stored PIN: the key derivation's name and parameters beside the salt and the derived key,
/// so a hash made with older parameters still verifies after the parameters are raised (and is
/// then replaced, see `PINHashing.needsRehash`).
public struct PINHash: Sendable, Hashable {
    /// `scrypt`.
    public let algorithm: String
    /// PHC-style: `ln=15,r=8,p=1` (N = 2^ln).
    public let parameters: String
    public let salt: Data
    public let hash: Data

    public init(algorithm: String, parameters: String, salt: Data, hash: Data) {
        self.algorithm = algorithm
        self.parameters = parameters
        self.salt = salt
        self.hash = hash
    }
}

/// How PINs are turned into stored hashes and checked: scrypt (RFC 7914), memory-hard.
///
/// A PIN has at most 10^8 values, so no derivation keeps a stolen hash safe for long; scrypt's
/// memory cost makes each guess expensive on any hardware, and the lockout is what protects a
/// PIN at the terminal. PBKDF2 is not offered: scrypt is there, and one algorithm is less to
/// get wrong; `algorithm` is stored so that another can be added beside it.
public struct PINHashing: Sendable, Hashable {
    /// N = 2^logN.
    public let logN: Int
    public let blockSize: Int
    public let parallelism: Int

    /// N = 2^15, r = 8, p = 1: 32 MiB and tens of milliseconds per sign-in.
    public static let standard = PINHashing(logN: 15, blockSize: 8, parallelism: 1)

    static let algorithm = "scrypt"
    static let saltLength = 16
    static let keyLength = 32
    /// Longer input is not a PIN; refusing it keeps a pasted megabyte off the KDF.
    static let longestTypedPIN = 64

    public init(logN: Int, blockSize: Int, parallelism: Int) {
        self.logN = logN
        self.blockSize = blockSize
        self.parallelism = parallelism
    }

    var parameters: String { "ln=\(logN),r=\(blockSize),p=\(parallelism)" }

    public func hash(_ pin: PIN) throws(AccessError) -> PINHash {
        var generator = SystemRandomNumberGenerator()
        let salt = Data((0..<Self.saltLength).map { _ in UInt8.random(in: .min ... .max, using: &generator) })
        return try hash(pin, salt: salt)
    }

    public func hash(_ pin: PIN, salt: Data) throws(AccessError) -> PINHash {
        PINHash(algorithm: Self.algorithm, parameters: parameters, salt: salt, hash: try derive(Array(pin.digits.utf8), salt: salt))
    }

    /// Whether `typed` is the PIN of `stored`, in time independent of where the keys differ.
    /// Uses the stored parameters, not this value's.
    public func verify(_ typed: String, against stored: PINHash) throws(AccessError) -> Bool {
        let hashing = try PINHashing(stored)
        let typedBytes = Array(typed.utf8)
        guard typedBytes.count <= Self.longestTypedPIN else { return false }
        return ConstantTime.equal(try hashing.derive(typedBytes, salt: stored.salt), stored.hash)
    }

    /// A hash no PIN matches, with these parameters: an unknown staff number is checked
    /// against it so that it takes as long to refuse as a wrong PIN.
    public var decoy: PINHash {
        PINHash(algorithm: Self.algorithm, parameters: parameters, salt: Data(count: Self.saltLength), hash: Data())
    }

    /// True when `stored` was made with other parameters: it is rehashed at the next sign-in.
    public func needsRehash(_ stored: PINHash) -> Bool {
        stored.algorithm != Self.algorithm || stored.parameters != parameters
    }

    private func derive(_ secret: [UInt8], salt: Data) throws(AccessError) -> Data {
        do {
            let key = try KDF.Scrypt.deriveKey(from: secret, salt: salt, outputByteCount: Self.keyLength,
                                               rounds: 1 << logN, blockSize: blockSize, parallelism: parallelism)
            return key.withUnsafeBytes { Data($0) }
        } catch {
            throw AccessError(.unsupportedPINAlgorithm)
        }
    }

    /// Reads stored parameters, within bounds: a database edited to ask for terabytes of
    /// memory gets an error, not a hung terminal.
    init(_ stored: PINHash) throws(AccessError) {
        guard stored.algorithm == Self.algorithm else { throw AccessError(.unsupportedPINAlgorithm) }
        var values: [Substring: Int] = [:]
        for pair in stored.parameters.split(separator: ",") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let value = Int(parts[1]),
                  values.updateValue(value, forKey: parts[0]) == nil else { throw AccessError(.unsupportedPINAlgorithm) }
        }
        guard values.count == 3, let logN = values["ln"], let r = values["r"], let p = values["p"],
              (1...20).contains(logN), (1...32).contains(r), (1...16).contains(p) else { throw AccessError(.unsupportedPINAlgorithm) }
        self.init(logN: logN, blockSize: r, parallelism: p)
    }
}

enum ConstantTime {
    /// Equal lengths and bytes; the time depends on the length only.
    static func equal(_ lhs: some DataProtocol, _ rhs: some DataProtocol) -> Bool {
        guard lhs.count == rhs.count else { return false }
        var difference: UInt8 = 0
        for (left, right) in zip(lhs, rhs) { difference |= left ^ right }
        return difference == 0
    }
}
