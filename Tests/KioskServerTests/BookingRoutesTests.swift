import Booking
import Foundation
import HTTPTypes
import Access
import Hummingbird
import HummingbirdTesting
import KioskApp
import KioskConfig
import KioskCore
@testable import KioskServer
import KioskTesting
import Logging
import Synchronization
import Testing

/// Booking, check-in and the queue driven through the HTTP API, on the terminal's real store
/// and the shipped 2026 calendar, with the hall's clock set by the test.
@Suite("Booking endpoints")
struct BookingRoutesTests {
    static let config = """
    [[services]]
    id = "hukou"
    name_zh = "户籍业务"
    name_en = "Household registration"
    duration_minutes = 20
    counters = ["A1", "A2"]
    capacity_per_slot = 2

    [[services]]
    id = "notary"
    name_zh = "公证"
    name_en = "Notarisation"
    duration_minutes = 60
    counters = ["N1"]
    """

    /// The hall's clock, moved by the test.
    final class Clock: Sendable {
        let instant: Mutex<Date>
        init(_ text: String) { instant = Mutex(Self.parse(text)) }
        func set(_ text: String) { instant.withLock { $0 = Self.parse(text) } }
        var now: Date { instant.withLock { $0 } }
        static func parse(_ text: String) -> Date {
            (try? Date(text, strategy: .iso8601)) ?? Date(timeIntervalSince1970: 0)
        }
    }

    let installation: TestInstallation
    let application: KioskApplication
    /// Monday 28 September 2026, 10:00 in Beijing: the week before the National Day break.
    let clock = Clock("2026-09-28T10:00:00+08:00")

    init() async throws {
        installation = try TestInstallation(config: Self.config)
        application = try await KioskApplication.onTestInstallation(installation)
    }

    static let idNumber = validID("11010519900517001")
    static let otherIDNumber = validID("11010519450101002")

    static func validID(_ first17: String) -> String {
        first17 + String(ResidentIDNumber.checkCharacter(forFirst17: first17)!)
    }

    func withClient(_ test: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        var dependencies = application.serverDependencies
        let clock = clock
        dependencies.booking?.now = { clock.now }
        let app = Application(router: KioskRoutes.router(dependencies))
        try await app.test(.router, test)
    }


    func post(_ client: any TestClientProtocol, _ uri: String, key: String?, _ json: String = "{}") async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/json"]
        // Counter work is staff work: those calls go with a staff sign-in.
        if uri.hasPrefix("/v1/counters/") || ["/recall", "/finish", "/no-show", "/transfer"].contains(where: uri.hasSuffix) {
            headers[.authorization] = try await application.bearer(client, role: .staff)
        }
        if let key { headers[HTTPField.Name("Idempotency-Key")!] = key }
        return try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: json))
    }

    /// Holds `slotID` and confirms it for `idNumber`; returns the booking code.
    func book(_ client: any TestClientProtocol, _ slotID: String, idNumber: String = BookingRoutesTests.idNumber,
              key: String) async throws -> String {
        let hold = try await post(client, "/v1/holds", key: key + "-hold", #"{"slotId":"\#(slotID)","idNumber":"\#(idNumber)"}"#)
        #expect(hold.status == .created)
        let holdID = try hold.decoded(HoldView.self).holdId
        let booked = try await post(client, "/v1/bookings", key: key, #"{"holdId":"\#(holdID)","idNumber":"\#(idNumber)"}"#)
        #expect(booked.status == .created)
        return try booked.decoded(BookingView.self).code
    }

    @Test func servicesAreListed() async throws {
        try await withClient { client in
            let response = try await client.execute(uri: "/v1/services", method: .get)
            #expect(response.status == .ok)
            let services = try response.decoded([ServiceView].self)
            #expect(services.map(\.id) == ["hukou", "notary"])
            #expect(services.first?.nameZh == "户籍业务")
            #expect(services.first?.capacityPerSlot == 2)
        }
    }

    @Test func slotsFollowTheOfficialCalendar() async throws {
        try await withClient { client in
            let response = try await client.execute(uri: "/v1/services/hukou/slots?from=2026-09-30&to=2026-10-10", method: .get)
            #expect(response.status == .ok)
            let byDate = Dictionary(grouping: try response.decoded([SlotView].self), by: \.date)
            // National Day (1–7 October) is closed; Saturday 10 October is a make-up working day.
            #expect(byDate.keys.sorted() == ["2026-09-30", "2026-10-08", "2026-10-09", "2026-10-10"])
            // 09:00–17:00 in 20-minute slots; the lunch break has one of the two counters.
            let october8 = try #require(byDate["2026-10-08"])
            #expect(october8.count == 24)
            #expect(october8.first?.id == "hukou:2026-10-08T09:00+08:00")
            #expect(october8.first?.start == Date(timeIntervalSince1970: 1_791_421_200))   // 2026-10-08T01:00:00Z
            #expect(october8.first?.remaining == 2)
            let lunch = october8.filter { $0.kind == .lunchDuty }
            #expect(lunch.map(\.startTime) == ["12:00", "12:20", "12:40", "13:00", "13:20"])
            #expect(lunch.allSatisfy { $0.capacity == 1 })
            // 30 September is still summer: the lunch break runs to 14:30.
            #expect(try #require(byDate["2026-09-30"]).filter { $0.kind == .lunchDuty }.last?.startTime == "14:20")

            let unknown = try await client.execute(uri: "/v1/services/passport/slots", method: .get)
            #expect(unknown.status == .notFound)
            #expect(try unknown.decoded(Problem.self).code == "serviceNotFound")
            let badDate = try await client.execute(uri: "/v1/services/hukou/slots?from=2026-02-30", method: .get)
            #expect(badDate.status == .badRequest)
        }
    }

    @Test func holdConfirmLookUpCalendarCancel() async throws {
        try await withClient { client in
            let slotID = "hukou:2026-10-08T09:00+08:00"
            let hold = try await post(client, "/v1/holds", key: "h1", #"{"slotId":"\#(slotID)","idNumber":"\#(Self.idNumber)"}"#)
            #expect(hold.status == .created)
            let held = try hold.decoded(HoldView.self)
            let holdID = held.holdId
            #expect(held.expiresAt == Date(timeIntervalSince1970: 1_790_561_100))   // 2026-09-28T02:05:00Z

            let confirm = #"{"holdId":"\#(holdID)","idNumber":"\#(Self.idNumber)"}"#
            let booked = try await post(client, "/v1/bookings", key: "b1", confirm)
            #expect(booked.status == .created)
            let booking = try booked.decoded(BookingView.self)
            let code = booking.code
            #expect(booking.status == .confirmed)
            #expect(booking.maskedIdNumber == "110105********" + Self.idNumber.suffix(4))
            let calendarURL = booking.calendarUrl
            #expect(calendarURL.hasPrefix("/v1/bookings/\(code).ics?key="))
            #expect(!String(buffer: booked.body).contains(Self.idNumber))

            // A retry of the same request returns the same booking, not a second one.
            let retried = try await post(client, "/v1/bookings", key: "b1", confirm)
            #expect(retried.status == .created)
            #expect(try retried.decoded(BookingView.self).code == code)
            let slots = try await client.execute(uri: "/v1/services/hukou/slots?from=2026-10-08", method: .get).decoded([SlotView].self)
            #expect(slots.first { $0.id == slotID }?.remaining == 1)

            // Look-up needs the code and the ID number, in the body.
            let found = try await post(client, "/v1/bookings/lookup", key: nil, #"{"code":"\#(code)","idNumber":"\#(Self.idNumber)"}"#)
            #expect(found.status == .ok)
            #expect(try found.decoded(BookingView.self).onDayOff == false)
            let stranger = try await post(client, "/v1/bookings/lookup", key: nil, #"{"code":"\#(code)","idNumber":"\#(Self.otherIDNumber)"}"#)
            #expect(stranger.status == .notFound)
            #expect(try stranger.decoded(Problem.self).code == "bookingNotFound")

            let ics = try await client.execute(uri: calendarURL, method: .get)
            #expect(ics.status == .ok)
            #expect(ics.headers[.contentType] == "text/calendar; charset=utf-8")
            let event = String(buffer: ics.body)
            #expect(event.contains("METHOD:PUBLISH\r\n"))
            #expect(event.contains("DTSTART;TZID=Asia/Shanghai:20261008T090000\r\n"))
            #expect(event.contains("DTEND;TZID=Asia/Shanghai:20261008T092000\r\n"))
            #expect(event.contains("SEQUENCE:0\r\n"))
            #expect(!event.contains(Self.idNumber) && !event.contains(String(Self.idNumber.suffix(6))))

            let cancelled = try await post(client, "/v1/bookings/\(code)/cancel", key: "c1", #"{"idNumber":"\#(Self.idNumber)"}"#)
            #expect(cancelled.status == .ok)
            #expect(try cancelled.decoded(BookingView.self).status == .cancelled)
            let cancelEvent = String(buffer: try await client.execute(uri: calendarURL, method: .get).body)
            #expect(cancelEvent.contains("METHOD:CANCEL\r\n") && cancelEvent.contains("STATUS:CANCELLED\r\n") && cancelEvent.contains("SEQUENCE:1\r\n"))
            let again = try await post(client, "/v1/bookings/\(code)/cancel", key: "c2", #"{"idNumber":"\#(Self.idNumber)"}"#)
            #expect(again.status == .conflict)
            #expect(try again.decoded(Problem.self).code == "bookingNotActive")
        }
    }

    @Test func rescheduleMovesTheBooking() async throws {
        try await withClient { client in
            let code = try await book(client, "hukou:2026-10-08T09:00+08:00", key: "r0")
            let moved = try await post(client, "/v1/bookings/\(code)/reschedule", key: "r1",
                                       #"{"idNumber":"\#(Self.idNumber)","slotId":"hukou:2026-10-09T10:00+08:00"}"#)
            #expect(moved.status == .ok)
            let booking = try moved.decoded(BookingView.self)
            #expect(booking.date == "2026-10-09")
            #expect(booking.sequence == 1)
            let toHoliday = try await post(client, "/v1/bookings/\(code)/reschedule", key: "r2",
                                           #"{"idNumber":"\#(Self.idNumber)","slotId":"hukou:2026-10-01T10:00+08:00"}"#)
            #expect(toHoliday.status == .notFound)
            #expect(try toHoliday.decoded(Problem.self).code == "slotNotFound")
        }
    }

    @Test func mutationsNeedAnIdempotencyKey() async throws {
        try await withClient { client in
            let response = try await post(client, "/v1/holds", key: nil, #"{"slotId":"hukou:2026-10-08T09:00+08:00","idNumber":"\#(Self.idNumber)"}"#)
            #expect(response.status == .badRequest)
            let problem = try response.decoded(Problem.self)
            #expect(problem.code == "idempotencyKeyRequired")
            #expect(problem.messages.zh == "请求缺少 Idempotency-Key 请求头")
            #expect(try await post(client, "/v1/tickets", key: nil, #"{"serviceId":"hukou"}"#).status == .badRequest)
            #expect(try await post(client, "/v1/counters/A1/call-next", key: nil).status == .badRequest)
        }
    }

    @Test func aFullSlotAndTheQuotaAreRefused() async throws {
        try await withClient { client in
            let slotID = "notary:2026-10-08T09:00+08:00"
            _ = try await book(client, slotID, key: "n1")
            let full = try await post(client, "/v1/holds", key: "n2", #"{"slotId":"\#(slotID)","idNumber":"\#(Self.otherIDNumber)"}"#)
            #expect(full.status == .conflict)
            let problem = try full.decoded(Problem.self)
            #expect(problem.code == "slotFull")
            #expect(problem.messages.en == "This time slot is fully booked; choose another.")

            // One active booking per service and ID number (the default quota): the hold is refused already.
            let second = try await post(client, "/v1/holds", key: "n3", #"{"slotId":"notary:2026-10-08T10:00+08:00","idNumber":"\#(Self.idNumber)"}"#)
            #expect(second.status == .unprocessableContent)
            #expect(try second.decoded(Problem.self).code == "quotaPerServiceExceeded")
            // A capacity sent by the client is not a field the API knows.
            let forged = try await post(client, "/v1/holds", key: "n5", #"{"slotId":"\#(slotID)","idNumber":"\#(Self.otherIDNumber)","capacity":99}"#)
            #expect(forged.status == .badRequest)
        }
    }

    @Test func checkInTicketsCallFinishAndRate() async throws {
        try await withClient { client in
            let code = try await book(client, "hukou:2026-10-08T10:00+08:00", key: "q0")

            clock.set("2026-10-08T09:00:00+08:00")
            let early = try await post(client, "/v1/check-ins", key: "q1", #"{"code":"\#(code)","idNumber":"\#(Self.idNumber)"}"#)
            #expect(early.status == .unprocessableContent)
            #expect(try early.decoded(Problem.self).code == "checkInTooEarly")
            #expect(try early.decoded(Problem.self).messages.en == "Check-in opens at 2026-10-08 09:30.")

            // A walk-in arrives first; the appointment still goes ahead of them.
            clock.set("2026-10-08T09:40:00+08:00")
            let walkIn = try await post(client, "/v1/tickets", key: "q2", #"{"serviceId":"hukou"}"#)
            #expect(walkIn.status == .created)
            let walkInTicket = try walkIn.decoded(TicketView.self)
            #expect(walkInTicket.number == "A001")
            #expect(walkInTicket.priority == .ordinary)
            #expect(walkInTicket.ahead?.value == 0)

            let checkIn = try await post(client, "/v1/check-ins", key: "q3", #"{"idNumber":"\#(Self.idNumber)"}"#)
            #expect(checkIn.status == .created)
            let checkedIn = try checkIn.decoded(CheckInView.self)
            #expect(checkedIn.late == false)
            #expect(checkedIn.booking.status == .checkedIn)
            let ticket = checkedIn.ticket
            let token = try #require(ticket.ratingToken)
            #expect(ticket.number == "A002")
            #expect(ticket.priority == .appointment)
            #expect(ticket.ahead?.value == 0)

            let queue = try await client.execute(uri: "/v1/queue", method: .get).decoded([QueueView].self)
            #expect(queue.first { $0.serviceId == "hukou" }?.numbers == ["A002", "A001"])

            let called = try await post(client, "/v1/counters/A1/call-next", key: "q4")
            #expect(called.status == .ok)
            let calledTicket = try #require(try called.decoded(CalledView.self).ticket)
            #expect(calledTicket.number == "A002")
            #expect(calledTicket.state == .called)
            #expect(calledTicket.counter == "A1")
            let ticketID = calledTicket.id

            #expect(try await post(client, "/v1/tickets/\(ticketID)/recall", key: "q5").status == .ok)
            let notYetFinished = try await post(client, "/v1/tickets/\(ticketID)/rating", key: "q6", #"{"score":5,"ratingToken":"\#(token)"}"#)
            #expect(notYetFinished.status == .conflict)
            let finished = try await post(client, "/v1/tickets/\(ticketID)/finish", key: "q7")
            #expect(try finished.decoded(TicketView.self).state == .finished)

            let rated = try await post(client, "/v1/tickets/\(ticketID)/rating", key: "q8", #"{"score":4,"reasons":["slowService"],"ratingToken":"\#(token)"}"#)
            #expect(rated.status == .created)
            let rating = try rated.decoded(RatingView.self)
            #expect(rating.counter == "A1")
            #expect(rating.serviceId == "hukou")
            #expect(rating.score == 4)
            let badScore = try await post(client, "/v1/tickets/\(ticketID)/rating", key: "q9", #"{"score":9,"ratingToken":"\#(token)"}"#)
            #expect(badScore.status == .unprocessableContent)
            #expect(try badScore.decoded(Problem.self).code == "invalidRating")

            // The walk-in is next; nobody after them.
            #expect(try await post(client, "/v1/counters/A2/call-next", key: "q10").decoded(CalledView.self).ticket?.number == "A001")
            let nobody = try await post(client, "/v1/counters/A2/call-next", key: "q11")
            #expect(String(buffer: nobody.body) == #"{"ticket":null}"#)
        }
    }

    @Test func walkInsStopAtClosingTime() async throws {
        try await withClient { client in
            clock.set("2026-10-08T17:05:00+08:00")
            let late = try await post(client, "/v1/tickets", key: "w1", #"{"serviceId":"hukou"}"#)
            #expect(late.status == .unprocessableContent)
            #expect(try late.decoded(Problem.self).code == "hallClosedForWalkIns")
        }
    }
}
