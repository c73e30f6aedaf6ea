import Filings
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import KioskApp
@testable import KioskServer
import KioskTesting
import Testing

/// Issue 19, part 2, district mode: a policy sheet printed at any terminal of any hall is counted
/// per policy in the district's monthly report (the action plan monitors each policy's reach), on
/// the hall's day it was printed, and only in the unfiltered report. Two halls' terminals on one
/// private PostgreSQL, printing through their simulated printers.
@Suite("District: policy sheets printed, counted per policy")
struct DistrictPolicyPrintTests {
    @Test func sheetsPrintedInEveryHallAreCountedPerPolicyOnTheHallsDay() async throws {
        try await PrivatePostgres.withPrivate { cluster in try await self.district(on: cluster) }
    }

    func district(on cluster: PrivatePostgres) async throws {
        let installations = try [("T01", "hall-a"), ("T09", "hall-b")].map { terminal, site in
            try TestInstallation(config: DistrictHelpRequestTests.config(cluster, terminal: terminal, site: site))
        }
        defer { installations.forEach { $0.remove() } }
        try await KioskApplication.prepareTestDistrict(on: cluster, keyInto: installations)
        var started: [KioskApplication] = []
        for installation in installations { started.append(try await KioskApplication.onTestDistrict(installation)) }
        let applications = started
        let runners = applications.map { application in Task { await application.district!.run() } }
        defer { runners.forEach { $0.cancel() } }
        // Half past midnight on 1 September in the halls (Asia/Shanghai) is still 31 August in UTC.
        let clock = BookingRoutesTests.Clock("2026-08-31T23:50:00+08:00")
        let served = applications.map { application in
            var dependencies = application.serverDependencies
            dependencies.policies.now = { clock.now }
            return dependencies
        }
        try await Application(router: KioskRoutes.router(served[0])).test(.router) { hallA in
            try await Application(router: KioskRoutes.router(served[1])).test(.router) { hallB in
                func print(_ client: any TestClientProtocol, _ ids: String) async throws {
                    let printed = try await client.execute(uri: "/v1/policies/print", method: .post,
                                                           body: ByteBuffer(string: #"{"policyIds":[\#(ids)]}"#))
                    #expect(printed.status == .created, "\(String(buffer: printed.body))")
                }
                try await print(hallA, #""hiring-subsidy""#)                     // August, the hall's last evening
                clock.set("2026-09-01T00:30:00+08:00")
                try await print(hallA, #""hiring-subsidy","small-business-tax-relief""#)
                try await print(hallB, #""hiring-subsidy""#)
                try await print(hallB, #""export-credit-insurance","hiring-subsidy""#)
                // Refused and unknown policies are not counted.
                let unknown = try await hallB.execute(uri: "/v1/policies/print", method: .post,
                                                      body: ByteBuffer(string: #"{"policyIds":["hiring-subsidy","nope"]}"#))
                #expect(unknown.status == .notFound)

                let supervisor: HTTPFields = [.authorization: try await applications[1].bearer(hallB, role: .supervisor)]
                func prints(_ query: String) async throws -> [String]? {
                    let response = try await hallB.execute(uri: "/v1/reports/monthly?\(query)", method: .get, headers: supervisor)
                    #expect(response.status == .ok, "\(String(buffer: response.body))")
                    let report = try response.decoded(MonthlyReport.self)
                    #expect(report.scope == "district")
                    return report.policyPrints.map { $0.map { "\($0.policyId)=\($0.prints)" } }
                }
                // Most printed first, ties by policy id; both halls; each on its hall's day.
                #expect(try await prints("month=2026-09") == ["hiring-subsidy=3", "export-credit-insurance=1", "small-business-tax-relief=1"])
                #expect(try await prints("month=2026-08") == ["hiring-subsidy=1"])
                #expect(try await prints("month=2026-10") == [])
                // A report narrowed to one filing counts no policy sheets (they belong to no filing).
                #expect(try await prints("month=2026-09&matter=residence-permit") == nil)
            }
        }
    }
}
