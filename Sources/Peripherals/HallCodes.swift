import Foundation
import Booking
import Filings
import KioskServer

/// What a scanned code is to this hall. Only its own two formats: a filing receipt's progress
/// code (`P1:<reference>:<token>`, whose keyed token must be the one this hall printed: a
/// forged or altered code is nobody's receipt) and a booking slip's code (its check character
/// right, exactly as the slip's QR code holds it). Anything else is not a code of this hall
/// and goes no further: an ID card's barcode, a payment code, a web address.
public enum HallCode: Sendable, Equatable {
    case progress(ProgressCode)
    /// Which booking, never whose: checking in takes the card (or the typed ID number) as well.
    case booking(BookingCode)
    case notOfThisHall

    /// `progressCode` is the hall's keyed receipt code for a reference.
    public init(scanned text: String, progressCode: (String) -> ProgressCode) {
        let text = text.trimmingCharacters(in: .whitespaces)
        if let code = ProgressCode(scanned: text) {
            self = progressCode(code.reference) == code ? .progress(code) : .notOfThisHall
        } else if let code = try? BookingCode(text), code.value == text {
            self = .booking(code)
        } else {
            self = .notOfThisHall
        }
    }

    /// What the screen's `scan` event says: the kind, and for a receipt or a booking slip a
    /// handle held by `codes` instead of the code (the stream is public).
    public func scan(holdingIn codes: ScannedCodes) async -> TerminalEvent.Scan {
        switch self {
        case .progress(let code): .init(kind: "progressCode", receipt: await codes.hold(code.description, as: .receipt))
        case .booking(let code): .init(kind: "bookingCode", slip: await codes.hold(code.value, as: .bookingSlip))
        case .notOfThisHall: .init(kind: "notOfThisHall")
        }
    }
}
