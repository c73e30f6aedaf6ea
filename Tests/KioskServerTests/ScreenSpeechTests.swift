import Booking
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JSONLogic
import KioskApp
@testable import KioskServer
import KioskTesting
import Speech
import Testing

/// The home and booking screens spoken (issue 19, part 3): their words are the screen's own, from
/// the catalogue the page draws from (`ui/texts.json`), what they show of the hall is the server's
/// own data, and the client names a screen or a key, never a text. libespeak-ng through the real
/// composition root, measured with sox.
@Suite("Reading the home and booking screens aloud")
struct ScreenSpeechTests {
    let installation: TestInstallation
    let application: KioskApplication
    /// Monday 28 September 2026, 10:00 in Beijing: the National Day break is within the horizon.
    let clock = BookingRoutesTests.Clock("2026-09-28T10:00:00+08:00")

    init() async throws {
        installation = try TestInstallation(config: BookingRoutesTests.config)
        application = try await KioskApplication.onTestInstallation(installation)
    }

    static var uiDirectory: URL { TestInstallation.repository.appendingPathComponent("Sources/KioskServer/Resources/ui") }

    static func catalogue() throws -> ScreenTexts {
        try ScreenTexts(json: Data(contentsOf: uiDirectory.appendingPathComponent(ScreenTexts.fileName)))
    }

    func withClient(_ test: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        var dependencies = application.serverDependencies
        let clock = clock
        dependencies.booking?.now = { clock.now }
        try await Application(router: KioskRoutes.router(dependencies)).test(.router, test)
    }

    /// What the terminal's synthesizer makes of `sentences`: the endpoint said exactly these
    /// words when its WAV is byte for byte this one.
    func synthesized(_ sentences: [String], _ voice: SpeechVoice) async throws -> [UInt8] {
        let speech = try #require(application.serverDependencies.speech)
        return try await speech.cache.wav(for: .init(text: SpeechScript.spoken(sentences, voice: voice), voice: voice, rate: .normal))
    }

    func audible(_ response: TestResponse, atLeast seconds: Double) async throws {
        #expect(response.status == .ok, "\(String(buffer: response.body))")
        #expect(response.headers[.contentType] == "audio/wav")
        let stat = try await SoxStat.measure(wav: Array(response.body.readableBytesView))
        #expect(stat.seconds > seconds && stat.seconds < 600, "\(stat.seconds) s")
        #expect(stat.rmsAmplitude > 0.02, "rms \(stat.rmsAmplitude)")
    }

    // MARK: - The catalogue

    @Test func everyKeyThePageUsesIsInBothLanguagesWithTheSamePlaceholders() throws {
        let texts = try Self.catalogue()
        #expect(Set(texts.entries.keys) == Set(ScreenTexts.languages))
        let zh = try #require(texts.entries["zh-CN"]), en = try #require(texts.entries["en"])
        #expect(Set(zh.keys).symmetricDifference(en.keys).sorted() == [], "keys in one language only")
        func compare(_ key: String, _ a: JSON, _ b: JSON) {
            switch (a, b) {
            case (.string(let a), .string(let b)):
                #expect(ScreenTexts.placeholders(a) == ScreenTexts.placeholders(b), "\(key): \(a) / \(b)")
                #expect(!a.isEmpty && !b.isEmpty, "\(key) is empty")
            case (.array(let a), .array(let b)):
                #expect(a.count == b.count, "\(key): \(a.count) / \(b.count) items")
                for (index, pair) in zip(a, b).enumerated() { compare("\(key)[\(index)]", pair.0, pair.1) }
            case (.object(let a), .object(let b)):
                #expect(Set(a.keys) == Set(b.keys), "\(key): \(Set(a.keys).symmetricDifference(Set(b.keys)).sorted())")
                for (name, value) in a { if let other = b[name] { compare("\(key).\(name)", value, other) } }
            default:
                Issue.record("\(key) is a \(a) in zh-CN but a \(b) in en")
            }
        }
        for (key, value) in zh { if let other = en[key] { compare(key, value, other) } }

        // Every `t('key')` of every page script names an entry of both languages.
        let scripts = try FileManager.default.contentsOfDirectory(atPath: Self.uiDirectory.path).filter { $0.hasSuffix(".js") }
        #expect(scripts.contains("home.js") && scripts.contains("booking.js"))
        var used: Set<String> = []
        let call = /\bt\(\s*['"]([A-Za-z0-9_]+)['"]/
        for script in scripts {
            let source = try String(contentsOf: Self.uiDirectory.appendingPathComponent(script), encoding: .utf8)
            for match in source.matches(of: call) { used.insert(String(match.1)) }
        }
        #expect(used.count > 200)
        #expect(used.subtracting(zh.keys).sorted() == [], "used by the page, missing in zh-CN")
        #expect(used.subtracting(en.keys).sorted() == [], "used by the page, missing in en")
        // And no page script keeps a copy of its own: no catalogue sentence is a literal in one.
        func sentencesOf(_ entry: JSON) -> [String] {
            switch entry {
            case .string(let text): [text]
            case .array(let items): items.flatMap(sentencesOf)
            case .object(let table): table.values.flatMap(sentencesOf)
            default: []
            }
        }
        let sentences = (zh.values.flatMap(sentencesOf) + en.values.flatMap(sentencesOf))
            .filter { $0.count >= 6 && ($0.contains(" ") || $0.unicodeScalars.contains { (0x4E00...0x9FFF).contains($0.value) }) }
        for script in scripts {
            let source = try String(contentsOf: Self.uiDirectory.appendingPathComponent(script), encoding: .utf8)
            let literals = Set(source.matches(of: /'([^'\n]*)'|"([^"\n]*)"/).compactMap { match in (match.1 ?? match.2).map(String.init) })
            let copies = sentences.filter(literals.contains)
            #expect(copies.isEmpty, "\(script) has its own copy of \(copies.prefix(3))")
        }
        // The placeholders are counted the way t() fills them.
        #expect(ScreenTexts.placeholders("请于 {0} 前补交（{1}）。") == [0, 1])
        #expect(ScreenTexts.fill("{1} · {0} · {1}", ["a", "b"]) == "b · a · b")
    }

    @Test func theServerReadsTheCatalogueTheUIServes() throws {
        let served = try #require(ScreenTexts(ui: StaticUI(directory: StaticUI.bundledDirectory)))
        let source = try Self.catalogue()
        #expect(served.entries == source.entries)
        // No UI, no catalogue: the screens are not spoken rather than spoken from another copy.
        #expect(ScreenTexts(ui: StaticUI(directory: nil)) == nil)
    }

    // MARK: - The screens

    @Test func theHomeScreenIsSpokenInMandarinAndEnglishFromTheCatalogueAndTheForms() async throws {
        let texts = try Self.catalogue()
        let forms = Array(application.serverDependencies.filings.catalog.forms.values)
        try await withClient { client in
            for voice in SpeechVoice.allCases {
                let response = try await client.execute(uri: "/v1/speech?screen=home&voice=\(voice.rawValue)", method: .get)
                try await audible(response, atLeast: 8)
                let sentences = try ScreenScript.home(texts, forms: forms, offersBooking: true, voice: voice)
                #expect(Array(response.body.readableBytesView) == (try await synthesized(sentences, voice)))
                let spoken = sentences.joined(separator: " ")
                if voice == .mandarin {
                    for words in ["您好，请选择要办理的业务", "居住证申领", "预约办理", "我的企业能享受哪些政策"] {
                        #expect(spoken.contains(words), "\(words)")
                    }
                } else {
                    for words in ["Welcome. What would you like to do?", "Residence permit application", "Book an appointment"] {
                        #expect(spoken.contains(words), "\(words)")
                    }
                }
            }
            // The slower rate is slower.
            let normal = try await client.execute(uri: "/v1/speech?screen=home&voice=en", method: .get)
            let slow = try await client.execute(uri: "/v1/speech?screen=home&voice=en&rate=90", method: .get)
            #expect(try await SoxStat.measure(wav: Array(slow.body.readableBytesView)).seconds
                    > SoxStat.measure(wav: Array(normal.body.readableBytesView)).seconds * 1.4)
        }
    }

    @Test func theBookingScreensSpeakTheServicesDaysTimesAndPlacesTheServerServes() async throws {
        let texts = try Self.catalogue()
        let booking = try #require(application.serverDependencies.booking)
        let hukou = try #require(booking.services.first { $0.id == "hukou" })
        try await withClient { client in
            let services = try await client.execute(uri: "/v1/speech?screen=book-service", method: .get)
            try await audible(services, atLeast: 3)
            let serviceWords = try ScreenScript.services(texts, booking.services, voice: .mandarin)
            #expect(serviceWords.prefix(3) == ["请选择预约事项", "户籍业务", "20 分钟"])
            #expect(Array(services.body.readableBytesView) == (try await synthesized(serviceWords, .mandarin)))

            // The days: today, the National Day holiday, the make-up working Saturday, as the day picker marks them.
            let days = try await client.execute(uri: "/v1/speech?screen=book-day&service=hukou&voice=cmn", method: .get)
            try await audible(days, atLeast: 5)
            let today = try LocalDate("2026-09-28"), last = today.adding(days: 14)
            let slots = booking.slots.slots(for: hukou, from: today, through: last, now: clock.now)
            let dayWords = try ScreenScript.days(texts, hukou, today: today,
                                                 schedules: (0...14).map { booking.slots.schedule(for: today.adding(days: $0)) },
                                                 slots: Dictionary(grouping: slots, by: \.date), taken: [:], voice: .mandarin)
            #expect(Array(days.body.readableBytesView) == (try await synthesized(dayWords, .mandarin)))
            let spokenDays = dayWords.joined(separator: "|")
            for words in ["请选择日期", "周一 09-28 · 今天", "周四 10-01|法定节假日", "周六 10-10|调休上班", "周日 10-04"] {
                #expect(spokenDays.contains(words), "\(words) in \(spokenDays)")
            }

            // The times of a day with the places left, before and after one of them is booked.
            let uri = "/v1/speech?screen=book-slot&service=hukou&date=2026-10-08&voice=cmn"
            let before = try await client.execute(uri: uri, method: .get)
            try await audible(before, atLeast: 10)
            let october8 = booking.slots.slots(for: hukou, from: try LocalDate("2026-10-08"), through: try LocalDate("2026-10-08"), now: clock.now)
            let first = try #require(october8.first)
            let free = try ScreenScript.slots(texts, hukou, date: try LocalDate("2026-10-08"), slots: october8, taken: [:], voice: .mandarin)
            #expect(free.prefix(4) == ["请选择时段", "户籍业务 · 2026-10-08", "09:00–09:20", "余 2 个"])
            #expect(free.contains("午间值守"))
            #expect(Array(before.body.readableBytesView) == (try await synthesized(free, .mandarin)))

            let idNumber = BookingRoutesTests.idNumber
            let hold = try await client.execute(uri: "/v1/holds", method: .post, headers: [.contentType: "application/json", HTTPField.Name("Idempotency-Key")!: "speech-hold"],
                                                body: ByteBuffer(string: #"{"slotId":"\#(first.id)","idNumber":"\#(idNumber)"}"#))
            #expect(hold.status == .created)
            let holdID = try hold.decoded(HoldView.self).holdId
            let booked = try await client.execute(uri: "/v1/bookings", method: .post, headers: [.contentType: "application/json", HTTPField.Name("Idempotency-Key")!: "speech-booking"],
                                                  body: ByteBuffer(string: #"{"holdId":"\#(holdID)","idNumber":"\#(idNumber)"}"#))
            #expect(booked.status == .created)
            let after = try await client.execute(uri: uri, method: .get)
            let oneTaken = try ScreenScript.slots(texts, hukou, date: try LocalDate("2026-10-08"), slots: october8, taken: [first.id: 1],
                                                  voice: .mandarin)
            #expect(oneTaken[3] == "余 1 个")
            #expect(Array(after.body.readableBytesView) == (try await synthesized(oneTaken, .mandarin)))
            #expect(Array(after.body.readableBytesView) != Array(before.body.readableBytesView))
        }
    }

    // MARK: - The attacker at the screen

    @Test func onlyTheCataloguesWholeTextsAreSpokenAndNothingTypedIsEchoed() async throws {
        let texts = try Self.catalogue()
        let idNumber = BookingRoutesTests.idNumber
        try await withClient { client in
            let keys = try await client.execute(uri: "/v1/speech?keys=checkInTitle,checkInSub&voice=en", method: .get)
            try await audible(keys, atLeast: 1)
            #expect(Array(keys.body.readableBytesView)
                    == (try await synthesized([try texts.text("checkInTitle", .english), try texts.text("checkInSub", .english)], .english)))

            let refusals: [(String, HTTPResponse.Status, String)] = [
                // A text, a name or an ID number where a key goes: nothing to say.
                ("keys=\(idNumber)", .notFound, "unknownTextKey"),
                ("keys=welcome,%E5%BC%A0%E4%B8%89", .notFound, "unknownTextKey"),
                ("keys=weekdays", .notFound, "unknownTextKey"),
                ("keys=", .notFound, "unknownTextKey"),
                // A text whose placeholders only the screen's data fills.
                ("keys=timeLimit", .badRequest, "textNeedsScreen"),
                ("keys=" + Array(repeating: "welcome", count: KioskRoutes.maxSpokenKeys + 1).joined(separator: ","), .badRequest,
                 "invalidSpeechArgument"),
                // An argument a screen does not take, or lacks; both or neither of screen and keys.
                ("screen=home&text=\(idNumber)", .badRequest, "invalidSpeechArgument"),
                ("screen=home&service=hukou", .badRequest, "invalidSpeechArgument"),
                ("screen=home&\(idNumber)=1", .badRequest, "invalidSpeechArgument"),
                ("keys=welcome&service=hukou", .badRequest, "invalidSpeechArgument"),
                ("screen=book-day", .badRequest, "invalidSpeechArgument"),
                ("screen=book-slot&service=hukou", .badRequest, "invalidSpeechArgument"),
                ("screen=home&keys=welcome", .badRequest, "invalidSpeechArgument"),
                ("voice=cmn", .badRequest, "invalidSpeechArgument"),
                ("screen=\(idNumber)", .badRequest, "unknownScreen"),
                // Identifiers the server checks.
                ("screen=book-day&service=\(idNumber)", .notFound, "serviceNotFound"),
                ("screen=book-slot&service=hukou&date=\(idNumber)", .badRequest, "invalidField"),
                ("screen=book-slot&service=hukou&date=2026-09-27", .badRequest, "invalidSpeechArgument"),
                ("screen=book-slot&service=hukou&date=2026-10-13", .badRequest, "invalidSpeechArgument"),
                ("screen=home&voice=klingon", .badRequest, "unknownVoice"),
                ("screen=home&rate=1000", .badRequest, "invalidSpeechRate"),
            ]
            for (query, status, code) in refusals {
                let response = try await client.execute(uri: "/v1/speech?\(query)", method: .get)
                #expect(response.status == status, "\(query)")
                #expect(response.headers[.contentType] == "application/problem+json", "\(query)")
                let problem = try response.decoded(Problem.self)
                #expect(problem.code == code, "\(query)")
                #expect(!problem.messages.zh.isEmpty && !problem.messages.en.isEmpty)
                #expect(!String(buffer: response.body).contains(idNumber), "\(query) echoes what was typed")
            }
        }
    }

    @Test func aTerminalWithoutAppointmentsDoesNotSpeakTheirScreens() async throws {
        let bare = try TestInstallation()
        defer { bare.remove() }
        let terminal = try await KioskApplication.onTestInstallation(bare)
        try await terminal.makeHTTPServer().test(.router) { client in
            let response = try await client.execute(uri: "/v1/speech?screen=book-service", method: .get)
            #expect(response.status == .notFound)
            #expect(try response.decoded(Problem.self).code == "bookingNotOffered")
            // Its home screen is spoken without the appointments it does not offer.
            let home = try await client.execute(uri: "/v1/speech?screen=home&voice=en", method: .get)
            #expect(home.status == .ok)
            let sentences = try ScreenScript.home(try Self.catalogue(), forms: Array(terminal.serverDependencies.filings.catalog.forms.values),
                                                  offersBooking: false, voice: .english)
            #expect(!sentences.contains("Book an appointment"))
            let speech = try #require(terminal.serverDependencies.speech)
            #expect(Array(home.body.readableBytesView)
                    == (try await speech.cache.wav(for: .init(text: SpeechScript.spoken(sentences, voice: .english), voice: .english, rate: .normal))))
        }
    }

    @Test func readingScreensAloudDrawsOnTheTerminalsSpeechBudget() async throws {
        let limited = try TestInstallation(config: BookingRoutesTests.config + "\n[limits]\nspeech_per_minute = 2\n")
        defer { limited.remove() }
        let terminal = try await KioskApplication.onTestInstallation(limited)
        try await terminal.makeHTTPServer().test(.router) { client in
            #expect(try await client.execute(uri: "/v1/speech?keys=welcome", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/v1/speech?keys=filings", method: .head).status == .ok)
            let refused = try await client.execute(uri: "/v1/speech?keys=welcome", method: .get)
            #expect(refused.status == .tooManyRequests)
            #expect(try refused.decoded(Problem.self).code == "rateLimited")
        }
    }
}
