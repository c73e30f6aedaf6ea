import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KioskApp
import KioskTesting
@testable import KioskServer
import Booking
import FormEngine
import JSONLogic
import KioskCore
import Speech
import Testing

/// Every step spoken aloud (issue 19, parts 3 and 4): libespeak-ng through the real composition
/// root, measured with sox; the texts are the screen's own, never the client's or an answer.
@Suite("Reading the screen aloud")
struct SpeechRoutesTests {
    let installation: TestInstallation
    let application: KioskApplication

    init() async throws {
        installation = try TestInstallation()
        application = try await KioskApplication.onTestInstallation(installation)
    }

    func start(_ client: some TestClientProtocol) async throws -> String {
        let started = try await client.execute(uri: "/v1/sessions", method: .post, body: ByteBuffer(string: #"{"formId":"company-opening"}"#))
        #expect(started.status == .created)
        return try started.decoded(SessionView.self).sessionId
    }

    @Test func aStepIsSpokenInMandarinAndEnglishAsAudibleWAV() async throws {
        try await application.makeHTTPServer().test(.router) { client in
            let id = try await start(client)
            var lengths: [Double] = []
            for voice in ["cmn", "en"] {
                let response = try await client.execute(uri: "/v1/sessions/\(id)/speech?part=step&voice=\(voice)", method: .get)
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "audio/wav")
                let stat = try await SoxStat.measure(wav: Array(response.body.readableBytesView))
                // Title and five labels: several seconds, not a minute.
                #expect(stat.seconds > 3 && stat.seconds < 60, "\(voice): \(stat.seconds) s")
                #expect(stat.rmsAmplitude > 0.02, "\(voice): rms \(stat.rmsAmplitude)")
                lengths.append(stat.seconds)
            }
            #expect(lengths[0] != lengths[1])
            // Slower for the elderly: the same step takes longer at 90 words a minute.
            let slow = try await client.execute(uri: "/v1/sessions/\(id)/speech?voice=en&rate=90", method: .get)
            #expect(slow.status == .ok)
            #expect(try await SoxStat.measure(wav: Array(slow.body.readableBytesView)).seconds > lengths[1] * 1.4)
        }
    }

    @Test func anUnknownVoiceRateOrPartIsAClearProblem() async throws {
        try await application.makeHTTPServer().test(.router) { client in
            let id = try await start(client)
            for (query, code) in [("voice=klingon", "unknownVoice"), ("rate=2000", "invalidSpeechRate"), ("rate=fast", "invalidSpeechRate"),
                                  ("part=anything", "unknownSpeechPart")] {
                let response = try await client.execute(uri: "/v1/sessions/\(id)/speech?\(query)", method: .get)
                #expect(response.status == .badRequest, "\(query)")
                #expect(response.headers[.contentType] == "application/problem+json")
                let problem = try response.decoded(Problem.self)
                #expect(problem.code == code)
                #expect(!problem.messages.zh.isEmpty && !problem.messages.en.isEmpty)
            }
            let unknownSession = try await client.execute(uri: "/v1/sessions/nope/speech", method: .get)
            #expect(unknownSession.status == .notFound)
        }
    }

    @Test func theErrorSummaryIsSpokenWhileThereIsOne() async throws {
        try await application.makeHTTPServer().test(.router) { client in
            let id = try await start(client)
            #expect(try await client.execute(uri: "/v1/sessions/\(id)/next", method: .post).status == .unprocessableContent)
            let summary = try await client.execute(uri: "/v1/sessions/\(id)/speech?part=errors&voice=cmn", method: .get)
            #expect(summary.status == .ok)
            #expect(try await SoxStat.measure(wav: Array(summary.body.readableBytesView)).seconds > 2)
            for (field, value) in [("companyName", #""北京某某科技有限公司""#), ("registeredCapital", "100"),
                                   ("registeredAddress", #"{"region":"110105","detail":"科技园1号"}"#), ("scope", #""软件开发""#),
                                   ("employeeCount", "3")] {
                let answered = try await client.execute(uri: "/v1/sessions/\(id)/answers/\(field)", method: .put,
                                                        body: ByteBuffer(string: #"{"value":\#(value)}"#))
                #expect(answered.status == .ok, "\(field)")
            }
            let none = try await client.execute(uri: "/v1/sessions/\(id)/speech?part=errors", method: .get)
            #expect(none.status == .conflict)
            #expect(try none.decoded(Problem.self).code == "nothingToRead")
        }
    }

    /// The attacker at the screen: nothing a client sends becomes speech, and no answer (a name,
    /// an ID number, a phone number) is ever part of what is spoken.
    @Test func onlyTheFormsOwnWordsAreSpokenNeverAnAnswer() throws {
        let catalog = FormCatalog.load(installation.root + "/Forms")
        let form = try #require(catalog.forms["company-opening"])
        let context = EvaluationContext(now: Date(), timeZone: TimeZone(identifier: "Asia/Shanghai")!)
        var session = FormSession.start(form, idCard: nil, context: context)
        try session.answer("companyName", .string("机密科技"), in: form)
        try session.answer("scope", .string("13912345678"), in: form)
        let calendar = try OfficialCalendar(years: [])
        for voice in SpeechVoice.allCases {
            let step = try SpeechScript.text(of: .step, session, form, context: context, calendar: calendar, voice: voice)
            #expect(!step.contains("机密科技") && !step.contains("13912345678"))
            let errors = try SpeechScript.text(of: .errors, session, form, context: context, calendar: calendar, voice: voice)
            #expect(!errors.contains("机密科技") && !errors.contains("13912345678"))
        }
        let zh = try SpeechScript.text(of: .step, session, form, context: context, calendar: calendar, voice: .mandarin)
        #expect(zh == "企业基本信息。企业名称。注册资本（万元）。住所。经营范围。拟招用员工人数。")
        let errors = try SpeechScript.text(of: .errors, session, form, context: context, calendar: calendar, voice: .english)
        #expect(errors.hasPrefix("4 answers on this page need attention. Company name: The name of a limited company must end in"))
    }

    /// A field's answer is spoken when the citizen asks for that field, as the review page shows it.
    @Test func aFieldsAnswerIsSpokenOnRequest() throws {
        let catalog = FormCatalog.load(installation.root + "/Forms")
        let form = try #require(catalog.forms["company-opening"])
        let context = EvaluationContext(now: Date(), timeZone: TimeZone(identifier: "Asia/Shanghai")!)
        var session = FormSession.start(form, idCard: nil, context: context)
        try session.answer("companyName", .string("示例科技有限公司"), in: form)
        #expect(try SpeechScript.value(of: "companyName", session, form, context: context, cardOnReader: nil, voice: .mandarin)
            == "企业名称：示例科技有限公司。")
        #expect(try SpeechScript.value(of: "scope", session, form, context: context, cardOnReader: nil, voice: .english)
            == "Business scope: Not provided.")
        // A field of another step, or none: the endpoint says nothing else.
        for other in ["declaration", "nope", ""] {
            #expect(throws: APIError.self) {
                try SpeechScript.value(of: other, session, form, context: context, cardOnReader: nil, voice: .english)
            }
        }
    }

    /// The attacker at the screen after the citizen walked away with their card: what the card
    /// said is spoken only while that card is on the reader, and the ID number only masked.
    @Test func whatTheCardSaidIsSpokenOnlyWithTheCardOnTheReaderAndTheNumberMasked() throws {
        let catalog = FormCatalog.load(installation.root + "/Forms")
        let form = try #require(catalog.forms["residence-permit"])
        let context = EvaluationContext(now: Date(), timeZone: TimeZone(identifier: "Asia/Shanghai")!)
        let number = "110101198506150019"
        let session = FormSession.start(form, idCard: IDCardFacts(name: "张示例", documentNumber: number, birthDate: "1985-06-15"),
                                        context: context)
        let spoken = try SpeechScript.value(of: "idNumber", session, form, context: context, cardOnReader: number, voice: .mandarin)
        #expect(spoken.hasSuffix("：前 6 位 1 1 0 1 0 1，后 4 位 0 0 1 9。"), "\(spoken)")
        #expect(!spoken.contains("19850615") && !spoken.contains("1 9 8 5"))
        #expect(try SpeechScript.value(of: "name", session, form, context: context, cardOnReader: number, voice: .mandarin).contains("张示例"))
        for absent in [nil, "11010519491231002X"] {
            for field in ["name", "idNumber", "birthDate"] {
                do {
                    _ = try SpeechScript.value(of: field, session, form, context: context, cardOnReader: absent, voice: .english)
                    Issue.record("\(field) spoken with \(absent ?? "no card") on the reader")
                } catch {
                    #expect(error.code == "cardNotPresent" && error.status == .forbidden)
                }
            }
        }
    }

    @Test func askingForAValueNamesTheField() async throws {
        try await application.makeHTTPServer().test(.router) { client in
            let id = try await start(client)
            let unnamed = try await client.execute(uri: "/v1/sessions/\(id)/speech?part=value&voice=en", method: .get)
            #expect(unnamed.status == .badRequest)
            #expect(try unnamed.decoded(Problem.self).code == "fieldRequired")
            let named = try await client.execute(uri: "/v1/sessions/\(id)/speech?part=value&field=companyName&voice=en", method: .get)
            #expect(named.status == .ok && named.headers[.contentType] == "audio/wav")
        }
    }
}
