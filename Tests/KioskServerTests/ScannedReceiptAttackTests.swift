import CodeScanner
import Filings
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import KioskApp
@testable import KioskServer
import KioskTesting
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

    /// The handle the listener copied opens nothing once the screen looked the filing up with
    /// it; the screen goes on (its rating) with the successor only its answer carried. The next
    /// scan replaces the successor too, and a made-up handle opens nothing.
    @Test func aScannedReceiptsHandleOpensItsProgressOnceAndOnlyTheScreenGoesOn() async throws {
        let reference = try await DepartmentInterfaceTests.file(application, department: "amr")
        let code = application.progressCode(reference)
        try await withScanner { base, scan in
            let client = DocumentedClient(base: base, document: try OpenAPIDocument.load())
            let post = { (uri: String, body: String) in
                try await client.execute(uri: uri, method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: body))
            }
            let copied = try #require(await scan(code.description)?.receipt)
            // The screen looks the filing up with the handle the stream carried.
            let found = try await post("/v1/progress/lookup", #"{"scannedReceipt":"\#(copied)"}"#)
            #expect(found.status == .ok)
            let views = try found.decoded([ProgressView].self)
            #expect(views.map(\.progress.reference) == [reference])
            let successor = try #require(views.first?.scannedReceipt)
            #expect(successor != copied && successor.count == 32)
            #expect(!String(buffer: found.body).contains(code.token))
            // The listener, after the screen: spent.
            let listener = try await post("/v1/progress/lookup", #"{"scannedReceipt":"\#(copied)"}"#)
            #expect(listener.status == .conflict)
            #expect(try listener.decoded(Problem.self).code == "scannedReceiptExpired")

            // The window finishes the filing; the screen rates it with the successor, the listener's copy cannot.
            let staff = try await application.signedIn(base, role: .staff)
            for (step, body) in [("accept", #"{"window":"B2"}"#), ("start", "{}"), ("complete", #"{"outcome":"approved"}"#)] {
                let done = try await staff.execute(uri: "/v1/filings/\(reference)/\(step)", method: .post,
                                                   headers: [.contentType: "application/json"], body: ByteBuffer(string: body))
                #expect(done.status == .ok, "\(step)")
            }
            let rating = { (handle: String) in #"{"grade":"satisfied","scannedReceipt":"\#(handle)"}"# }
            let byListener = try await post("/v1/filings/\(reference)/rating", rating(copied))
            #expect(byListener.status == .conflict)
            #expect(try byListener.decoded(Problem.self).code == "scannedReceiptExpired")
            let byScreen = try await post("/v1/filings/\(reference)/rating", rating(successor))
            #expect(byScreen.status == .created)

            // The next scan replaces the successor; a made-up handle, or both proofs at once, open nothing.
            _ = await scan("https://example.invalid/")  // another code between: not the same receipt held under the scanner
            let next = try #require(await scan(code.description)?.receipt)
            #expect(next != successor && next != copied)
            let replaced = try await post("/v1/progress/lookup", #"{"scannedReceipt":"\#(successor)"}"#)
            #expect(replaced.status == .conflict)
            #expect(try await post("/v1/progress/lookup", #"{"scannedReceipt":"0123456789abcdef0123456789abcdef"}"#).status == .conflict)
            let both = try await post("/v1/progress/lookup", #"{"scannedReceipt":"\#(next)","code":"\#(code.description)"}"#)
            #expect(both.status == .badRequest)
            #expect(try both.decoded(Problem.self).code == "identityRequired")
        }
    }
}

/// One handle store for every scanned code of the hall, with one lifetime rule.
@Suite struct ScannedCodesTests {
    @Test func aHandleIsOfItsKindAndOnlyTheLastScannedIsHeld() async {
        let codes = ScannedCodes()
        let slip = await codes.hold("23456789AB9", as: .bookingSlip)
        #expect(await codes.code(for: slip, kind: .bookingSlip) == "23456789AB9")
        // A slip's handle is no receipt's: it opens no progress.
        #expect(await codes.code(for: slip, kind: .receipt) == nil)
        #expect(await codes.exchange(slip, kind: .receipt) == nil)
        let receipt = await codes.hold("P1:S01-20261129-0001:abcdefgh", as: .receipt)
        #expect(await codes.code(for: slip, kind: .bookingSlip) == nil)
        let successor = await codes.exchange(receipt, kind: .receipt)
        #expect(successor != nil && successor != receipt)
        #expect(await codes.code(for: receipt, kind: .receipt) == nil)
        #expect(await codes.code(for: successor ?? "", kind: .receipt) == "P1:S01-20261129-0001:abcdefgh")
        await codes.used(successor ?? "")
        #expect(await codes.code(for: successor ?? "", kind: .receipt) == nil)
    }

    @Test func aHandleOutlivesNoLifetime() async {
        // The monotonic clock has moved past a zero lifetime by the time anyone asks.
        let codes = ScannedCodes(lifetime: .zero)
        let receipt = await codes.hold("P1:S01-20261129-0001:abcdefgh", as: .receipt)
        #expect(await codes.code(for: receipt, kind: .receipt) == nil)
        #expect(await codes.exchange(receipt, kind: .receipt) == nil)
    }
}
