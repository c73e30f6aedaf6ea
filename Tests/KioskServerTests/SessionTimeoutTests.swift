import Access
import Foundation
import FormEngine
import Hummingbird
import HummingbirdTesting
import JSONLogic
@testable import Hosting
@testable import KioskApp
import KioskCore
import KioskConfig
@testable import KioskServer
import KioskTesting
import Logging
import Synchronization
import Testing

/// A clock the test moves by hand.
final class HandClock: Sendable {
    private let time = Mutex(Date(timeIntervalSince1970: 1_780_000_000))
    var now: Date { time.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { time.withLock { $0.addTimeInterval(seconds) } }
}

@Suite("Inactivity: warned, then ended and wiped")
struct SessionTimeoutTests {
    let clock = HandClock()

    func card() -> CardDesk.PresentedCard {
        .init(facts: IDCardFacts(name: "张三", documentNumber: "110105199005170014"),
              summary: .init(cardType: "resident", maskedNumber: "110105********0014", failedChecks: []))
    }

    func form() throws -> FormDefinition {
        let forms = FormCatalog.load(TestInstallation.repository.appendingPathComponent("Forms").path)
        return try #require(forms.forms["residence-permit"])
    }

    func session() throws -> FormSession {
        FormSession.start(try form(), context: EvaluationContext(now: clock.now))
    }

    @Test func warnsOnceThenEndsAndForgetsTheCard() async throws {
        let cards = CardDesk()
        await cards.present(card())
        let clock = clock
        let sessions = CitizenSessions(timeout: 120, warning: 30, cards: cards, now: { clock.now })
        let id = try await sessions.start(try session(), form: try form())

        clock.advance(89)
        #expect(await sessions.tick() == nil)
        clock.advance(1)
        #expect(await sessions.tick() == .warning(sessionID: id, secondsLeft: 30))
        #expect(await sessions.tick() == nil, "warned once, not every second")
        #expect(await cards.presented() != nil, "taking time is not the end")

        clock.advance(30)
        #expect(await sessions.tick() == .ended(sessionID: id))
        #expect(await cards.presented() == nil)
        await #expect(throws: APIError.self) { try await sessions.read(id) { session, _ in session.formID } }
        #expect(await sessions.tick() == nil)
    }

    @Test func continuingGivesTheFullTimeAgain() async throws {
        let clock = clock
        let sessions = CitizenSessions(timeout: 120, warning: 30, now: { clock.now })
        let id = try await sessions.start(try session(), form: try form())
        clock.advance(100)
        #expect(await sessions.tick() == .warning(sessionID: id, secondsLeft: 20))
        let endsAt = try await sessions.keepAlive(id)
        #expect(endsAt == clock.now.addingTimeInterval(120))
        clock.advance(100)
        #expect(await sessions.tick() == .warning(sessionID: id, secondsLeft: 20), "a new warning for the new deadline")
        clock.advance(20)
        #expect(await sessions.tick() == .ended(sessionID: id))
        await #expect(throws: APIError.self) { try await sessions.keepAlive(id) }
    }

    /// A session whose time ran out is gone even before the watch ticks, and a new citizen can start.
    @Test func anExpiredSessionCannotBeUsedAndDoesNotBlockTheNext() async throws {
        let clock = clock
        let sessions = CitizenSessions(timeout: 60, warning: 20, now: { clock.now })
        let first = try await sessions.start(try session(), form: try form())
        await #expect(throws: APIError.self) { try await sessions.start(try session(), form: try form()) }
        clock.advance(60)
        await #expect(throws: APIError.self) { try await sessions.read(first) { session, _ in session.formID } }
        let second = try await sessions.start(try session(), form: try form())
        #expect(second != first)
    }

    @Test func staffTakingOverStopTheClockAndHandingBackRestartsIt() async throws {
        let clock = clock
        let sessions = CitizenSessions(timeout: 60, warning: 20, now: { clock.now })
        let id = try await sessions.start(try session(), form: try form())
        try await sessions.takeOver(id, by: "S001")
        clock.advance(600)
        #expect(await sessions.tick() == nil)
        #expect(try await sessions.endsAt(id) == nil)
        try await sessions.handBack(id)
        await #expect(throws: APIError.self) { try await sessions.handBack(id) }
        #expect(try await sessions.endsAt(id) == clock.now.addingTimeInterval(60))
        clock.advance(60)
        #expect(await sessions.tick() == .ended(sessionID: id))
    }

    /// Over HTTP with the real clock: the warning and the end reach the event stream, and
    /// nothing the citizen typed or the card held is left in the database.
    @Test func anAbandonedSessionLeavesNothingBehind() async throws {
        let installation = try TestInstallation(config: "[session]\ntimeout_seconds = 30\nwarning_seconds = 20\n")
        defer { installation.remove() }
        let application = try await KioskApplication.onTestInstallation(installation)
        let clock = clock
        let cards = application.devices.cards
        let sessions = CitizenSessions(timeout: 30, warning: 20, cards: cards, now: { clock.now })
        var dependencies = application.serverDependencies
        dependencies.filings.sessions = sessions
        let bus = dependencies.devices.events
        let events = await bus.subscribe()
        let router = KioskRoutes.router(dependencies)

        try await Application(router: router).test(.router) { client in
            await cards.present(card())
            let started = try await client.execute(
                uri: "/v1/sessions", method: .post, body: ByteBuffer(string: #"{"formId":"residence-permit"}"#))
            let id = try started.decoded(SessionView.self).sessionId
            let mobile = "13812345678"
            _ = try await client.execute(uri: "/v1/sessions/\(id)/answers/mobile", method: .put,
                                         body: ByteBuffer(string: #"{"value":"\#(mobile)"}"#))

            let watch = Task { try await SessionWatch(sessions: sessions, events: bus, interval: .milliseconds(20)).run() }
            defer { watch.cancel() }
            clock.advance(10)
            let kept = try await client.execute(uri: "/v1/sessions/\(id)/keep-alive", method: .post)
            #expect(kept.status == .ok)
            var seen: [TerminalEvent] = []
            clock.advance(15)
            for await event in events where event.sessionId == id {
                seen.append(event)
                if event.type == .sessionTimeoutWarning { clock.advance(15) }
                if event.type == .sessionEnded { break }
            }
            #expect(seen.map(\.type) == [.sessionTimeoutWarning, .sessionEnded])
            #expect(try await client.execute(uri: "/v1/sessions/\(id)", method: .get).status == .notFound)
            #expect(await cards.presented() == nil)

            // The database files themselves, write-ahead log included, hold neither.
            for file in ["kiosk.sqlite", "kiosk.sqlite-wal"] {
                let bytes = (try? Data(contentsOf: URL(fileURLWithPath: installation.dataDirectory + "/" + file))) ?? Data()
                #expect(bytes.range(of: Data(mobile.utf8)) == nil, "\(file)")
                #expect(bytes.range(of: Data("张三".utf8)) == nil, "\(file)")
            }
        }
    }
}
