import Booking
import Foundation

public enum BookingBenchmarks {
    /// Listing 14 days of slots for 20 services, as the booking page does when it opens.
    public static func run() -> [Figure] {
        guard let setup = try? setUp() else {
            return [Figure(name: "booking: setup failed", value: 0, unit: "")]
        }
        let (generator, services, today, now) = setup
        let lastDay = today.adding(days: 13)
        var slotCount = 0
        let median = medianMicroseconds(samples: 301) {
            slotCount = 0
            for service in services {
                slotCount += generator.slots(for: service, from: today, through: lastDay, now: now).count
            }
        }
        return [
            Figure(name: "booking: list 14 days of slots for 20 services (\(slotCount) slots), median",
                   value: median / 1000, unit: "ms", target: "< 5 ms"),
        ]
    }

    private static func setUp() throws -> (SlotGenerator, [Service], LocalDate, Date) {
        let hours = HallHours.standard
        // The published 2026 year is not needed for timing; weekends and one holiday exercise the same paths.
        let calendar = try OfficialCalendar(years: [
            HolidayYear(year: 2026, papers: [], entries: [
                HolidayYear.Entry(date: try LocalDate("2026-12-08"), name: "test", isOffDay: true),
            ]),
        ])
        let durations = [10, 15, 20, 30]
        let services = try (0..<20).map { index in
            try Service(id: "svc\(index)", nameZH: "事项\(index)", nameEN: "Service \(index)",
                        durationMinutes: durations[index % durations.count],
                        counters: (0...(index % 3)).map { "C\(index)-\($0)" }, capacityPerSlot: 2 + index % 5,
                        horizonDays: 14, minimumNoticeMinutes: 60, afterHours: index % 2 == 0)
        }
        let today = try LocalDate("2026-12-01")
        let now = today.instant(at: try LocalTime("08:00"), in: hours.timeZone)
        return (SlotGenerator(calendar: calendar, hours: hours), services, today, now)
    }
}
