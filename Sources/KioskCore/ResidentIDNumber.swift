/// An 18-character citizen identity number (GB 11643): six-digit region code, eight-digit
/// birth date, three-digit sequence code whose last digit gives the gender, and an
/// ISO 7064 MOD 11-2 check character (`0`–`9` or `X`).
///
/// Every textual rendering (`description`, `debugDescription`, `dump`) shows only the masked
/// form, so interpolating a number into a log line can never leak it; read `value` on purpose
/// where the full number is needed (filling a form).
public struct ResidentIDNumber: Sendable, Hashable {
    public enum Gender: Sendable, Hashable {
        case male
        case female
    }

    public struct BirthDate: Sendable, Hashable, Comparable {
        public let year: Int
        public let month: Int
        public let day: Int

        /// Nil unless year, month and day name a real day of the Gregorian calendar.
        public init?(year: Int, month: Int, day: Int) {
            guard (1...12).contains(month), day >= 1,
                  day <= Self.daysIn(month: month, year: year) else { return nil }
            self.year = year
            self.month = month
            self.day = day
        }

        public static func < (lhs: Self, rhs: Self) -> Bool {
            (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
        }

        static func daysIn(month: Int, year: Int) -> Int {
            switch month {
            case 2:
                let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
                return leap ? 29 : 28
            case 4, 6, 9, 11: return 30
            default: return 31
            }
        }
    }

    /// The full number, upper-case `X` where the check character is ten.
    public let value: String
    public let regionCode: String
    public let birthDate: BirthDate
    public let gender: Gender

    /// First six characters, eight asterisks, last four: enough for a citizen to recognise
    /// their own number on a screen or receipt, not enough to use it.
    public var masked: String { IDNumberMasking.mask(value) }

    public init(_ text: String) throws(ResidentIDNumberError) {
        let characters = Array(text.utf8)
        guard characters.count == 18 else { throw ResidentIDNumberError(.wrongLength) }
        var digits: [Int] = []
        digits.reserveCapacity(17)
        for character in characters.prefix(17) {
            guard let digit = Self.digit(character) else { throw ResidentIDNumberError(.invalidCharacter) }
            digits.append(digit)
        }
        let last = characters[17]
        let checkValue: Int
        if let digit = Self.digit(last) {
            checkValue = digit
        } else if last == UInt8(ascii: "X") || last == UInt8(ascii: "x") {
            checkValue = 10
        } else {
            throw ResidentIDNumberError(.invalidCharacter)
        }
        guard Self.isPlausibleRegion(digits) else { throw ResidentIDNumberError(.invalidRegionCode) }
        let year = digits[6] * 1000 + digits[7] * 100 + digits[8] * 10 + digits[9]
        let month = digits[10] * 10 + digits[11]
        let day = digits[12] * 10 + digits[13]
        guard year >= 1800, let birthDate = BirthDate(year: year, month: month, day: day) else {
            throw ResidentIDNumberError(.invalidBirthDate)
        }
        guard Self.checkValue(forFirst17: digits) == checkValue else {
            throw ResidentIDNumberError(.checkCharacterMismatch)
        }
        self.value = String(decoding: characters.prefix(17), as: UTF8.self) + (checkValue == 10 ? "X" : String(checkValue))
        self.regionCode = String(decoding: characters.prefix(6), as: UTF8.self)
        self.birthDate = birthDate
        self.gender = digits[16] % 2 == 1 ? .male : .female
    }

    /// The ISO 7064 MOD 11-2 check character for the first 17 digits of a number, or nil if
    /// `first17` is not exactly 17 ASCII digits.
    public static func checkCharacter(forFirst17 first17: String) -> Character? {
        let digits = first17.utf8.compactMap(digit)
        guard digits.count == 17, first17.utf8.count == 17 else { return nil }
        let value = checkValue(forFirst17: digits)
        return value == 10 ? "X" : Character(String(value))
    }

    private static func checkValue(forFirst17 digits: [Int]) -> Int {
        // Weights are 2^(17-i) mod 11; the check value makes the weighted sum ≡ 1 (mod 11).
        let weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
        var sum = 0
        for index in 0..<17 { sum += digits[index] * weights[index] }
        return (12 - sum % 11) % 11
    }

    private static func digit(_ character: UInt8) -> Int? {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(character) ? Int(character - UInt8(ascii: "0")) : nil
    }

    /// Province-level codes of GB/T 2260, plus 81/82/83 used for Hong Kong, Macau and Taiwan
    /// residents' permits.
    private static let provinceCodes: Set<Int> = [
        11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46,
        50, 51, 52, 53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83,
    ]

    /// The shape only: the province must exist; whether a county code exists changes with
    /// every administrative reform, so it is not checked. Numbers of the 2023 foreigner's
    /// permanent residence card start with 9 followed by the accepting province.
    private static func isPlausibleRegion(_ digits: [Int]) -> Bool {
        if digits[0] == 9 { return provinceCodes.contains(digits[1] * 10 + digits[2]) }
        return provinceCodes.contains(digits[0] * 10 + digits[1])
    }
}

extension ResidentIDNumber: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String { masked }
    public var debugDescription: String { "ResidentIDNumber(\(masked))" }
    public var customMirror: Mirror { Mirror(self, children: ["masked": masked], displayStyle: .struct) }
}

/// Why a text is not a valid identity number: always `invalidIdNumber` for clients, the `reason`
/// in the message. Messages never repeat the number.
public struct ResidentIDNumberError: KioskError, Hashable {
    public enum Reason: String, Sendable, Hashable, CaseIterable {
        case wrongLength
        case invalidCharacter
        case invalidRegionCode
        case invalidBirthDate
        case checkCharacterMismatch
    }

    public let reason: Reason

    public init(_ reason: Reason) {
        self.reason = reason
    }

    public var code: String { "invalidIdNumber" }

    public var message: LocalizedText { LocalizedText(zh: messageZH, en: messageEN) }

    public var messageZH: String {
        switch reason {
        case .wrongLength: "公民身份号码应为18位"
        case .invalidCharacter: "公民身份号码只能包含数字，最后一位可以是X"
        case .invalidRegionCode: "公民身份号码的地址码无效"
        case .invalidBirthDate: "公民身份号码中的出生日期无效"
        case .checkCharacterMismatch: "公民身份号码校验码不正确，请核对"
        }
    }

    public var messageEN: String {
        switch reason {
        case .wrongLength: "An identity number has 18 characters."
        case .invalidCharacter: "An identity number has only digits, with X allowed as the last character."
        case .invalidRegionCode: "The region code of the identity number is not valid."
        case .invalidBirthDate: "The birth date in the identity number is not a valid date."
        case .checkCharacterMismatch: "The check character of the identity number does not match; please check the number."
        }
    }

    public var description: String { "ResidentIDNumberError.\(reason.rawValue): \(messageEN)" }
}
