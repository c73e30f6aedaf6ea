import Crypto
import Foundation
import KioskCore
import Secrets

/// Turns an identity number into the value bookings and quotas are stored and matched by.
public protocol IDHasher: Sendable {
    func hash(_ id: ResidentIDNumber) -> Data
}

/// HMAC-SHA256 of the normalised number under an ID-hashing key that lives outside the
/// database: the terminal's own (derived from `terminal.key`), or in a district the district's
/// (`district-id.key`). The number space is small (a masked number leaves only the birth date
/// open), so an unkeyed hash, or a key beside the hashes, would give every number back.
public struct HMACIDHasher: IDHasher, CustomReflectable {
    let key: SecretKey

    public init(key: SecretKey) {
        self.key = key
    }

    public func hash(_ id: ResidentIDNumber) -> Data {
        Data(key.authenticationCode(for: Data(id.value.utf8)))
    }

    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }
}

/// Finds the number behind a hash, given its masked form and the key: the masked form shows
/// region and sequence, so only the birth date (a few thousand candidates once the check
/// character has ruled out ten in eleven) is open.
///
/// This is exactly why the key never lives beside the hashes. kiosk itself uses it only to move
/// hashes to a new key (`kiosk secrets rotate`, the upgrade that took the key out of the
/// database, `kiosk db copy` into a district), where it holds both keys anyway.
enum IDRecovery {
    static let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]

    static func number(hash: Data, masked: String, key: SecretKey, through lastYear: Int) -> ResidentIDNumber? {
        let characters = [UInt8](masked.utf8)
        guard characters.count == 18, characters[6..<14].allSatisfy({ $0 == UInt8(ascii: "*") }) else { return nil }
        var digits = [Int](repeating: 0, count: 17)
        for index in Array(0..<6) + Array(14..<17) {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(characters[index]) else { return nil }
            digits[index] = Int(characters[index] - UInt8(ascii: "0"))
        }
        let check: Int
        switch characters[17] {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): check = Int(characters[17] - UInt8(ascii: "0"))
        case UInt8(ascii: "X"): check = 10
        default: return nil
        }
        let fixed = (Array(0..<6) + Array(14..<17)).reduce(0) { $0 + digits[$1] * weights[$1] }
        let base = HMAC<SHA256>(key: key.symmetricKey)
        var message = characters
        let zero = UInt8(ascii: "0")
        // The weighted sum of the check character, built up digit group by digit group; only a
        // date whose check character matches (one in eleven) costs an HMAC.
        for year in firstYear...max(firstYear, lastYear) {
            let yearDigits = [year / 1000, year / 100 % 10, year / 10 % 10, year % 10]
            let yearSum = fixed + (0..<4).reduce(0) { $0 + yearDigits[$1] * weights[6 + $1] }
            for month in 1...12 {
                let monthSum = yearSum + month / 10 * weights[10] + month % 10 * weights[11]
                for day in 1...daysIn(month: month, year: year) {
                    let sum = monthSum + day / 10 * weights[12] + day % 10 * weights[13]
                    guard (12 - sum % 11) % 11 == check else { continue }
                    for offset in 0..<4 { message[6 + offset] = zero + UInt8(yearDigits[offset]) }
                    message[10] = zero + UInt8(month / 10)
                    message[11] = zero + UInt8(month % 10)
                    message[12] = zero + UInt8(day / 10)
                    message[13] = zero + UInt8(day % 10)
                    var mac = base
                    mac.update(data: message)
                    if mac.finalize().withUnsafeBytes({ $0.elementsEqual(hash) }) {
                        return try? ResidentIDNumber(String(decoding: message, as: UTF8.self))
                    }
                }
            }
        }
        return nil
    }

    /// No one alive was born earlier.
    static let firstYear = 1890

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// The current year in the hall's part of the world, generously: a number's birth date is
    /// never later than today.
    static var currentYear: Int { Calendar(identifier: .gregorian).component(.year, from: Date()) + 1 }
}
