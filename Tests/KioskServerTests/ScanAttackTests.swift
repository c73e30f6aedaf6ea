import Booking
import CodeScanner
import DeviceKit
import Filings
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import KioskApp
import KioskCore
@testable import KioskServer
import KioskTesting
@testable import Peripherals
import Testing

/// Scanning at the terminal, through the simulated scanner's real path (framing, the flood
/// gate, the forwarder, the screen's event stream) and the real check-in route. The attacker
/// stands at the public screen with a scanner in reach: someone else's booking slip and their
/// own card, a forged or altered receipt code, a replayed slip, a stack of codes swept past
/// the scanner.
@Suite("Scanning at the terminal", .timeLimit(.minutes(2)))
struct ScanAttackTests {
    let installation: TestInstallation
    let application: KioskApplication
    let clock = BookingRoutesTests.Clock("2026-09-28T10:00:00+08:00")
    let cards = CardDesk()

    init() async throws {
        installation = try TestInstallation(config: PublicScreenAttackTests.config)
        application = try await KioskApplication.onTestInstallation(installation)
    }

    static let holder = BookingRoutesTests.idNumber
    static let stranger = BookingRoutesTests.otherIDNumber

    /// A code scanned on the simulated scanner, answered with the `scan` event the screen got
    /// within `within` (nil: none came). An expected event may take seconds when the whole suite
    /// loads the machine; the flood test waits briefly, since the gate lets one through a second.
    struct ScanAtTheScreen: Sendable {
        let simulator: any ScannerSimulator
        let events: AsyncStream<TerminalEvent>

        func callAsFunction(_ text: String, within: Duration = .seconds(30)) async -> TerminalEvent.Scan? {
            await simulator.scan(text)
            while let event = await events.next(within: within) {
                if event.type == .scan { return event.scan }
            }
            return nil
        }
    }

    /// Runs the simulated scanner and the forwarder, and gives `test` a client of the routes
    /// and a scan at the screen.
    func withScanner(_ test: @Sendable (any TestClientProtocol, _ scan: ScanAtTheScreen) async throws -> Void) async throws {
        let devices = application.devices
        let scanners = try #require(devices.scanners)
        let simulator = try #require(devices.scannerSimulator)
        let events = await devices.events.subscribe()
        let forwarder = application.eventForwarder
        var dependencies = application.serverDependencies
        let clock = clock
        dependencies.booking?.now = { clock.now }
        dependencies.access.now = { clock.now }
        dependencies.booking?.cards = cards
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await scanners.run() }
            group.addTask { try await forwarder.run() }
            defer { group.cancelAll() }
            _ = await scanners.discover()
            try #require(try await eventually { await scanners.scans.subscriberCount > 0 })
            try await Application(router: KioskRoutes.router(dependencies)).test(.router) { client in
                try await test(client, ScanAtTheScreen(simulator: simulator, events: events))
            }
        }
    }

    func post(_ client: any TestClientProtocol, _ uri: String, key: String, _ json: String) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .post, headers: [.contentType: "application/json", HTTPField.Name("Idempotency-Key")!: key],
                                 body: ByteBuffer(string: json))
    }

    func placeCard(_ idNumber: String) async {
        await cards.present(.init(facts: IDCardFacts(documentNumber: idNumber), summary: .init(
            cardType: "resident", maskedNumber: IDNumberMasking.mask(idNumber), failedChecks: [])))
    }

    func book(_ client: any TestClientProtocol, _ slotID: String, idNumber: String, key: String) async throws -> String {
        let hold = try await post(client, "/v1/holds", key: key + "-hold", #"{"slotId":"\#(slotID)","idNumber":"\#(idNumber)"}"#)
        let holdID = try hold.decoded(HoldView.self).holdId
        let booked = try await post(client, "/v1/bookings", key: key, #"{"holdId":"\#(holdID)","idNumber":"\#(idNumber)"}"#)
        #expect(booked.status == .created)
        return try booked.decoded(BookingView.self).code
    }

    func status(of response: TestResponse) throws -> BookingStatus {
        try response.decoded(CheckInView.self).booking.status
    }

    @Test func aScannedSlipOfAnotherPersonsBookingWithMyCardChecksNobodyIn() async throws {
        try await withScanner { client, scan in
            let code = try await book(client, "hukou:2026-10-08T10:00+08:00", idNumber: Self.holder, key: "b1")
            clock.set("2026-10-08T09:40:00+08:00")
            // The slip's QR code reaches the screen as a handle on the booking it names, nothing more.
            let scanned = try #require(await scan(code))
            let slip = try #require(scanned.slip)
            #expect(scanned.kind == "bookingCode" && scanned.receipt == nil)
            // The slip alone, no card on the reader: nobody is checked in.
            let alone = try await post(client, "/v1/check-ins", key: "c0", #"{"scannedSlip":"\#(slip)","useCard":true}"#)
            #expect(alone.status == .conflict)
            #expect(try alone.decoded(Problem.self).code == "noCardPresented")
            // Someone else's slip with my card: no booking of mine has that code.
            await placeCard(Self.stranger)
            let mine = try await post(client, "/v1/check-ins", key: "c1", #"{"scannedSlip":"\#(slip)","useCard":true}"#)
            #expect(mine.status == .notFound)
            #expect(try mine.decoded(Problem.self).code == "bookingNotFound")
            // The holder, with the same slip and their own card, still checks in.
            await placeCard(Self.holder)
            let own = try await post(client, "/v1/check-ins", key: "c2", #"{"scannedSlip":"\#(slip)","useCard":true}"#)
            #expect(own.status == .created)
            #expect(try status(of: own) == .checkedIn)
            // The handle checks in once.
            let reused = try await post(client, "/v1/check-ins", key: "c4", #"{"scannedSlip":"\#(slip)","useCard":true}"#)
            #expect(reused.status == .conflict)
            #expect(try reused.decoded(Problem.self).code == "scannedSlipExpired")
            // The slip replayed (scanned again later, a new request): no second ticket.
            let again = try await post(client, "/v1/check-ins", key: "c3", #"{"code":"\#(code)","useCard":true}"#)
            #expect(again.status == .conflict)
            #expect(try again.decoded(Problem.self).code == "bookingNotActive")
        }
    }

    /// Whoever reads `/v1/events` (the public screen's stream: anyone at the screen, or any
    /// process on the terminal) watches slips being scanned. They learn that one was, never its
    /// booking code; the handle they see is worth nothing without the holder's card, is replaced
    /// by the next scan, and is made up anew each time.
    @Test func aListenerOnTheEventStreamNeverSeesAScannedBookingCode() async throws {
        try await withScanner { client, scan in
            let code = try await book(client, "hukou:2026-10-08T10:00+08:00", idNumber: Self.holder, key: "b1")
            clock.set("2026-10-08T09:40:00+08:00")
            let first = try #require(await scan(code))
            // What /v1/events writes for the scan, encoded as the route encodes it.
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            let written = String(decoding: try encoder.encode(TerminalEvent(type: .scan, deviceId: SimulatedScanner.deviceID, scan: first)),
                                 as: UTF8.self)
            #expect(!written.contains(code) && !written.contains(String(code.prefix(6))), "\(written)")
            // The next scan of the same slip gets a new handle, and the old one no longer checks in.
            _ = await scan("https://example.invalid/")  // another code between: not the same slip held under the scanner
            let second = try #require(await scan(code))
            #expect(second.slip != nil && second.slip != first.slip)
            await placeCard(Self.holder)
            let stale = try await post(client, "/v1/check-ins", key: "c1", #"{"scannedSlip":"\#(first.slip ?? "")","useCard":true}"#)
            #expect(stale.status == .conflict)
            #expect(try stale.decoded(Problem.self).code == "scannedSlipExpired")
            let made = try await post(client, "/v1/check-ins", key: "c2", #"{"scannedSlip":"not-a-handle","useCard":true}"#)
            #expect(made.status == .conflict)
            let own = try await post(client, "/v1/check-ins", key: "c3", #"{"scannedSlip":"\#(second.slip ?? "")","useCard":true}"#)
            #expect(own.status == .created)
        }
    }

    @Test func aForgedOrAlteredCodeIsNotOfThisHall() async throws {
        try await withScanner { client, scan in
            let genuine = application.progressCode("S01-20261129-0001")
            #expect(await scan(genuine.description)?.kind == "progressCode")
            // The right shape with a made-up token, and a real token on another reference.
            #expect(await scan("P1:S01-20261129-0001:abcdefghijkl") == TerminalEvent.Scan(kind: "notOfThisHall"))
            #expect(await scan("P1:S01-20261129-0002:\(genuine.token)") == TerminalEvent.Scan(kind: "notOfThisHall"))
            // A booking code with its check character changed.
            let code = try await book(client, "hukou:2026-10-08T10:00+08:00", idNumber: Self.holder, key: "b1")
            let altered = String(code.dropLast()) + (code.last == "2" ? "3" : "2")
            #expect(await scan(altered) == TerminalEvent.Scan(kind: "notOfThisHall"))
        }
    }

    @Test func aFloodOfScansReachesTheScreenAsAFewAndIsCounted() async throws {
        try await withScanner { _, scan in
            let genuine = application.progressCode("S01-20261129-0001").description
            let started = ContinuousClock.now
            #expect(await scan(genuine)?.kind == "progressCode")
            let simulator = try #require(application.devices.scannerSimulator)
            for index in 0..<300 { await simulator.scan("P1:S01-20261129-\(String(format: "%04d", index)):abcdefghijkl") }
            var reached = 1
            while await scan("\(genuine)", within: .seconds(3)) != nil { reached += 1 }
            let seconds = Int((ContinuousClock.now - started) / .seconds(1)) + 1
            #expect(reached <= ScanGate.burst + seconds, "\(reached) scans reached the screen in \(seconds) s")
            let counters = try await application.devices.statistics.statistics(
                deviceID: SimulatedScanner.deviceID, names: StatisticNames.codeScanner)
            let dropped = try #require(counters.first { $0.name == "droppedScans" }?.value)
            #expect(dropped >= Int64(300 - ScanGate.burst - seconds))
        }
    }
}

extension ScanAttackTests {
    /// The public screen cannot make scans: the simulated scanner is a technician's control.
    @Test func theSimulatedScannerIsATechniciansControl() async throws {
        try await withScanner { client, _ in
            let anonymous = try await client.execute(uri: "/v1/simulator/scanner", method: .post, body: ByteBuffer(string: #"{"text":"x"}"#))
            #expect(anonymous.status == .unauthorized)
            let technician = try await application.signedIn(client, role: .technician)
            let scanned = try await technician.execute(uri: "/v1/simulator/scanner", method: .post, body: ByteBuffer(string: #"{"text":"abc"}"#))
            #expect(scanned.status == .accepted)
            for body in [#"{}"#, #"{"text":""}"#, #"{"text":"\#(String(repeating: "x", count: 4_097))"}"#, #"{"text":"a","more":1}"#] {
                let refused = try await technician.execute(uri: "/v1/simulator/scanner", method: .post, body: ByteBuffer(string: body))
                #expect(refused.status == .badRequest, "\(body.prefix(40))")
            }
        }
    }
}

/// What a scanned text is to the hall, on its own: only the hall's two formats, the receipt's
/// with the token this hall keyed for its reference, the slip's exactly as its QR code holds it.
@Suite struct HallCodeTests {
    /// The hall's keyed code, as far as this test needs one: a token per reference.
    static let progressCode: @Sendable (String) -> ProgressCode = { ProgressCode(reference: $0, token: "k" + String($0.count) + "tokenabcd") }

    func code(_ text: String) -> HallCode { HallCode(scanned: text, progressCode: Self.progressCode) }

    @Test func onlyTheHallsOwnFormatsAreItsCodes() throws {
        let genuine = Self.progressCode("S01-20261129-0001")
        #expect(code(genuine.description) == .progress(genuine))
        #expect(code(" " + genuine.description + " ") == .progress(genuine))
        var generator = SystemRandomNumberGenerator()
        let booking = BookingCode.random(using: &generator)
        #expect(code(booking.value) == .booking(booking))
        let notOurs = [
            "P1:S01-20261129-0001:abcdefghijkl",            // a made-up token
            "P1:S01-20261129-00010:k17tokenabcd",          // a token of another reference
            "P1:S01-20261129-0001:" + genuine.token + "x",  // an altered token
            String(booking.value.dropLast()) + (booking.value.last == "2" ? "3" : "2"),  // a wrong check character
            booking.grouped.lowercased(),                   // typed forms are the keyboard's, not the QR code's
            "110101198506150019", "13912345678", "https://example.com/?p=P1:x:y", "", "P1::",
        ]
        for text in notOurs { #expect(code(text) == .notOfThisHall, "\(text)") }
    }
}
