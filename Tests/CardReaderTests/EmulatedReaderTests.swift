import CardReader
import DeviceKit
import Foundation
import IDCard
import KioskTesting
import Logging
import Testing
import USBTransport

/// The libusb path of the reader device against the emulated reader (0400:c35a).
@Suite(
    .enabled(if: USBEmulator.reader != nil, "needs the emulated reader: Devices/simulators/usb/run-under-umockdev.sh"),
    .serialized, .timeLimit(.minutes(1)))
struct EmulatedReaderTests {
    let emulator: USBEmulator

    init() throws {
        emulator = try #require(USBEmulator.reader)
    }

    func reader(responseTimeout: Duration = .seconds(1), pollInterval: Duration = .milliseconds(20)) async throws
        -> (CardReaderDevice, InMemoryStatisticsStore) {
        let profiles = try ReaderProfile.load(directory: Paths.readerProfiles)
        let statistics = InMemoryStatisticsStore()
        let provider = USBReaderProvider(
            context: try await USBContext(), profiles: profiles,
            configuration: .init(pollInterval: pollInterval, responseTimeout: responseTimeout, session: .init(backOffTicks: 2)),
            statistics: statistics, logger: Logger(label: "test"))
        let device = try #require(await provider.discover().first as? CardReaderDevice)
        #expect(device.info == DeviceInfo(
            id: "idcard-usb-0400-c35a-SAM0001", kind: .idCardReader, connection: "usb:0400:c35a", vendor: "Kiosk Test",
            model: "ID Card Reader", serialNumber: "SAM0001", profile: "ga467-usb-0400-c35a"))
        return (device, statistics)
    }

    @Test func aCardPlacedAndTakenOff() async throws {
        try await emulator.reset(.init(card: false))
        let (device, statistics) = try await reader()
        #expect(await collect(device.cardEvents) { await device.poll(); await device.poll() } == [])
        #expect(await device.state() == .idle)
        try emulator.set(.init(card: true))
        let presented = await collect(device.cardEvents) { await device.poll() }
        #expect(presented.map(\.summary) == ["presented:resident:"])
        if case .cardPresented(let card, _)? = presented.first {
            #expect(card.text.documentNumber == "110105194912310011")
        }
        #expect(await collect(device.cardEvents) { await device.poll() } == [])
        try emulator.set(.init(card: false))
        #expect(await collect(device.cardEvents) { await device.poll() }.map(\.summary) == ["removed"])
        #expect(try await statistics.statistics(deviceID: device.info.id, names: []).first { $0.name == "goodReads" }?.value == 1)
        let health = await device.healthCheck(.internal)
        #expect(health.steps.last?.detail == "05.01-20250101-0000000001-0000000042")
    }

    @Test func aSAMStatusErrorIsAFaultWithItsAction() async throws {
        try await emulator.reset(.init(samStatus: 0x60))
        let (device, statistics) = try await reader()
        let events = await collect(device.deviceEvents) { await device.poll() }
        #expect(events.contains { if case .fault(_, let fault) = $0 { fault.code == "samSelfTestFailed" && fault.action == .maintenance } else { false } })
        #expect(await device.state() == .error)
        #expect(try await statistics.statistics(deviceID: device.info.id, names: []).first { $0.name == "samErrors" }?.value == 1)
    }

    @Test func anUnplugInTheMiddleOfAReadTakesTheReaderOffline() async throws {
        try await emulator.reset(.init(card: true, unplugOnRead: true))
        let (device, _) = try await reader()
        await device.poll()
        let events = await collect(device.deviceEvents) { await device.poll() }
        #expect(events.contains(.stateChanged(deviceID: device.info.id, .busy)))
        #expect(events.contains(.stateChanged(deviceID: device.info.id, .offline)))
        #expect(events.contains(.fault(deviceID: device.info.id, .offline)))
        #expect(await device.state() == .offline)
    }

    @Test func aReaderThatDoesNotAnswerTimesOut() async throws {
        try await emulator.reset(.init(silent: true))
        let (device, statistics) = try await reader(responseTimeout: .milliseconds(100))
        let events = await collect(device.deviceEvents) { for _ in 0..<3 { await device.poll() } }
        #expect(events.contains { if case .fault(_, let fault) = $0 { fault.code == "noResponse" } else { false } })
        #expect(try await statistics.statistics(deviceID: device.info.id, names: []).first { $0.name == "communicationErrors" }?.value == 3)
    }

    /// Not a pass/fail figure: prints the latency for the report.
    @Test func timeFromCardPresentedToEvent() async throws {
        try await emulator.reset(.init(card: false))
        let (device, _) = try await reader(pollInterval: .milliseconds(20))
        var samples: [Duration] = []
        let events = await device.cardEvents.subscribe()
        var iterator = events.makeAsyncIterator()
        let loop = Task { try await device.run() }
        let clock = ContinuousClock()
        for _ in 0..<10 {
            try emulator.set(.init(card: true))
            let start = clock.now
            guard case .cardPresented? = await iterator.next() else { break }
            samples.append(clock.now - start)
            try emulator.set(.init(card: false))
            _ = await iterator.next()
        }
        loop.cancel()
        try await loop.value
        #expect(samples.count == 10)
        let sorted = samples.sorted()
        print("emulated USB reader, poll interval 20 ms: card presented → cardPresented median \(sorted[sorted.count / 2]), max \(sorted.last ?? .zero)")
    }
}
