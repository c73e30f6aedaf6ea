import KioskCore

/// A reason a read card should not be accepted without a person looking at it.
public struct CardCheckFailure: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable, CaseIterable {
        /// The identity number fails GB 11643 (length, characters, region, date, check character).
        case invalidNumber
        /// The birth date in the number differs from the card's birth date field.
        case birthDateMismatch
        /// The number's gender digit contradicts the card's gender field.
        case genderMismatch
        /// The card's validity has not started.
        case notYetValid
        /// The card's validity ended before today.
        case expired
    }

    public let code: Code
    /// For `invalidNumber`, what exactly is wrong with the number.
    public let numberError: ResidentIDNumberError?

    public init(_ code: Code, numberError: ResidentIDNumberError? = nil) {
        self.code = code
        self.numberError = numberError
    }

    /// Each failure needs the citizen to present another document, or staff to decide.
    public var recommendedAction: RecommendedAction { .clear }

    public var messageZH: String {
        switch code {
        case .invalidNumber: "证件号码校验未通过，请联系工作人员"
        case .birthDateMismatch: "证件号码与出生日期不一致，请联系工作人员"
        case .genderMismatch: "证件号码与性别不一致，请联系工作人员"
        case .notYetValid: "证件尚未生效，请使用其他有效证件或联系工作人员"
        case .expired: "证件已过有效期，请使用有效证件或联系工作人员"
        }
    }

    public var messageEN: String {
        switch code {
        case .invalidNumber: "The card's number fails its check; please ask staff for help."
        case .birthDateMismatch: "The card's number does not match its birth date; please ask staff for help."
        case .genderMismatch: "The card's number does not match its gender; please ask staff for help."
        case .notYetValid: "The card is not valid yet; please use another valid document or ask staff for help."
        case .expired: "The card has expired; please use a valid document or ask staff for help."
        }
    }

    public var description: String { "CardCheckFailure.\(code.rawValue): \(messageEN)" }
}

extension CardText {
    /// Consistency and validity checks, all of them (a card can be both expired and
    /// inconsistent). Empty means the card passes. `today` is the local date of the hall.
    ///
    /// The 15-character number of the 2017 foreigner's card has no check character and is
    /// not checked; its validity is.
    public func checkFailures(today: CardDate) -> [CardCheckFailure] {
        var failures: [CardCheckFailure] = []
        if kind != .permanentResidence2017 {
            do {
                let number = try ResidentIDNumber(documentNumber)
                let numberBirth = number.birthDate
                if (numberBirth.year, numberBirth.month, numberBirth.day) != (birthDate.year, birthDate.month, birthDate.day) {
                    failures.append(CardCheckFailure(.birthDateMismatch))
                }
                switch (number.gender, gender) {
                case (.male, .female), (.female, .male):
                    failures.append(CardCheckFailure(.genderMismatch))
                default:
                    break
                }
            } catch {
                failures.append(CardCheckFailure(.invalidNumber, numberError: error))
            }
        }
        if today < validity.start {
            failures.append(CardCheckFailure(.notYetValid))
        }
        if case .date(let end) = validity.end, end < today {
            failures.append(CardCheckFailure(.expired))
        }
        return failures
    }
}
