import Access
import DeviceKit
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import KioskApp
import KioskCore
import KioskServer
import KioskTesting
import StoragePostgres
import Telemetry
import Testing

/// Issue 21, the district's fleet view: two terminals of a hall on one private PostgreSQL send
/// their heartbeats as `kiosk serve` does; the technician's `GET /v1/fleet` lists both, says what
/// is wrong and what to bring, and shows the one that stopped as silent once five minutes pass.
/// The row the district keeps carries codes and counts, never the citizen whose card was read.
@Suite("District: the fleet view", .timeLimit(.minutes(6)))
struct DistrictFleetTests {
    @Test func twoTerminalsHeartbeatOneFallsSilentAndAPrinterOutOfPaperAsksForPaper() async throws {
        try await PrivatePostgres.withPrivate { cluster in try await self.fleet(on: cluster) }
    }

    func fleet(on cluster: PrivatePostgres) async throws {
        let installations = try ["T01", "T02"].map { terminal in
            try TestInstallation(config: DistrictHelpRequestTests.config(cluster, terminal: terminal, site: "hall-a"))
        }
        defer { installations.forEach { $0.remove() } }
        try await KioskApplication.prepareTestDistrict(on: cluster, keyInto: installations)
        var applications: [KioskApplication] = []
        for installation in installations { applications.append(try await KioskApplication.onTestDistrict(installation)) }
        let runners = applications.map { application in Task { await application.district!.run() } }
        defer { runners.forEach { $0.cancel() } }
        let (first, second) = (applications[0], applications[1])
        let clock = BookingRoutesTests.Clock("2026-09-28T10:00:00+08:00")
        func heartbeat(_ application: KioskApplication) -> Heartbeat {
            var heartbeat = application.heartbeat
            heartbeat.now = { clock.now }
            return heartbeat
        }
        // The heartbeat's own event listener, as in `kiosk serve`: it notes the faults devices report.
        let listeners = applications.map { application in Task { await application.heartbeat.listen() } }
        defer { listeners.forEach { $0.cancel() } }
        // The first terminal's devices run, as in `kiosk serve`.
        let forwarder = first.eventForwarder
        let deviceLoops = first.devices.services.map { service in Task { try await service.run() } }
            + [Task { try await forwarder.run() }]
        defer { deviceLoops.forEach { $0.cancel() } }

        // A citizen's card was read at the first terminal before its heartbeats.
        let events = await first.devices.events.subscribe()
        try await #require(first.devices.simulator).present(fixture: "resident")
        #expect(await events.first(within: .seconds(10)) { $0.type == .cardPresented } != nil)
        #expect(await heartbeat(first).sendOnce())
        #expect(await heartbeat(second).sendOnce())

        // The first terminal's printer runs out of paper, as its status says.
        let printer = try #require(await first.devices.manager.devices().first { $0.info.kind == .receiptPrinter })
        let changed = await try #require(first.devices.printerSimulator).apply(SimulatedPrinterChange(paper: .out))
        #expect(changed.status.paper == .out)

        // Four minutes on: only the first terminal still reports. The second is late, not silent.
        clock.set("2026-09-28T10:04:00+08:00")
        #expect(await heartbeat(first).sendOnce())
        var view = try await fleetView(first, clock)
        #expect(view.terminals.map(\.terminalId).sorted() == ["T01", "T02"])
        #expect(view.terminals.allSatisfy { !$0.silent })
        let troubled = try #require(view.terminals.first { $0.terminalId == "T01" })
        #expect(troubled.bring == [.paperRoll])
        #expect(troubled.problems.contains(FleetProblem(code: "paperOut", deviceId: printer.info.id, deviceKind: "receiptPrinter")))
        #expect(view.terminals.first?.terminalId == "T01", "the troubled terminal comes first")

        // Five minutes after its last heartbeat the second terminal is shown silent.
        clock.set("2026-09-28T10:05:00+08:00")
        view = try await fleetView(first, clock)
        let silent = try #require(view.terminals.first { $0.terminalId == "T02" })
        #expect(silent.silent && silent.problems.map(\.code) == ["silent"])
        #expect(silent.lastSeen == BookingRoutesTests.Clock("2026-09-28T10:00:00+08:00").now)
        #expect(view.terminals.first { $0.terminalId == "T01" }?.silent == false)

        // The district's rows: codes and counts, nothing of the citizen whose card was read.
        let rows = try await cluster.psql("SELECT * FROM terminal_heartbeat")
        #expect(rows.contains("T01") && rows.contains("paperOut"))
        for personal in ["测试甲", "110101198506150019", "北京市东城区示例路1号", "19850615"] {
            #expect(!rows.contains(personal), "a heartbeat row holds \(personal)")
        }
        let columns = try await cluster.psql(
            "SELECT string_agg(column_name, ',' ORDER BY ordinal_position) FROM information_schema.columns WHERE table_name = 'terminal_heartbeat'")
        #expect(columns.trimmingCharacters(in: .whitespacesAndNewlines)
                == "site_id,terminal_id,version,sent_at,devices,outbox_pending,outbox_refused,last_error")
    }

    /// The fleet as a technician at `application`'s terminal gets it at `clock`'s time; a citizen
    /// at the screen and a member of staff are refused.
    func fleetView(_ application: KioskApplication, _ clock: BookingRoutesTests.Clock) async throws -> FleetView {
        var dependencies = application.serverDependencies
        dependencies.access.now = { clock.now }
        return try await Application(router: KioskRoutes.router(dependencies)).test(.router) { client in
            let citizen = try await client.execute(uri: "/v1/fleet", method: .get)
            #expect(citizen.status == .unauthorized)
            let staff = try await application.signedIn(client, role: .staff)
            #expect(try await staff.execute(uri: "/v1/fleet", method: .get).status == .forbidden)
            let technician = try await application.signedIn(client, role: .technician)
            let answer = try await technician.execute(uri: "/v1/fleet", method: .get)
            #expect(answer.status == .ok)
            return try answer.decoded(FleetView.self)
        }
    }
}
