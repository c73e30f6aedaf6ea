import Filings
import FormEngine
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import KioskApp
import KioskCore
@testable import KioskServer
import KioskTesting
import Testing

/// Issue 16: the stranger at the public screen who knows someone's filing reference (from a
/// receipt left behind, a photo of it, a guess of the daily sequence) but has another ID number,
/// typed or on their own card. They are refused on every citizen endpoint that takes a
/// reference (progress look-up, 好差评, 容缺 hand-in, 退回补正) exactly as for a reference that
/// does not exist, and every refusal counts against the terminal's code-guess limit.
@Suite("A stranger with someone's filing reference")
struct LifecycleAttackTests {
    static let holder = DepartmentInterfaceTests.idNumber
    static let stranger: String = {
        let first17 = "44030619851120004"
        return first17 + String(ResidentIDNumber.checkCharacter(forFirst17: first17)!)
    }()

    let installation: TestInstallation
    let application: KioskApplication
    /// The holder's filings: one completed (to rate), one returned with a 容缺 material still open
    /// (to hand in and to correct).
    let completed: String
    let returned: String

    init() async throws {
        installation = try TestInstallation()
        application = try await KioskApplication.onTestInstallation(installation)
        _ = try application.departments.add(id: "amr", name: "市场监管局", webhookURL: nil, now: Date())
        completed = try await DepartmentInterfaceTests.file(application, department: "amr")
        returned = try await Self.fileWithDeferral(application)
        let ledger = application.filingLedger
        for command: LifecycleCommand in [.receive(part: nil), .accept(part: nil, window: "amr"), .start(part: nil),
                                          .complete(part: nil, outcome: .approved, document: "许可证", collectAt: "3号窗口", note: "")] {
            try await ledger.apply(command, to: completed, by: .department("amr"), at: Date())
        }
        try await ledger.apply(.returnFiling(part: nil, reasons: ["materialsIncomplete"], note: "补正"), to: returned,
                               by: .department("amr"), at: Date())
    }

    /// A filing of the holder's with the material `licence` accepted later (容缺).
    static func fileWithDeferral(_ application: KioskApplication) async throws -> String {
        let day = Date().formatted(.iso8601.year().month().day().dateSeparator(.omitted))
        return try await application.filingArchive.recordFiling(site: "S01", day: day) { reference in
            let json = """
                {"formID":"permit-amr","formVersion":1,"reference":"\(reference)","title":{"zh-CN":"许可","en":"Permit"},
                 "department":{"zh-CN":"amr局","en":"amr"},"departmentID":"amr","timeLimitDays":5,
                 "afterReturn":"restart","version":1,"submittedAt":"\(Date().formatted(.iso8601))",
                 "applicant":{"name":"张三","identifier":"\(holder)","identifierLabel":{"zh-CN":"身份证号","en":"ID number"},"isIDNumber":true},
                 "answers":{"name":"张三","idNumber":"\(holder)"},
                 "materials":[{"materialID":"licence","name":{"zh-CN":"执照","en":"Licence"},"status":"deferred"}],
                 "deferred":[{"materialID":"licence","name":{"zh-CN":"执照","en":"Licence"},"dueDate":"2099-01-01",
                              "consequence":{"zh-CN":"退回","en":"Returned"}}],
                 "commitments":[],"subFilings":[],"overrides":[]}
                """
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            return try decoder.decode(Filing.self, from: Data(json.utf8))
        }.reference
    }

    /// A reference of the same shape that no filing has.
    var unknown: String { String(returned.dropLast(4)) + "9999" }

    func withClient(missesPerMinute: Int, _ test: @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        var dependencies = application.serverDependencies
        dependencies.codeGuesses = CodeGuessLimiter(missesPerMinute: missesPerMinute)
        try await Application(router: KioskRoutes.router(dependencies)).test(.router, test)
    }

    func post(_ client: any TestClientProtocol, _ uri: String, _ json: String) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .post, headers: [.contentType: "application/json"], body: ByteBuffer(string: json))
    }

    func placeCard(_ idNumber: String) async {
        await application.devices.cards.present(.init(facts: IDCardFacts(documentNumber: idNumber), summary: .init(
            cardType: "resident", maskedNumber: String(idNumber.prefix(6)) + "********" + String(idNumber.suffix(4)), failedChecks: [])))
    }

    /// Each citizen endpoint that acts on a reference, with the stranger's proof (`proof`: the
    /// JSON members that say who is asking).
    func attempts(_ reference: String, proof: String) -> [(name: String, uri: String, body: String)] {
        let lookup: (name: String, uri: String, body: String) =
            ("progress look-up", "/v1/progress/lookup", "{\"reference\":\"" + reference + "\"," + proof + "}")
        let rating: (name: String, uri: String, body: String) =
            ("rating", "/v1/filings/" + reference + "/rating", "{\"grade\":\"verySatisfied\",\"reasons\":[]," + proof + "}")
        let handIn: (name: String, uri: String, body: String) =
            ("容缺 hand-in", "/v1/filings/" + reference + "/deferred/licence/hand-in", "{" + proof + "}")
        let correction: (name: String, uri: String, body: String) =
            ("correction", "/v1/filings/" + reference + "/correction", "{" + proof + "}")
        return [lookup, rating, handIn, correction]
    }

    /// What the stranger gets for the holder's reference is byte for byte what an unknown
    /// reference gets: 404 `filingNotFound`, nothing of the filing, nothing changed.
    @Test(arguments: ["typed", "card"])
    func isAnsweredAsForAnUnknownReference(_ proofKind: String) async throws {
        let proof: String
        if proofKind == "card" {
            await placeCard(Self.stranger)
            proof = #""useCard":true"#
        } else {
            proof = #""idNumber":"\#(Self.stranger)""#
        }
        try await withClient(missesPerMinute: 1000) { client in
            for target in [completed, returned] {
                for ((name, uri, body), (_, unknownURI, unknownBody)) in zip(attempts(target, proof: proof), attempts(unknown, proof: proof)) {
                    // The look-up with the card ignores a reference: it lists the card holder's own filings.
                    if proofKind == "card" && name == "progress look-up" { continue }
                    let refused = try await post(client, uri, body)
                    let unknownRefused = try await post(client, unknownURI, unknownBody)
                    #expect(refused.status == .notFound, "\(name) \(target)")
                    #expect(unknownRefused.status == .notFound, "\(name) unknown")
                    #expect(refused.headers[.contentType] == unknownRefused.headers[.contentType], "\(name)")
                    #expect(String(buffer: refused.body) == String(buffer: unknownRefused.body), "\(name) \(target)")
                    #expect(!String(buffer: refused.body).contains(target), "\(name)")
                }
            }
            if proofKind == "card" {
                // The stranger's own card finds the stranger's filings: none.
                let own = try await post(client, "/v1/progress/lookup", #"{"useCard":true}"#)
                #expect(own.status == .ok)
                #expect(String(buffer: own.body) == "[]")
            }
            // A receipt's QR code for the reference with a made-up token is no better.
            let forged = try await post(client, "/v1/progress/lookup", #"{"code":"P1:\#(returned):aaaaaaaaaaaa"}"#)
            let forgedUnknown = try await post(client, "/v1/progress/lookup", #"{"code":"P1:\#(unknown):aaaaaaaaaaaa"}"#)
            #expect(forged.status == .notFound)
            #expect(String(buffer: forged.body) == String(buffer: forgedUnknown.body))
        }
        // Nothing the stranger tried changed the holder's filings.
        let rated = try #require(try await application.filingLedger.record(completed))
        #expect(rated.rating == nil)
        let open = try #require(try await application.filingLedger.record(returned))
        #expect(open.deferrals.map(\.state) == [.open])
        #expect(await application.sessions.openCount() == 0)
        // …and the holder is served: their card finds both, their ID number with the reference rates.
        await placeCard(Self.holder)
        try await withClient(missesPerMinute: 1000) { client in
            let own = try await post(client, "/v1/progress/lookup", #"{"useCard":true}"#)
            let references = try own.decoded([ProgressView].self).map(\.progress.reference)
            #expect(Set(references) == [completed, returned])
            let rating = try await post(client, "/v1/filings/\(completed)/rating",
                                        #"{"grade":"verySatisfied","reasons":[],"idNumber":"\#(Self.holder)"}"#)
            #expect(rating.status == .created)
        }
    }

    /// Every refusal is a miss: after the terminal's limit of misses a minute the next try is
    /// refused with 429 `tooManyMisses`, even the holder's own.
    @Test func everyRefusalCountsAsAGuess() async throws {
        await placeCard(Self.stranger)
        try await withClient(missesPerMinute: 8) { client in
            let typed = attempts(returned, proof: #""idNumber":"\#(Self.stranger)""#)
            let card = attempts(completed, proof: #""useCard":true"#).dropFirst()
            for (name, uri, body) in typed + card + [("code", "/v1/progress/lookup", #"{"code":"P1:\#(completed):aaaaaaaaaaaa"}"#)] {
                let refused = try await post(client, uri, body)
                #expect(refused.status == .notFound, "\(name)")
            }
            let holder = try await post(client, "/v1/progress/lookup", #"{"reference":"\#(returned)","idNumber":"\#(Self.holder)"}"#)
            #expect(holder.status == .tooManyRequests)
            #expect(String(buffer: holder.body).contains("tooManyMisses"))
        }
    }
}
