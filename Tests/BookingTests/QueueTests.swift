import Foundation
import KioskCore
import Testing
@testable import Booking

@Suite("Queue tickets: numbering, priority, closing time, estimated wait")
struct QueueTests {
    let policy = QueuePolicy(prefixes: ["hukou": "A", "tax": "B"], defaultPrefix: "Z", elderlyAge: 65,
                             averageServiceMinutes: 8)

    static func idNumber(born: String) throws -> ResidentIDNumber {
        let first17 = "110105" + born + "002"
        return try ResidentIDNumber(first17 + String(try #require(ResidentIDNumber.checkCharacter(forFirst17: first17))))
    }

    @Test func numbersArePrefixedPerServiceGroupAndZeroPadded() {
        #expect(policy.prefix(for: "hukou") == "A")
        #expect(policy.prefix(for: "tax") == "B")
        #expect(policy.prefix(for: "other") == "Z")
        #expect(QueuePolicy.ticketNumber(prefix: "A", sequence: 1) == "A001")
        #expect(QueuePolicy.ticketNumber(prefix: "B", sequence: 42) == "B042")
        #expect(QueuePolicy.ticketNumber(prefix: "A", sequence: 999) == "A999")
        #expect(QueuePolicy.ticketNumber(prefix: "A", sequence: 1000) == "A1000")
    }

    @Test func elderlyFromTheBirthDateOnTheCardCountsFromTheBirthday() throws {
        let born = try Self.idNumber(born: "19611203")
        let disabled = try Self.idNumber(born: "19900101")
        #expect(policy.walkInPriority(holder: .card(born), disabilityMarkedByStaff: false, on: try LocalDate("2026-12-02")) == .ordinary)
        #expect(policy.walkInPriority(holder: .card(born), disabilityMarkedByStaff: false, on: try LocalDate("2026-12-03")) == .elderly)
        #expect(policy.walkInPriority(holder: .card(disabled), disabilityMarkedByStaff: true, on: try LocalDate("2026-12-03")) == .disability)
        #expect(policy.walkInPriority(holder: nil, disabilityMarkedByStaff: false, on: try LocalDate("2026-12-03")) == .ordinary)
        // A typed number is anyone's to type: its birth date gives no priority.
        #expect(policy.walkInPriority(holder: .typed(born), disabilityMarkedByStaff: false, on: try LocalDate("2026-12-03")) == .ordinary)
        #expect(policy.walkInPriority(holder: .typed(try Self.idNumber(born: "19400101")), disabilityMarkedByStaff: false,
                                      on: try LocalDate("2026-12-03")) == .ordinary)
        let leapling = try #require(ResidentIDNumber.BirthDate(year: 1960, month: 2, day: 29))
        #expect(QueuePolicy.age(born: leapling, on: try LocalDate("2025-02-28")) == 64)
        #expect(QueuePolicy.age(born: leapling, on: try LocalDate("2025-03-01")) == 65)
    }

    func ticket(_ id: Int64, _ priority: PriorityClass, _ time: String, state: TicketState = .waiting) throws -> Ticket {
        Ticket(id: id, date: try LocalDate("2026-12-03"), number: "A\(id)", serviceID: "hukou", priority: priority,
               queuedAt: try Fixtures.beijing("2026-12-03 " + time), state: state, counter: nil, calledAt: nil,
               callCount: 0, bookingID: nil)
    }

    /// One number per counter on the hall's "now serving": the counter's latest call.
    @Test func nowServingShowsEachCountersLatestCall() throws {
        func called(_ id: Int64, _ counter: String, _ time: String) throws -> Ticket {
            let queued = try ticket(id, .ordinary, "08:30")
            return Ticket(id: id, date: queued.date, number: queued.number, serviceID: "hukou", priority: .ordinary, queuedAt: queued.queuedAt,
                          state: .called, counter: counter, calledAt: try Fixtures.beijing("2026-12-03 " + time), callCount: 1, bookingID: nil)
        }
        let board = Ticket.nowServing([try called(1, "A1", "09:00"), try called(2, "A2", "09:05"), try called(3, "A1", "09:10")])
        #expect(board.map(\.number) == ["A3", "A2"])
        #expect(Ticket.nowServing([]).isEmpty)
    }

    @Test func callOrderIsPriorityThenWaitingTime() throws {
        let tickets = [
            try ticket(1, .ordinary, "09:00"),
            try ticket(2, .elderly, "09:20"),
            try ticket(3, .appointment, "09:30"),
            try ticket(4, .disability, "09:10"),
            try ticket(5, .appointment, "09:00"),
            try ticket(6, .ordinary, "08:55", state: .called),
            try ticket(7, .ordinary, "09:00"),
        ]
        #expect(QueuePolicy.callOrder(tickets).map(\.id) == [5, 3, 4, 2, 1, 7])
    }

    @Test func walkInsStopAtClosingButNotBefore() throws {
        let generator = SlotGenerator(calendar: try Fixtures.calendar(), hours: .standard)
        let thursday = generator.schedule(for: try LocalDate("2026-12-03"))
        try policy.checkWalkInsOpen(now: try Fixtures.beijing("2026-12-03 09:00"), schedule: thursday, zone: Fixtures.shanghai)
        try policy.checkWalkInsOpen(now: try Fixtures.beijing("2026-12-03 16:59"), schedule: thursday, zone: Fixtures.shanghai)
        for time in ["2026-12-03 17:00", "2026-12-03 08:59", "2026-12-04 10:00"] {
            #expect(throws: BookingRuleError(.hallClosedForWalkIns)) {
                try policy.checkWalkInsOpen(now: try Fixtures.beijing(time), schedule: thursday, zone: Fixtures.shanghai)
            }
        }
        let saturday = generator.schedule(for: try LocalDate("2026-12-05"))
        #expect(throws: BookingRuleError(.hallClosedForWalkIns)) {
            try policy.checkWalkInsOpen(now: try Fixtures.beijing("2026-12-05 10:00"), schedule: saturday, zone: Fixtures.shanghai)
        }
    }

    @Test func walkInsCanStopBeforeClosing() throws {
        let generator = SlotGenerator(calendar: try Fixtures.calendar(), hours: .standard)
        let thursday = generator.schedule(for: try LocalDate("2026-12-03"))
        var early = policy
        early.walkInCutoffMinutes = 45
        try early.checkWalkInsOpen(now: try Fixtures.beijing("2026-12-03 16:14"), schedule: thursday, zone: Fixtures.shanghai)
        #expect(throws: BookingRuleError(.hallClosedForWalkIns)) {
            try early.checkWalkInsOpen(now: try Fixtures.beijing("2026-12-03 16:15"), schedule: thursday, zone: Fixtures.shanghai)
        }
        #expect(QueuePolicy.isValidPrefix("A") && QueuePolicy.isValidPrefix("ABC"))
        #expect(!QueuePolicy.isValidPrefix("") && !QueuePolicy.isValidPrefix("ABCD") && !QueuePolicy.isValidPrefix("a")
                && !QueuePolicy.isValidPrefix("A1") && !QueuePolicy.isValidPrefix("户"))
    }

    @Test func estimatedWaitRoundsUpPerServingCounter() {
        #expect(policy.estimatedWaitMinutes(ahead: 0, counters: 2) == 0)
        #expect(policy.estimatedWaitMinutes(ahead: 5, counters: 1) == 40)
        #expect(policy.estimatedWaitMinutes(ahead: 5, counters: 3) == 14)
        #expect(policy.estimatedWaitMinutes(ahead: 5, counters: 0) == 40)
    }
}
