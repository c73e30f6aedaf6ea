import Booking
import Foundation
import KioskCore
import Testing
@testable import Storage

@Suite("Booking store: check-in, the queue, ratings", .privatePostgres)
struct BookingStoreQueueTests {
    let now = BookingStoreFixture.now

    func at(_ text: String) throws -> Date { try BookingStoreFixture.beijing(text) }

    @Test(arguments: StoreKind.allCases) func checkInWithinTheWindowGivesAnAppointmentTicket(_ kind: StoreKind) async throws {
        let fixture = try await BookingStoreFixture(kind)
        let citizen = try BookingStoreFixture.citizen()
        let booking = try await fixture.bookings.book(try fixture.slot("2026-12-02 09:30"), idNumber: citizen, idempotencyKey: "b1", now: now)
        await #expect(throws: BookingRuleError(.checkInTooEarly, until: "2026-12-02 09:00")) {
            try await fixture.bookings.checkIn(code: booking.code, holder: .typed(citizen), idempotencyKey: "ci0", now: try at("2026-12-02 08:59"))
        }
        let result = try await fixture.bookings.checkIn(code: booking.code, holder: .typed(citizen), idempotencyKey: "ci1", now: try at("2026-12-02 09:00"))
        #expect(!result.late)
        #expect(result.booking.status == .checkedIn)
        #expect(result.receipt.ticket.number == "A001")
        #expect(result.receipt.ticket.priority == .appointment)
        #expect(result.receipt.ticket.queuedAt == booking.start)
        #expect(result.receipt.ticket.bookingID == booking.id)
        #expect(try await fixture.bookings.checkIn(code: booking.code, holder: .typed(citizen), idempotencyKey: "ci1", now: try at("2026-12-02 09:01")) == result)
        await #expect(throws: BookingRuleError(.bookingNotActive)) {
            try await fixture.bookings.checkIn(code: booking.code, holder: .typed(citizen), idempotencyKey: "ci2", now: try at("2026-12-02 09:01"))
        }
    }

    @Test(arguments: StoreKind.allCases) func lateCitizensJoinTheWalkInQueueWithTheirAgeClass(_ kind: StoreKind) async throws {
        let fixture = try await BookingStoreFixture(kind)
        let elderly = try BookingStoreFixture.citizen(born: "19500101")
        let booking = try await fixture.bookings.book(try fixture.slot("2026-12-02 09:30"), idNumber: elderly, idempotencyKey: "b1", now: now)
        _ = try await fixture.bookings.issueTicket(serviceID: "hukou", holder: nil, disabilityMarkedByStaff: false,
                                                   schedule: fixture.generator.schedule(for: try LocalDate("2026-12-02")),
                                                   idempotencyKey: "w1", now: try at("2026-12-02 09:40"))
        let result = try await fixture.bookings.checkIn(holder: .card(elderly), idempotencyKey: "ci", now: try at("2026-12-02 09:45"))
        #expect(result.late && result.booking.id == booking.id && result.booking.status == .checkedInLate)
        #expect(result.receipt.ticket.priority == .elderly)
        #expect(result.receipt.ticket.number == "A002")
        let arrival = try at("2026-12-02 09:45")
        #expect(result.receipt.ticket.queuedAt == arrival)
        #expect(result.receipt.ahead == 0)
        await #expect(throws: BookingRuleError(.bookingNotFound)) {
            try await fixture.bookings.checkIn(holder: .card(elderly), idempotencyKey: "ci-again", now: try at("2026-12-02 09:46"))
        }
    }

    @Test(arguments: StoreKind.allCases) func countersCallByPriorityThenWaitingTimeAndServeAfterClosing(_ kind: StoreKind) async throws {
        let fixture = try await BookingStoreFixture(kind)
        let day = fixture.generator.schedule(for: try LocalDate("2026-12-02"))
        func walkIn(_ key: String, _ time: String, service: String = "hukou", id: ResidentIDNumber? = nil,
                    disabled: Bool = false) async throws -> TicketReceipt {
            try await fixture.bookings.issueTicket(serviceID: service, holder: id.map(CitizenIdentity.card), disabilityMarkedByStaff: disabled,
                                                   schedule: day,
                                                   idempotencyKey: key, now: try at("2026-12-02 " + time))
        }
        let ordinary = try await walkIn("w1", "16:50")
        let tax = try await walkIn("w2", "16:51", service: "tax")
        let elderly = try await walkIn("w3", "16:52", id: try BookingStoreFixture.citizen(born: "19500101"))
        let disabled = try await walkIn("w4", "16:53", disabled: true)
        let secondOrdinary = try await walkIn("w5", "16:54", id: try BookingStoreFixture.citizen(born: "19900101"))
        #expect([ordinary, tax, elderly, disabled, secondOrdinary].map(\.ticket.number) == ["A001", "B001", "A002", "A003", "A004"])
        #expect([ordinary, elderly, disabled, secondOrdinary].map(\.ahead) == [0, 0, 1, 3])
        await #expect(throws: BookingRuleError(.hallClosedForWalkIns)) { try await walkIn("w6", "17:00") }

        // After closing, the counter still serves every ticket issued before it.
        var called: [String] = []
        for index in 0..<4 {
            let ticket = try #require(try await fixture.bookings.callNext(counter: "A01", serviceIDs: ["hukou"],
                                                                          idempotencyKey: "n\(index)", now: try at("2026-12-02 17:3\(index)")))
            #expect(ticket.state == .called && ticket.counter == "A01" && ticket.callCount == 1)
            called.append(ticket.number)
            _ = try await fixture.bookings.finish(ticketID: ticket.id, idempotencyKey: "f\(index)", now: try at("2026-12-02 17:3\(index)"))
        }
        #expect(called == ["A002", "A003", "A001", "A004"])
        #expect(try await fixture.bookings.callNext(counter: "A01", serviceIDs: ["hukou"], idempotencyKey: "n9",
                                                    now: try at("2026-12-02 17:40")) == nil)
        #expect(try await fixture.bookings.waitingTickets(serviceIDs: ["tax"], now: try at("2026-12-02 17:40")).map(\.number) == ["B001"])
    }

    @Test(arguments: StoreKind.allCases) func recallNoShowAndTransfer(_ kind: StoreKind) async throws {
        let fixture = try await BookingStoreFixture(kind)
        let day = fixture.generator.schedule(for: try LocalDate("2026-12-02"))
        let first = try await fixture.bookings.issueTicket(serviceID: "hukou", holder: nil, disabilityMarkedByStaff: false, schedule: day,
                                                           idempotencyKey: "w1", now: try at("2026-12-02 10:00"))
        let second = try await fixture.bookings.issueTicket(serviceID: "hukou", holder: nil, disabilityMarkedByStaff: false, schedule: day,
                                                            idempotencyKey: "w2", now: try at("2026-12-02 10:01"))
        let bTicket = try await fixture.bookings.issueTicket(serviceID: "tax", holder: nil, disabilityMarkedByStaff: false, schedule: day,
                                                             idempotencyKey: "w3", now: try at("2026-12-02 10:02"))
        await #expect(throws: BookingRuleError(.ticketStateInvalid)) {
            try await fixture.bookings.recall(ticketID: first.ticket.id, idempotencyKey: "r0", now: try at("2026-12-02 10:05"))
        }
        _ = try await fixture.bookings.callNext(counter: "A01", serviceIDs: ["hukou"], idempotencyKey: "n1", now: try at("2026-12-02 10:05"))
        let recalled = try await fixture.bookings.recall(ticketID: first.ticket.id, idempotencyKey: "r1", now: try at("2026-12-02 10:07"))
        let recalledAt = try at("2026-12-02 10:07")
        #expect(recalled.callCount == 2 && recalled.calledAt == recalledAt)
        let missing = try await fixture.bookings.markNoShow(ticketID: first.ticket.id, idempotencyKey: "x1", now: try at("2026-12-02 10:09"))
        #expect(missing.state == .noShow)

        let serving = try #require(try await fixture.bookings.callNext(counter: "A01", serviceIDs: ["hukou"], idempotencyKey: "n2",
                                                                       now: try at("2026-12-02 10:10")))
        #expect(serving.id == second.ticket.id)
        let moved = try await fixture.bookings.transfer(ticketID: serving.id, to: "tax", idempotencyKey: "t1", now: try at("2026-12-02 10:12"))
        #expect(moved.state == .waiting && moved.serviceID == "tax" && moved.number == "A002" && moved.counter == nil)
        // Keeps its place in time: it waited since 10:01, before the tax ticket of 10:02.
        let next = try await fixture.bookings.callNext(counter: "B01", serviceIDs: ["tax"], idempotencyKey: "n3", now: try at("2026-12-02 10:13"))
        #expect(next?.id == second.ticket.id)
        #expect(try await fixture.bookings.waitingTickets(serviceIDs: ["tax"], now: try at("2026-12-02 10:13")).map(\.id) == [bTicket.ticket.id])
    }

    @Test(arguments: StoreKind.allCases) func ticketNumbersStartAgainEachDay(_ kind: StoreKind) async throws {
        let fixture = try await BookingStoreFixture(kind)
        for (date, key) in [("2026-12-02", "a"), ("2026-12-02", "b"), ("2026-12-03", "c")] {
            _ = try await fixture.bookings.issueTicket(serviceID: "hukou", holder: nil, disabilityMarkedByStaff: false,
                                                       schedule: fixture.generator.schedule(for: try LocalDate(date)),
                                                       idempotencyKey: key, now: try at(date + " 10:00"))
        }
        let numbers = try await fixture.bookings.waitingTickets(serviceIDs: ["hukou"], now: try at("2026-12-03 10:00")).map(\.number)
        #expect(numbers == ["A001"])
        #expect(try await fixture.count("SELECT count(*) FROM queue_ticket WHERE number = 'A001'") == 2)
        #expect(try await fixture.count("SELECT count(*) FROM queue_ticket WHERE number = 'A002'") == 1)
    }

    @Test(arguments: StoreKind.allCases) func finishedTicketsAreRatedOncePerServiceAndCounter(_ kind: StoreKind) async throws {
        let fixture = try await BookingStoreFixture(kind)
        let day = fixture.generator.schedule(for: try LocalDate("2026-12-02"))
        let receipt = try await fixture.bookings.issueTicket(serviceID: "hukou", holder: nil, disabilityMarkedByStaff: false, schedule: day,
                                                             idempotencyKey: "w1", now: try at("2026-12-02 10:00"))
        let token = try #require(receipt.ratingToken)
        await #expect(throws: BookingRuleError(.ticketStateInvalid)) {
            try await fixture.bookings.rate(ticketID: receipt.ticket.id, proof: .token(token), score: 5, reasons: [], idempotencyKey: "r0", now: try at("2026-12-02 10:01"))
        }
        _ = try await fixture.bookings.callNext(counter: "A02", serviceIDs: ["hukou"], idempotencyKey: "n1", now: try at("2026-12-02 10:02"))
        _ = try await fixture.bookings.finish(ticketID: receipt.ticket.id, idempotencyKey: "f1", now: try at("2026-12-02 10:10"))
        await #expect(throws: BookingRuleError(.invalidRating)) {
            try await fixture.bookings.rate(ticketID: receipt.ticket.id, proof: .token(token), score: 6, reasons: [], idempotencyKey: "r1", now: try at("2026-12-02 10:11"))
        }
        let rating = try await fixture.bookings.rate(ticketID: receipt.ticket.id, proof: .token(token), score: 2, reasons: ["slowService", "attitude"],
                                                     idempotencyKey: "r2", now: try at("2026-12-02 10:11"))
        #expect(rating.serviceID == "hukou" && rating.counter == "A02" && rating.score == 2)
        await #expect(throws: BookingRuleError(.ticketStateInvalid)) {
            try await fixture.bookings.rate(ticketID: receipt.ticket.id, proof: .token(token), score: 5, reasons: [], idempotencyKey: "r3", now: try at("2026-12-02 10:12"))
        }
        #expect(try await fixture.bookings.ratings(serviceID: "hukou") == [rating])
        #expect(try await fixture.bookings.ratings(serviceID: "hukou", counter: "A02") == [rating])
        #expect(try await fixture.bookings.ratings(serviceID: "hukou", counter: "A01").isEmpty)
    }
}
