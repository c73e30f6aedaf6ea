import Booking
import Foundation
import GRDB
import KioskCore
import Testing
@testable import Storage

@Suite("Booking store: group commit and stored answers")
struct BookingStoreGroupCommitTests {
    struct Refused: Error {}

    /// Requests that share a transaction still succeed or fail one by one: a request that
    /// wrote and then failed leaves nothing, its neighbours keep everything.
    @Test func aFailingRequestInABatchLeavesNoTraceAndSparesTheOthers() async throws {
        let fixture = try await BookingStoreFixture()
        try await fixture.store.pool.write { db in try db.execute(sql: "CREATE TABLE scratch (n INTEGER NOT NULL)") }
        let writer = GroupCommitWriter(pool: try fixture.store.pool)
        let outcomes = await withTaskGroup(of: (Int, Bool).self) { group in
            for n in 0..<64 {
                group.addTask {
                    do {
                        _ = try await writer.write { db in
                            try db.execute(sql: "INSERT INTO scratch (n) VALUES (?)", arguments: [n])
                            if n % 3 == 0 { throw Refused() }
                            return n
                        }
                        return (n, true)
                    } catch {
                        return (n, false)
                    }
                }
            }
            return await group.reduce(into: [Int: Bool]()) { $0[$1.0] = $1.1 }
        }
        let stored = try await fixture.store.pool.read { db in try Int.fetchSet(db, sql: "SELECT n FROM scratch") }
        #expect(stored == Set((0..<64).filter { $0 % 3 != 0 }))
        #expect(outcomes == Dictionary(uniqueKeysWithValues: (0..<64).map { ($0, $0 % 3 != 0) }))
    }

    @Test func simultaneousRetriesOfOneRequestBookOnce() async throws {
        let fixture = try await BookingStoreFixture()
        let slot = try fixture.slot("2026-12-02 09:00")
        let citizen = try BookingStoreFixture.citizen()
        let now = BookingStoreFixture.now
        let answers = try await withThrowingTaskGroup(of: BookingRecord.self) { group in
            for _ in 0..<16 {
                group.addTask { try await fixture.bookings.book(slot, idNumber: citizen, idempotencyKey: "same", now: now) }
            }
            return try await group.reduce(into: [BookingRecord]()) { $0.append($1) }
        }
        #expect(Set(answers).count == 1)
        #expect(try await fixture.taken(slot) == 1)
        #expect(try await fixture.count("SELECT count(*) FROM booking") == 1)
    }

    func roundTrip<Answer: StoredAnswer & Equatable>(_ answer: Answer) throws -> Answer {
        let stored = StoredAnswers.encode(answer)
        #expect(stored.first == StoredAnswers.version)
        return try #require(StoredAnswers.decode(Answer.self, from: stored))
    }

    static func ticket() throws -> Ticket {
        Ticket(id: 7, date: try LocalDate("2026-12-02"), number: "A007", serviceID: "hukou", priority: .elderly,
               queuedAt: BookingStoreFixture.now, state: .called, counter: "A01",
               calledAt: BookingStoreFixture.now.addingTimeInterval(0.25), callCount: 2, bookingID: nil)
    }

    @Test func storedAnswersRoundTrip() throws {
        let now = BookingStoreFixture.now
        let ticket = try Self.ticket()
        #expect(try roundTrip(ticket) == ticket)
        #expect(try roundTrip(Optional(ticket)) == ticket)
        #expect(try roundTrip(Ticket?.none) == nil)
        let hold = SlotHold(id: "h", slotID: "hukou:2026-12-02T09:00+08:00", expiresAt: now)
        #expect(try roundTrip(hold) == hold)
        let rating = try Rating(ticketID: 7, serviceID: "hukou", counter: "A01", score: 4, reasons: ["waitedLong"],
                                createdAt: now)
        #expect(try roundTrip(rating) == rating)
        // Version 1 keeps a receipt's missing token as such: no guessing from the length.
        let untokened = TicketReceipt(ticket: ticket, ahead: 3, ratingToken: nil)
        #expect(try roundTrip(untokened) == untokened)
        var truncated = try #require(AnswerReader(stored: [StoredAnswers.version, 0xFF, 0xFF]))
        #expect(throws: AnswerReader.Malformed.self) { try SlotHold(from: &truncated) }
    }

    /// An answer in a layout newer than this build, or with bytes left over, is no answer.
    @Test func unknownVersionsAndTrailingBytesAreRefused() {
        let hold = SlotHold(id: "h", slotID: "s", expiresAt: BookingStoreFixture.now)
        var newer = StoredAnswers.encode(hold)
        newer[newer.startIndex] = StoredAnswers.version + 1
        #expect(StoredAnswers.decode(SlotHold.self, from: newer) == nil)
        #expect(StoredAnswers.decode(SlotHold.self, from: StoredAnswers.encode(hold) + [0]) == nil)
        #expect(StoredAnswers.decode(SlotHold.self, from: Data()) == nil)
    }

    /// Version 0, the answers stored before the version byte: a ticket receipt or check-in from
    /// before rating tokens ends without the token, one from after carries it.
    @Test func versionZeroAnswersReadAsTheyWereWritten() throws {
        let ticket = try Self.ticket()
        let withToken = TicketReceipt(ticket: ticket, ahead: 2, ratingToken: String(repeating: "a", count: 32))
        let legacy = Data([0]) + StoredAnswers.encode(withToken).dropFirst()
        #expect(StoredAnswers.decode(TicketReceipt.self, from: legacy) == withToken)
        var beforeTokens = AnswerWriter()
        ticket.write(to: &beforeTokens)
        beforeTokens.add(2)
        let old = Data([0]) + beforeTokens.bytes.dropFirst()
        #expect(StoredAnswers.decode(TicketReceipt.self, from: old) == TicketReceipt(ticket: ticket, ahead: 2, ratingToken: nil))
        // Read as version 1, the same bytes are one byte short: refused, not guessed.
        #expect(StoredAnswers.decode(TicketReceipt.self, from: Data([1]) + beforeTokens.bytes.dropFirst()) == nil)
    }
}
