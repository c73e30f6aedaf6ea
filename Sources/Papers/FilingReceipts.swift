import Booking
import DeviceKit
import ESCPOS
import Filings
import FormEngine
import Foundation
import JSONLogic
import KioskCore
import KioskServer
import Logging
import ReceiptPrinter

/// Prints the terminal's papers (`Forms/receipts/*.yaml`) on the first receipt printer the
/// device manager knows. Every job is stored before it is sent and kept when it fails, so it
/// can be reprinted; a paper whose template fails anyway (a fault that slipped past the checks
/// of `PrintableFilings`) is printed plain, never lost.
public struct PrinterReceiptDesk: ReceiptDesk, DecisionNoticeDesk {
    let manager: DeviceManager
    /// Replaced by a reload of `Forms/receipts/` (see `RulesReload`).
    public internal(set) var templates: [String: ReceiptTemplate]
    let hallName: String
    let timeZone: TimeZone
    let logger: Logger
    /// Slips and reprints from the screen: once per Idempotency-Key, within `PrintLimits`.
    let requests: PrintRequests
    /// The code of a filing receipt's QR (and of the notices'): see `KioskApplication.progressCodes`.
    let progressCode: @Sendable (String) -> ProgressCode
    /// The reasons a window returns a filing for, as the 不予受理通知书 prints them.
    let returnReasons: [ListedReason]

    public init(manager: DeviceManager, templates: [String: ReceiptTemplate], hallName: String, timeZone: TimeZone,
                logger: Logger, requests: PrintRequests,
                progressCode: @escaping @Sendable (String) -> ProgressCode, returnReasons: [ListedReason]) {
        self.manager = manager
        self.templates = templates
        self.hallName = hallName
        self.timeZone = timeZone
        self.logger = logger
        self.requests = requests
        self.progressCode = progressCode
        self.returnReasons = returnReasons
    }

    func printer() async -> ReceiptPrinterDevice? {
        await Self.firstOnlinePrinter(manager)
    }

    /// The first printer that is connected (not offline, by the manager's rescan or its own
    /// last exchange); only when none is, the first one at all, so the job is stored, fails as
    /// `deviceOffline` and stays reprintable rather than being lost as "no printer".
    public static func firstOnlinePrinter(_ manager: DeviceManager) async -> ReceiptPrinterDevice? {
        let printers = await manager.devices().compactMap { $0 as? ReceiptPrinterDevice }
        for printer in printers {
            let offline = await manager.isOffline(printer.info.id)
            if !offline, await printer.state() != .offline { return printer }
        }
        return printers.first
    }

    /// The filing's papers as one job: the 办件回执, then each 容缺受理告知书 and 告知承诺书,
    /// cut apart; one reprint gives the citizen all of them again.
    public func printFilingReceipt(_ filing: Filing) async -> PrintOutcome {
        let papers = FilingPapers.papers(for: filing, hall: hallName, timeZone: timeZone,
                                         progressCode: progressCode(filing.reference).description)
        var outcome = await print(papers, reference: filing.reference)
        outcome.papers = papers.map(\.paper.rawValue)
        return outcome
    }

    /// Stored and sent like a filing receipt (so it is kept and reprintable). The job's
    /// reference names the notice and the form: a notice has no reference number of its own,
    /// and the template prints no QR code without one.
    public func printMaterialsNotice(_ notice: MaterialsNotice, matter: LocalizedText, formID: String) async -> PrintOutcome {
        let data = Self.noticeData(notice, matter: matter, hall: hallName, time: Date(), timeZone: timeZone)
        return await print([FilledPaper(paper: .materialsNotice, data: data)], reference: "notice-\(formID)")
    }

    /// 受理通知书 or 不予受理通知书, kept under the filing's reference like its receipt (and removed
    /// with it when the answers leave the terminal).
    public func printDecisionNotice(_ record: FilingRecord, part: String, filing: Filing?) async -> PrintOutcome {
        guard let paper = FilingPapers.decisionNotice(record, part: part, filing: filing, hall: hallName, timeZone: timeZone,
                                                      progressCode: progressCode(record.reference).description, reasons: returnReasons)
        else { return PrintOutcome(jobId: nil, state: .failed, reason: "nothingToPrint") }
        var outcome = await print([paper], reference: record.reference)
        outcome.papers = [paper.paper.rawValue]
        return outcome
    }

    /// The 明白纸 of each policy, one after another in one job (kept and reprintable).
    public func printPolicySheets(_ policies: [Policy], on day: String) async -> PrintOutcome {
        let papers = policies.map { FilledPaper(paper: .policySheet, data: Self.policyData($0, hall: hallName, date: day)) }
        var outcome = await print(papers, reference: "policies-\(day)")
        outcome.papers = papers.map(\.paper.rawValue)
        return outcome
    }

    /// What a policy's sheet is filled with: the policy's own words, in Chinese as printed.
    /// Nothing about the enterprise or the person who asked.
    public static func policyData(_ policy: Policy, hall: String, date: String) -> TemplateData {
        var values: [String: TemplateData.Value] = [
            "hall": .text(hall),
            "title": .text(policy.title.zh),
            "department": .text(policy.department.zh),
            "qualifies": .text(policy.qualifies.zh),
            "benefits": .list(policy.benefits.map(\.zh)),
            "materials": .list(policy.materials.map(\.zh)),
            "whereToApply": .text(policy.whereToApply.zh),
            "validUntil": .text(policy.validUntil ?? "长期有效"),
            "source": .text("\(policy.source.number)（\(policy.source.date)）"),
            "sourceReference": .text(policy.sourceReference),
            "date": .text(date),
        ]
        if policy.example { values["exampleNote"] = .text("【示例政策，仅供演示，请以正式文件为准】") }
        return TemplateData(values)
    }

    /// Lays `papers` out as one job, stores it and sends it.
    private func print(_ papers: [FilledPaper], reference: String) async -> PrintOutcome {
        guard let printer = await printer() else { return .noPrinter }
        let templateID = papers.map(\.paper.rawValue).joined(separator: "+")
        let job: PrintJob
        do {
            job = try printer.job(for: Receipt(papers.flatMap(render)), templateID: templateID, reference: reference)
        } catch {
            // The printer cannot lay out what a template made (a QR code too wide for its paper):
            // the plain papers are text only, which every printer lays out.
            logger.warning("receipt not renderable; printed plain", metadata: ["template.id": "\(templateID)", "fault": "\(error.code)"])
            do {
                job = try printer.job(for: Receipt(papers.flatMap(\.plain)), templateID: "plain:" + templateID, reference: reference)
            } catch {
                return PrintOutcome(jobId: nil, state: .failed, reason: error.code)
            }
        }
        do {
            return PrintOutcome(try await printer.print(job))
        } catch {
            return PrintOutcome(jobId: nil, state: .failed, reason: error.code)
        }
    }

    /// The paper from its template, or plain when the template is missing or cannot be filled.
    private func render(_ paper: FilledPaper) -> [Receipt.Block] {
        guard let template = templates[paper.paper.rawValue] else {
            logger.warning("receipt template missing; printed plain", metadata: ["template.id": "\(paper.paper.rawValue)"])
            return paper.plain
        }
        do {
            return try template.render(data: paper.data).blocks
        } catch {
            logger.warning("receipt template failed; printed plain", metadata: ["template.id": "\(template.id)", "error": "\(error.code)"])
            return paper.plain
        }
    }

    /// One line per missing material: what to bring, how many, why, and who issues it; then
    /// what 容缺 and 告知承诺 allow.
    static func noticeData(_ notice: MaterialsNotice, matter: LocalizedText, hall: String, time: Date, timeZone: TimeZone) -> TemplateData {
        let materials = notice.missing.map { item in
            let presentation =
                switch item.presentation {
                case .original: "原件"
                case .copy: "复印件"
                case .originalAndCopy: "原件及复印件"
                }
            let format =
                switch item.format {
                case .paper: ""
                case .electronic: "，电子版"
                case .paperOrElectronic: "，纸质或电子版"
                }
            return "\(item.name.zh)（\(presentation)\(item.copies)份\(format)）：\(item.reason.zh)；出具：\(item.issuer.zh)"
        }
        var notes: [String] = []
        let names = Dictionary(notice.missing.map { ($0.materialID, $0.name.zh) }, uniquingKeysWith: { first, _ in first })
        if notice.deferralPossible {
            notes.append("核心材料已齐全，可选择容缺受理，缺少的材料按承诺时限补交")
        }
        let committable = notice.commitmentPossible.compactMap { names[$0] }
        if !committable.isEmpty {
            notes.append("可以书面承诺代替：" + committable.joined(separator: "、"))
        }
        var values: [String: TemplateData.Value] = [
            "hall": .text(hall),
            "matter": .text(matter.zh),
            "time": .text(FilingPapers.text(time, timeZone, withTime: true)),
            "materials": .list(materials),
        ]
        if !notes.isEmpty { values["notes"] = .list(notes) }
        return TemplateData(values)
    }

    /// The job's reference names the booking code, so the slip is found among the kept jobs
    /// (and counted: a booking gets `PrintLimits.slipsPerBooking` slips).
    public func printBookingSlip(_ slip: BookingSlip, requestKey: String) async throws(PrintRefused) -> PrintOutcome {
        let reference = "booking-\(slip.code)"
        let outcome = try await requests.once(key: requestKey, target: "slip:\(slip.code)",
                                             allowed: { [requests] () throws(PrintRefused) in try await requests.checkSlips(reference: reference) },
                                             print: { await print([FilledPaper(paper: .bookingSlip, data: Self.slipData(slip))], reference: reference) })
        return outcome ?? .noPrinter
    }

    static func slipData(_ slip: BookingSlip) -> TemplateData {
        let closes = slip.text(slip.checkInCloses)
        var values: [String: TemplateData.Value] = [
            "hall": .text(slip.hall),
            "service": .text(slip.service.zh),
            "serviceEn": .text(slip.service.en),
            "date": .text(slip.date.description),
            "window": .text("\(slip.start)-\(slip.end)"),
            "bookingCode": .text(slip.code.description),
            "idNumber": .text(slip.maskedIDNumber),
            "checkIn": .list([
                "请于 \(slip.date) \(slip.checkInText) 在自助终端签到：刷身份证，或输入预约码和身份证号码",
                "Check in at a self-service terminal on \(slip.date), \(slip.checkInText): place your ID card on the reader, "
                    + "or enter the code with your ID number",
                "\(closes) 以后签到按现场取号排队",
                "From \(closes) on you join the walk-in queue",
            ]),
        ]
        if slip.onDayOff {
            values["notes"] = .list([
                "该日已调整为休息日，请改约或联系服务大厅",
                "This day has become a day off: please rebook or contact the hall",
            ])
        }
        return TemplateData(values)
    }

    public func reprint(jobID: String, requestKey: String) async throws(PrintRefused) -> PrintOutcome? {
        guard let id = UUID(uuidString: jobID), let printer = await printer() else { return nil }
        return try await requests.once(key: requestKey, target: "reprint:\(id)",
                                       allowed: { [requests] () throws(PrintRefused) in try await requests.checkReprints(jobID: id) }) {
            do throws(DeviceFault) {
                return PrintOutcome(try await printer.reprint(id))
            } catch {
                return error.kind == .printJobNotFound ? nil : PrintOutcome(jobId: jobID, state: .failed, reason: error.code)
            }
        }
    }
}

extension PrintOutcome {
    init(_ job: PrintJob) {
        let state: State = switch job.state {
        case .queued: .queued
        case .sending: .sending
        case .printed: .printed
        case .failed: .failed
        }
        self.init(jobId: job.id.uuidString, state: state, reason: job.state.failureReason)
    }
}

extension PrinterReceiptDesk {
    /// This desk printing with `templates`.
    public func using(_ templates: [String: ReceiptTemplate]) -> PrinterReceiptDesk {
        var desk = self
        desk.templates = templates
        return desk
    }
}
