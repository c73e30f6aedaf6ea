import Booking
import Foundation
import Testing

@Suite struct DistrictSettingsValuesTests {
    static func hukou(capacity: Int = 2) throws -> Service {
        try Service(id: "hukou", nameZH: "户籍业务", nameEN: "Household registration", durationMinutes: 20,
                    counters: ["A1", "A2"], capacityPerSlot: capacity)
    }

    @Test func theSameRulesGiveTheSameDocumentAndFingerprintWhateverTheOrder() throws {
        let passport = try Service(id: "passport", nameZH: "护照", nameEN: "Passport", durationMinutes: 15, counters: ["B1"])
        let one = DistrictSettings(services: [try Self.hukou(), passport], hours: try HallHours(), queue: QueuePolicy(prefixes: ["a": "B", "b": "C"]))
        let other = DistrictSettings(services: [passport, try Self.hukou()], hours: try HallHours(), queue: QueuePolicy(prefixes: ["b": "C", "a": "B"]))
        #expect(one == other && one.document == other.document)
        #expect(DistrictSettings(document: one.document) == one)
        #expect(one.differences(from: other).isEmpty)
    }

    @Test func eachDifferenceIsNamedByItsKey() throws {
        let district = DistrictSettings(services: [try Self.hukou()], hours: try HallHours(), queue: QueuePolicy())
        let terminal = DistrictSettings(
            services: [try Self.hukou(capacity: 3), try Service(id: "passport", nameZH: "护照", nameEN: "Passport", durationMinutes: 15, counters: ["B1"])],
            hours: try HallHours(weekly: [.saturday: .open(TimeRange("09:00-12:00"))]),
            queue: QueuePolicy(defaultPrefix: "B", walkInCutoffMinutes: 30))
        #expect(terminal.differences(from: district) == [
            "hours.saturday", "queue.default_prefix", "queue.walk_in_cutoff_minutes", "services.hukou", "services.passport"])
        #expect(terminal.values["hours.saturday"] == "\"09:00-12:00\"")
        #expect(district.values["services.passport"] == nil)
    }
}
