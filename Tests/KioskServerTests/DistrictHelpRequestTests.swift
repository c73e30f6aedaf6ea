import Access
import Filings
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import KioskApp
import KioskCore
@testable import KioskServer
import KioskTesting
import StoragePostgres
import Testing

/// Issue 19, district mode: the terminals of one hall share the district's PostgreSQL, so a call
/// raised at one terminal's screen is seen and taken on every staff console of that hall, by
/// exactly one member of staff; the terminal the call came from records who took it on the
/// citizen's session; another hall on the same store sees none of it; the district's monthly
/// report has the figures. Two (and a third, other hall's) terminals on one private PostgreSQL.
@Suite("District: calls for staff across the hall's terminals")
struct DistrictHelpRequestTests {
    static func config(_ cluster: PrivatePostgres, terminal: String, site: String) throws -> String {
        """
        database = "\(try cluster.url())"
        [terminal]
        id = "\(terminal)"
        [site]
        id = "\(site)"
        hotline = "0755-12345"
        [session]
        timeout_seconds = 3600
        warning_seconds = 60
        """
    }

    @Test func aCallAtOneTerminalIsTakenOnceAcrossTheHallAndNeverSeenByAnotherHall() async throws {
        try await PrivatePostgres.withPrivate { cluster in try await self.hall(on: cluster) }
    }

    func hall(on cluster: PrivatePostgres) async throws {
        let installations = try [("T01", "hall-a"), ("T02", "hall-a"), ("T09", "hall-b")].map { terminal, site in
            try TestInstallation(config: Self.config(cluster, terminal: terminal, site: site))
        }
        defer { installations.forEach { $0.remove() } }
        try await KioskApplication.prepareTestDistrict(on: cluster, keyInto: installations)
        var applications: [KioskApplication] = []
        for installation in installations { applications.append(try await KioskApplication.onTestDistrict(installation)) }
        let runners = applications.map { application in Task { await application.district!.run() } }
        defer { runners.forEach { $0.cancel() } }
        let (first, second, otherHall) = (applications[0], applications[1], applications[2])
        let clock = BookingRoutesTests.Clock("2026-09-28T10:00:00+08:00")
        func dependencies(_ application: KioskApplication) -> ServerDependencies {
            var dependencies = application.serverDependencies
            dependencies.help?.now = { clock.now }
            return dependencies
        }
        // The first terminal hears the hall as `kiosk serve` does (HelpHallListener), from before the take.
        let firstHelp = try #require(dependencies(first).help)
        let ledger = try #require(first.districtHelpLedger)
        let listening = AsyncStream<Void>.makeStream()
        let listener = Task {
            try await ledger.listen(started: { listening.continuation.yield() }) { kind, id, origin in
                await firstHelp.heard(kind, id: id, origin: origin, sessions: first.sessions)
            }
        }
        defer { listener.cancel() }
        var started = listening.stream.makeAsyncIterator()
        await started.next()
        let firstEvents = await first.devices.events.subscribe()

        let document = try OpenAPIDocument.load()
        let served = applications.map { dependencies($0) }
        try await Application(router: KioskRoutes.router(served[0])).test(.router) { a in
            try await Application(router: KioskRoutes.router(served[1])).test(.router) { b in
                try await Application(router: KioskRoutes.router(served[2])).test(.router) { c in
                    let (one, two, three) = (DocumentedClient(base: a, document: document), DocumentedClient(base: b, document: document),
                                             DocumentedClient(base: c, document: document))
                    let started = try await post(one, "/v1/sessions", #"{"formId":"residence-permit"}"#)
                    let session = try started.decoded(SessionView.self).sessionId
                    let raised = try await post(one, "/v1/help-requests", #"{"sessionId":"\#(session)","screen":"session"}"#)
                    #expect(raised.status == .created)
                    let id = try raised.decoded(HelpRequestView.self).id

                    // The other terminal's console sees it, with where the citizen is; the other hall's does not.
                    let officerA = try await staff(two, second, "S101"), officerB = try await staff(one, first, "S102")
                    let stranger = try await staff(three, otherHall, "S901")
                    let seen = try await two.execute(uri: "/v1/help-requests", method: .get, headers: officerA).decoded([HelpRequestView].self)
                    #expect(seen.map(\.id) == [id] && seen.first?.formId == "residence-permit")
                    #expect(seen.first?.terminalId == "T01")
                    #expect(try await three.execute(uri: "/v1/help-requests", method: .get, headers: stranger).decoded([HelpRequestView].self).isEmpty)
                    // The other hall can neither take nor close it, and learns nothing of it.
                    for action in ["take", "close"] {
                        let refused = try await post(three, "/v1/help-requests/\(id)/\(action)", "{}", stranger)
                        #expect(refused.status == .notFound)
                        #expect(try refused.decoded(Problem.self).code == "helpRequestNotFound")
                    }
                    // A citizen at the other terminal's screen cannot take it either.
                    #expect(try await post(two, "/v1/help-requests/\(id)/take").status == .unauthorized)

                    // Two consoles take it at once: exactly one becomes responsible.
                    clock.set("2026-09-28T10:00:40+08:00")
                    async let fromSecond = post(two, "/v1/help-requests/\(id)/take", "{}", officerA)
                    async let fromFirst = post(one, "/v1/help-requests/\(id)/take", "{}", officerB)
                    let answers = try await [fromSecond, fromFirst]
                    #expect(answers.map(\.status.code).sorted() == [200, 409], "\(answers.map { String(buffer: $0.body) })")
                    let winner = answers[0].status == .ok ? "S101" : "S102"
                    let loser = try #require(answers.first { $0.status == .conflict })
                    #expect(try loser.decoded(Problem.self).code == "helpRequestTaken")

                    // The screen's terminal shows the taker, and records them on the session (so on the receipt).
                    let current = try await one.execute(uri: "/v1/help-requests/current", method: .get).decoded(HelpRequestView.self)
                    #expect(current.state == "taken" && current.responsibleStaff == winner)
                    if winner == "S101" {
                        let heard = await HelpRequestTests.firstHelpEvent(firstEvents, of: .helpTaken)
                        #expect(heard?.help?.responsibleStaff == "S101" && heard?.sessionId == session)
                    }
                    #expect(try await first.sessions.read(session) { state, _ in state.responsibleStaff } == winner)

                    // The other hall's own call, for the district's report.
                    #expect(try await post(three, "/v1/help-requests", #"{"screen":"home"}"#).status == .created)
                    let supervisor = try await staff(one, first, "S109", role: .supervisor)
                    let report = try await one.execute(uri: "/v1/reports/monthly?month=2026-09", method: .get, headers: supervisor)
                        .decoded(MonthlyReport.self)
                    let help = try #require(report.help, "\(report)")
                    #expect(help.requests == 2 && help.taken == 1 && help.medianSecondsToTake == 40)
                    #expect(help.answeredShare == 0.5)
                }
            }
        }
    }

    func post(_ client: any TestClientProtocol, _ uri: String, _ json: String = "{}", _ headers: HTTPFields = [:]) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: json))
    }

    /// A member of staff of `application`'s terminal, signed in there.
    func staff(_ client: any TestClientProtocol, _ application: KioskApplication, _ number: String, role: Role = .staff) async throws
        -> HTTPFields {
        _ = try await application.access.addStaff(number: StaffNumber(number), name: "王值班", role: role, pin: PIN("4826"), by: .system,
                                                  now: Date())
        let response = try await post(client, "/v1/staff/sign-in", #"{"number":"\#(number)","pin":"4826"}"#)
        return [.authorization: "Bearer " + (try response.decoded(SignedInView.self).token)]
    }
}
