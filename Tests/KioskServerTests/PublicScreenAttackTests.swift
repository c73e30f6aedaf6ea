import Access
import Booking
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KioskApp
import KioskConfig
import KioskCore
@testable import KioskServer
import KioskTesting
import Logging
import Storage
import Testing

/// Issue 14, items 7–12: what an anonymous person at the public screen (or on the loopback API)
/// tried, and must no longer get, through the real routes and the terminal's real SQLite store.
/// Each test names the attack first, then shows the citizen it aimed at is still served.
@Suite("The anonymous person at the screen")
struct PublicScreenAttackTests {
    /// Limits high enough that only the limit under test is reached.
    static let config = BookingRoutesTests.config + """

    [limits]
    booking_per_minute = 6000
    print_per_minute = 600
    """

    let installation: TestInstallation
    let application: KioskApplication
    let clock = BookingRoutesTests.Clock("2026-09-28T10:00:00+08:00")
    let cards = CardDesk()

    init() async throws {
        installation = try TestInstallation(config: Self.config)
        application = try await KioskApplication.onTestInstallation(installation)
    }

    static let holder = BookingRoutesTests.idNumber
    static let stranger = BookingRoutesTests.otherIDNumber
    /// Born 1 January 1940: elderly by any measure, if the birth date were believed.
    static let born1940 = BookingRoutesTests.validID("11010519400101003")

    func withClient(_ dependencies: ServerDependencies? = nil, _ test: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        var dependencies = dependencies ?? application.serverDependencies
        let clock = clock
        dependencies.booking?.now = { clock.now }
        dependencies.access.now = { clock.now }
        dependencies.booking?.cards = cards
        try await Application(router: KioskRoutes.router(dependencies)).test(.router, test)
    }

    func post(_ client: any TestClientProtocol, _ uri: String, key: String?, _ json: String = "{}",
              authorization: String? = nil) async throws -> TestResponse {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let key { headers[HTTPField.Name("Idempotency-Key")!] = key }
        if let authorization { headers[.authorization] = authorization }
        return try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: json))
    }

    func problemCode(_ response: TestResponse) throws -> String? { try response.decoded(Problem.self).code }

    func placeCard(_ idNumber: String) async {
        await cards.present(.init(facts: IDCardFacts(documentNumber: idNumber), summary: .init(
            cardType: "resident", maskedNumber: String(idNumber.prefix(6)) + "********" + String(idNumber.suffix(4)), failedChecks: [])))
    }

    /// Holds and confirms `slotID` for `idNumber`; returns the booking's answer.
    func book(_ client: any TestClientProtocol, _ slotID: String, idNumber: String = holder, key: String) async throws -> BookingView {
        let hold = try await post(client, "/v1/holds", key: key + "-hold", #"{"slotId":"\#(slotID)","idNumber":"\#(idNumber)"}"#)
        #expect(hold.status == .created)
        let holdID = try hold.decoded(HoldView.self).holdId
        let booked = try await post(client, "/v1/bookings", key: key, #"{"holdId":"\#(holdID)","idNumber":"\#(idNumber)"}"#)
        #expect(booked.status == .created)
        return try booked.decoded(BookingView.self)
    }

    // MARK: 7. Self-declared queue priority

    @Test func priorityIsNeverSelfDeclared() async throws {
        try await withClient { client in
            clock.set("2026-09-28T10:00:00+08:00")
            // Declaring a disability without a staff sign-in gets nothing, not even an ordinary ticket.
            let declared = try await post(client, "/v1/tickets", key: "p1", #"{"serviceId":"hukou","disability":true}"#)
            #expect(declared.status == .forbidden)
            #expect(try problemCode(declared) == "priorityNeedsStaff")
            // A typed birth date of 1940 is ordinary.
            let typed = try await post(client, "/v1/tickets", key: "p2", #"{"serviceId":"hukou","idNumber":"\#(Self.born1940)"}"#)
            #expect(typed.status == .created)
            #expect(try typed.decoded(TicketView.self).priority == .ordinary)
            // The same birth date read from the card is elderly.
            await placeCard(Self.born1940)
            let carded = try await post(client, "/v1/tickets", key: "p3", #"{"serviceId":"hukou","useCard":true}"#)
            #expect(try carded.decoded(TicketView.self).priority == .elderly)
            // Staff mark a disability, and the audit log says who.
            let staff = try await application.bearer(client, role: .staff)
            let marked = try await post(client, "/v1/tickets", key: "p4", #"{"serviceId":"hukou","disability":true}"#, authorization: staff)
            #expect(marked.status == .created)
            let ticket = try marked.decoded(TicketView.self)
            #expect(ticket.priority == .disability)
            let audit = try await application.access.auditRecords()
            let entry = try #require(audit.last { $0.action == "queue.priorityMarked" })
            #expect(entry.actor == "T-staff" && entry.target == "ticket:\(ticket.id)")
            #expect(entry.details.contains(#""priority":"disability""#))
            // A technician's token is no staff marking either.
            let technician = try await application.bearer(client, role: .technician)
            #expect(try await post(client, "/v1/tickets", key: "p5", #"{"serviceId":"hukou","disability":true}"#,
                                   authorization: technician).status == .forbidden)
            let queue = try await client.execute(uri: "/v1/queue", method: .get).decoded([QueueView].self)
            #expect(queue.first { $0.serviceId == "hukou" }?.waiting == 3)
        }
    }

    // MARK: 8. Check-in, look-up, calendar, slip and cancel with the code alone

    @Test func theCodeAloneActsOnNoBooking() async throws {
        try await withClient { client in
            let booking = try await book(client, "hukou:2026-10-08T10:00+08:00", key: "b1")
            let code = booking.code
            let calendarURL = booking.calendarUrl
            clock.set("2026-10-08T09:40:00+08:00")
            // The code alone: refused before anything is looked up.
            for (uri, body) in [("/v1/check-ins", #"{"code":"\#(code)"}"#), ("/v1/bookings/lookup", #"{"code":"\#(code)"}"#),
                                ("/v1/bookings/\(code)/slip", "{}"), ("/v1/bookings/\(code)/cancel", "{}")] {
                let response = try await post(client, uri, key: "k-" + uri, body)
                #expect(response.status == .badRequest, "\(uri)")
                #expect(try problemCode(response) == "identityRequired", "\(uri)")
            }
            // The code with a stranger's number (typed or on the card) finds nothing.
            let typed = try await post(client, "/v1/check-ins", key: "c1", #"{"code":"\#(code)","idNumber":"\#(Self.stranger)"}"#)
            #expect(typed.status == .notFound)
            #expect(try problemCode(typed) == "bookingNotFound")
            await placeCard(Self.stranger)
            let carded = try await post(client, "/v1/check-ins", key: "c2", #"{"code":"\#(code)","useCard":true}"#)
            #expect(carded.status == .notFound)
            for (uri, key) in [("/v1/bookings/\(code)/slip", "s1"), ("/v1/bookings/\(code)/cancel", "x1")] {
                #expect(try await post(client, uri, key: key, #"{"idNumber":"\#(Self.stranger)"}"#).status == .notFound, "\(uri)")
            }
            // The calendar file needs the key its holder was given.
            #expect(try await client.execute(uri: "/v1/bookings/\(code).ics", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/v1/bookings/\(code).ics?key=\(UUID().uuidString)", method: .get).status == .notFound)
            #expect(try await client.execute(uri: calendarURL, method: .get).status == .ok)
            // The holder's own check-in still works: nobody took the appointment.
            await placeCard(Self.holder)
            let own = try await post(client, "/v1/check-ins", key: "c3", #"{"code":"\#(code)","useCard":true}"#)
            #expect(own.status == .created)
            #expect(try own.decoded(CheckInView.self).booking.status == .checkedIn)
        }
    }

    // MARK: 9. Guessing codes

    @Test func guessingCodesIsThrottledPerTerminal() async throws {
        try await withClient { client in
            let booking = try await book(client, "hukou:2026-10-08T10:00+08:00", key: "b1")
            let code = booking.code
            var generator = SystemRandomNumberGenerator()
            // Ten misses a minute are answered; the eleventh try, even a right one, waits.
            for attempt in 0..<10 {
                let guess = BookingCode.random(using: &generator).value
                let miss = try await post(client, "/v1/bookings/lookup", key: nil, #"{"code":"\#(guess)","idNumber":"\#(Self.holder)"}"#)
                #expect(miss.status == .notFound, "guess \(attempt)")
            }
            let paths = ["/v1/bookings/lookup", "/v1/check-ins", "/v1/bookings/\(code)/cancel", "/v1/drafts/resume"]
            for path in paths {
                let refused = try await post(client, path, key: "g-" + path, #"{"code":"\#(code)","idNumber":"\#(Self.holder)"}"#)
                #expect(refused.status == .tooManyRequests, "\(path)")
                #expect(try problemCode(refused) == "tooManyMisses")
                #expect(Int(refused.headers[.retryAfter] ?? "") ?? 0 > 0)
            }
            #expect(try await client.execute(uri: "/v1/bookings/\(code).ics", method: .get).status == .tooManyRequests)
            // A minute after the first miss the holder is answered again.
            clock.set("2026-09-28T10:01:01+08:00")
            let found = try await post(client, "/v1/bookings/lookup", key: nil, #"{"code":"\#(code)","idNumber":"\#(Self.holder)"}"#)
            #expect(found.status == .ok)
            // Hits are not misses: look-ups that find the booking never lock anyone out.
            for _ in 0..<20 {
                #expect(try await post(client, "/v1/bookings/lookup", key: nil, #"{"code":"\#(code)","idNumber":"\#(Self.holder)"}"#).status == .ok)
            }
        }
    }

    // MARK: 10. Anonymous holds emptying a day

    @Test func holdsNeedAnIdentityAndOneCitizenCannotEmptyADay() async throws {
        try await withClient { client in
            // Sixteen anonymous holds: none is taken.
            for index in 0..<16 {
                let slot = String(format: "notary:2026-10-08T%02d:00+08:00", 9 + index % 8)
                let anonymous = try await post(client, "/v1/holds", key: "a\(index)", #"{"slotId":"\#(slot)"}"#)
                #expect(anonymous.status == .badRequest)
                #expect(try problemCode(anonymous) == "identityRequired")
            }
            // One ID number holding every slot of the day keeps one place at a time.
            let day = (9..<17).filter { $0 != 12 }.map { String(format: "notary:2026-10-08T%02d:00+08:00", $0) }
            for (index, slot) in day.enumerated() {
                let held = try await post(client, "/v1/holds", key: "h\(index)", #"{"slotId":"\#(slot)","idNumber":"\#(Self.stranger)"}"#)
                #expect(held.status == .created, "\(slot)")
            }
            let slots = try await client.execute(uri: "/v1/services/notary/slots?from=2026-10-08", method: .get).decoded([SlotView].self)
            let full = slots.filter { day.contains($0.id) && $0.remaining == 0 }
            #expect(full.count == 1, "one open hold per ID number")
            // Everyone else still books that day, and the holder of the open hold cannot book another of the service.
            _ = try await book(client, day[0], idNumber: Self.holder, key: "b1")
            let hold = try await post(client, "/v1/holds", key: "h-again", #"{"slotId":"notary:2026-10-09T09:00+08:00","idNumber":"\#(Self.stranger)"}"#)
            #expect(hold.status == .created)
        }
    }

    // MARK: 11. Unlimited printing

    @Test func printingIsLimitedPerBookingPerJobAndPerMinute() async throws {
        try await withClient { client in
            let technician = try await application.signedIn(client, role: .technician)
            let booking = try await book(client, "hukou:2026-10-08T10:00+08:00", key: "b1")
            let code = booking.code
            let slip = "/v1/bookings/\(code)/slip"
            let body = #"{"idNumber":"\#(Self.holder)"}"#
            // A slip takes an Idempotency-Key; the same key twice is one slip.
            #expect(try await post(client, slip, key: nil, body).status == .badRequest)
            let first = try await post(client, slip, key: "s1", body)
            #expect(first.status == .created)
            let retried = try await post(client, slip, key: "s1", body)
            let firstJob = try #require(try first.decoded(PrintedSlip.self).receipt.jobId)
            #expect(try retried.decoded(PrintedSlip.self).receipt.jobId == firstJob)
            // Three slips per booking.
            #expect(try await post(client, slip, key: "s2", body).status == .created)
            #expect(try await post(client, slip, key: "s3", body).status == .created)
            let fourth = try await post(client, slip, key: "s4", body)
            #expect(fourth.status == .conflict)
            #expect(try problemCode(fourth) == "slipLimitReached")
            let jobs = DeviceStore(store: application.store)
            #expect(try await jobs.printJobCount(reference: "booking-\(code)") == 3)

            // Three reprints per job; a failed reprint leaves the printed job printed.
            let reprint = "/v1/print-jobs/\(firstJob)/reprint"
            _ = try await technician.execute(uri: "/v1/simulator/printer", method: .post, body: ByteBuffer(string: #"{"paper":"out"}"#))
            let failed = try await post(client, reprint, key: "r1")
            #expect(try failed.decoded(PrintOutcome.self).state == .failed)
            let kept = try await jobs.printJob(try #require(UUID(uuidString: firstJob)))
            #expect(kept?.state == "printed" && kept?.attempts == 2, "a failed reprint overwrote the job it reprints")
            _ = try await technician.execute(uri: "/v1/simulator/printer", method: .post, body: ByteBuffer(string: #"{"paper":"ok"}"#))
            #expect(try await post(client, reprint, key: "r2").decoded(PrintOutcome.self).state == .printed)
            #expect(try await post(client, reprint, key: "r2").status == .ok, "a retry is answered, not printed again")
            #expect(try await post(client, reprint, key: "r3").status == .ok)
            let limited = try await post(client, reprint, key: "r4")
            #expect(limited.status == .conflict)
            #expect(try problemCode(limited) == "reprintLimitReached")
            #expect(try await post(client, reprint, key: "s1").status == .conflict, "a slip's key is not a reprint's")
        }
    }

    @Test func printingIsLimitedPerTerminalPerMinute() async throws {
        var dependencies = application.serverDependencies
        dependencies.access.rateLimiter = RateLimiter(["printing": .perMinute(6)])
        try await withClient(dependencies) { client in
            let booking = try await book(client, "hukou:2026-10-08T10:00+08:00", key: "b1")
            let code = booking.code
            // The default six prints a minute: slips of three bookings and reprints of one job.
            let job = try #require(try await post(client, "/v1/bookings/\(code)/slip", key: "s1", #"{"idNumber":"\#(Self.holder)"}"#)
                .decoded(PrintedSlip.self).receipt.jobId)
            var statuses: [Int] = []
            for index in 0..<8 {
                statuses.append(Int(try await post(client, "/v1/print-jobs/\(job)/reprint", key: "r\(index)").status.code))
            }
            #expect(statuses.filter { $0 == 429 }.count >= 2)
            #expect(statuses.prefix(3) == [200, 200, 200])
        }
    }

    // MARK: 12. Rating any ticket

    @Test func onlyWhoeverTookTheTicketRatesIt() async throws {
        try await withClient { client in
            clock.set("2026-09-28T10:00:00+08:00")
            let staff = try await application.bearer(client, role: .staff)
            let walkIn = try await post(client, "/v1/tickets", key: "w1", #"{"serviceId":"hukou"}"#).decoded(TicketView.self)
            let id = walkIn.id
            let token = try #require(walkIn.ratingToken)
            _ = try await post(client, "/v1/counters/A1/call-next", key: "n1", authorization: staff)
            _ = try await post(client, "/v1/tickets/\(id)/finish", key: "f1", authorization: staff)
            // Sequential ids invite rating every ticket: without the token, nothing.
            let bare = try await post(client, "/v1/tickets/\(id)/rating", key: "r1", #"{"score":1}"#)
            #expect(bare.status == .badRequest)
            #expect(try problemCode(bare) == "ratingProofRequired")
            let guessed = try await post(client, "/v1/tickets/\(id)/rating", key: "r2", #"{"score":1,"ratingToken":"\#(RatingToken.random())"}"#)
            #expect(guessed.status == .forbidden)
            #expect(try problemCode(guessed) == "ratingNotAllowed")
            await placeCard(Self.stranger)
            #expect(try await post(client, "/v1/tickets/\(id)/rating", key: "r3", #"{"score":1,"useCard":true}"#).status == .forbidden)
            // The queue and the events never carry the token.
            let queue = String(buffer: try await client.execute(uri: "/v1/queue", method: .get).body)
            #expect(!queue.contains(token))
            let rated = try await post(client, "/v1/tickets/\(id)/rating", key: "r4", #"{"score":5,"ratingToken":"\#(token)"}"#)
            #expect(rated.status == .created)
        }
    }
}
