import Access
import Booking
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import KioskServer
import KioskTesting
import Testing

/// What the touch UI learns from the server instead of writing it into its own code: the hall's
/// override reasons (the list the overrides are checked against) and the hall's time zone.
@Suite("Facts the screen is served")
struct TerminalFactsRoutesTests {
    struct Reason: Decodable, Equatable {
        let code: String
        let label: [String: String]
        let requiresNote: Bool
    }

    @Test func staffAreServedTheHallsOverrideReasonsInTheConsolesOrder() async throws {
        let terminal = try TestTerminal()
        try await Application(router: terminal.router()).test(.router) { client in
            let staff = try await terminal.staff.bearer(.staff, now: terminal.clock.now())
            let response = try await client.execute(uri: "/v1/override-reasons", method: .get, headers: [.authorization: staff])
            #expect(response.status == .ok)
            let reasons = try JSONDecoder().decode([Reason].self, from: Data(response.body.readableBytesView))
            #expect(reasons == OverrideReasons.standard.reasons.map {
                Reason(code: $0.code, label: ["zh-CN": $0.label.zh, "en": $0.label.en], requiresNote: $0.requiresNote)
            })
            // The console preselects the first: helping the citizen, not a paper check nobody made.
            #expect(reasons.first?.code == "citizenAssisted")
            #expect(reasons.filter(\.requiresNote).map(\.code) == ["other"])
        }
    }

    /// Whoever stands at the public screen does not read the staff's lists, nor does a technician.
    @Test func theReasonsAreForStaffWhoOverride() async throws {
        let terminal = try TestTerminal()
        try await Application(router: terminal.router()).test(.router) { client in
            let citizen = try await client.execute(uri: "/v1/override-reasons", method: .get)
            #expect(citizen.status == .unauthorized)
            #expect(citizen.headers[.contentType] == "application/problem+json")
            let technician = try await terminal.staff.bearer(.technician, now: terminal.clock.now())
            let refused = try await client.execute(uri: "/v1/override-reasons", method: .get, headers: [.authorization: technician])
            #expect(refused.status == .forbidden)
            #expect(String(buffer: refused.body).contains("\"roleNotAllowed\""))
        }
    }

    /// The offset the screen turns instants into the hall's wall-clock times with: the hall's,
    /// whatever zone the server or the browser runs in.
    @Test func infoGivesTheHallsTimeZoneAndItsOffsetNow() async throws {
        for (zone, minutes) in [("Asia/Shanghai", 480), ("Asia/Kathmandu", 345)] {
            let terminal = try TestTerminal(hours: try HallHours(timeZone: zone))
            try await Application(router: terminal.router()).test(.router) { client in
                let response = try await client.execute(uri: "/v1/info", method: .get)
                #expect(response.status == .ok)
                let decoder = JSONDecoder()
                decoder.dateDecodingStrategy = .iso8601
                let info = try decoder.decode(ServerInfo.self, from: Data(response.body.readableBytesView))
                #expect(info.timeZone == zone)
                #expect(info.utcOffsetMinutes == minutes)
            }
        }
    }
}
