import Booking
import DeviceKit
import FormEngine
import Foundation
import JSONLogic
import KioskCore
import KioskServer
import ReceiptPrinter

/// Prints the filing receipt (办件回执) from `Forms/receipts/filing-receipt.yaml` on the first
/// receipt printer the device manager knows.
struct PrinterReceiptDesk: ReceiptDesk {
    let manager: DeviceManager
    let templates: [String: ReceiptTemplate]
    let hallName: String
    let timeZone: TimeZone
    /// Slips and reprints from the screen: once per Idempotency-Key, within `PrintLimits`.
    let requests: PrintRequests

    func printer() async -> ReceiptPrinterDevice? {
        for device in await manager.devices() {
            if let printer = device as? ReceiptPrinterDevice { return printer }
        }
        return nil
    }

    func printFilingReceipt(_ filing: Filing) async -> PrintOutcome {
        guard let printer = await printer(), let template = templates["filing-receipt"] else {
            return PrintOutcome(jobId: nil, state: "noPrinter", reason: nil)
        }
        do {
            let receipt = try template.render(data: Self.data(for: filing, hall: hallName, timeZone: timeZone))
            let job = try await printer.print(receipt, templateID: template.id, reference: filing.reference)
            return PrintOutcome(job)
        } catch let fault as DeviceFault {
            return PrintOutcome(jobId: nil, state: "failed", reason: fault.code)
        } catch {
            return PrintOutcome(jobId: nil, state: "failed", reason: "templateError")
        }
    }

    /// Stored and sent like a filing receipt (so it is kept and reprintable). The job's
    /// reference names the notice and the form: a notice has no reference number of its own,
    /// and the template prints no QR code without one.
    func printMaterialsNotice(_ notice: MaterialsNotice, matter: LocalizedText, formID: String) async -> PrintOutcome {
        guard let printer = await printer(), let template = templates["materials-notice"] else {
            return PrintOutcome(jobId: nil, state: "noPrinter", reason: nil)
        }
        do {
            let data = Self.noticeData(notice, matter: matter, hall: hallName, time: Date(), timeZone: timeZone)
            let job = try await printer.print(try template.render(data: data), templateID: template.id, reference: "notice-\(formID)")
            return PrintOutcome(job)
        } catch let fault as DeviceFault {
            return PrintOutcome(jobId: nil, state: "failed", reason: fault.code)
        } catch {
            return PrintOutcome(jobId: nil, state: "failed", reason: "templateError")
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
            "time": .text(time.formatted(
                Date.VerbatimFormatStyle(format: "\(year: .defaultDigits)-\(month: .twoDigits)-\(day: .twoDigits) \(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased)):\(minute: .twoDigits)",
                                         timeZone: timeZone, calendar: Calendar(identifier: .gregorian)))),
            "materials": .list(materials),
        ]
        if !notes.isEmpty { values["notes"] = .list(notes) }
        return TemplateData(values)
    }

    /// The job's reference names the booking code, so the slip is found among the kept jobs
    /// (and counted: a booking gets `PrintLimits.slipsPerBooking` slips).
    func printBookingSlip(_ slip: BookingSlip, requestKey: String) async throws(PrintRefused) -> PrintOutcome {
        guard let printer = await printer(), let template = templates["booking-slip"] else {
            return PrintOutcome(jobId: nil, state: "noPrinter", reason: nil)
        }
        let reference = "booking-\(slip.code)"
        let outcome = try await requests.once(key: requestKey, target: "slip:\(slip.code)",
                                             allowed: { [requests] () throws(PrintRefused) in try await requests.checkSlips(reference: reference) },
                                             print: { await Self.printSlip(slip, on: printer, template: template) })
        return outcome ?? PrintOutcome(jobId: nil, state: "noPrinter", reason: nil)
    }

    private static func printSlip(_ slip: BookingSlip, on printer: ReceiptPrinterDevice, template: ReceiptTemplate) async -> PrintOutcome {
        do {
            let job = try await printer.print(try template.render(data: Self.slipData(slip)), templateID: template.id,
                                              reference: "booking-\(slip.code)")
            return PrintOutcome(job)
        } catch let fault as DeviceFault {
            return PrintOutcome(jobId: nil, state: "failed", reason: fault.code)
        } catch {
            return PrintOutcome(jobId: nil, state: "failed", reason: "templateError")
        }
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
                "请于 \(slip.date) \(slip.checkInText) 在自助终端签到：扫描上方二维码、输入预约码或刷身份证",
                "Check in at a self-service terminal on \(slip.date), \(slip.checkInText): scan the QR code above, "
                    + "enter the code or place your ID card on the reader",
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

    func reprint(jobID: String, requestKey: String) async throws(PrintRefused) -> PrintOutcome? {
        guard let id = UUID(uuidString: jobID), let printer = await printer() else { return nil }
        return try await requests.once(key: requestKey, target: "reprint:\(id)",
                                       allowed: { [requests] () throws(PrintRefused) in try await requests.checkReprints(jobID: id) }) {
            do throws(DeviceFault) {
                return PrintOutcome(try await printer.reprint(id))
            } catch {
                return error.code == "printJobNotFound" ? nil : PrintOutcome(jobId: jobID, state: "failed", reason: error.code)
            }
        }
    }

    /// The receipt's values. The ID number goes in whole: the template prints it masked.
    static func data(for filing: Filing, hall: String, timeZone: TimeZone) -> TemplateData {
        var values: [String: TemplateData.Value] = [
            "hall": .text(hall),
            "matter": .text(filing.title.zh),
            "reference": .text(filing.reference),
            "time": .text(filing.submittedAt.formatted(
                Date.VerbatimFormatStyle(format: "\(year: .defaultDigits)-\(month: .twoDigits)-\(day: .twoDigits) \(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased)):\(minute: .twoDigits)",
                                         timeZone: timeZone, calendar: Calendar(identifier: .gregorian)))),
            "nextSteps": .list([
                "本事项由\(filing.department.zh)办理，承诺时限\(filing.timeLimitDays)个工作日",
                "凭受理编号查询办理进度",
            ] + filing.subFilings.map { "\($0.title.zh)：\($0.department.zh)，\($0.timeLimitDays)个工作日" }),
        ]
        if case .string(let number)? = filing.answers["idNumber"] { values["idNumber"] = .text(number) }
        if !filing.deferred.isEmpty {
            values["deferredMaterials"] = .list(filing.deferred.map { "\($0.name.zh)（\($0.dueDate)前）" })
        }
        if !filing.overrides.isEmpty {
            values["staffNote"] = .text("本次办理有 \(filing.overrides.count) 个步骤由工作人员协助完成")
        }
        return TemplateData(values)
    }
}

extension PrintOutcome {
    init(_ job: PrintJob) {
        self.init(jobId: job.id.uuidString, state: job.state.name, reason: job.state.failureReason)
    }
}
