import CodeScanner
import Filings
import Foundation
@testable import KioskApp
import KioskServer
@testable import Peripherals
import Testing

/// A filing receipt's QR code scanned at the terminal. The attacker reads `/v1/events` (the
/// public screen's stream: anyone at the screen, any process on the terminal) and would look
/// up the progress of whatever receipt is scanned: its state, due dates, what is still missing.
extension ScanAttackTests {
    @Test func aListenerOnTheEventStreamNeverSeesAScannedReceiptsCode() async throws {
        let reference = try await DepartmentInterfaceTests.file(application, department: "amr")
        let code = application.progressCode(reference)
        try await withScanner { _, scan in
            let scanned = try #require(await scan(code.description))
            #expect(scanned.kind == "progressCode")
            // What /v1/events writes for the scan, encoded as the route encodes it.
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            let written = String(decoding: try encoder.encode(TerminalEvent(type: .scan, deviceId: SimulatedScanner.deviceID, scan: scanned)),
                                 as: UTF8.self)
            #expect(!written.contains(code.description) && !written.contains(reference) && !written.contains(code.token), "\(written)")
        }
    }
}
