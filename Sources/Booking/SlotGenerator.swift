import Foundation

public enum SlotKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// Inside opening hours with every counter of the service staffed.
    case regular
    /// Overlapping the lunch break: only the duty counters serve, so capacity is reduced.
    case lunchDuty
    /// In an after-hours window, outside opening hours.
    case afterHours
}

/// One bookable time for one service.
public struct Slot: Sendable, Hashable, Codable, Identifiable {
    /// `serviceID:YYYY-MM-DDTHH:MM±HH:MM`, stable across runs and unambiguous across zones.
    public let id: String
    public let serviceID: String
    public let date: LocalDate
    public let startTime: LocalTime
    public let endTime: LocalTime
    public let start: Date
    public let end: Date
    public let capacity: Int
    public let kind: SlotKind
    /// The day's kind came from the weekend rule alone; the slot may vanish on import.
    public let provisional: Bool

    enum CodingKeys: String, CodingKey {
        case id
        case serviceID = "service_id"
        case date
        case startTime = "start_time"
        case endTime = "end_time"
        case start, end, capacity, kind, provisional
    }
}

/// Lists the bookable slots of a service from the official calendar and the hall's hours.
public struct SlotGenerator: Sendable {
    public let calendar: OfficialCalendar
    public let hours: HallHours

    /// How far back to look for the working day before an after-hours slot; the longest
    /// official break (Spring Festival, National Day) is nine days.
    static let workingDaySearchLimit = 31

    public init(calendar: OfficialCalendar, hours: HallHours) {
        self.calendar = calendar
        self.hours = hours
    }

    public func schedule(for date: LocalDate) -> DaySchedule {
        hours.schedule(for: calendar.day(for: date))
    }

    /// Whether staff are in the hall at `instant` (`DaySchedule.isStaffed`), in the hall's zone.
    public func isStaffed(at instant: Date) -> Bool {
        schedule(for: LocalDate(containing: instant, in: hours.timeZone)).isStaffed(at: LocalTime(containing: instant, in: hours.timeZone))
    }

    /// The slots of `service` on the dates `from...through` that can still be booked at `now`:
    /// starting at least the service's minimum notice after `now`, on a date at most
    /// `horizonDays` after today, and, for after-hours slots, booked before the hall closes on
    /// the last working day before the slot's date, so staff have a working day to prepare.
    public func slots(for service: Service, from: LocalDate, through: LocalDate, now: Date) -> [Slot] {
        let zone = hours.timeZone
        let today = LocalDate(containing: now, in: zone)
        let firstDate = max(from, today)
        let lastDate = min(through, today.adding(days: service.horizonDays))
        guard firstDate <= lastDate else { return [] }
        let nowSeconds = Int(now.timeIntervalSince1970.rounded(.up))
        let earliestStart = nowSeconds + service.minimumNoticeMinutes * 60
        let regularCapacity = service.capacity(staffedCounters: service.counters.count)
        var slots: [Slot] = []
        var previousWorkingDayClose = service.afterHours ? afterHoursDeadline(before: firstDate) : nil

        var date = firstDate
        while date <= lastDate {
            let schedule = self.schedule(for: date)
            let day = ZonedDay(date: date, zone: zone, provisional: schedule.day.provisional,
                               serviceID: service.id, durationMinutes: service.durationMinutes)
            if let opening = schedule.opening {
                let lunchCapacity = service.capacity(staffedCounters: schedule.lunchDutyCounters)
                day.append(within: opening, earliestStart: earliestStart, to: &slots) { startMinute, endMinute in
                    if let lunch = schedule.lunchDuty, lunch.overlaps(startMinute: startMinute, endMinute: endMinute) {
                        return (.lunchDuty, lunchCapacity)
                    }
                    return (.regular, regularCapacity)
                }
            }
            if service.afterHours, let deadline = previousWorkingDayClose, nowSeconds < deadline {
                for window in schedule.afterHours where window.offers(service) {
                    let capacity = service.capacity(staffedCounters: window.counters)
                    day.append(within: window.time, earliestStart: earliestStart, to: &slots) { startMinute, endMinute in
                        if let opening = schedule.opening, opening.overlaps(startMinute: startMinute, endMinute: endMinute) {
                            return nil
                        }
                        return (.afterHours, capacity)
                    }
                }
            }
            if let opening = schedule.opening {
                previousWorkingDayClose = day.epochSeconds(atMinute: opening.end.minutesSinceMidnight)
            }
            date = date.adding(days: 1)
        }
        return slots
    }

    /// When the hall closes on the last working day before `date`, as epoch seconds.
    private func afterHoursDeadline(before date: LocalDate) -> Int? {
        for back in 1...SlotGenerator.workingDaySearchLimit {
            let candidate = date.adding(days: -back)
            if let opening = schedule(for: candidate).opening {
                return resolve(candidate.dayNumber * 86_400 + opening.end.minutesSinceMidnight * 60,
                               in: hours.timeZone).epochSeconds
            }
        }
        return nil
    }
}

/// Converts one date's wall-clock minutes to instants, asking the zone once per day rather
/// than once per slot; days with an offset change fall back to resolving each time.
private struct ZonedDay {
    let date: LocalDate
    let zone: TimeZone
    let provisional: Bool
    let serviceID: String
    let durationMinutes: Int
    let midnightWallSeconds: Int
    let uniformOffset: Int?
    let uniformOffsetUTF8: [UInt8]?
    /// `serviceID:YYYY-MM-DDT`, the part of every slot id this day shares.
    let idPrefix: [UInt8]

    init(date: LocalDate, zone: TimeZone, provisional: Bool, serviceID: String, durationMinutes: Int) {
        self.date = date
        self.zone = zone
        self.provisional = provisional
        self.serviceID = serviceID
        self.durationMinutes = durationMinutes
        midnightWallSeconds = date.dayNumber * 86_400
        // Offsets a day either side bracket the whole date (see `resolve`).
        let before = zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(midnightWallSeconds - 86_400)))
        let after = zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(midnightWallSeconds + 2 * 86_400)))
        uniformOffset = before == after ? before : nil
        uniformOffsetUTF8 = uniformOffset.map { Array(formatOffset($0).utf8) }
        idPrefix = Array((serviceID + ":" + date.description + "T").utf8)
    }

    func resolved(atMinute minute: Int) -> (epochSeconds: Int, offset: Int) {
        let wall = midnightWallSeconds + minute * 60
        if let uniformOffset { return (wall - uniformOffset, uniformOffset) }
        return resolve(wall, in: zone)
    }

    func epochSeconds(atMinute minute: Int) -> Int { resolved(atMinute: minute).epochSeconds }

    /// Appends back-to-back slots from the start of `range` that end within it, skipping those
    /// starting before `earliestStart`; `classify` gives a slot's kind and capacity, or nil to drop it.
    func append(within range: TimeRange, earliestStart: Int, to slots: inout [Slot],
                classify: (_ startMinute: Int, _ endMinute: Int) -> (SlotKind, Int)?) {
        var startMinute = range.start.minutesSinceMidnight
        while startMinute + durationMinutes <= range.end.minutesSinceMidnight {
            let endMinute = startMinute + durationMinutes
            defer { startMinute = endMinute }
            let start = resolved(atMinute: startMinute)
            guard start.epochSeconds >= earliestStart, let (kind, capacity) = classify(startMinute, endMinute) else {
                continue
            }
            let startTime = LocalTime(minutesSinceMidnight: startMinute)
            slots.append(Slot(
                id: slotID(startMinute: startMinute, offset: uniformOffsetUTF8 ?? Array(formatOffset(start.offset).utf8)),
                serviceID: serviceID, date: date,
                startTime: startTime, endTime: LocalTime(minutesSinceMidnight: endMinute),
                start: Date(timeIntervalSince1970: Double(start.epochSeconds)),
                end: Date(timeIntervalSince1970: Double(epochSeconds(atMinute: endMinute))),
                capacity: capacity, kind: kind, provisional: provisional))
        }
    }

    /// Written into one buffer: the id is most of the cost of a slot.
    private func slotID(startMinute: Int, offset: [UInt8]) -> String {
        String(unsafeUninitializedCapacity: idPrefix.count + 5 + offset.count) { buffer in
            var index = 0
            func put(_ byte: UInt8) {
                buffer[index] = byte
                index += 1
            }
            func putDigit(_ digit: Int) { put(UInt8(ascii: "0") + UInt8(digit)) }
            idPrefix.forEach(put)
            putDigit(startMinute / 600)
            putDigit(startMinute / 60 % 10)
            put(UInt8(ascii: ":"))
            putDigit(startMinute % 60 / 10)
            putDigit(startMinute % 10)
            offset.forEach(put)
            return index
        }
    }
}
