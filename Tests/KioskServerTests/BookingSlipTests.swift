import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import KioskApp
@testable import Papers
import Booking
import ESCPOS
import ReceiptPrinter
@testable import KioskServer
import Testing

/// The 预约凭条 printed through the terminal's printer desk, checked on the simulated printer's
/// last-receipt preview.
extension BookingRoutesTests {
    func lastReceipt(_ technician: SignedInClient) async throws -> (reference: String?, state: String?, text: String) {
        let response = try await technician.execute(uri: "/v1/devices/printer-simulated/last-receipt", method: .get)
        return (response.headers[HTTPField.Name("Kiosk-Print-Job-Reference")!],
                response.headers[HTTPField.Name("Kiosk-Print-Job-State")!], String(buffer: response.body))
    }

    @Test func aSlipIsPrintedOnlyForTheCodeWithItsIDNumber() async throws {
        try await withClient { client in
            let technician = try await application.signedIn(client, role: .technician)
            let code = try await book(client, "hukou:2026-10-08T09:00+08:00", key: "s1")

            let stranger = try await post(client, "/v1/bookings/\(code)/slip", key: "slip-1", #"{"idNumber":"\#(Self.otherIDNumber)"}"#)
            #expect(stranger.status == .notFound)
            #expect(try stranger.decoded(Problem.self).code == "bookingNotFound")
            #expect(try await post(client, "/v1/bookings/\(code)/slip", key: "slip-2").status == .badRequest)
            #expect(try await post(client, "/v1/bookings/ZZ/slip", key: "slip-zz", #"{"idNumber":"\#(Self.idNumber)"}"#).status == .badRequest)
            let nothing = try await technician.execute(uri: "/v1/devices/printer-simulated/last-receipt", method: .get)
            #expect(nothing.status == .notFound, "a refused slip printed nothing")

            let printed = try await post(client, "/v1/bookings/\(code)/slip", key: "slip-3", #"{"idNumber":"\#(Self.idNumber)"}"#)
            #expect(printed.status == .created)
            let answer = try printed.decoded(PrintedSlip.self)
            #expect(answer.booking.code == code)
            #expect(answer.receipt.state == .printed)
            #expect(answer.receipt.jobId != nil)

            let slip = try await lastReceipt(technician)
            #expect(slip.reference == "booking-\(code)" && slip.state == "printed")
            let text = slip.text
            let masked = "110105********" + Self.idNumber.suffix(4)
            for expected in ["政  务  服  务  中  心", "预约凭条 Booking slip", "户籍业务", "Household registration",
                             "2026-10-08", "09:00-09:20", masked, "08:30-09:15", "09:15 以后签到按现场取号排队",
                             "From 09:15 on you join the walk-in queue", "[image "] {
                #expect(text.contains(expected), "the slip lacks \(expected)")
            }
            #expect(text.contains(code.map(String.init).joined(separator: " ")), "the code is printed large")
            #expect(!text.contains(Self.idNumber), "the slip carries the full ID number")
            #expect(!text.contains("19900517"), "the slip carries the birth date")

            _ = try await post(client, "/v1/bookings/\(code)/cancel", key: "s1-cancel", #"{"idNumber":"\#(Self.idNumber)"}"#)
            let cancelled = try await post(client, "/v1/bookings/\(code)/slip", key: "slip-4", #"{"idNumber":"\#(Self.idNumber)"}"#)
            #expect(cancelled.status == .conflict)
            #expect(try cancelled.decoded(Problem.self).code == "bookingNotActive")
        }
    }

    @Test func aSlipThatFailsToPrintIsKeptAndReprinted() async throws {
        try await withClient { client in
            let technician = try await application.signedIn(client, role: .technician)
            let code = try await book(client, "notary:2026-10-09T14:00+08:00", key: "s2")
            _ = try await technician.execute(uri: "/v1/simulator/printer", method: .post, body: ByteBuffer(string: #"{"paper":"out"}"#))

            let failed = try await post(client, "/v1/bookings/\(code)/slip", key: "slip-5", #"{"idNumber":"\#(Self.idNumber)"}"#)
            #expect(failed.status == .created)
            let receipt = try failed.decoded(PrintedSlip.self).receipt
            #expect(receipt.state == .failed && receipt.reason == "paperOut")
            let jobID = try #require(receipt.jobId)
            let kept = try await lastReceipt(technician)
            #expect(kept.state == "failed" && kept.reference == "booking-\(code)" && kept.text.contains(code.map(String.init).joined(separator: " ")))

            _ = try await technician.execute(uri: "/v1/simulator/printer", method: .post, body: ByteBuffer(string: #"{"paper":"ok"}"#))
            let reprinted = try await client.execute(uri: "/v1/print-jobs/\(jobID)/reprint", method: .post,
                                                     headers: [HTTPField.Name("Idempotency-Key")!: "reprint-1"])
            #expect(reprinted.status == .ok)
            #expect(try reprinted.decoded(PrintOutcome.self).state == .printed)
            let again = try await lastReceipt(technician)
            #expect(again.state == "printed" && again.text.contains("13:30-14:15"))
        }
    }
}

/// What the slip's QR code carries: the simulated printer has no native QR command, so its
/// preview shows the code as an image; the receipt the template renders says what is in it.
@Suite("Booking slip content")
struct BookingSlipContentTests {
    @Test func theQRCodeCarriesTheBookingCodeAndTheWindowCrossesMidnightWithItsDate() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let template = try #require(try ReceiptTemplate.loadAll(directory: root.path + "/Forms/receipts")["booking-slip"])
        let zone = TimeZone(identifier: "Asia/Shanghai")!
        let start = try LocalDate("2026-10-08").instant(at: LocalTime("00:10"), in: zone)
        let record = BookingRecord(
            id: "b", code: try BookingCode("5VPZJ3M"), slotID: "s", serviceID: "hukou", date: try LocalDate("2026-10-08"),
            start: start, end: start.addingTimeInterval(1200), maskedIDNumber: "110105********0011", status: .confirmed,
            sequence: 0, createdAt: start, updatedAt: start, onDayOff: true)
        let service = try Service(id: "hukou", nameZH: "户籍业务", nameEN: "Household registration", durationMinutes: 20,
                                  counters: ["A1"], capacityPerSlot: 1, horizonDays: 14, minimumNoticeMinutes: 0)
        let slip = BookingSlip(record, service: service, hall: "XX区政务服务中心",
                               checkInWindow: CheckInWindow(earlyMinutes: 30, lateMinutes: 15), timeZone: zone)
        #expect(slip.checkInText == "2026-10-07 23:40-00:25")
        let receipt = try template.render(data: PrinterReceiptDesk.slipData(slip))
        let codes = receipt.blocks.compactMap { block -> String? in
            if case .qrCode(let content, _, _) = block { return content }
            return nil
        }
        #expect(codes == ["5VPZJ3M"])
        let texts = receipt.blocks.compactMap { block -> String? in
            if case .text(let text, _, _) = block { return text }
            return nil
        }
        #expect(texts.contains { $0.contains("该日已调整为休息日") }, "a booking on a day off says so")
    }
}
