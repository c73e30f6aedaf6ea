import CardReader
import DeviceKit
import Foundation
import IDCard
import Logging
import Testing

enum Paths {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let cards = repository.appendingPathComponent("Devices/cards")
    static let readerProfiles = repository.appendingPathComponent("Devices/profiles/readers")
}

let today = CardDate(year: 2026, month: 1, day: 15)!

func loadFixtures() throws -> [String: CardFixture] {
    try CardFixture.load(directory: Paths.cards)
}

/// A reader device over the simulated reader, stepped with `poll()` by the test.
struct SimulatedRig {
    let reader: SimulatedReader
    let device: CardReaderDevice
    let statistics = InMemoryStatisticsStore()

    init(backOffTicks: Int = 3, responseTimeout: Duration = .seconds(1)) throws {
        reader = SimulatedReader(fixtures: try loadFixtures())
        let reader = reader
        device = CardReaderDevice(
            info: DeviceInfo(id: "reader-under-test", kind: .idCardReader, connection: "simulated"),
            configuration: CardReaderConfiguration(responseTimeout: responseTimeout, session: .init(backOffTicks: backOffTicks)),
            statistics: statistics, logger: Logger(label: "test"), today: { today }
        ) { () throws(ReaderLinkError) -> any ReaderConnection in reader }
    }

    /// Polls `count` times; returns the card events published meanwhile.
    func poll(_ count: Int = 1) async -> [CardEvent] {
        await collect(device.cardEvents) {
            for _ in 0..<count { await device.poll() }
        }
    }

    func counters() async throws -> [String: Int64] {
        let all = try await statistics.statistics(deviceID: device.info.id, names: device.statisticNames)
        return Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0.value) })
    }
}

/// What `bus` published while `body` ran: the bus publishes synchronously into each
/// subscriber's buffer, and finishing it ends the stream after the buffered events, so no
/// waiting is involved. The bus takes new subscribers afterwards.
func collect<Event: Sendable>(_ bus: EventBus<Event>, during body: () async throws -> Void) async rethrows -> [Event] {
    let stream = await bus.subscribe()
    try await body()
    await bus.finish()
    var events: [Event] = []
    for await event in stream { events.append(event) }
    return events
}

extension CardEvent {
    /// `presented:<kind>:<check codes>`, `removed`, `failed:<code>`: easy to compare.
    var summary: String {
        switch self {
        case .cardPresented(let card, let failures):
            "presented:\(card.text.kind.rawValue):\(failures.map(\.code.rawValue).joined(separator: ","))"
        case .cardRemoved: "removed"
        case .readFailed(let fault): "failed:\(fault.code)"
        }
    }
}
