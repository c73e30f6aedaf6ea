import Foundation

/// When a citizen with a booking may check in, the `[check_in]` table of configuration:
/// `early_minutes` (integer ≥ 0, default 30) before the booked start and `late_minutes`
/// (integer ≥ 0, default 15) after it. A citizen who arrives later still gets served, but as
/// a walk-in: the counter has moved on to the next appointment.
public struct CheckInWindow: Sendable, Hashable, Codable {
    public enum Outcome: Sendable, Hashable {
        /// Within the window: the booking becomes an appointment ticket.
        case onTime
        /// After the window: the citizen joins the walk-in queue.
        case late
    }

    public var earlyMinutes: Int
    public var lateMinutes: Int

    public init(earlyMinutes: Int = 30, lateMinutes: Int = 15) {
        self.earlyMinutes = earlyMinutes
        self.lateMinutes = lateMinutes
    }

    public func opens(forStart start: Date) -> Date { start.addingTimeInterval(Double(-earlyMinutes) * 60) }

    /// The end of the window, exclusive: from then on the booking is late, and if nobody came,
    /// a no-show.
    public func closes(forStart start: Date) -> Date { start.addingTimeInterval(Double(lateMinutes) * 60) }

    /// Too early is refused with the time the window opens, in `zone`'s wall-clock time.
    public func outcome(start: Date, now: Date, zone: TimeZone) throws(BookingRuleError) -> Outcome {
        let opens = opens(forStart: start)
        guard now >= opens else {
            let day = LocalDate(containing: opens, in: zone)
            throw BookingRuleError(.checkInTooEarly, until: "\(day) \(LocalTime(containing: opens, in: zone))")
        }
        return now < closes(forStart: start) ? .onTime : .late
    }
}
