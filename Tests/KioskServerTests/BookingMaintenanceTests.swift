import Booking
import Foundation
import KioskApp
import Hosting
import KioskConfig
import KioskCore
import KioskTesting
import Logging
import Storage
import Testing

/// The housekeeping service of a running terminal, on the terminal's real store.
@Suite("Booking maintenance service")
struct BookingMaintenanceTests {
    static let config = """
    [booking]
    maintenance_seconds = 45

    [[services]]
    id = "hukou"
    name_zh = "户籍业务"
    name_en = "Household registration"
    duration_minutes = 20
    counters = ["A1"]
    capacity_per_slot = 2
    """

    static func beijing(_ text: String) throws -> Date { try Date(text + "+08:00", strategy: .iso8601) }

    @Test func theServiceSweepsUntilItIsCancelled() async throws {
        let installation = try TestInstallation(config: Self.config)
        let application = try await KioskApplication.onTestInstallation(installation)
        #expect(application.bookingMaintenance.interval == .seconds(45))

        let configuration = application.configuration
        let booked = try Self.beijing("2026-09-28T08:00:00")
        let service = try #require(configuration.services.first)
        let day = try LocalDate("2026-09-28")
        let slots = SlotGenerator(calendar: application.calendar, hours: configuration.hours)
            .slots(for: service, from: day, through: day, now: booked)
        let slot = try #require(slots.first { $0.start == (try? Self.beijing("2026-09-28T10:00:00")) })
        let citizen = try ResidentIDNumber("11010519900517001" + String(ResidentIDNumber.checkCharacter(forFirst17: "11010519900517001")!))
        let booking = try await application.bookings.book(slot, idNumber: citizen, idempotencyKey: "m1", now: booked)
        let other = try ResidentIDNumber("11010519900517002" + String(ResidentIDNumber.checkCharacter(forFirst17: "11010519900517002")!))
        let hold = try await application.bookings.hold(slot, idNumber: other, idempotencyKey: "m2", now: booked)

        let maintenance = BookingMaintenance(bookings: application.bookings, interval: .milliseconds(20),
                                             now: { (try? Self.beijing("2026-09-28T10:15:00")) ?? Date() },
                                             logger: Logger(label: "test"))
        let running = Task { try await maintenance.run() }
        var status = BookingStatus.confirmed
        _ = try await eventually {
            status = try await application.bookings.lookup(code: booking.code, idNumber: citizen).status
            return status == .noShow
        }
        running.cancel()
        try await running.value
        #expect(status == .noShow)
        // The expired hold went in the same sweep: confirming it now finds nothing.
        await #expect(throws: BookingRuleError(.holdNotFound)) {
            try await application.bookings.confirm(holdID: hold.id, idNumber: other, idempotencyKey: "m3",
                                                   now: try Self.beijing("2026-09-28T10:15:00"))
        }
    }
}
