import Foundation

/// The limits a hall puts on appointments, the `[booking]` table of configuration.
///
/// - `max_active_per_service` (integer ≥ 1, default 1): bookings one identity number may hold
///   for one service that have not yet taken place.
/// - `max_active_total` (integer ≥ 1, default 3): the same across all services.
/// - `no_show_limit` (integer ≥ 1, default 3) no-shows within `no_show_window_days` (default 90)
///   suspend booking for `ban_days` (default 30) from the no-show that reached the limit.
/// - `change_deadline_minutes` (integer ≥ 0, default 60): cancelling or rescheduling closes this
///   long before the booked time, so the slot can still go to someone else.
/// - `hold_seconds` (integer ≥ 1, default 300): how long a chosen slot is kept while the citizen
///   confirms.
public struct BookingPolicy: Sendable, Hashable, Codable {
    public var maxActivePerService: Int
    public var maxActiveTotal: Int
    public var noShowLimit: Int
    public var noShowWindowDays: Int
    public var banDays: Int
    public var changeDeadlineMinutes: Int
    public var holdSeconds: Int

    public init(maxActivePerService: Int = 1, maxActiveTotal: Int = 3, noShowLimit: Int = 3,
                noShowWindowDays: Int = 90, banDays: Int = 30, changeDeadlineMinutes: Int = 60,
                holdSeconds: Int = 300) {
        self.maxActivePerService = maxActivePerService
        self.maxActiveTotal = maxActiveTotal
        self.noShowLimit = noShowLimit
        self.noShowWindowDays = noShowWindowDays
        self.banDays = banDays
        self.changeDeadlineMinutes = changeDeadlineMinutes
        self.holdSeconds = holdSeconds
    }

    /// Refuses one more booking when the citizen already holds `activeForService` bookings of
    /// the service and `activeTotal` in all.
    public func checkQuota(activeForService: Int, activeTotal: Int) throws(BookingRuleError) {
        guard activeForService < maxActivePerService else { throw BookingRuleError(.quotaPerServiceExceeded) }
        guard activeTotal < maxActiveTotal else { throw BookingRuleError(.quotaTotalExceeded) }
    }

    /// When the suspension caused by `noShows` (the booked start times the citizen missed)
    /// ends, or nil if the citizen may book at `now`. Every run of `noShowLimit` no-shows within
    /// the window starts a ban at its last no-show; the latest ban counts.
    public func banEnd(noShows: [Date], now: Date) -> Date? {
        guard noShowLimit >= 1, noShows.count >= noShowLimit else { return nil }
        let sorted = noShows.sorted()
        let window = Double(noShowWindowDays) * 86_400
        var end: Date?
        for last in (noShowLimit - 1)..<sorted.count {
            let first = sorted[last - noShowLimit + 1]
            if sorted[last].timeIntervalSince(first) < window {
                end = sorted[last].addingTimeInterval(Double(banDays) * 86_400)
            }
        }
        guard let end, now < end else { return nil }
        return end
    }

    /// How far back no-shows can matter at all: older ones can neither start nor extend a ban.
    public var noShowLookback: TimeInterval { Double(noShowWindowDays + banDays) * 86_400 }

    public func checkNotBanned(noShows: [Date], now: Date, zone: TimeZone) throws(BookingRuleError) {
        if let end = banEnd(noShows: noShows, now: now) {
            throw BookingRuleError(.bannedForNoShows, until: LocalDate(containing: end, in: zone).description)
        }
    }

    /// Cancelling and rescheduling close `changeDeadlineMinutes` before the booked start.
    public func checkChangeAllowed(start: Date, now: Date) throws(BookingRuleError) {
        guard now.addingTimeInterval(Double(changeDeadlineMinutes) * 60) <= start else {
            throw BookingRuleError(.changeDeadlinePassed)
        }
    }
}

public enum BookingStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case confirmed
    case cancelled
    /// Checked in within the window; the citizen holds an appointment ticket.
    case checkedIn
    /// Checked in after the window; the citizen joined the walk-in queue.
    case checkedInLate
    /// The check-in window passed without the citizen; counts towards a ban.
    case noShow
}

/// A confirmed appointment as stored: the identity number only masked (matching uses a keyed
/// hash that never leaves the store).
public struct BookingRecord: Sendable, Hashable, Codable {
    public let id: String
    public let code: BookingCode
    public let slotID: String
    public let serviceID: String
    public let date: LocalDate
    public let start: Date
    public let end: Date
    public let maskedIDNumber: String
    public let status: BookingStatus
    /// The iCalendar SEQUENCE: 0 when booked, one more at each reschedule or cancellation.
    public let sequence: Int
    public let createdAt: Date
    public let updatedAt: Date
    /// An imported holiday schedule made the booked date a day off; staff must contact the
    /// citizen, and check-in and lookup say so.
    public let onDayOff: Bool

    public init(id: String, code: BookingCode, slotID: String, serviceID: String, date: LocalDate,
                start: Date, end: Date, maskedIDNumber: String, status: BookingStatus, sequence: Int,
                createdAt: Date, updatedAt: Date, onDayOff: Bool) {
        self.id = id
        self.code = code
        self.slotID = slotID
        self.serviceID = serviceID
        self.date = date
        self.start = start
        self.end = end
        self.maskedIDNumber = maskedIDNumber
        self.status = status
        self.sequence = sequence
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.onDayOff = onDayOff
    }

    /// A booking as it is made: confirmed, its first version, on a day the hall is open.
    public static func made(id: String, code: BookingCode, slotID: String, serviceID: String, date: LocalDate,
                            start: Date, end: Date, maskedIDNumber: String, at now: Date) -> BookingRecord {
        BookingRecord(id: id, code: code, slotID: slotID, serviceID: serviceID, date: date, start: start, end: end,
                      maskedIDNumber: maskedIDNumber, status: .confirmed, sequence: 0, createdAt: now, updatedAt: now,
                      onDayOff: false)
    }
}
