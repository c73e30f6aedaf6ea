import CardReader
import DeviceKit
import Foundation
import IDCard
import Logging
import Testing

/// A card's validity is checked against the hall's date (`time_zone`), not the machine's.
@Suite struct HallDateTests {
    @Test func todayIsTheHallsDate() throws {
        // 2024-01-01 17:00 UTC is already 2 January in Beijing.
        let instant = Date(timeIntervalSince1970: 1_704_128_400)
        #expect(CardReaderDevice.today(in: try #require(TimeZone(identifier: "UTC")), at: instant) == CardDate(year: 2024, month: 1, day: 1))
        #expect(CardReaderDevice.today(in: try #require(TimeZone(identifier: "Asia/Shanghai")), at: instant)
            == CardDate(year: 2024, month: 1, day: 2))
    }

    /// A card whose last valid day is today west of the date line is still valid for a hall
    /// there, and already expired for a hall on the other side (their dates always differ).
    @Test func theReaderChecksValidityOnTheConfiguredZone() async throws {
        let behind = try #require(TimeZone(identifier: "Pacific/Pago_Pago"))   // UTC−11
        let ahead = try #require(TimeZone(identifier: "Pacific/Kiritimati"))  // UTC+14
        let last = CardReaderDevice.today(in: behind)
        func digits(_ value: Int, _ width: Int) -> String { String(repeating: "0", count: width - String(value).count) + String(value) }
        let fixture = try CardFixture.parse("""
            type: resident
            name: 测试甲
            gender: "1"
            ethnic_group: "01"
            birth_date: "19850615"
            address: 北京市东城区示例路1号
            number: "110101198506150019"
            issuing_authority: 北京市公安局东城分局
            valid_from: "20200101"
            valid_until: "\(digits(last.year, 4))\(digits(last.month, 2))\(digits(last.day, 2))"
            photo_seed: 7
            """, name: "last-day")
        for (zone, expected) in [(behind, "presented:resident:"), (ahead, "presented:resident:expired")] {
            let reader = SimulatedReader(fixtures: ["last-day": fixture])
            let device = CardReaderDevice(
                info: DeviceInfo(id: "reader-\(zone.identifier)", kind: .idCardReader, connection: "simulated"),
                configuration: CardReaderConfiguration(timeZone: zone), statistics: InMemoryStatisticsStore(),
                logger: Logger(label: "test")
            ) { () throws(ReaderLinkError) -> any ReaderConnection in reader }
            try await reader.present("last-day")
            let events = await collect(device.cardEvents) {
                for _ in 0..<2 { await device.poll() }
            }
            #expect(events.map(\.summary) == [expected], "\(zone.identifier)")
        }
    }
}
