import Foundation
import GRDB
import KioskCore

/// Turns an identity number into the value bookings and quotas are stored and matched by.
public protocol IDHasher: Sendable {
    func hash(_ id: ResidentIDNumber) -> Data
}

/// HMAC-SHA256 of the normalised number keyed with the installation secret: a stolen database
/// file alone cannot be searched for a known number, and the ID number space is too small for
/// an unkeyed hash to protect it.
public struct HMACIDHasher: IDHasher {
    private let key: [UInt8]

    public init(key: Data) {
        self.key = Array(key)
    }

    public func hash(_ id: ResidentIDNumber) -> Data {
        Data(HMACSHA256.authenticationCode(for: Array(id.value.utf8), key: key))
    }
}

/// SHA-256 (FIPS 180-4) and HMAC (RFC 2104), small and dependency-free; replace with
/// swift-crypto once the package depends on it.
enum HMACSHA256 {
    static let blockSize = 64

    static func authenticationCode(for message: [UInt8], key: [UInt8]) -> [UInt8] {
        var block = key.count > blockSize ? sha256(key) : key
        block += [UInt8](repeating: 0, count: blockSize - block.count)
        let inner = sha256(block.map { $0 ^ 0x36 } + message)
        return sha256(block.map { $0 ^ 0x5C } + inner)
    }

    private static let roundConstants: [UInt32] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
        0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
        0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
        0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
        0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
        0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ]

    static func sha256(_ message: [UInt8]) -> [UInt8] {
        var state: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (
            0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19)
        // Whole blocks straight from the message; only the tail is copied to add the padding.
        let wholeBlocks = message.count / 64
        var tail = Array(message[(wholeBlocks * 64)...])
        tail.append(0x80)
        tail += [UInt8](repeating: 0, count: (56 - tail.count % 64 + 64) % 64)
        let bitLength = UInt64(message.count) &* 8
        for shift in stride(from: 56, through: 0, by: -8) { tail.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift))) }
        withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 64) { schedule in
            message.withUnsafeBufferPointer { bytes in
                for block in 0..<wholeBlocks { compress(bytes, at: block * 64, into: &state, schedule: schedule) }
            }
            tail.withUnsafeBufferPointer { bytes in
                for start in stride(from: 0, to: bytes.count, by: 64) { compress(bytes, at: start, into: &state, schedule: schedule) }
            }
        }
        var digest: [UInt8] = []
        digest.reserveCapacity(32)
        for word in [state.0, state.1, state.2, state.3, state.4, state.5, state.6, state.7] {
            digest += [UInt8(word >> 24), UInt8(truncatingIfNeeded: word >> 16), UInt8(truncatingIfNeeded: word >> 8),
                       UInt8(truncatingIfNeeded: word)]
        }
        return digest
    }

    private static func compress(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int,
                                 into state: inout (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32),
                                 schedule: UnsafeMutableBufferPointer<UInt32>) {
        for index in 0..<16 {
            let offset = start + index * 4
            schedule[index] = UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16
                | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3])
        }
        for index in 16..<64 {
            let s0 = rotate(schedule[index - 15], 7) ^ rotate(schedule[index - 15], 18) ^ (schedule[index - 15] >> 3)
            let s1 = rotate(schedule[index - 2], 17) ^ rotate(schedule[index - 2], 19) ^ (schedule[index - 2] >> 10)
            schedule[index] = schedule[index - 16] &+ s0 &+ schedule[index - 7] &+ s1
        }
        var (a, b, c, d, e, f, g, h) = state
        for index in 0..<64 {
            let sum1 = rotate(e, 6) ^ rotate(e, 11) ^ rotate(e, 25)
            let choice = (e & f) ^ (~e & g)
            let temp1 = h &+ sum1 &+ choice &+ roundConstants[index] &+ schedule[index]
            let sum0 = rotate(a, 2) ^ rotate(a, 13) ^ rotate(a, 22)
            let majority = (a & b) ^ (a & c) ^ (b & c)
            (h, g, f, e, d, c, b, a) = (g, f, e, d &+ temp1, c, b, a, temp1 &+ sum0 &+ majority)
        }
        state = (state.0 &+ a, state.1 &+ b, state.2 &+ c, state.3 &+ d, state.4 &+ e, state.5 &+ f, state.6 &+ g, state.7 &+ h)
    }

    private static func rotate(_ value: UInt32, _ count: UInt32) -> UInt32 {
        value >> count | value << (32 - count)
    }
}

extension SQLiteStore {
    /// The hasher keyed with this installation's secret (created by the first migration): every
    /// table that must find a citizen again by ID number stores this hash, never the number.
    public func idHasher() throws(StorageError) -> HMACIDHasher {
        let secret: Data?
        do {
            secret = try pool.read { db in try Data.fetchOne(db, sql: "SELECT secret FROM installation WHERE id = 1") }
        } catch {
            throw .unavailable(path: path, reason: String(describing: error))
        }
        guard let secret, secret.count == 32 else {
            throw .migrationFailed("the installation secret is missing; run kiosk db migrate")
        }
        return HMACIDHasher(key: secret)
    }
}
