import FormEngine
import Foundation
@testable import KioskBench
import KioskTesting
import Storage
import Testing

/// A terminal going back from district mode to serving alone: what its outbox still keeps for the
/// district (filings taken while the district was unreachable) is sent only by a terminal in
/// district mode, so a lone start would strand it for good.
@Suite("Leaving district mode with an undelivered outbox", .privatePostgres, .waitsOffPool)
struct DistrictLeaveTests {
    /// Two filings kept for the district in the outbox, and the configuration switched back to a
    /// lone terminal: `kiosk serve` refuses, naming how many and what to do; started once more in
    /// district mode it delivers them, and the lone start then goes ahead.
    @Test func aLoneStartRefusesWhileTheOutboxKeepsRecordsForTheDistrict() async throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        #expect(try await offPool { try KioskProcess.run(["db", "migrate"], in: installation.root) }.status == 0)
        let store = try installation.store()
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        try await store.recordFilingsForDistrict(2, site: "S01-T01", day: "20261201", now: DistrictBenchmarks.now) { reference in
            try decoder.decode(Filing.self, from: Data(DistrictBenchmarks.filingJSON(reference).utf8))
        }
        let path = installation.dataDirectory + "/kiosk.sqlite"
        let refused = try await offPool { try KioskProcess.run(["serve"], in: installation.root) }
        #expect(refused.status == 1)
        #expect(refused.stderr.hasSuffix("kiosk: \(path) keeps 2 records (2 filings) for the district store that were never sent: "
            + "start kiosk serve in district mode again (database = the district's postgres://… URL) until kiosk diag district shows "
            + "the outbox empty, then switch [outboxNotDelivered]\n"), "\(refused.stderr)")

        let url = try await cluster().createDatabase()
        try installation.writeConfig("database = \"\(url)\"\n")
        let district = try await RunningKiosk.start(installation)
        let delivered = try await eventually(within: .seconds(30), every: .milliseconds(200)) {
            try await store.outboxBacklog().pending == 0
        }
        district.stop()
        #expect(delivered, "the district start sends the outbox")
        let database = String(url.split(separator: "/").last!)
        #expect(try await cluster().psql("SELECT count(*) FROM filing", database: database) == "2")

        try installation.writeConfig("")
        let alone = try await RunningKiosk.start(installation)
        #expect(await RawHTTP.sendOffPool(port: alone.port, path: "/readyz")?.status == 200)
        alone.stop()
    }
}
