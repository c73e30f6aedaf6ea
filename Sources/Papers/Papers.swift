import Booking
import Filings
import FormEngine
import ESCPOS
import Foundation
import JSONLogic
import KioskCore
import KioskServer
import ReceiptPrinter

/// The papers a terminal prints (`Forms/receipts/<id>.yaml`), each with the data it is filled
/// with: its contract. `Forms/README.md` ("Printed papers") lists the same.
enum Paper: String, CaseIterable, Sendable {
    /// 办件回执: the reference number and what happens next.
    case filingReceipt = "filing-receipt"
    /// 容缺受理告知书: one per material handed in later.
    case deferralNotice = "deferral-notice"
    /// 告知承诺书: one per material replaced by a commitment.
    case commitmentLetter = "commitment-letter"
    /// 一次性告知书: every material still missing.
    case materialsNotice = "materials-notice"
    /// 预约凭条: a confirmed booking.
    case bookingSlip = "booking-slip"
    /// 受理通知书: the window accepted the filing (or one part of a bundle); the legal time limit runs.
    case acceptanceNotice = "acceptance-notice"
    /// 不予受理通知书 / 退回补正: the window returned it, with the reasons and what to do next.
    case refusalNotice = "refusal-notice"
    /// 惠企政策明白纸: one policy an enterprise may use, and how.
    case policySheet = "policy-sheet"

    /// The heading of the plain paper printed when the template cannot be used.
    var title: String {
        switch self {
        case .filingReceipt: "办件回执"
        case .deferralNotice: "容缺受理告知书"
        case .commitmentLetter: "告知承诺书"
        case .materialsNotice: "一次性告知书"
        case .bookingSlip: "预约凭条"
        case .acceptanceNotice: "受理通知书"
        case .refusalNotice: "不予受理通知书"
        case .policySheet: "惠企政策明白纸"
        }
    }

    /// Whether a filing of `form` may print this paper.
    func isPrinted(for form: FormDefinition) -> Bool {
        switch self {
        case .filingReceipt: true
        case .deferralNotice: form.materials.contains { $0.deferral != nil }
        case .commitmentLetter: form.materials.contains { $0.commitment != nil }
        case .materialsNotice: !form.materials.isEmpty
        case .bookingSlip, .policySheet: false
        case .acceptanceNotice, .refusalNotice: true
        }
    }

    /// The data this paper is filled with. `applicantId` is an ID number for a form whose
    /// applicant is declared with `idNumber:`, another identifier otherwise.
    func contract(applicantIsIDNumber: Bool = true) -> TemplateContract {
        typealias Field = TemplateContract.Field
        let applicant = [
            Field("applicantName", .text, always: false, label: "申请人"),
            Field("applicantIdLabel", .text, always: true, label: "证件"),
            Field("applicantId", .text, always: false, idNumber: applicantIsIDNumber, label: "证件号码"),
        ]
        let filing = [
            Field("hall", .text, always: true, label: "服务大厅"),
            Field("matter", .text, always: true, label: "办理事项"),
            Field("reference", .text, always: true, label: "受理编号"),
        ]
        switch self {
        case .filingReceipt:
            return TemplateContract(filing + applicant + [
                Field("time", .text, always: true, label: "受理时间"),
                Field("progressCode", .text, always: true, label: "进度查询码"),
                Field("nextSteps", .list, always: true, label: "后续步骤"),
                Field("deferredMaterials", .list, always: false, label: "容缺受理，按时限补交"),
                Field("committedMaterials", .list, always: false, label: "告知承诺，以承诺代替"),
                Field("staffNote", .text, always: false, label: "工作人员协助"),
                Field("firstResponsible", .text, always: false, label: "首问责任人"),
            ])
        case .deferralNotice:
            return TemplateContract(filing + applicant + [
                Field("material", .text, always: true, label: "补交材料"),
                Field("dueDate", .text, always: true, label: "补交期限"),
                Field("dueText", .text, always: true, label: "期限计算"),
                Field("handIn", .text, always: true, label: "补交地点"),
                Field("consequence", .text, always: true, label: "逾期后果"),
                Field("consequenceEn", .text, always: true, label: "If not in time"),
                Field("date", .text, always: true, label: "告知日期"),
            ])
        case .commitmentLetter:
            return TemplateContract(filing + [
                Field("material", .text, always: true, label: "承诺代替的材料"),
                Field("statement", .text, always: true, label: "承诺内容"),
                Field("statementEn", .text, always: true, label: "Commitment"),
                Field("verification", .text, always: true, label: "核查方式"),
                Field("verificationEn", .text, always: true, label: "Verification"),
            ] + applicant + [
                Field("date", .text, always: true, label: "承诺日期"),
                Field("textVersion", .text, always: true, label: "承诺书文本版本"),
            ])
        case .materialsNotice:
            return TemplateContract([
                Field("hall", .text, always: true, label: "服务大厅"),
                Field("matter", .text, always: true, label: "办理事项"),
                Field("reference", .text, always: false, label: "告知编号"),
                Field("time", .text, always: true, label: "告知时间"),
                Field("materials", .list, always: true, label: "还需提交的材料"),
                Field("notes", .list, always: false, label: "说明"),
            ])
        case .acceptanceNotice:
            return TemplateContract(filing + applicant + [
                Field("department", .text, always: true, label: "承办部门"),
                Field("acceptedDate", .text, always: true, label: "受理日期"),
                Field("timeLimit", .text, always: true, label: "承诺时限"),
                Field("dueDate", .text, always: true, label: "办结期限"),
                Field("window", .text, always: true, label: "受理窗口"),
                Field("progressCode", .text, always: true, label: "进度查询码"),
                Field("provisionalNote", .text, always: false, label: "说明"),
            ])
        case .refusalNotice:
            return TemplateContract(filing + applicant + [
                Field("department", .text, always: true, label: "承办部门"),
                Field("date", .text, always: true, label: "日期"),
                Field("reasons", .list, always: true, label: "原因"),
                Field("note", .text, always: false, label: "说明"),
                Field("nextSteps", .list, always: true, label: "后续"),
                Field("progressCode", .text, always: true, label: "进度查询码"),
            ])
        case .bookingSlip:
            return TemplateContract([
                Field("hall", .text, always: true, label: "服务大厅"),
                Field("service", .text, always: true, label: "预约事项"),
                Field("serviceEn", .text, always: true, label: "Service"),
                Field("date", .text, always: true, label: "预约日期"),
                Field("window", .text, always: true, label: "预约时段"),
                Field("counter", .text, always: false, label: "办理窗口"),
                Field("idNumber", .text, always: true, idNumber: true, label: "身份证号"),
                Field("bookingCode", .text, always: true, label: "预约码"),
                Field("checkIn", .list, always: true, label: "签到"),
                Field("notes", .list, always: false, label: "提示"),
            ])
        case .policySheet:
            return TemplateContract([
                Field("hall", .text, always: true, label: "服务大厅"),
                Field("title", .text, always: true, label: "政策名称"),
                Field("department", .text, always: true, label: "主管部门"),
                Field("qualifies", .text, always: true, label: "适用对象"),
                Field("benefits", .list, always: true, label: "支持内容"),
                Field("materials", .list, always: true, label: "申请材料"),
                Field("whereToApply", .text, always: true, label: "办理地点"),
                Field("validUntil", .text, always: true, label: "有效期至"),
                Field("source", .text, always: true, label: "政策依据"),
                Field("sourceReference", .text, always: true, label: "查询政策原文"),
                Field("date", .text, always: true, label: "打印日期"),
                Field("exampleNote", .text, always: false, label: "说明"),
            ])
        }
    }

    /// What the plain paper adds after the data: a commitment is signed even when its
    /// template failed.
    var plainFooter: [String] {
        self == .commitmentLetter ? ["承诺人签字 Signature：________________"] : []
    }
}

/// One paper and the data it is filled with.
struct FilledPaper: Sendable {
    let paper: Paper
    let data: TemplateData

    /// The paper without its template: every value labelled, text only.
    var plain: [Receipt.Block] {
        var blocks = paper.contract().plainReceipt(title: paper.title, data: data).blocks
        if !paper.plainFooter.isEmpty {
            let cut = blocks.popLast()
            blocks += paper.plainFooter.map { .text($0) }
            if let cut { blocks.append(cut) }
        }
        return blocks
    }
}

/// The papers of a submitted filing and the data each is filled with; pure, so the same filing
/// always prints the same papers.
enum FilingPapers {
    /// The receipt, then a 容缺受理告知书 for each deferred material and a 告知承诺书 for each
    /// commitment, in the form's order.
    static func papers(for filing: Filing, hall: String, timeZone: TimeZone, progressCode: String) -> [FilledPaper] {
        let common: [String: TemplateData.Value] = [
            "hall": .text(hall), "matter": .text(filing.title.zh), "reference": .text(filing.reference),
        ].merging(applicant(filing.applicant)) { first, _ in first }
        let day = text(filing.submittedAt, timeZone, withTime: false)

        var receipt = common
        receipt["time"] = .text(text(filing.submittedAt, timeZone, withTime: true))
        receipt["progressCode"] = .text(progressCode)
        receipt["nextSteps"] = .list([
            "本事项由\(filing.department.zh)办理，承诺时限\(filing.timeLimitDays)个工作日",
            "凭受理编号查询办理进度",
        ] + filing.subFilings.map { "\($0.title.zh)：\($0.department.zh)，\($0.timeLimitDays)个工作日" })
        if !filing.deferred.isEmpty {
            receipt["deferredMaterials"] = .list(filing.deferred.map { "\($0.name.zh)（\($0.dueDate)前）" })
        }
        if !filing.commitments.isEmpty {
            receipt["committedMaterials"] = .list(filing.commitments.map(\.name.zh))
        }
        if !filing.overrides.isEmpty {
            receipt["staffNote"] = .text("本次办理有 \(filing.overrides.count) 个步骤由工作人员协助完成")
        }
        // 首问负责: the staff number only (a name is never printed), and who it was handed from.
        if let history = filing.responsibility, let current = history.last {
            let previous = history.dropLast().map(\.staffNumber)
            receipt["firstResponsible"] = .text("工号 \(current.staffNumber)" + (previous.isEmpty ? "" : "（由工号 \(previous.joined(separator: "、")) 转交）"))
        }
        var papers = [FilledPaper(paper: .filingReceipt, data: TemplateData(receipt))]

        for material in filing.deferred {
            var values = common
            values["material"] = .text(material.name.zh)
            values["dueDate"] = .text(material.dueDate)
            values["dueText"] = .text(material.dueText?.zh ?? "\(material.dueDate)前")
            values["handIn"] = .text("\((material.handIn ?? filing.department).zh)（\(hall)）")
            values["consequence"] = .text(material.consequence.zh)
            values["consequenceEn"] = .text(material.consequence.en)
            values["date"] = .text(day)
            papers.append(FilledPaper(paper: .deferralNotice, data: TemplateData(values)))
        }
        for commitment in filing.commitments {
            var values = common
            values["material"] = .text(commitment.name.zh)
            values["statement"] = .text(commitment.statement.zh)
            values["statementEn"] = .text(commitment.statement.en)
            values["verification"] = .text(commitment.verification.zh)
            values["verificationEn"] = .text(commitment.verification.en)
            values["date"] = .text(day)
            values["textVersion"] = .text(commitment.textVersion ?? "—")
            papers.append(FilledPaper(paper: .commitmentLetter, data: TemplateData(values)))
        }
        return papers
    }

    /// The window's decision on one case: the 受理通知书 of an accepted case, the 不予受理通知书 of a
    /// returned one (nil in any other state). The applicant is printed from the filing while the
    /// store keeps it; the notice prints without them once the answers have left.
    static func decisionNotice(_ record: FilingRecord, part: String, filing: Filing?, hall: String, timeZone: TimeZone,
                               progressCode: String, reasons: [ListedReason]) -> FilledPaper? {
        guard let item = record.cases.first(where: { $0.part == part }) else { return nil }
        var values: [String: TemplateData.Value] = [
            "hall": .text(hall), "matter": .text(item.matter.zh), "reference": .text(record.reference),
            "department": .text(item.department.zh), "progressCode": .text(progressCode),
        ].merging(applicant(filing?.applicant)) { first, _ in first }
        switch item.state {
        case .accepted, .inProgress:
            guard let acceptance = item.acceptance, let clock = item.clock else { return nil }
            values["acceptedDate"] = .text(acceptance.on.description)
            values["timeLimit"] = .text("\(item.timeLimitDays)个工作日（按国家法定节假日安排计算，受理当日不计入）")
            values["dueDate"] = .text(clock.dueDate.description)
            values["window"] = .text(acceptance.window)
            if clock.provisional {
                values["provisionalNote"] = .text("办结期限跨入国务院尚未公布节假日安排的年度，公布后可能调整")
            }
            return FilledPaper(paper: .acceptanceNotice, data: TemplateData(values))
        case .returned:
            guard let returned = item.lastReturn else { return nil }
            values["date"] = .text(returned.on.description)
            values["reasons"] = .list(returned.reasons.map { code in reasons.first { $0.code == code }?.label.zh ?? code })
            if !returned.note.isEmpty { values["note"] = .text(returned.note) }
            values["nextSteps"] = .list([
                "请按上述原因补正后，在自助终端凭身份证或受理编号重新提交，受理编号不变",
                "Correct it as stated and submit it again at a self-service terminal; the reference stays the same",
            ])
            return FilledPaper(paper: .refusalNotice, data: TemplateData(values))
        default:
            return nil
        }
    }

    /// The applicant as the form declares them: the name, and the identifier under its label,
    /// an ID number only ever masked.
    static func applicant(_ applicant: Filing.Applicant?) -> [String: TemplateData.Value] {
        guard let applicant else { return ["applicantIdLabel": .text("身份证号")] }
        var values: [String: TemplateData.Value] = ["applicantIdLabel": .text(applicant.identifierLabel.zh)]
        if let name = applicant.name { values["applicantName"] = .text(name) }
        if let identifier = applicant.identifier {
            values["applicantId"] = .text(applicant.isIDNumber ? TemplateText.masked(identifier) : identifier)
        }
        return values
    }

    /// `YYYY-MM-DD`, with `HH:MM` when `withTime`, on the hall's wall clock.
    static func text(_ instant: Date, _ timeZone: TimeZone, withTime: Bool) -> String {
        let calendar = Calendar(identifier: .gregorian)
        let format: Date.FormatString = withTime
            ? "\(year: .defaultDigits)-\(month: .twoDigits)-\(day: .twoDigits) \(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased)):\(minute: .twoDigits)"
            : "\(year: .defaultDigits)-\(month: .twoDigits)-\(day: .twoDigits)"
        return instant.formatted(Date.VerbatimFormatStyle(format: format, timeZone: timeZone, calendar: calendar))
    }
}

/// The filings a terminal serves and the templates of the papers they print. Every template is
/// checked against every form it may print for (`Paper.isPrinted(for:)`), at `kiosk forms
/// validate` and at start: a form whose papers could fail for want of data is refused like an
/// invalid form, and the problem names the template's `FILE:LINE` and the forms it refused.
public struct PrintableFilings: Sendable {
    public let catalog: FormCatalog
    public let templates: [String: ReceiptTemplate]

    /// Reads the forms of `formsPath` (a directory, or one form file) and the templates of the
    /// `receipts/` directory beside them; throws when a template file cannot be read at all.
    public init(formsPath: String) throws(DefinitionFileError) {
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: formsPath, isDirectory: &isDirectory)
        let directory = exists && !isDirectory.boolValue ? (formsPath as NSString).deletingLastPathComponent : formsPath
        let receipts = (directory.isEmpty ? "." : directory) + "/receipts"
        templates = try ReceiptTemplate.loadAll(directory: receipts)
        catalog = Self.check(FormCatalog.load(formsPath), templates: templates, receiptsDirectory: receipts)
    }

    static func check(_ catalog: FormCatalog, templates: [String: ReceiptTemplate], receiptsDirectory: String) -> FormCatalog {
        /// One template problem, and the forms it stands in the way of.
        struct Found {
            var problem: TemplateProblem
            var file: String
            var forms: [String]
        }
        var found: [String: Found] = [:]
        var order: [String] = []
        var refused: Set<String> = []
        func note(_ key: String, _ problem: TemplateProblem, file: String, form: String) {
            if found[key] == nil {
                order.append(key)
                found[key] = Found(problem: problem, file: file, forms: [])
            }
            found[key]?.forms.append(form)
            refused.insert(form)
        }
        for form in catalog.forms.values.sorted(by: { $0.id < $1.id }) {
            for paper in Paper.allCases where paper.isPrinted(for: form) {
                guard let template = templates[paper.rawValue] else {
                    let missing = TemplateProblem(path: "", line: 1, code: "missingTemplate", message: .init(
                        zh: "没有回执模板 \(paper.rawValue).yaml（\(paper.title)）。",
                        en: "There is no receipt template \(paper.rawValue).yaml (\(paper.title))."))
                    note("missing \(paper.rawValue)", missing, file: receiptsDirectory, form: form.id)
                    continue
                }
                let file = template.source?.file ?? receiptsDirectory
                for problem in paper.contract(applicantIsIDNumber: form.applicant.isIDNumber).problems(in: template) {
                    note("\(file)|\(problem.path)|\(problem.code)|\(problem.message.en)", problem, file: file, form: form.id)
                }
            }
        }
        // The booking slip and the policy sheet print for no form; they are checked all the same.
        for paper in [Paper.bookingSlip, .policySheet] {
            guard let template = templates[paper.rawValue] else { continue }
            for problem in paper.contract().problems(in: template) {
                let key = "\(paper.rawValue)|\(problem.path)|\(problem.code)"
                order.append(key)
                found[key] = Found(problem: problem, file: template.source?.file ?? receiptsDirectory, forms: [])
            }
        }
        let problems = order.compactMap { found[$0] }.map { item in
            let forms = item.forms.joined(separator: ", ")
            let refusing = item.forms.isEmpty ? LocalizedText(zh: "", en: "")
                : LocalizedText(zh: "（以下事项因此停用：\(forms)）", en: " (refusing \(forms))")
            return FormProblem(file: item.file, line: item.problem.line, path: item.problem.path, code: item.problem.code,
                               message: LocalizedText(zh: item.problem.message.zh + refusing.zh, en: item.problem.message.en + refusing.en))
        }
        return catalog.refusing(refused, problems: problems)
    }
}
