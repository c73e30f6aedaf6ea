import Access
import Filings
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import KioskApp
import KioskConfig
@testable import KioskServer
import KioskTesting
import Testing

/// Issue 19, part 1: a citizen calls for a member of staff from the screen, the first member of
/// staff to take the call is responsible for the matter (首问负责) until an explicit, audited
/// handover; nobody taking it in time shows the hall's hotline. Through the real routes, the
/// terminal's SQLite file and its event stream; every answer checked against docs/openapi.yaml.
@Suite("Calling for a member of staff, first asked first responsible")
struct HelpRequestTests {
    static let config = """
        [site]
        hotline = "0755-12345"
        appointment_line = "0755-88886666"

        [session]
        # Long enough that a slow machine does not end a session under the test's hands.
        timeout_seconds = 3600
        warning_seconds = 60
        help_timeout_seconds = 90

        [limits]
        help_per_minute = 6
        speech_per_minute = 3
        """

    let installation: TestInstallation
    let application: KioskApplication
    /// Monday 28 September 2026, 10:00 in Beijing.
    let clock = BookingRoutesTests.Clock("2026-09-28T10:00:00+08:00")

    init() async throws {
        installation = try TestInstallation(config: Self.config)
        application = try await KioskApplication.onTestInstallation(installation)
    }

    /// The application's routes with the test's clock on the calls and the public-screen limits.
    func withClient(_ test: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        var dependencies = application.serverDependencies
        let clock = clock
        dependencies.help?.now = { clock.now }
        dependencies.access.now = { clock.now }
        let document = try OpenAPIDocument.load()
        try await Application(router: KioskRoutes.router(dependencies)).test(.router) { client in
            try await test(DocumentedClient(base: client, document: document))
        }
    }

    /// The call as the screen and the console get it.
    func call(_ response: TestResponse) throws -> HelpRequestView { try response.decoded(HelpRequestView.self) }

    func post(_ client: any TestClientProtocol, _ uri: String, _ json: String = "{}", _ headers: HTTPFields = [:]) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: json))
    }

    func startSession(_ client: any TestClientProtocol, _ formID: String = "residence-permit") async throws -> String {
        let started = try await post(client, "/v1/sessions", #"{"formId":"\#(formID)"}"#)
        #expect(started.status == .created)
        return try started.decoded(SessionView.self).sessionId
    }

    /// A member of staff with a name that must never be printed or sent, signed in over HTTP.
    func staff(_ client: any TestClientProtocol, _ number: String, role: Role = .staff) async throws -> HTTPFields {
        if try await !application.access.listStaff().contains(where: { $0.number.value == number }) {
            _ = try await application.access.addStaff(number: StaffNumber(number), name: "王值班\(number)", role: role, pin: PIN("4826"),
                                                      by: .system, now: Date())
        }
        let response = try await post(client, "/v1/staff/sign-in", #"{"number":"\#(number)","pin":"4826"}"#)
        return [.authorization: "Bearer " + (try response.decoded(SignedInView.self).token)]
    }

    /// The first `count` help messages of `stream`, or those that came within 30 s (a limit for a failing run only).
    func helpEvents(_ stream: AsyncStream<TerminalEvent>, count: Int) async -> [TerminalEvent] {
        await withTaskGroup(of: [TerminalEvent]?.self) { group in
            group.addTask {
                var seen: [TerminalEvent] = []
                for await event in stream where event.help != nil {
                    seen.append(event)
                    if seen.count == count { break }
                }
                return seen
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(30))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            if let first { return first }
            return await group.next().flatMap { $0 } ?? []
        }
    }

    /// The first help message of `kind` on `stream`, or nil after 30 s (a limit for a failing run only).
    static func firstHelpEvent(_ stream: AsyncStream<TerminalEvent>, of kind: TerminalEvent.Kind) async -> TerminalEvent? {
        await withTaskGroup(of: TerminalEvent?.self) { group in
            group.addTask {
                for await event in stream where event.type == kind { return event }
                return nil
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(30))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
    }

    @Test func aCallIsRaisedOnceWithWhereTheCitizenIsAndStaffHearOfIt() async throws {
        let events = await application.devices.events.subscribe()
        try await withClient { client in
            let session = try await startSession(client)
            let raised = try await post(client, "/v1/help-requests", #"{"sessionId":"\#(session)","screen":"session"}"#)
            #expect(raised.status == .created)
            let raisedCall = try call(raised)
            let id = raisedCall.id
            #expect(raisedCall.state == "open" && !raisedCall.overdue)
            #expect(raisedCall.formId == "residence-permit" && raisedCall.stepId != nil)
            #expect(raisedCall.secondsLeft == 90 && raisedCall.hotline == nil)

            // Pressed again, from another screen: the same call, no second one for staff.
            let again = try await post(client, "/v1/help-requests", #"{"sessionId":"\#(session)","screen":"home"}"#)
            #expect(again.status == .ok)
            #expect(try call(again).id == id && call(again).screen == "home")

            let officer = try await staff(client, "S101")
            let open = try await client.execute(uri: "/v1/help-requests", method: .get, headers: officer)
            #expect(open.status == .ok)
            #expect(try open.decoded([HelpRequestView].self).map(\.id) == [id])
            let current = try await client.execute(uri: "/v1/help-requests/current", method: .get)
            #expect(try call(current).id == id)

            // Staff close it: the screen has no open call any more.
            _ = try await post(client, "/v1/help-requests/\(id)/take", "{}", officer)
            #expect(try await post(client, "/v1/help-requests/\(id)/close", "{}", officer).status == .ok)
            #expect(try await client.execute(uri: "/v1/help-requests/current", method: .get).status == .notFound)
            #expect(try await post(client, "/v1/help-requests/\(id)/close", "{}", officer).status == .conflict)
        }
        // One helpRequested for the two presses, then taken and closed.
        let seen = await helpEvents(events, count: 3)
        #expect(seen.map(\.type) == [.helpRequested, .helpTaken, .helpClosed])
        #expect(seen.first?.help?.formId == "residence-permit" && seen.first?.sessionId != nil)
    }

    @Test func theFirstToTakeItIsResponsibleAndOnlyAnExplicitHandoverMovesIt() async throws {
        try await withClient { client in
            let session = try await startSession(client)
            let id = try call(try await post(client, "/v1/help-requests", #"{"sessionId":"\#(session)"}"#)).id
            let first = try await staff(client, "S201"), second = try await staff(client, "S202")
            let supervisor = try await staff(client, "S209", role: .supervisor)

            let taken = try await post(client, "/v1/help-requests/\(id)/take", "{}", first)
            #expect(taken.status == .ok)
            #expect(try call(taken).responsibleStaff == "S201")
            // The second to come does not take it from the first.
            let late = try await post(client, "/v1/help-requests/\(id)/take", "{}", second)
            #expect(late.status == .conflict)
            #expect(try late.decoded(Problem.self).code == "helpRequestTaken")
            // Nor hand it to themselves.
            let grab = try await post(client, "/v1/help-requests/\(id)/handover", #"{"staffNumber":"S202"}"#, second)
            #expect(grab.status == .forbidden)
            #expect(try grab.decoded(Problem.self).code == "notResponsible")
            // Only to someone who works here.
            let nobody = try await post(client, "/v1/help-requests/\(id)/handover", #"{"staffNumber":"S999"}"#, first)
            #expect(nobody.status == .notFound)
            #expect(try nobody.decoded(Problem.self).code == "staffNotFound")

            let handed = try await post(client, "/v1/help-requests/\(id)/handover", #"{"staffNumber":"S202"}"#, first)
            #expect(handed.status == .ok)
            let handedCall = try call(handed)
            #expect(handedCall.responsibleStaff == "S202")
            let history = handedCall.responsibility
            #expect(history.map(\.staffNumber) == ["S201", "S202"])
            #expect(history.map(\.how) == [.tookCall, .handedOver] && history.last?.from == "S201")
            #expect(!String(buffer: handed.body).contains("王值班"))
            // A supervisor may move it on.
            let moved = try await post(client, "/v1/help-requests/\(id)/handover", #"{"staffNumber":"S201"}"#, supervisor)
            #expect(try call(moved).responsibleStaff == "S201")

            // On the session too, so on its filing.
            let recorded = try await application.sessions.read(session) { session, _ in session.responsibility.map(\.staffNumber) }
            #expect(recorded == ["S201", "S202", "S201"])
            // Audited: who took it, who handed it to whom.
            let audit = try await application.access.auditRecords().filter { $0.action.hasPrefix("help.") }
            #expect(audit.map(\.action) == ["help.taken", "help.handedOver", "help.handedOver"])
            #expect(audit.map(\.actor) == ["S201", "S201", "S209"])
            #expect(audit[1].details.contains(#""from":"S201""#) && audit[1].details.contains(#""to":"S202""#))
        }
    }

    @Test func aCallNobodyTakesInTimeShowsTheHotlineAndStaysOpen() async throws {
        let events = await application.devices.events.subscribe()
        var dependencies = application.serverDependencies
        let clock = clock
        dependencies.help?.now = { clock.now }
        let deadlines = HelpDeadlines(services: try #require(dependencies.help))
        try await withClient { client in
            let session = try await startSession(client)
            let id = try call(try await post(client, "/v1/help-requests", #"{"sessionId":"\#(session)"}"#)).id

            clock.set("2026-09-28T10:01:29+08:00")
            #expect(await deadlines.tick() == 0)
            var current = try call(try await client.execute(uri: "/v1/help-requests/current", method: .get))
            #expect(!current.overdue && current.secondsLeft == 1 && current.hotline == nil)

            clock.set("2026-09-28T10:01:30+08:00")
            #expect(await deadlines.tick() == 1)
            #expect(await deadlines.tick() == 0, "announced once")
            current = try call(try await client.execute(uri: "/v1/help-requests/current", method: .get))
            #expect(current.overdue && current.state == "open")
            #expect(current.hotline == "0755-12345" && current.appointmentLine == "0755-88886666")

            // Still open for staff, who can still take it (late).
            let officer = try await staff(client, "S301")
            clock.set("2026-09-28T10:02:00+08:00")
            let taken = try call(try await post(client, "/v1/help-requests/\(id)/take", "{}", officer))
            #expect(!taken.overdue && taken.hotline == nil && taken.responsibleStaff == "S301")
        }
        let seen = await helpEvents(events, count: 2)
        #expect(seen.map(\.type) == [.helpRequested, .helpTimedOut])
        #expect(seen.last?.help?.hotline == "0755-12345")
    }

    /// Staffed hours are the hall's `[hours]` on the official calendar (defaults: 09:00-17:00 on
    /// working days with lunch duty 12:00-13:30, evenings 17:30-20:00 and weekend mornings
    /// 09:00-12:00 after hours). Lunch and closing time never turn a citizen away: at lunch the
    /// call is raised (the duty counters serve, the hotline comes at the timeout); outside the
    /// hours the screen has the hotline and the appointment line at once, and no call waits for
    /// staff who are not there.
    @Test(arguments: [
        ("2026-09-28T08:59:00+08:00", false), ("2026-09-28T09:00:00+08:00", true),
        ("2026-09-28T11:59:00+08:00", true), ("2026-09-28T12:00:00+08:00", true), ("2026-09-28T13:29:00+08:00", true),
        ("2026-09-28T16:59:00+08:00", true), ("2026-09-28T17:00:00+08:00", false), ("2026-09-28T17:29:00+08:00", false),
        ("2026-09-28T17:30:00+08:00", true), ("2026-09-28T19:59:00+08:00", true), ("2026-09-28T20:00:00+08:00", false),
        ("2026-09-28T03:00:00+08:00", false),
        // Saturday 19 September: the after-hours morning only. Saturday 26 September (中秋节) and
        // Thursday 1 October (National Day): public holidays, closed.
        ("2026-09-19T10:00:00+08:00", true), ("2026-09-19T12:00:00+08:00", false),
        ("2026-09-26T10:00:00+08:00", false), ("2026-10-01T10:00:00+08:00", false),
    ])
    func outsideStaffedHoursTheScreenGivesTheLinesAtOnce(at instant: String, staffed: Bool) async throws {
        clock.set(instant)
        let events = await application.devices.events.subscribe()
        try await withClient { client in
            let raised = try await post(client, "/v1/help-requests", #"{"screen":"home"}"#)
            if staffed {
                let answer = try call(raised)
                #expect(raised.status == .created && answer.state == "open" && answer.hotline == nil)
            } else {
                #expect(raised.status == .ok)
                // `state` is the view's constant, so it is checked in the bytes.
                #expect(String(buffer: raised.body).contains(#""state":"noStaffOnDuty""#))
                let answer = try raised.decoded(NoStaffOnDutyView.self)
                #expect(answer.hotline == "0755-12345" && answer.appointmentLine == "0755-88886666")
                #expect(try await client.execute(uri: "/v1/help-requests/current", method: .get).status == .notFound, "no call waits")
            }
        }
        if staffed { #expect(await helpEvents(events, count: 1).map(\.type) == [.helpRequested]) }
    }

    /// The person at the screen: pressing and pressing, then trying to do what only staff do.
    @Test func theScreenCannotFloodStaffNorTakeHandOverCloseOrNameTheResponsible() async throws {
        let events = await application.devices.events.subscribe()
        try await withClient { client in
            let session = try await startSession(client)
            var statuses: [HTTPResponse.Status] = []
            var last: TestResponse?
            for _ in 0..<10 {
                let response = try await post(client, "/v1/help-requests", #"{"sessionId":"\#(session)","screen":"session"}"#)
                statuses.append(response.status)
                last = response
            }
            #expect(statuses == [.created] + Array(repeating: .ok, count: 5) + Array(repeating: .tooManyRequests, count: 4))
            let refused = try #require(last)
            #expect(refused.headers[.contentType] == "application/problem+json")
            #expect(Int(refused.headers[.retryAfter] ?? "") ?? 0 >= 1)
            let problem = try refused.decoded(Problem.self)
            #expect(problem.code == "rateLimited" && !problem.messages.zh.isEmpty && !problem.messages.en.isEmpty)

            let id = try call(try await client.execute(uri: "/v1/help-requests/current", method: .get)).id
            // Only staff see, take, hand over and close calls.
            #expect(try await client.execute(uri: "/v1/help-requests", method: .get).status == .unauthorized)
            for action in ["take", "close"] {
                #expect(try await post(client, "/v1/help-requests/\(id)/\(action)").status == .unauthorized, "\(action)")
            }
            #expect(try await post(client, "/v1/help-requests/\(id)/handover", #"{"staffNumber":"S001"}"#).status == .unauthorized)
            // A minute later the button works again, and still cannot say who should come, nor carry text.
            clock.set("2026-09-28T10:01:00+08:00")
            let named = try await post(client, "/v1/help-requests", #"{"sessionId":"\#(session)","staffNumber":"S001"}"#)
            #expect(named.status == .badRequest)
            #expect(try named.decoded(Problem.self).code == "unknownField")
            let smuggled = try await post(client, "/v1/help-requests", #"{"screen":"张三 13800138000"}"#)
            #expect(smuggled.status == .ok)
            #expect(try call(smuggled).screen == "other" && call(smuggled).sessionId == nil)
            #expect(!String(buffer: smuggled.body).contains("张三"))
            // Staff heard of one call.
            let officer = try await staff(client, "S401")
            let open = try await client.execute(uri: "/v1/help-requests", method: .get, headers: officer)
            #expect(try open.decoded([HelpRequestView].self).count == 1)
            _ = try await post(client, "/v1/help-requests/\(id)/take", "{}", officer)
        }
        #expect(await helpEvents(events, count: 2).map(\.type) == [.helpRequested, .helpTaken])
    }

    /// Reading aloud is synthesised on the terminal's CPU: the screen may ask a few times a minute
    /// (here 3), as it may book and print, and HEAD counts like GET.
    @Test func readingAloudIsLimitedLikeTheOtherPublicScreenEndpoints() async throws {
        try await withClient { client in
            let session = try await startSession(client)
            for _ in 0..<2 {
                let spoken = try await client.execute(uri: "/v1/sessions/\(session)/speech?part=step&voice=en", method: .get)
                #expect(spoken.status == .ok)
            }
            // HEAD is in no operation of the document: asked past the documented client.
            let raw = (client as? DocumentedClient)?.base ?? client
            #expect(try await raw.execute(uri: "/v1/sessions/\(session)/speech?part=step&voice=en", method: .head).status == .ok)
            let refused = try await client.execute(uri: "/v1/sessions/\(session)/speech?part=step&voice=en", method: .get)
            #expect(refused.status == .tooManyRequests)
            #expect(try refused.decoded(Problem.self).code == "rateLimited" && refused.headers[.retryAfter] != nil)
            clock.set("2026-09-28T10:00:20+08:00")
            // A call for staff is read out (a token came back after 20 s).
            _ = try await post(client, "/v1/help-requests", #"{"sessionId":"\#(session)"}"#)
            let help = try await client.execute(uri: "/v1/sessions/\(session)/speech?part=help&voice=cmn", method: .get)
            #expect(help.status == .ok && help.headers[.contentType] == "audio/wav")
        }
    }

    /// The receipt names the 首问责任人 by staff number, never by name; the filing keeps the history.
    @Test func theReceiptPrintsTheFirstResponsibleByStaffNumber() async throws {
        try await withDevices(application) { terminal in
            try await application.makeHTTPServer().test(.router) { base in
                let client = DocumentedClient(base: base, document: try OpenAPIDocument.load())
                let technician: HTTPFields = [.authorization: try await application.bearer(client, role: .technician)]
                try await terminal.placeCard(client)
                let walker = FilingWalker(client: client, answers: FilingWalkTests.answers["residence-permit"] ?? [:])
                let session = try await walker.answerEveryStep("residence-permit")
                // The call at a staffed hour (the test's clock), on the same terminal's sessions and store.
                try await withClient { clocked in
                    let id = try call(try await post(clocked, "/v1/help-requests", #"{"sessionId":"\#(session)"}"#)).id
                    let first = try await staff(clocked, "S501"), second = try await staff(clocked, "S502")
                    #expect(try await post(clocked, "/v1/help-requests/\(id)/take", "{}", first).status == .ok)
                    #expect(try await post(clocked, "/v1/help-requests/\(id)/handover", #"{"staffNumber":"S502"}"#, first).status == .ok)
                    _ = second
                }
                let filing = try await walker.finish("residence-permit", session: session)
                let history = try #require(filing.filing.responsibility)
                #expect(history.map(\.staffNumber) == ["S501", "S502"])

                let printed = String(buffer: try await client.execute(
                    uri: "/v1/devices/printer-simulated/last-receipt", method: .get, headers: technician).body)
                let text = printed.filter { !$0.isWhitespace }
                #expect(text.contains("首问责任人工号S502（由工号S501转交）"), "\(printed)")
                #expect(!printed.contains("王值班"))
            }
        }
    }

    /// A receipt without a call for help says nothing of a responsible member of staff.
    @Test func aFilingNobodyWasCalledForPrintsNoResponsible() async throws {
        try await withDevices(application) { terminal in
            try await application.makeHTTPServer().test(.router) { client in
                let technician: HTTPFields = [.authorization: try await application.bearer(client, role: .technician)]
                try await terminal.placeCard(client)
                let filing = try await FilingWalker(client: client, answers: FilingWalkTests.answers["residence-permit"] ?? [:])
                    .file("residence-permit")
                #expect(filing.filing.responsibility == nil)
                let printed = String(buffer: try await client.execute(
                    uri: "/v1/devices/printer-simulated/last-receipt", method: .get, headers: technician).body)
                #expect(printed.contains("办件回执") && !printed.contains("首问责任人"))
            }
        }
    }

    /// The monthly report's figures: calls, taken, taken before the hotline, the time to take, handovers.
    @Test func theMonthlyReportCountsCallsTakenInTimeAndHandedOver() async throws {
        try await withClient { client in
            let officer = try await staff(client, "S601"), colleague = try await staff(client, "S602")
            // Taken after 30 s and handed over.
            var id = try call(try await post(client, "/v1/help-requests")).id
            clock.set("2026-09-28T10:00:30+08:00")
            #expect(try await post(client, "/v1/help-requests/\(id)/take", "{}", officer).status == .ok)
            #expect(try await post(client, "/v1/help-requests/\(id)/handover", #"{"staffNumber":"S602"}"#, officer).status == .ok)
            #expect(try await post(client, "/v1/help-requests/\(id)/close", "{}", colleague).status == .ok)
            // Taken after 150 s, past the 90 s.
            clock.set("2026-09-28T11:00:00+08:00")
            id = try call(try await post(client, "/v1/help-requests")).id
            clock.set("2026-09-28T11:02:30+08:00")
            let later = try await staff(client, "S602")
            #expect(try await post(client, "/v1/help-requests/\(id)/take", "{}", later).status == .ok)
            #expect(try await post(client, "/v1/help-requests/\(id)/close", "{}", later).status == .ok)
            // Never taken.
            clock.set("2026-09-28T12:00:00+08:00")
            #expect(try await post(client, "/v1/help-requests").status == .created)
            let supervisor = try await staff(client, "S609", role: .supervisor)

            let answer = try await client.execute(uri: "/v1/reports/monthly?month=2026-09", method: .get, headers: supervisor)
            #expect(answer.status == .ok, "\(String(buffer: answer.body))")
            let help = try #require(try answer.decoded(MonthlyReport.self).help)
            #expect(help.requests == 3 && help.taken == 2 && help.takenWithinTimeout == 1)
            #expect(help.medianSecondsToTake == 90 && help.p90SecondsToTake == 150)
            #expect(help.handedOver == 1)
            let other = try await client.execute(uri: "/v1/reports/monthly?month=2026-08", method: .get, headers: supervisor)
            #expect(try other.decoded(MonthlyReport.self).help?.requests == 0)
            // Narrowed to a department, the terminal's calls are not that department's.
            let narrowed = try await client.execute(
                uri: "/v1/reports/monthly?month=2026-09&department=police", method: .get, headers: supervisor)
            #expect(try narrowed.decoded(MonthlyReport.self).help == nil)
        }
    }
}
