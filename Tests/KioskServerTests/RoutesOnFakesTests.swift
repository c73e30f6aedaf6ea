import Booking
import FormEngine
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KioskCore
@testable import KioskServer
import KioskTesting
import Testing

/// The routes on the testing kit's fakes (`TestTerminal`): no `KioskApplication`, no database, no
/// installation, so each test sets up only what it is about.
@Suite("Routes on the testing kit's fakes")
struct RoutesOnFakesTests {
    /// One step (name and number from the card, a mobile number), no materials.
    static let form = """
        id: card-only
        version: 1
        title: {zh-CN: 测试事项, en: Test filing}
        department: {zh-CN: 测试部门, en: Test department}
        timeLimitDays: 5
        declaration: {zh-CN: 本人承诺信息真实, en: I declare this is true}
        applicant: {name: name, idNumber: idNumber}
        steps:
          - id: applicant
            title: {zh-CN: 申请人, en: Applicant}
            fields:
              - id: name
                type: text
                label: {zh-CN: 姓名, en: Name}
                required: true
                prefill: idcard.name
              - id: idNumber
                type: idNumber
                label: {zh-CN: 身份证号, en: ID number}
                required: true
                prefill: idcard.idNumber
              - id: mobile
                type: mobile
                label: {zh-CN: 手机号码, en: Mobile}
                required: true
        """

    static let card = IDCardFacts(name: "测试甲", documentNumber: "110101198506150019", gender: "男", birthDate: "1985-06-15")
    static let service = try! Service(id: "hukou", nameZH: "户籍办理", nameEN: "Household registration", durationMinutes: 30,
                                      counters: ["A01"], capacityPerSlot: 2, horizonDays: 14, minimumNoticeMinutes: 0)

    static func terminal() throws -> TestTerminal {
        let loaded = FormLoader.load(yaml: form, file: "card-only.yaml")
        #expect(loaded.problems.isEmpty, "\(loaded.problems)")
        return try TestTerminal(forms: FormCatalog([try #require(loaded.definition)]), services: [service])
    }

    static func post(_ client: some TestClientProtocol, _ uri: String, _ body: String, key: String? = nil) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let key { headers[HTTPField.Name("Idempotency-Key")!] = key }
        return try await client.execute(uri: uri, method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    /// A session on its declaration, its answers from the card and a typed mobile number.
    static func sessionOnDeclaration(_ client: some TestClientProtocol, _ terminal: TestTerminal) async throws -> String {
        await terminal.cards.present(.init(facts: card, summary: .init(cardType: "resident", maskedNumber: IDNumberMasking.mask(
            card.documentNumber ?? ""), failedChecks: [])))
        let started = try await post(client, "/v1/sessions", #"{"formId":"card-only"}"#).decoded(SessionView.self)
        let fields = try #require(started.screen?.fields)
        // The card's facts arrive typed: the name and number are filled and read-only.
        #expect(fields.first { $0.id == "name" }?.value == .string("测试甲") && fields.first { $0.id == "name" }?.readOnly == true)
        #expect(fields.first { $0.id == "idNumber" }?.value == .string("110101198506150019"))
        let id = started.sessionId
        _ = try await client.execute(uri: "/v1/sessions/\(id)/answers/mobile", method: .put, body: ByteBuffer(string: #"{"value":"13812345678"}"#))
        #expect(try await post(client, "/v1/sessions/\(id)/next", "").decoded(SessionView.self).position == "review")
        #expect(try await post(client, "/v1/sessions/\(id)/review/confirm", "").decoded(SessionView.self).position == "declaration")
        return id
    }

    /// The filing is stored off the session's actor. Whatever else asks for the session meanwhile
    /// waits for it, and a second submission finds it submitted: one session files once.
    @Test func aSecondSubmissionWhileTheFirstIsStoredFilesNothing() async throws {
        let terminal = try Self.terminal()
        try await terminal.application().test(.router) { client in
            let id = try await Self.sessionOnDeclaration(client, terminal)
            await terminal.archive.holdRecordings()
            async let recording: Void = terminal.archive.recordingBegins()
            async let first = Self.post(client, "/v1/sessions/\(id)/submit", #"{"acceptDeclaration":true}"#)
            await recording
            async let second = Self.post(client, "/v1/sessions/\(id)/submit", #"{"acceptDeclaration":true}"#)
            async let read = client.execute(uri: "/v1/sessions/\(id)", method: .get)
            await terminal.archive.releaseRecordings()
            let (submitted, again, view) = try await (first, second, read)
            #expect(submitted.status == .created)
            #expect(try again.status == .conflict && again.decoded(Problem.self).code == "alreadySubmitted")
            #expect(try view.decoded(SessionView.self).position == "submitted")
            #expect(await terminal.archive.filings.map(\.reference) == ["S01-20261201-0001"])
            #expect(await terminal.receipts.printed == [.filingReceipt(reference: "S01-20261201-0001")])
        }
    }

    /// The same malformed number is the same client error wherever it is typed (drafts answered
    /// 422 and booking 400 before).
    @Test func aMalformedIDNumberIs400InvalidIdNumberOnEveryRoute() async throws {
        let terminal = try Self.terminal()
        let wrongCheck = "110101198506150010"
        try await terminal.application().test(.router) { client in
            let id = try await Self.sessionOnDeclaration(client, terminal)
            let slot = try #require(terminal.dependencies.booking?.slots.slots(
                for: Self.service, from: LocalDate("2026-12-02"), through: LocalDate("2026-12-02"), now: terminal.clock.now()).first)
            let requests: [(String, String)] = [
                ("/v1/sessions/\(id)/draft", #"{"idNumber":"\#(wrongCheck)"}"#),
                ("/v1/drafts/resume", #"{"code":"3456-789A-BC6","idNumber":"\#(wrongCheck)"}"#),
                ("/v1/holds", #"{"slotId":"\#(slot.id)","idNumber":"\#(wrongCheck)"}"#),
                ("/v1/bookings/lookup", #"{"code":"3456-789A-BC6","idNumber":"\#(wrongCheck)"}"#),
                ("/v1/check-ins", #"{"idNumber":"\#(wrongCheck)"}"#),
                ("/v1/tickets", #"{"serviceId":"hukou","idNumber":"\#(wrongCheck)"}"#),
            ]
            for (uri, body) in requests {
                let response = try await Self.post(client, uri, body, key: UUID().uuidString)
                #expect(response.status == .badRequest, "\(uri)")
                let problem = try response.decoded(Problem.self)
                #expect(problem.code == "invalidIdNumber", "\(uri)")
                #expect(!problem.detail.contains(wrongCheck) && !problem.messages.zh.contains(wrongCheck), "\(uri)")
            }
        }
    }

    /// `useCard` books with the card's number, which never passes through the screen; a card
    /// whose number is no resident ID number (a 2017 permanent residence card) cannot.
    @Test func aBookingWithTheCardUsesItsNumberAndOnlyAResidentNumber() async throws {
        let terminal = try Self.terminal()
        try await terminal.application().test(.router) { client in
            let slot = try #require(terminal.dependencies.booking?.slots.slots(
                for: Self.service, from: LocalDate("2026-12-02"), through: LocalDate("2026-12-02"), now: terminal.clock.now()).first)
            let noCard = try await Self.post(client, "/v1/holds", #"{"slotId":"\#(slot.id)","useCard":true}"#, key: "h0")
            #expect(try noCard.status == .conflict && noCard.decoded(Problem.self).code == "noCardPresented")

            await terminal.cards.present(.init(facts: Self.card, summary: .init(cardType: "resident", maskedNumber: "", failedChecks: [])))
            let hold = try await Self.post(client, "/v1/holds", #"{"slotId":"\#(slot.id)","useCard":true}"#, key: "h1")
                .decoded(HoldView.self)
            let booked = try await Self.post(client, "/v1/bookings", #"{"holdId":"\#(hold.holdId)","useCard":true}"#, key: "b1")
            #expect(booked.status == .created)
            #expect(try booked.decoded(BookingView.self).maskedIdNumber == "110101********0019")
            #expect(await terminal.ledger.bookings.map(\.maskedIDNumber) == ["110101********0019"])

            let foreign = IDCardFacts(name: "示例·亚历克斯", documentNumber: "USA110085061501", birthDate: "1985-06-15")
            await terminal.cards.present(.init(facts: foreign, summary: .init(cardType: "permanentResidence2017", maskedNumber: "",
                                                                             failedChecks: [])))
            let refused = try await Self.post(client, "/v1/holds", #"{"slotId":"\#(slot.id)","useCard":true}"#, key: "h2")
            #expect(try refused.status == .badRequest && refused.decoded(Problem.self).code == "invalidIdNumber")
        }
    }
}
