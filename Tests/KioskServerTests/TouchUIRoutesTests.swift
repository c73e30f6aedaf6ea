import DeviceKit
import ESCPOS
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KioskApp
import KioskCore
@testable import KioskServer
import KioskTesting
import Testing

/// What the touch UI needs from the server: its static files (and nothing beside them), QR codes
/// for the screen, the card on the reader standing in for a typed ID number, and queue updates
/// on the event stream. The UI itself is walked in Chromium by Tests/browser.
@Suite("Touch UI routes")
struct TouchUIRoutesTests {
    /// A UI directory with a file of each kind, and what must never be served from it.
    static func uiDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kiosk-ui-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("nested"), withIntermediateDirectories: true)
        let files = [
            "index.html": "<!doctype html><title>t</title>", "app.js": "'use strict';", "style.css": "body{}",
            "secret": "no extension", ".hidden.js": "dot file", "nested/inner.js": "in a subdirectory",
        ]
        for (name, text) in files { try Data(text.utf8).write(to: directory.appendingPathComponent(name)) }
        return directory
    }

    func withClient(ui: StaticUI, _ test: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        let application = try await KioskApplication.onTestInstallation(installation)
        var dependencies = application.serverDependencies
        dependencies.ui = ui
        try await Application(router: KioskRoutes.router(dependencies)).test(.router, test)
    }

    @Test func staticFilesAreServedWithTypeAndValidator() async throws {
        let directory = try Self.uiDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let ui = StaticUI(directory: directory)
        #expect(Set(ui.files.keys) == ["index.html", "app.js", "style.css"])
        try await withClient(ui: ui) { client in
            let start = try await client.execute(uri: "/", method: .get)
            #expect(start.status == .found)
            #expect(start.headers[.location] == "/ui/index.html")

            for (name, type) in [("index.html", "text/html; charset=utf-8"), ("app.js", "text/javascript; charset=utf-8"),
                                 ("style.css", "text/css; charset=utf-8")] {
                let response = try await client.execute(uri: "/ui/\(name)", method: .get)
                #expect(response.status == .ok, "\(name)")
                #expect(response.headers[.contentType] == type)
                #expect(response.headers[.cacheControl] == "no-cache")
                let etag = try #require(response.headers[.eTag])
                #expect(String(buffer: response.body) == String(decoding: try Data(contentsOf: directory.appendingPathComponent(name)), as: UTF8.self))
                let again = try await client.execute(uri: "/ui/\(name)", method: .get, headers: [.ifNoneMatch: etag])
                #expect(again.status == .notModified)
                #expect(again.body.readableBytes == 0)
                let stale = try await client.execute(uri: "/ui/\(name)", method: .get, headers: [.ifNoneMatch: "\"other\""])
                #expect(stale.status == .ok)
            }
            // Only the files read at start, by bare name: nothing beside or above the directory.
            for path in ["/ui/secret", "/ui/.hidden.js", "/ui/nested", "/ui/nested/inner.js", "/ui/..%2Fsecret",
                         "/ui/%2e%2e%2fsecret", "/ui/..", "/ui/missing.html", "/ui/"] {
                let response = try await client.execute(uri: path, method: .get)
                #expect(response.status == .notFound, "\(path)")
                #expect(!String(buffer: response.body).contains("no extension"), "\(path)")
            }
        }
    }

    /// The shipped UI is bundled, and every file its page loads is among the files served: the
    /// page's stylesheet and entry module, and every module those import, followed to the end.
    @Test func theBundledUIIsComplete() throws {
        let ui = StaticUI(directory: StaticUI.bundledDirectory)
        let index = try #require(ui.files["index.html"])
        let page = String(decoding: index.body, as: UTF8.self)
        let referenced = page.matches(of: /"\/ui\/([^"]+)"/).map { String($0.output.1) }
        #expect(Set(referenced) == ["style.css", "main.js"])
        #expect(page.contains(#"<script type="module" src="/ui/main.js">"#))
        var loaded: Set<String> = []
        var next = referenced.filter { $0.hasSuffix(".js") }
        while let name = next.popLast() {
            guard loaded.insert(name).inserted else { continue }
            let file = try #require(ui.files[name], "\(name) is imported but not bundled")
            let source = String(decoding: file.body, as: UTF8.self)
            #expect(source.hasPrefix("// @ts-check\n"), "\(name)")
            next += source.matches(of: /(?m)^import (?:[^'"]* from )?'\.\/([^']+)';$/).map { String($0.output.1) }
        }
        // Every module of the page is reached from main.js (the call display's and the fleet's pages are on their own).
        let modules = Set(ui.files.keys.filter { $0.hasSuffix(".js") && !["display.js", "fleet.js"].contains($0) })
        #expect(loaded == modules)
        #expect(loaded.isSuperset(of: ["main.js", "api.js", "state.js", "dom.js", "screen.js", "i18n.js", "staff.js", "desk.js", "help.js"]))
    }

    @Test func qrCodesAreDrawnAsSVG() async throws {
        try await withClient(ui: StaticUI(directory: nil)) { client in
            let response = try await client.execute(uri: "/v1/qr-code?text=S01-20261129-T01-0001", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "image/svg+xml")
            let svg = String(buffer: response.body)
            let code = try QRCode.encode(Array("S01-20261129-T01-0001".utf8), errorCorrection: .m)
            #expect(svg.hasPrefix("<svg"))
            #expect(svg.contains("viewBox=\"0 0 \(code.size + 8) \(code.size + 8)\""))
            let dark = (0..<code.size).reduce(0) { sum, y in sum + (0..<code.size).filter { code.isDark(x: $0, y: y) }.count }
            #expect(svg.matches(of: /h1v1h-1z/).count == dark)

            for query in ["", "?text=", "?text=" + String(repeating: "x", count: 201)] {
                let refused = try await client.execute(uri: "/v1/qr-code" + query, method: .get)
                #expect(refused.status == .badRequest, "\(query.prefix(12))")
                #expect(String(buffer: refused.body).contains("\"invalidField\""))
            }
        }
    }

    @Test func theBundledUIIsServedByTheTerminal() async throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        let application = try await KioskApplication.onTestInstallation(installation)
        try await application.makeHTTPServer().test(.router) { client in
            let page = try await client.execute(uri: "/ui/index.html", method: .get)
            #expect(page.status == .ok)
            #expect(String(buffer: page.body).contains("/ui/main.js"))
            let script = try await client.execute(uri: "/ui/main.js", method: .get)
            #expect(script.headers[.contentType] == "text/javascript; charset=utf-8")
        }
    }
}

/// Booking with the card on the reader, the queue's messages on the event stream, and the
/// calendar the day picker marks days with.
extension BookingRoutesTests {
    /// September and October 2026: Sunday 20 September and Saturday 10 October are worked (调休),
    /// 25 to 27 September (中秋节) and 1 to 7 October (国庆节) are holidays.
    @Test func theCalendarMarksHolidaysAndMakeUpDays() async throws {
        try await withClient { client in
            let response = try await client.execute(uri: "/v1/calendar?from=2026-09-19&to=2026-10-10", method: .get)
            #expect(response.status == .ok)
            let days = try response.decoded([CalendarDayView].self)
            #expect(days.count == 22)
            func day(_ date: String) throws -> CalendarDayView { try #require(days.first { $0.date.description == date }) }
            #expect(try day("2026-09-19").kind == .weekend)
            #expect(try day("2026-09-19").opening == nil)
            #expect(try day("2026-09-20").kind == .makeupWorkday)
            #expect(try day("2026-09-20").opening?.description == "09:00-17:00")
            #expect(try day("2026-09-21").kind == .workday)
            #expect(try day("2026-09-21").opening?.description == "09:00-17:00")
            #expect(try day("2026-09-21").weekday == .monday)
            #expect(try day("2026-09-26").kind == .holiday)
            #expect(try day("2026-09-26").holidayName == "中秋节")
            #expect(try day("2026-10-01").kind == .holiday)
            #expect(try day("2026-10-01").opening == nil)
            #expect(try day("2026-10-10").kind == .makeupWorkday)
            #expect(days.allSatisfy { !$0.provisional })

            let later = try await client.execute(uri: "/v1/calendar?from=2027-03-01&to=2027-03-01", method: .get)
                .decoded([CalendarDayView].self)
            #expect(later.first?.provisional == true)
            let tooLong = try await client.execute(uri: "/v1/calendar?from=2026-01-01&to=2026-12-31", method: .get)
            #expect(tooLong.status == .badRequest)
        }
    }

    @Test func theCardOnTheReaderBooksAndChecksIn() async throws {
        let cards = CardDesk()
        let events = EventBus<TerminalEvent>()
        var dependencies = application.serverDependencies
        let clock = clock
        dependencies.booking?.now = { clock.now }
        dependencies.booking?.cards = cards
        dependencies.booking?.events = events
        let stream = await events.subscribe()
        try await Application(router: KioskRoutes.router(dependencies)).test(.router) { client in
            let noCard = try await post(client, "/v1/holds", key: "c1", #"{"slotId":"hukou:2026-10-08T10:00+08:00","useCard":true}"#)
            #expect(noCard.status == .conflict)
            #expect(try noCard.decoded(Problem.self).code == "noCardPresented")

            await cards.present(.init(facts: IDCardFacts(name: "测试", documentNumber: Self.idNumber), summary: .init(
                cardType: "resident", maskedNumber: "110105********0000", failedChecks: [])))
            let hold = try await post(client, "/v1/holds", key: "c0", #"{"slotId":"hukou:2026-10-08T10:00+08:00","useCard":true}"#)
            let holdID = try hold.decoded(HoldView.self).holdId
            let both = try await post(client, "/v1/bookings", key: "c2", #"{"holdId":"\#(holdID)","useCard":true,"idNumber":"\#(Self.idNumber)"}"#)
            #expect(both.status == .badRequest)
            let booked = try await post(client, "/v1/bookings", key: "c3", #"{"holdId":"\#(holdID)","useCard":true}"#)
            #expect(booked.status == .created)
            let booking = try booked.decoded(BookingView.self)
            let code = booking.code
            #expect(booking.maskedIdNumber == String(Self.idNumber.prefix(6)) + "********" + String(Self.idNumber.suffix(4)))

            let found = try await post(client, "/v1/bookings/lookup", key: nil, #"{"code":"\#(code)","useCard":true}"#)
            #expect(try found.decoded(BookingView.self).code == code)

            clock.set("2026-10-08T09:45:00+08:00")
            let checkedIn = try await post(client, "/v1/check-ins", key: "c4", #"{"useCard":true}"#)
            #expect(checkedIn.status == .created)
            let ticket = try checkedIn.decoded(CheckInView.self).ticket
            let number = ticket.number

            let issued = try #require(await stream.next(within: .seconds(60)))
            #expect(issued.type == .ticketIssued)
            #expect(issued.ticket == .init(id: ticket.id, number: number, serviceId: "hukou", state: "waiting", counter: nil))

            _ = try await post(client, "/v1/counters/A1/call-next", key: "c5")
            let called = try #require(await stream.next(within: .seconds(60)))
            #expect(called.type == .ticketCalled)
            #expect(called.ticket?.counter == "A1")
            #expect(called.ticket?.state == "called")
            _ = try await post(client, "/v1/tickets/\(ticket.id)/finish", key: "c6")
            let finished = try #require(await stream.next(within: .seconds(60)))
            #expect(finished.type == .ticketFinished)

            // Nothing about whose ticket it is goes on the stream.
            let encoded = String(decoding: try JSONEncoder().encode(finished), as: UTF8.self)
            #expect(!encoded.contains(Self.idNumber) && !encoded.contains("测试") && !encoded.contains("idNumber"))
        }
    }
}
