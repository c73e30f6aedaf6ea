import Booking
import Foundation
import KioskCore
@testable import Storage
import Testing

/// `BookingRecord.answerPieces`, joined around the place the district's confirmation writes
/// between them, are the answer `StoredAnswers.encode` writes for the booking made, and it reads back.
@Suite("Stored answers: a confirmation's answer in pieces")
struct BookingAnswerPiecesTests {
    @Test(arguments: [("hukou/2026-12-02/0930", "hukou", 0.0), ("税务/2026-12-31/1700", "税务", 0.25)])
    func piecesJoinedAreTheEncodedAnswer(slotID: String, serviceID: String, fraction: Double) throws {
        let start = try BookingStoreFixture.beijing("2026-12-02 09:30").addingTimeInterval(fraction)
        let now = BookingStoreFixture.now.addingTimeInterval(fraction)
        let place = BookedPlace(slotID: slotID, serviceID: serviceID, date: try LocalDate("2026-12-02"), start: start,
                                end: start.addingTimeInterval(1_800))
        let identity = NewBookingIdentity()
        let booking = identity.booking(of: place, maskedIDNumber: "1101**********0011", at: now)
        let pieces = BookingRecord.answerPieces(madeWith: identity, maskedIDNumber: booking.maskedIDNumber, at: now)
        let joined = pieces[0] + AnswerWriter.piece { writer in
            writer.add(slotID)
            writer.add(serviceID)
            writer.add(place.date.description)
            writer.add(place.start)
            writer.add(place.end)
        } + pieces[1]
        #expect(joined == StoredAnswers.encode(booking))
        #expect(StoredAnswers.decode(BookingRecord.self, from: joined) == booking)
    }
}
