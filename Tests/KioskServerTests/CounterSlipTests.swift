import Access
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import KioskApp
import KioskServer
import KioskTesting
import ReceiptPrinter
import Testing

/// The technician's counter slip: the printer's counters and receipts per day on paper, under
/// the audit log's head after the print was recorded, so the slip later proves the log. The
/// attacker: whoever walks away with data_dir and rewrites the audit log (even with its key):
/// the anchor on paper no longer verifies.
@Suite("The counter slip")
struct CounterSlipTests {
    let installation: TestInstallation
    let application: KioskApplication

    init() async throws {
        installation = try TestInstallation()
        application = try await KioskApplication.onTestInstallation(installation)
    }

    @Test func aTechnicianPrintsTheCountersAnchoredInTheAuditLog() async throws {
        try await application.makeHTTPServer().test(.router) { citizen in
            let uri = "/v1/devices/printer-simulated/counter-slip"
            #expect(try await citizen.execute(uri: uri, method: .post).status == .unauthorized)
            let client = try await application.signedIn(citizen, role: .technician)
            let response = try await client.execute(uri: uri, method: .post)
            #expect(response.status == .created)
            let printed = try response.decoded(CounterSlipPrinted.self)
            #expect(printed.state == "printed")
            let anchor = try #require(AuditHead(anchor: printed.anchor))
            // The anchor is the log's head, the slip's own record included, and it verifies.
            let records = try await application.access.auditRecords(after: anchor.sequence - 1, limit: 1)
            #expect(records.first?.action == AuditAction.counterSlipPrinted.rawValue)
            #expect(records.first?.target == "printer-simulated")
            let verification = try await application.access.verifyAudit(anchors: [anchor])
            #expect(verification.firstBreak == nil)

            // On paper: the counters, the days, the anchor; the job is a counter slip.
            let last = try await client.execute(uri: "/v1/devices/printer-simulated/last-receipt", method: .get)
            #expect(last.headers[HTTPField.Name("Kiosk-Print-Job-Reference")!] == CounterSlip.reference)
            let text = String(buffer: last.body).filter { !$0.isWhitespace }
            for expected in ["Counterslip", "jobsPrinted", "paperCuts", "Receiptsperday", "Auditanchor", printed.anchor] {
                #expect(text.contains(expected), "\(expected)")
            }
            // Only a receipt printer prints one.
            let reader = try await client.execute(uri: "/v1/devices/idcard-simulated/counter-slip", method: .post)
            #expect(reader.status == .notFound)
            #expect(try reader.decoded(Problem.self).code == "notAReceiptPrinter")
        }
    }
}
