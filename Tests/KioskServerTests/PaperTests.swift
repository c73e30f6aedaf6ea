import Booking
import Filings
import FormEngine
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import JSONLogic
@testable import KioskApp
@testable import Papers
import KioskCore
import KioskServer
import KioskTesting
import Logging
import ReceiptPrinter
import Storage
import Testing

/// The papers a filing prints: their templates are checked against every form they print for,
/// the data the terminal fills them with keeps their contract, and a template that fails anyway
/// still leaves a printed, stored, reprintable paper.
@Suite("Printed papers")
struct PaperTests {
    static let forms = TestInstallation.repository.appendingPathComponent("Forms").path
    /// 2026-03-02 10:00 in Beijing.
    static let context = EvaluationContext(now: Date(timeIntervalSince1970: 1_772_416_800))

    /// A form whose applicant is a company filed for by an agent: no resident ID number to print.
    static let agentForm = """
        id: agent-filing
        version: 1
        title: {zh-CN: 企业变更备案, en: Company change filing}
        department: {zh-CN: 区市场监督管理局, en: District administration for market regulation}
        timeLimitDays: 3
        declaration: {zh-CN: 本人承诺所填信息真实。, en: I declare that the information is true.}
        applicant:
          name: agentName
          identifier: {field: creditCode, label: {zh-CN: 统一社会信用代码, en: Unified social credit code}}
        steps:
          - id: company
            title: {zh-CN: 企业, en: Company}
            fields:
              - {id: agentName, type: text, label: {zh-CN: 经办人, en: Agent}, required: true, prefill: idcard.name}
              - {id: creditCode, type: creditCode, label: {zh-CN: 统一社会信用代码, en: Credit code}, required: true}
        materials:
          - id: minutes
            name: {zh-CN: 股东会决议, en: Shareholders' resolution}
            issuer: {zh-CN: 企业, en: The company}
            core: false
            deferrable:
              maxDays: 5
              days: working
              consequence: {zh-CN: 逾期未补交的，备案不予办理。, en: "If it is not supplied in time, the filing is refused."}
          - id: authorisation
            name: {zh-CN: 授权委托书, en: Letter of authorisation}
            issuer: {zh-CN: 企业, en: The company}
            commitment:
              statement: {zh-CN: 本人承诺已获企业授权。, en: I declare that the company authorised me.}
              verification: {zh-CN: 登记机关抽查核实, en: Checked at random by the registry.}

        """

    static func calendar() throws -> OfficialCalendar {
        let directory = URL(fileURLWithPath: forms).appendingPathComponent("calendar")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".json") }
        return try OfficialCalendar(yearFiles: files.compactMap { FileManager.default.contents(atPath: directory.appendingPathComponent($0).path) })
    }

    /// `form` filed with every commitment taken and every 容缺 material deferred; with the card's
    /// name and number, or (`card: false`) with every step passed over by staff, answers empty.
    static func filing(_ form: FormDefinition, card: Bool) throws -> Filing {
        let calendar = try calendar()
        let facts = IDCardFacts(name: "测试甲", documentNumber: FilingWalkTests.cardNumber, birthDate: "1985-06-15")
        var session = FormSession.start(form, idCard: card ? facts : nil, context: context)
        let staff = StaffAuthorisation(staffID: "S1", reasonCode: "citizenAssisted")
        for _ in 0...form.steps.count where session.currentStep(in: form) != nil {
            _ = try session.next(in: form, context: context, override: staff)
        }
        let missing = session.materialsNotice(in: form, context: context, calendar: calendar).missing
        for item in missing {
            if let terms = item.commitment {
                try session.commitInstead(of: item.materialID, acceptingTextVersion: terms.textVersion, in: form, context: context)
            } else if item.core || item.deferral == nil {
                try session.provideMaterial(item.materialID, in: form)
            }
        }
        for item in missing where item.commitment == nil && !item.core && item.deferral != nil {
            try session.deferMaterial(item.materialID, in: form, context: context)
        }
        _ = try session.confirmReview(in: form, context: context)
        return try session.submit(
            acceptingDeclaration: true, reference: "S01-20260302-0001", in: form, context: context, calendar: calendar)
    }

    @Test func theShippedTemplatesServeEveryShippedForm() throws {
        let filings = try PrintableFilings(formsPath: Self.forms)
        #expect(filings.catalog.problems.map(\.description).sorted() == [])
        #expect(filings.catalog.forms.keys.sorted() == ["company-opening", "individual-business", "residence-permit", "talent-settlement"])
        #expect(Set(filings.templates.keys) == Set(Paper.allCases.map(\.rawValue)))
    }

    /// Forms/README.md lists every paper with the data it is given, as the contract has it.
    @Test func formsReadmeListsEveryPapersData() throws {
        let readme = try String(contentsOfFile: Self.forms + "/README.md", encoding: .utf8)
        func names(_ cell: Substring) -> Set<String> { Set(cell.matches(of: /`([A-Za-z]+)`/).map { String($0.output.1) }) }
        for paper in Paper.allCases {
            let row = try #require(readme.split(separator: "\n").first { $0.hasPrefix("| `\(paper.rawValue)`") }, "\(paper.rawValue)")
            let cells = row.split(separator: "|", omittingEmptySubsequences: false)
            var always = names(cells[3])
            var missing = names(cells[4])
            if [.filingReceipt, .deferralNotice, .commitmentLetter].contains(paper) {
                always.formUnion(["hall", "matter", "reference", "applicantIdLabel"])
                missing.formUnion(["applicantName", "applicantId"])
            }
            let contract = paper.contract()
            #expect(always == Set(contract.fields.filter(\.always).map(\.name)), "\(paper.rawValue)")
            #expect(missing == Set(contract.fields.filter { !$0.always }.map(\.name)), "\(paper.rawValue)")
        }
    }

    /// What the terminal fills each paper with is what its contract (and Forms/README.md) says,
    /// with the card's data and without any answer at all.
    @Test(arguments: [true, false])
    func everyPapersDataKeepsItsContract(card: Bool) throws {
        let catalog = FormCatalog.load(Self.forms)
        let agent = FormLoader.load(yaml: Self.agentForm, file: "agent-filing.yaml")
        let forms = catalog.forms.values.sorted { $0.id < $1.id } + [try #require(agent.definition)]
        var printed: Set<Paper> = []
        for form in forms {
            let filing = try Self.filing(form, card: card)
            let papers = FilingPapers.papers(for: filing, hall: "示例政务服务中心", timeZone: Self.context.timeZone,
                                             progressCode: "P1:\(filing.reference):abcdefghijkl")
            #expect(papers.map(\.paper) == [.filingReceipt] + filing.deferred.map { _ in .deferralNotice }
                + filing.commitments.map { _ in .commitmentLetter }, "\(form.id)")
            for paper in papers {
                printed.insert(paper.paper)
                let violations = paper.paper.contract(applicantIsIDNumber: form.applicant.isIDNumber).violations(by: paper.data)
                #expect(violations == [], "\(form.id) \(paper.paper.rawValue)")
                // An ID number is only ever given masked.
                #expect(!paper.data.values.values.contains { $0 == .text(FilingWalkTests.cardNumber) }, "\(form.id)")
            }
            let notice = PrinterReceiptDesk.noticeData(
                FormSession.start(form, context: Self.context).materialsNotice(in: form, context: Self.context, calendar: try Self.calendar()),
                matter: form.title, hall: "示例政务服务中心", time: Self.context.now, timeZone: Self.context.timeZone)
            #expect(Paper.materialsNotice.contract().violations(by: notice) == [], "\(form.id)")
            // The window's notices, for every part: accepted, then returned; with the answers and after they have left.
            let lifecycle = FilingLifecycle(calendar: try Self.calendar(), timeZone: Self.context.timeZone)
            var record = lifecycle.open(filing, hall: "S01", terminal: "T01", idHash: nil, idMasked: nil).record
            for item in record.cases {
                record = try lifecycle.apply(.accept(part: item.part, window: "A3"), to: record, by: .window(staff: "W01"), at: Self.context.now).record
                for kept in [filing, nil] {
                    let paper = try #require(FilingPapers.decisionNotice(record, part: item.part, filing: kept, hall: "示例政务服务中心",
                                                                         timeZone: Self.context.timeZone, progressCode: "P1:x:abcdefghijkl",
                                                                         reasons: LifecycleRules.standardReturnReasons))
                    printed.insert(paper.paper)
                    #expect(paper.paper.contract(applicantIsIDNumber: form.applicant.isIDNumber).violations(by: paper.data) == [], "\(form.id)")
                }
                record = try lifecycle.apply(.returnFiling(part: item.part, reasons: ["materialsIncomplete", "other"], note: "请补盖公章"),
                                             to: record, by: .window(staff: "W01"), at: Self.context.now).record
                let returned = try #require(FilingPapers.decisionNotice(record, part: item.part, filing: filing, hall: "示例政务服务中心",
                                                                        timeZone: Self.context.timeZone, progressCode: "P1:x:abcdefghijkl",
                                                                        reasons: LifecycleRules.standardReturnReasons))
                printed.insert(returned.paper)
                #expect(returned.paper.contract(applicantIsIDNumber: form.applicant.isIDNumber).violations(by: returned.data) == [])
                #expect(returned.data.values["reasons"] == .list(["申请材料不齐全", "其他（请说明）"]))
            }
        }
        #expect(printed == [.filingReceipt, .deferralNotice, .commitmentLetter, .acceptanceNotice, .refusalNotice])
    }

    /// A template that could fail for one form refuses that form (only), at the template's
    /// FILE:LINE, naming the form; a missing template refuses every form that needs it.
    @Test func aTemplateThatCouldFailRefusesTheFormsItWouldFailFor() async throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        let receipts = installation.root + "/Forms/receipts"
        try Self.agentForm.write(toFile: installation.root + "/Forms/agent-filing.yaml", atomically: true, encoding: .utf8)
        let receiptFile = receipts + "/filing-receipt.yaml"
        let masked = try String(contentsOfFile: receiptFile, encoding: .utf8)
            .replacingOccurrences(of: #"value: "{{applicantId}}""#, with: #"value: "{{applicantId | masked}}""#)
        try masked.write(toFile: receiptFile, atomically: true, encoding: .utf8)
        let line = try #require(masked.split(separator: "\n", omittingEmptySubsequences: false)
            .firstIndex { $0.contains("applicantId | masked") })   // the value's line; its block starts one above
        let letterFile = receipts + "/commitment-letter.yaml"
        let letter = try String(contentsOfFile: letterFile, encoding: .utf8)
        try (letter.replacingOccurrences(of: "  - cut\n", with: "  - text: \"{{applicantName}} {{signature}}\"\n  - cut\n"))
            .write(toFile: letterFile, atomically: true, encoding: .utf8)
        let letterLines = letter.split(separator: "\n", omittingEmptySubsequences: false).count
        try FileManager.default.removeItem(atPath: receipts + "/deferral-notice.yaml")

        let filings = try PrintableFilings(formsPath: installation.root + "/Forms")
        #expect(filings.catalog.forms.isEmpty)
        let everyForm = "agent-filing, company-opening, individual-business, residence-permit, talent-settlement"
        #expect(filings.catalog.problems.map(\.description).sorted() == [
            "\(receipts):1: There is no receipt template deferral-notice.yaml (容缺受理告知书). (refusing \(everyForm))",
            "\(letterFile):\(letterLines - 1): blocks[23].text: applicantName may be missing: put it inside when: applicantName. (refusing \(everyForm))",
            "\(letterFile):\(letterLines - 1): blocks[23].text: There is no data signature. (refusing \(everyForm))",
            "\(receiptFile):\(line): blocks[6].blocks[0].value: applicantId is not an ID number: masked does not apply. (refusing agent-filing)",
        ].sorted())

        // `kiosk serve` refuses a form the same way, serves the others, and /readyz names the problem.
        let served = try TestInstallation()
        defer { served.remove() }
        try Self.agentForm.write(toFile: served.root + "/Forms/agent-filing.yaml", atomically: true, encoding: .utf8)
        try masked.write(toFile: served.root + "/Forms/receipts/filing-receipt.yaml", atomically: true, encoding: .utf8)
        let application = try await KioskApplication.onTestInstallation(served)
        #expect(application.forms.forms.keys.sorted() == ["company-opening", "individual-business", "residence-permit", "talent-settlement"])
        try await application.makeHTTPServer().test(.router) { client in
            let ready = try await client.execute(uri: "/readyz", method: .get)
            #expect(ready.status == .ok)
            #expect(String(buffer: ready.body).contains("masked does not apply. (refusing agent-filing)"))
        }
    }

    /// A template fault that slipped past the checks (here: templates handed in unchecked) still
    /// prints the paper, plain, as a stored job a reprint sends again.
    @Test func aTemplateThatFailsAnywayPrintsPlainAndIsKept() async throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        let application = try await KioskApplication.onTestInstallation(installation)
        let broken = try ReceiptTemplate.decode(yaml: """
            id: filing-receipt
            name: Broken
            blocks:
              - text: "{{noSuchData}}"
              - cut
            """, file: "broken.yaml")
        // A QR code no printer can hold: the printer, not the template, refuses the layout.
        let unprintable = try ReceiptTemplate.decode(yaml: """
            id: commitment-letter
            name: Too long
            blocks:
              - qr: "{{statement}}{{statement}}{{statement}}{{statement}}{{statement}}{{statement}}{{statement}}{{statement}}"
              - cut
            """, file: "long.yaml")
        let form = try #require(application.forms.forms["company-opening"])
        let filing = try Self.filing(form, card: true)
        for templates in [["filing-receipt": broken], ["commitment-letter": unprintable]] {
            let desk = PrinterReceiptDesk(
                manager: application.devices.manager, templates: templates, hallName: "示例政务服务中心",
                timeZone: Self.context.timeZone, logger: Logger(label: "test"),
                requests: PrintRequests(store: DeviceStore(store: application.store), limits: PrintLimits()),
                progressCode: { ProgressCode(reference: $0, token: "abcdefghijkl") }, returnReasons: LifecycleRules.standardReturnReasons)
            let outcome = await desk.printFilingReceipt(filing)
            #expect(outcome.state == .printed, "\(templates.keys)")
            #expect(outcome.papers == ["filing-receipt", "deferral-notice", "commitment-letter"])
            let jobID = try #require(outcome.jobId)
            try await application.makeHTTPServer().test(.router) { client in
                let technician: HTTPFields = [.authorization: try await application.bearer(client, role: .technician)]
                let preview = try await client.execute(uri: "/v1/devices/printer-simulated/last-receipt", method: .get, headers: technician)
                #expect(preview.headers[HTTPField.Name("Kiosk-Print-Job")!] == jobID)
                let text = String(buffer: preview.body).filter { !$0.isWhitespace }
                #expect(text.contains("办件回执"))
                #expect(text.contains("受理编号S01-20260302-0001"))
                #expect(text.contains("110101********0019"))
                #expect(text.contains("告知承诺书"))
                #expect(text.contains("承诺人签字"))
                #expect(!text.contains(FilingWalkTests.cardNumber))
            }
            #expect(try await desk.reprint(jobID: jobID, requestKey: UUID().uuidString)?.state == .printed)
        }
    }
}
