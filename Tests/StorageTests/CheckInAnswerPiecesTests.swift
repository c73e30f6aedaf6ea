import Booking
import Foundation
import KioskCore
@testable import Storage
import Testing

/// `CheckInResult.answerPieces`, joined around the values the district's check-in statement
/// writes between them, are the answer `StoredAnswers.encode` writes, and it reads back.
@Suite("Stored answers: a check-in's answer in pieces")
struct CheckInAnswerPiecesTests {
    @Test(arguments: [
        (Int64(1), 0, false, "19800101", "A001"),
        (Int64(70_000), 12, true, "19500101", "B1000"),
        (Int64(Int32.max) + 3, 1_000, true, "19800101", "户1"),
    ])
    func piecesJoinedAreTheEncodedAnswer(ticketID: Int64, ahead: Int, late: Bool, born: String, number: String) throws {
        let start = try BookingStoreFixture.beijing("2026-12-02 09:30").addingTimeInterval(0.25)
        let now = start.addingTimeInterval(late ? 1_200.5 : -600)
        let date = try LocalDate("2026-12-02")
        var random = SystemRandomNumberGenerator()
        let booking = BookingRecord.made(id: "booking-1", code: BookingCode.random(using: &random), slotID: "hukou/2026-12-02/0930",
                                         serviceID: "hukou", date: date, start: start, end: start.addingTimeInterval(1_800),
                                         maskedIDNumber: "1101**********0011", at: now)
        let rules = BookingRules(timeZone: BookingStoreFixture.shanghai)
        let decision = try rules.checkIn(booking, holder: .card(try BookingStoreFixture.citizen(born: born)), now: now)
        #expect(decision.late == late)
        let ticket = decision.ticket, checkedIn = booking.with(status: decision.status, updatedAt: now)
        let pieces = CheckInResult.answerPieces(booking: checkedIn, ticket: ticket, ratingToken: "rating-token", late: late)
        let joined = pieces[0] + AnswerWriter.piece { $0.add(Int(ticketID)) } + pieces[1] + AnswerWriter.piece { $0.add(number) }
            + pieces[2] + AnswerWriter.piece { $0.add(ahead) } + pieces[3]
        let result = CheckInResult(
            booking: checkedIn,
            receipt: TicketReceipt(ticket: Ticket(id: ticketID, date: date, number: number, serviceID: "hukou", priority: ticket.priority,
                                                  queuedAt: ticket.queuedAt, state: .waiting, counter: nil, calledAt: nil, callCount: 0,
                                                  bookingID: booking.id),
                                   ahead: ahead, ratingToken: "rating-token"),
            late: late)
        #expect(joined == StoredAnswers.encode(result))
        #expect(StoredAnswers.decode(CheckInResult.self, from: joined) == result)
    }
}

extension BookingRecord {
    func with(status: BookingStatus, updatedAt: Date) -> BookingRecord {
        BookingRecord(id: id, code: code, slotID: slotID, serviceID: serviceID, date: date, start: start, end: end,
                      maskedIDNumber: maskedIDNumber, status: status, sequence: sequence, createdAt: createdAt, updatedAt: updatedAt,
                      onDayOff: onDayOff)
    }
}
