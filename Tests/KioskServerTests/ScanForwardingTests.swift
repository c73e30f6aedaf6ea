import CodeScanner
import Foundation
@testable import KioskApp
@testable import Peripherals
import KioskServer
import KioskTesting
import Testing

/// A scanned code reaches the screen's stream as a `scan` event: a receipt's progress code as a
/// handle on it (the screen opens its look-up), a booking slip's code as a handle (the screen
/// starts a check-in the card completes), anything else as "not a code of this hall" without
/// its text. The attacker: whoever reads the event stream or the log, looking for the ID number
/// a scanned booking slip or ID barcode carries.
@Suite("Scanned codes to the citizen's session")
struct ScanForwardingTests {
    @Test func theHallsCodesArePassedOnAndAnythingElseOnlyAsNotOfThisHall() async throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        let application = try await KioskApplication.onTestInstallation(installation)
        let forwarder = application.eventForwarder
        let events = await application.devices.events.subscribe()

        let code = application.progressCode("S01-20261129-0001").description
        await forwarder.forward(ScannedCode(deviceID: "scanner-serial-ttyACM0", text: code))
        let progress = try #require(await events.next(within: .seconds(10)))
        #expect(progress.scan?.kind == "progressCode" && progress.scan?.slip == nil)
        let receipt = try #require(progress.scan?.receipt)
        #expect(await application.devices.scannedCodes.code(for: receipt, kind: .receipt) == code)
        #expect(!String(decoding: try JSONEncoder().encode(progress), as: UTF8.self).contains("S01-20261129-0001"))

        await forwarder.forward(ScannedCode(deviceID: "scanner-serial-ttyACM0", text: "23456789AB9"))
        let slip = try #require(await events.next(within: .seconds(10)))
        #expect(slip.scan?.kind == "bookingCode" && slip.scan?.receipt == nil)
        // The screen checks in with a handle on the code; the stream never carries the code.
        let handle = try #require(slip.scan?.slip)
        #expect(await application.devices.scannedCodes.code(for: handle, kind: .bookingSlip) == "23456789AB9")
        // The slip replaced the receipt: one code is held, the last scanned.
        #expect(await application.devices.scannedCodes.code(for: receipt, kind: .receipt) == nil)
        #expect(!String(decoding: try JSONEncoder().encode(slip), as: UTF8.self).contains("23456789AB9"))

        await forwarder.forward(ScannedCode(deviceID: "scanner-serial-ttyACM0", text: "110101198506150019"))
        let other = try #require(await events.next(within: .seconds(10)))
        #expect(other == TerminalEvent(type: .scan, deviceId: "scanner-serial-ttyACM0", scan: .init(kind: "notOfThisHall")))
        let encoded = String(decoding: try JSONEncoder().encode(other), as: UTF8.self)
        #expect(!encoded.contains("110101198506150019") && !encoded.contains("150019"))
    }
}
