import Access
import FormEngine
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import KioskApp
@testable import Peripherals
import KioskConfig
import KioskCore
@testable import KioskServer
import JSONLogic
import KioskTesting
import Logging
import Testing

/// Every shipped filing, and one written from `Forms/README.md` alone, walked over HTTP the way
/// the touch UI walks it: the card on the simulated reader, every step, every material, the
/// submission, and the papers read back from the simulated printer's last job. Every answer is
/// checked against docs/openapi.yaml.
@Suite("Filings walked from the card to the printed papers")
struct FilingWalkTests {
    /// `Devices/cards/resident.yaml`.
    static let cardNumber = "110101198506150019"
    static let maskedCardNumber = "110101********0019"

    static let creditCode: String = {
        let first17 = "91110101MA0000001"
        return first17 + String(UnifiedSocialCreditCode.checkCharacter(forFirst17: first17)!)
    }()

    /// What the walk answers where the first choice or a plain default would not do; the rest
    /// of the required questions get a default of their type.
    static let answers: [String: [String: String]] = [
        "residence-permit": ["residenceSince": #""2020-01-01""#, "grounds": #""employment""#],
        "company-opening": [
            "companyName": #""示例科技有限公司""#, "employeeCount": "5", "enrolEmployeesNow": "true",
            "shareholders": #"[{"shareholderType":"person","shareholderName":"测试乙","shareholderIdNumber":"\#(FilingRoutesTests.idNumber)","contribution":100}]"#,
        ],
        "individual-business": ["scope": #"["food"]"#, "premisesType": #""leased""#],
        "talent-settlement": ["education": #""master""#, "studiedAbroad": "false", "employerCreditCode": "\"\(creditCode)\""],
        // Written in the test from Forms/README.md (`elderlyAllowanceForm` below).
        "elderly-allowance": ["bankAccount": #""6222020200112233445""#],
        // A company filed for by an agent (`PaperTests.agentForm`): the credit code identifies it.
        "agent-filing": ["creditCode": "\"\(creditCode)\""],
    ]

    /// The sub-filings of the shipped bundle, each its own department's part.
    static let companyOpeningParts = ["registration", "seal", "tax", "socialInsurance", "employeeEnrolment", "housingFund"]

    /// A filing a hall administrator wrote by following `Forms/README.md`: its ID field is not
    /// called `idNumber`, it has a 容缺 material counted in calendar days and a 告知承诺 one.
    static let elderlyAllowanceForm = """
        id: elderly-allowance
        version: 1
        title: {zh-CN: 高龄津贴申领, en: Old-age allowance}
        department: {zh-CN: 区民政局, en: District civil affairs bureau}
        timeLimitDays: 10
        declaration: {zh-CN: 本人承诺所填信息真实。, en: I declare that the information is true.}
        applicant:
          name: holderName
          idNumber: holderNumber
        steps:
          - id: holder
            title: {zh-CN: 申请人, en: Applicant}
            fields:
              - id: holderName
                type: text
                label: {zh-CN: 姓名, en: Name}
                required: true
                prefill: idcard.name
              - id: holderNumber
                type: idNumber
                label: {zh-CN: 公民身份号码, en: ID number}
                required: true
                prefill: idcard.idNumber
              - id: bankAccount
                type: text
                label: {zh-CN: 社保卡金融账户, en: Bank account of the social security card}
                required: true
        materials:
          - id: hukouBook
            name: {zh-CN: 户口簿, en: Household register}
            issuer: {zh-CN: 公安机关, en: Police}
            core: false
            deferrable:
              maxDays: 15
              days: calendar
              consequence: {zh-CN: 逾期未补交的，津贴暂缓发放。, en: "If it is not supplied in time, the allowance is suspended."}
          - id: residenceProof
            name: {zh-CN: 居住证明, en: Proof of residence}
            issuer: {zh-CN: 社区居委会, en: Residents' committee}
            commitment:
              statement: {zh-CN: 本人承诺在本区实际居住。, en: I declare that I live in the district.}
              verification: {zh-CN: 街道工作人员入户核实, en: Subdistrict staff visit the home.}

        """

    let installation: TestInstallation
    let application: KioskApplication

    init() async throws {
        installation = try TestInstallation()
        try Self.elderlyAllowanceForm.write(toFile: installation.root + "/Forms/elderly-allowance.yaml", atomically: true, encoding: .utf8)
        try PaperTests.agentForm.write(toFile: installation.root + "/Forms/agent-filing.yaml", atomically: true, encoding: .utf8)
        application = try await KioskApplication.onTestInstallation(installation)
    }

    @Test(arguments: ["residence-permit", "company-opening", "individual-business", "talent-settlement", "elderly-allowance", "agent-filing"])
    func aFilingIsWalkedFromTheCardToItsPrintedPapers(_ formID: String) async throws {
        try await withDevices(application) { terminal in
            try await application.makeHTTPServer().test(.router) { base in
                let client = DocumentedClient(base: base, document: try OpenAPIDocument.load())
                let technician: HTTPFields = [.authorization: try await application.bearer(client, role: .technician)]
                try await terminal.placeCard(client)
                let walker = FilingWalker(client: client, answers: Self.answers[formID] ?? [:])
                let submitted = try await walker.file(formID)
                let filing = submitted.filing
                let reference = filing.reference

                let receipt = try #require(submitted.receipt)
                #expect(receipt.state == .printed, "\(formID): \(receipt)")
                let preview = try await client.execute(
                    uri: "/v1/devices/printer-simulated/last-receipt", method: .get, headers: technician)
                #expect(preview.status == .ok)
                #expect(preview.headers[HTTPField.Name("Kiosk-Print-Job")!] == receipt.jobId)
                let printed = String(buffer: preview.body)
                let text = printed.filter { !$0.isWhitespace }
                #expect(text.contains("办件回执"))
                #expect(text.contains(reference))
                #expect(text.contains(filing.title.zh.filter { !$0.isWhitespace }))
                if formID == "agent-filing" {
                    // No resident ID number of its own: the receipt prints what the form declares.
                    #expect(text.contains("统一社会信用代码" + Self.creditCode))
                    #expect(text.contains("申请人测试甲"))
                } else {
                    #expect(printed.contains(Self.maskedCardNumber), "\(formID): the applicant's masked ID number")
                }
                #expect(!printed.contains(Self.cardNumber))

                // Each department's part of a bundle is on the receipt.
                let parts = filing.subFilings
                if formID == "company-opening" {
                    #expect(parts.map(\.id) == Self.companyOpeningParts)
                }
                for part in parts { #expect(text.contains(part.title.zh.filter { !$0.isWhitespace }), "\(part.id)") }

                // 容缺受理告知书: the material, its due date, the consequence, where to hand it in.
                #expect(!filing.deferred.isEmpty, "\(formID) walks a 容缺 material")
                for material in filing.deferred {
                    #expect(text.contains("容缺受理告知书"))
                    #expect(text.contains(material.name.zh.filter { !$0.isWhitespace }))
                    #expect(text.contains(material.dueDate))
                    #expect(text.contains(material.consequence.zh.filter { !$0.isWhitespace }))
                    #expect(text.contains(try #require(material.handIn).zh.filter { !$0.isWhitespace }))
                }
                // 告知承诺书: the statement, how it is verified, a signature line; the text version kept.
                #expect(!filing.commitments.isEmpty, "\(formID) walks a 告知承诺 material")
                for commitment in filing.commitments {
                    #expect(text.contains("告知承诺书"))
                    #expect(text.contains(commitment.statement.zh.filter { !$0.isWhitespace }))
                    #expect(text.contains(commitment.verification.zh.filter { !$0.isWhitespace }))
                    #expect(text.contains("承诺人签字"))
                    #expect(commitment.textVersion?.isEmpty == false)
                }
            }
        }
    }

    /// Whoever stands at the screen cannot change what the card says; staff can, with a reason
    /// and a note, and the audit log keeps it.
    @Test func cardDataIsReadOnlyForTheCitizenAndCorrectedByStaff() async throws {
        try await withDevices(application) { terminal in
            try await application.makeHTTPServer().test(.router) { base in
                let client = DocumentedClient(base: base, document: try OpenAPIDocument.load())
                let staff = try await application.signedIn(client, role: .staff)
                try await terminal.placeCard(client)
                let started = try await client.execute(
                    uri: "/v1/sessions", method: .post, body: ByteBuffer(string: #"{"formId":"residence-permit"}"#)).decoded(SessionView.self)
                let id = started.sessionId
                let fields = try #require(started.screen?.fields)
                let name = try #require(fields.first { $0.id == "name" })
                #expect(name.value == .string("测试甲"))
                #expect(name.readOnly)
                #expect(fields.first { $0.id == "mobile" }?.readOnly == false)

                for (field, value) in [("name", #""别人""#), ("idNumber", "\"\(FilingRoutesTests.idNumber)\"")] {
                    let refused = try await client.execute(
                        uri: "/v1/sessions/\(id)/answers/\(field)", method: .put, body: ByteBuffer(string: #"{"value":\#(value)}"#))
                    #expect(refused.status == .conflict, "\(field)")
                    let problem = try refused.decoded(Problem.self)
                    #expect(problem.code == "cardDataLocked")
                    #expect(problem.messages.zh.contains("身份证"))
                    #expect(problem.messages.en.contains("ID card"))
                }
                let mobile = try await client.execute(
                    uri: "/v1/sessions/\(id)/answers/mobile", method: .put, body: ByteBuffer(string: #"{"value":"13800138000"}"#))
                #expect(mobile.status == .ok)

                // Staff correct it: a note is required, and the citizen still cannot change it after.
                let noNote = try await staff.execute(
                    uri: "/v1/sessions/\(id)/overrides/correctCardData", method: .post,
                    body: ByteBuffer(string: #"{"reasonCode":"cardDataChecked","field":"name","value":"测试甲乙"}"#))
                #expect(noNote.status == .unprocessableContent)
                #expect(try noNote.decoded(Problem.self).code == "overrideNoteRequired")
                let notCard = try await staff.execute(
                    uri: "/v1/sessions/\(id)/overrides/correctCardData", method: .post,
                    body: ByteBuffer(string: #"{"reasonCode":"cardDataChecked","note":"核对原件","field":"mobile","value":"13900139000"}"#))
                #expect(notCard.status == .unprocessableContent)
                #expect(try notCard.decoded(Problem.self).code == "notCardData")
                let corrected = try await staff.execute(
                    uri: "/v1/sessions/\(id)/overrides/correctCardData", method: .post,
                    body: ByteBuffer(string: #"{"reasonCode":"cardDataChecked","note":"生僻字读取有误，已核对原件","field":"name","value":"测试甲乙"}"#))
                #expect(corrected.status == .ok)
                let after = try #require(try corrected.decoded(SessionView.self).screen?.fields)
                #expect(after.first { $0.id == "name" }?.value == .string("测试甲乙"))
                let again = try await client.execute(
                    uri: "/v1/sessions/\(id)/answers/name", method: .put, body: ByteBuffer(string: #"{"value":"别人"}"#))
                #expect(again.status == .conflict)

                let audit = try await application.access.auditRecords()
                let record = try #require(audit.last { $0.action == "override.correctCardData" })
                #expect(record.details.contains(#""reason":"cardDataChecked""#))
                #expect(record.details.contains(#""field":"name""#))
                // The note and the value may name someone: neither reaches the audit log.
                #expect(!record.details.contains("测试甲乙") && !record.details.contains("核对原件"))
            }
        }
    }

    /// `useCard` saves and resumes a draft with the card on the reader: the number never passes
    /// through the screen.
    @Test func aDraftIsSavedAndResumedWithTheCard() async throws {
        try await withDevices(application) { terminal in
            try await application.makeHTTPServer().test(.router) { base in
                let client = DocumentedClient(base: base, document: try OpenAPIDocument.load())
                try await terminal.placeCard(client)
                let id = try await client.execute(
                    uri: "/v1/sessions", method: .post, body: ByteBuffer(string: #"{"formId":"residence-permit"}"#))
                    .decoded(SessionView.self).sessionId
                _ = try await client.execute(
                    uri: "/v1/sessions/\(id)/answers/mobile", method: .put, body: ByteBuffer(string: #"{"value":"13800138000"}"#))
                let both = try await client.execute(
                    uri: "/v1/sessions/\(id)/draft", method: .post,
                    body: ByteBuffer(string: #"{"useCard":true,"idNumber":"\#(Self.cardNumber)"}"#))
                #expect(both.status == .badRequest)
                let saved = try await client.execute(uri: "/v1/sessions/\(id)/draft", method: .post, body: ByteBuffer(string: #"{"useCard":true}"#))
                #expect(saved.status == .created)
                let code = try #require(try saved.decoded([String: String].self)["code"])

                // Ending the session forgot the card: resuming asks for it again.
                let noCard = try await client.execute(
                    uri: "/v1/drafts/resume", method: .post, body: ByteBuffer(string: #"{"code":"\#(code)","useCard":true}"#))
                #expect(noCard.status == .conflict)
                #expect(try noCard.decoded(Problem.self).code == "noCardPresented")
                try await terminal.placeCard(client)
                let resumed = try await client.execute(
                    uri: "/v1/drafts/resume", method: .post, body: ByteBuffer(string: #"{"code":"\#(code)","useCard":true}"#))
                #expect(resumed.status == .created)
                let fields = try #require(try resumed.decoded(SessionView.self).screen?.fields)
                #expect(fields.first { $0.id == "mobile" }?.value == .string("13800138000"))
            }
        }
    }

    /// 容缺 and 告知承诺: the materials view tells the due date (and how it is counted), the
    /// consequence and the commitment's full text before the citizen chooses; committing needs
    /// the text version the screen showed.
    @Test func theTermsAreToldBeforeTheChoiceAndTheCommitmentIsAcceptedExplicitly() async throws {
        try await application.makeHTTPServer().test(.router) { base in
                let client = DocumentedClient(base: base, document: try OpenAPIDocument.load())
            let walker = FilingWalker(client: client, answers: Self.answers["residence-permit"]!.merging([
                "name": #""测试""#, "idNumber": "\"\(FilingRoutesTests.idNumber)\"", "birthDate": #""1990-05-17""#,
                "hukouAddress": #""北京市西城区""#,
            ]) { $1 })
            let id = try await walker.answerEveryStep("residence-permit")
            let notice = try await client.execute(uri: "/v1/sessions/\(id)/materials", method: .get).decoded(MaterialsNotice.self)
            let labor = try #require(notice.missing.first { $0.materialID == "laborContract" })
            let deferral = try #require(labor.deferral)
            #expect(deferral.maxDays == 10)
            #expect(deferral.days == .working)
            #expect(deferral.dueDate.wholeMatch(of: /\d{4}-\d{2}-\d{2}/) != nil)
            #expect(deferral.consequence.zh.contains("逾期未补交"))
            #expect(deferral.dueText.zh.contains("10个工作日"))

            let property = try #require(notice.missing.first { $0.materialID == "propertyCertificate" })
            let terms = try #require(property.commitment)
            #expect(terms.statement.zh == "本人承诺在本区拥有合法产权住房并实际居住。")
            #expect(terms.verification.zh == "派出所通过不动产登记信息核验")
            let version = terms.textVersion

            // Choosing is not accepting: without the text version the commitment is refused.
            let unaccepted = try await client.execute(
                uri: "/v1/sessions/\(id)/materials/propertyCertificate", method: .post, body: ByteBuffer(string: #"{"status":"committed"}"#))
            #expect(unaccepted.status == .unprocessableContent)
            #expect(try unaccepted.decoded(Problem.self).code == "commitmentNotAccepted")
            let stale = try await client.execute(
                uri: "/v1/sessions/\(id)/materials/propertyCertificate", method: .post,
                body: ByteBuffer(string: #"{"status":"committed","textVersion":"0000000000000000"}"#))
            #expect(stale.status == .conflict)
            #expect(try stale.decoded(Problem.self).code == "commitmentTextChanged")
            let accepted = try await client.execute(
                uri: "/v1/sessions/\(id)/materials/propertyCertificate", method: .post,
                body: ByteBuffer(string: #"{"status":"committed","textVersion":"\#(version)"}"#))
            #expect(accepted.status == .ok)
            #expect(try accepted.decoded(MaterialsNotice.self).committed == ["propertyCertificate"])
        }
    }
}

/// The simulated reader's loop and the forwarder that keeps the card on the `CardDesk`, run
/// around `body` as `kiosk serve` runs them.
func withDevices(_ application: KioskApplication, _ body: (CardOnReader) async throws -> Void) async throws {
    let devices = application.devices
    try await withThrowingTaskGroup(of: Void.self) { tasks in
        for service in devices.services { tasks.addTask { try await service.run() } }
        tasks.addTask { try await application.eventForwarder.run() }
        defer { tasks.cancelAll() }
        try await body(CardOnReader(devices: devices))
    }
}

struct CardOnReader {
    let devices: TerminalDevices

    /// Takes any card away, then places `fixture` and waits until the terminal has read it (its
    /// `cardPresented` event).
    func placeCard(_ client: some TestClientProtocol, fixture: String = "resident") async throws {
        let events = await devices.events.subscribe()
        let lying = await devices.readers.first?.status().card == .cardPresent
        _ = try await client.execute(uri: "/v1/simulator/cards", method: .delete)
        // The reader must see the card go, or it takes the new one for the card still lying there.
        if lying { #expect(await events.first(within: .seconds(10)) { $0.type == .cardRemoved } != nil, "the card was never taken") }
        let placed = try await client.execute(
            uri: "/v1/simulator/cards", method: .post, body: ByteBuffer(string: #"{"fixture":"\#(fixture)"}"#))
        #expect(placed.status == .noContent)
        #expect(await events.first(within: .seconds(10)) { $0.type == .cardPresented } != nil, "the card was never read")
        #expect(await devices.cards.presented() != nil, "the card was never read")
    }
}

/// Walks a filing over HTTP: answers each step's required questions that are still empty
/// (from `answers`, else a default of the field's type), accepts every commitment it may, hands
/// in the core materials, defers the non-core ones it may, accepts the declaration and submits.
struct FilingWalker {
    let client: any TestClientProtocol
    let answers: [String: String]

    /// Starts a session and answers every step; returns the session id, on the review.
    func answerEveryStep(_ formID: String) async throws -> String {
        let started = try await client.execute(
            uri: "/v1/sessions", method: .post, body: ByteBuffer(string: #"{"formId":"\#(formID)"}"#))
        #expect(started.status == .created, "\(formID): \(String(buffer: started.body))")
        var view = try started.decoded(SessionView.self)
        let id = view.sessionId
        var given: Set<String> = []
        for _ in 0..<40 where view.position == "step" {
            // A choice may depend on another answer of the same step: look again after answering.
            for _ in 0..<3 {
                let screen = try #require(view.screen)
                var answered = false
                for field in screen.fields where !field.calculated && !field.readOnly && !given.contains(field.id) {
                    let defaultAnswer = field.value == nil && field.required
                        ? Self.defaultAnswer(type: field.type, choices: field.choices, itemFields: field.itemFields) : nil
                    guard let literal = answers[field.id] ?? defaultAnswer else { continue }
                    let response = try await client.execute(
                        uri: "/v1/sessions/\(id)/answers/\(field.id)", method: .put, body: ByteBuffer(string: #"{"value":\#(literal)}"#))
                    #expect(response.status == .ok, "\(formID) \(field.id): \(String(buffer: response.body))")
                    view = try response.decoded(SessionView.self)
                    given.insert(field.id)
                    answered = true
                }
                if !answered { break }
            }
            let next = try await client.execute(uri: "/v1/sessions/\(id)/next", method: .post)
            try #require(next.status == .ok, "\(formID) step \(view.screen?.stepId ?? ""): \(String(buffer: next.body))")
            view = try next.decoded(SessionView.self)
        }
        #expect(view.position == "review", "\(formID)")
        return id
    }

    /// Walks `formID` to the end; returns the answer to the submission.
    func file(_ formID: String) async throws -> SubmittedFiling {
        try await finish(formID, session: try await answerEveryStep(formID))
    }

    /// Takes session `id`, on the review, through the materials to the submission.
    func finish(_ formID: String, session id: String) async throws -> SubmittedFiling {
        let confirmed = try await client.execute(uri: "/v1/sessions/\(id)/review/confirm", method: .post)
        #expect(try confirmed.decoded(SessionView.self).position == "declaration", "\(formID): \(String(buffer: confirmed.body))")

        func set(_ material: String, _ body: String) async throws {
            let response = try await client.execute(
                uri: "/v1/sessions/\(id)/materials/\(material)", method: .post, body: ByteBuffer(string: body))
            #expect(response.status == .ok, "\(formID) \(material): \(String(buffer: response.body))")
        }
        let missing = try await client.execute(uri: "/v1/sessions/\(id)/materials", method: .get).decoded(MaterialsNotice.self).missing
        for item in missing where item.commitmentAllowed {
            let version = item.commitment?.textVersion
            try await set(item.materialID, version.map { #"{"status":"committed","textVersion":"\#($0)"}"# } ?? #"{"status":"committed"}"#)
        }
        for item in missing where !item.commitmentAllowed && item.core {
            try await set(item.materialID, #"{"status":"provided"}"#)
        }
        for item in missing where !item.commitmentAllowed && !item.core {
            let deferrable = item.deferral != nil || item.deferrableDays != nil
            try await set(item.materialID, deferrable ? #"{"status":"deferred"}"# : #"{"status":"provided"}"#)
        }
        let submitted = try await client.execute(
            uri: "/v1/sessions/\(id)/submit", method: .post, body: ByteBuffer(string: #"{"acceptDeclaration":true}"#))
        #expect(submitted.status == .created, "\(formID): \(String(buffer: submitted.body))")
        return try submitted.decoded(SubmittedFiling.self)
    }

    /// A plausible answer of a field's type: the first choice, a valid ID number, one item of a group.
    static func defaultAnswer(type: String, choices: [SessionView.Screen.Field.ChoiceView],
                              itemFields: [SessionView.Screen.Field.ItemField]?) -> String? {
        let firstChoice = choices.first.map { "\"\($0.value)\"" }
        switch type {
        case "text", "longText": return #""示例""#
        case "number": return "3"
        case "money": return "100"
        case "date": return #""2001-01-01""#
        case "singleChoice": return firstChoice
        case "multipleChoice": return firstChoice.map { "[\($0)]" }
        case "yesNo", "declaration": return "true"
        case "idNumber": return "\"\(FilingRoutesTests.idNumber)\""
        case "mobile": return #""13800138000""#
        case "creditCode": return "\"\(FilingWalkTests.creditCode)\""
        case "address": return #"{"region":"北京市东城区","detail":"示例路1号"}"#
        case "email": return #""citizen@example.cn""#
        case "repeatGroup":
            let item = (itemFields ?? []).filter(\.required).compactMap { sub in
                defaultAnswer(type: sub.type, choices: sub.choices, itemFields: nil).map { "\"\(sub.id)\":\($0)" }
            }
            return "[{\(item.joined(separator: ","))}]"
        default: return nil
        }
    }
}
