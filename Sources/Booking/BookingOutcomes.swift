import Foundation

/// A slot kept for a citizen while they confirm; it occupies one place of the slot until it is
/// confirmed or expires.
public struct SlotHold: Sendable, Hashable, Codable {
    public let id: String
    public let slotID: String
    public let expiresAt: Date

    public init(id: String, slotID: String, expiresAt: Date) {
        self.id = id
        self.slotID = slotID
        self.expiresAt = expiresAt
    }
}

/// A queue ticket just issued, with the number of tickets that will be called before it
/// (the basis of `QueuePolicy.estimatedWaitMinutes`) and the rating token that only the screen
/// that took it receives (`RatingProof.token`). `ahead` is nil when the store that issued it
/// cannot know: a walk-in ticket a district terminal issued offline waits behind tickets of
/// other terminals it cannot see, and a wrong "0 ahead" would send the citizen away.
public struct TicketReceipt: Sendable, Hashable, Codable {
    public let ticket: Ticket
    public let ahead: Int?
    public let ratingToken: String?

    public init(ticket: Ticket, ahead: Int?, ratingToken: String?) {
        self.ticket = ticket
        self.ahead = ahead
        self.ratingToken = ratingToken
    }
}

public struct CheckInResult: Sendable, Hashable, Codable {
    public let booking: BookingRecord
    public let receipt: TicketReceipt
    /// After the window: the ticket is a walk-in ticket, not an appointment.
    public let late: Bool

    public init(booking: BookingRecord, receipt: TicketReceipt, late: Bool) {
        self.booking = booking
        self.receipt = receipt
        self.late = late
    }
}

/// What one run of booking housekeeping changed.
public struct BookingSweep: Sendable, Hashable {
    /// Holds past their time to live, deleted (they had already stopped counting against their slot).
    public let holdsDeleted: Int
    /// Confirmed bookings whose check-in window closed without the citizen.
    public let noShowsMarked: Int
    /// Answers kept for retried requests, past their retention.
    public let answersExpired: Int
    /// Queue events past `QueueEvent.retention`, deleted.
    public let queueEventsPruned: Int

    public init(holdsDeleted: Int, noShowsMarked: Int, answersExpired: Int = 0, queueEventsPruned: Int = 0) {
        self.holdsDeleted = holdsDeleted
        self.noShowsMarked = noShowsMarked
        self.answersExpired = answersExpired
        self.queueEventsPruned = queueEventsPruned
    }
}
