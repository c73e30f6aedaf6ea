import Booking
import Filings
import FormEngine
import Foundation
import Hummingbird
import JSONLogic
import KioskCore
import Speech

/// Reading the screen aloud (EN 301 549 closed functionality): the terminal's synthesizer and
/// what it has already said.
public struct SpeechServices: Sendable {
    public var cache: SpeechCache

    public init(synthesizer: any SpeechSynthesizer, cacheBytes: Int = 32 << 20) {
        cache = SpeechCache(synthesizer: synthesizer, maxBytes: cacheBytes)
    }
}

/// What part of the citizen's screen is read: the step (title, help, each field's label and
/// help), the error summary of the step, or the materials still missing (一次性告知).
enum SpeechPart: String, CaseIterable {
    case step, errors, materials
    /// Where the session's call for staff stands: coming, taken, or the hotline when nobody came in time.
    case help
    /// One field's label and answer (`field=`), only when the citizen asks for it.
    case value
}

/// The words of a screen, in the voice's language, from the same form definitions and the same
/// session the screen is drawn from. Only labels, help and messages: never an answer, so nothing
/// a citizen typed or a card said is spoken.
enum SpeechScript {
    static func text(of part: SpeechPart, _ session: FormSession, _ form: FormDefinition, context: EvaluationContext,
                     calendar: OfficialCalendar, voice: SpeechVoice) throws(APIError) -> String {
        let zh = voice == .mandarin
        func say(_ text: LocalizedText?) -> String? { text.map { zh ? $0.zh : $0.en } }
        var sentences: [String?] = []
        switch part {
        case .step:
            guard let screen = session.screen(in: form, context: context) else { throw notOnStep }
            sentences = [say(screen.title), say(screen.help)]
            for field in screen.fields {
                sentences.append(say(field.label).map { $0 + (field.required ? "" : zh ? "（选填）" : " (optional)") })
                sentences.append(say(field.help))
            }
        case .errors:
            guard let screen = session.screen(in: form, context: context) else { throw notOnStep }
            guard let report = session.validation(in: form, context: context) else {
                throw APIError(.conflict, code: "nothingToRead", message: .init(
                    zh: "本页没有需要修改的地方", en: "Nothing on this page needs attention"))
            }
            sentences = [say(report.summary)]
            for error in report.errors {
                let fieldID = String(error.fieldPath.prefix { $0 != "." && $0 != "[" })
                let label = screen.fields.first { $0.id == fieldID }.flatMap { say($0.label) } ?? ""
                sentences.append(label.isEmpty ? say(error.message) : label + (zh ? "：" : ": ") + (say(error.message) ?? ""))
            }
        case .help, .value:
            throw noCall
        case .materials:
            let notice = session.materialsNotice(in: form, context: context, calendar: calendar)
            guard !notice.missing.isEmpty else {
                throw APIError(.conflict, code: "nothingToRead", message: .init(
                    zh: "材料已齐全，没有需要告知的材料", en: "No material is missing; there is nothing to read"))
            }
            sentences = [zh ? "以下材料尚未提交" : "These materials are still missing"]
            for item in notice.missing { sentences += [say(item.name), say(item.reason)] }
        }
        return spoken(sentences.compactMap { $0 }, voice: voice)
    }

    /// The sentences as one text, each ended by a stop so the voice pauses between them.
    static func spoken(_ sentences: [String], voice: SpeechVoice) -> String {
        let zh = voice == .mandarin
        return sentences.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
            .map { ends(inStop: $0) ? $0 : $0 + (zh ? "。" : ".") }
            .joined(separator: zh ? "" : " ")
    }

    /// The label and the answer of `fieldID` as the review page shows it, asked for by the citizen.
    /// As on receipts: an ID number only masked (first six and last four digits, read one by one);
    /// what the card said only while that card is on the reader (the card's holder is there).
    static func value(of fieldID: String, _ session: FormSession, _ form: FormDefinition, context: EvaluationContext,
                      cardOnReader: String?, voice: SpeechVoice) throws(APIError) -> String {
        let zh = voice == .mandarin
        guard let shown = session.answerShown(fieldID, in: form, context: context) else {
            throw APIError(.conflict, code: "notOnStep", message: .init(
                zh: "该项不在当前页面上", en: "That field is not on the page shown"))
        }
        if shown.fromCard, cardOnReader == nil || cardOnReader != session.cardIDNumber(in: form) {
            throw APIError(.forbidden, code: "cardNotPresent", message: .init(
                zh: "身份证上的信息只在本人证件放在读卡器上时朗读", en: "What the ID card says is read only while that card is on the reader"))
        }
        let label = zh ? shown.field.label.zh : shown.field.label.en
        var value = zh ? shown.display.zh : shown.display.en
        if shown.field.type == .idNumber, shown.answered {
            let masked = Array(IDNumberMasking.mask(value))
            let head = masked.prefix { $0 != "*" }, tail = masked.reversed().prefix { $0 != "*" }.reversed()
            let digits = { (part: [Character]) in part.map(String.init).joined(separator: " ") }
            value = zh ? "前 \(head.count) 位 \(digits(Array(head)))，后 \(tail.count) 位 \(digits(Array(tail)))"
                : "starting \(digits(Array(head))), ending \(digits(Array(tail)))"
        }
        return label + (zh ? "：" : ": ") + value + (zh ? "。" : ".")
    }

    static let noCall = APIError(.conflict, code: "nothingToRead", message: .init(
        zh: "没有呼叫工作人员", en: "No call for staff to read"))

    static let notOnStep = APIError(.conflict, code: "notOnStep", message: .init(
        zh: "当前页面不是填写步骤", en: "The session is not on a step"))

    /// The call for staff as the screen shows it; a number is read digit by digit, as people dial it.
    static func text(of call: HelpRequest, overdue: Bool, hotline: String, appointmentLine: String, voice: SpeechVoice) -> String {
        let zh = voice == .mandarin
        func digits(_ number: String) -> String { number.map(String.init).joined(separator: " ") }
        if let staff = call.responsibleStaff {
            return zh ? "工作人员已应答，工号 \(digits(staff))，请稍候。" : "A member of staff, number \(digits(staff)), is coming. Please wait."
        }
        guard overdue else { return zh ? "已呼叫工作人员，请稍候。" : "Staff have been called. Please wait." }
        var text = zh ? "暂时没有工作人员应答，您的呼叫仍然有效。您也可以拨打服务热线 \(digits(hotline))。"
            : "No member of staff has answered yet; your call stays open. You can also call the hotline, \(digits(hotline))."
        if !appointmentLine.isEmpty {
            text += zh ? "二十四小时预约电话 \(digits(appointmentLine))。" : " The 24-hour appointment line is \(digits(appointmentLine))."
        }
        return text
    }

    private static func ends(inStop text: String) -> Bool {
        guard let last = text.last else { return true }
        return "。！？.!?：:；;".contains(last)
    }
}

extension KioskRoutes {
    /// `GET /v1/sessions/{id}/speech?part=step&voice=cmn&rate=160`: a WAV file of what the
    /// session's screen shows. The client names a part of the screen, never a text, so the
    /// endpoint cannot be made to say anything else.
    static func addSpeechRoutes(to router: Router<KioskRequestContext>, _ speech: SpeechServices?, _ filings: FilingServices,
                                help: HelpServices? = nil) {
        router.get("/v1/sessions/{id}/speech") { request, context in
            let id = try context.parameters.require("id")
            let query = request.uri.queryParameters
            let voice = try speechVoice(query["voice"].map(String.init))
            let rate = try speechRate(query["rate"].map(String.init))
            let partName = query["part"].map(String.init) ?? SpeechPart.step.rawValue
            guard let part = SpeechPart(rawValue: partName) else {
                throw APIError(.badRequest, code: "unknownSpeechPart", message: .init(
                    zh: "无法朗读该部分：\(partName.prefix(40))；可选 \(SpeechPart.allCases.map(\.rawValue).joined(separator: "、"))",
                    en: "Cannot read \(partName.prefix(40)) aloud; use one of \(SpeechPart.allCases.map(\.rawValue).joined(separator: ", "))"))
            }
            guard let speech else { throw speechUnavailable }
            // Asked for by name: the page cannot make the endpoint say anything but a field's answer.
            let fieldID = query["field"].map(String.init)
            if part == .value && fieldID == nil {
                throw APIError(.badRequest, code: "fieldRequired", message: .init(
                    zh: "朗读答案时需指明字段（field）", en: "Name the field whose answer to read (field=)"))
            }
            let cardOnReader = part == .value ? await filings.cards.presented()?.facts.documentNumber : nil
            var text = try await filings.sessions.read(id) { session, form in
                switch part {
                case .help: ""
                case .value: try SpeechScript.value(of: fieldID ?? "", session, form, context: filings.context,
                                                    cardOnReader: cardOnReader, voice: voice)
                default: try SpeechScript.text(of: part, session, form, context: filings.context, calendar: filings.calendar, voice: voice)
                }
            }
            if part == .help {
                guard let help, let call = try await help.current(), call.sessionId == id else { throw SpeechScript.noCall }
                text = SpeechScript.text(of: call, overdue: call.isOverdue(at: help.now()), hotline: help.hotline,
                                         appointmentLine: help.appointmentLine, voice: voice)
            }
            return try await wavResponse(speech, text: text, voice: voice, rate: rate)
        }
    }

    static let speechUnavailable = APIError(.serviceUnavailable, code: "speechUnavailable", message: .init(
        zh: "本终端暂不支持语音朗读", en: "This terminal cannot read aloud"))

    /// `text` spoken (from the cache when it was said before), as the WAV file the page plays.
    static func wavResponse(_ speech: SpeechServices, text: String, voice: SpeechVoice, rate: SpeechRate) async throws -> Response {
        let wav: [UInt8]
        do {
            wav = try await speech.cache.wav(for: .init(text: text, voice: voice, rate: rate))
        } catch {
            throw APIError(.serviceUnavailable, code: "speechFailed", message: .init(
                zh: "语音合成失败，请稍后再试", en: "The speech could not be made; try again"))
        }
        return Response(status: .ok, headers: [.contentType: "audio/wav", .cacheControl: "no-store"],
                        body: .init(byteBuffer: ByteBuffer(bytes: wav)))
    }

    static func speechVoice(_ name: String?) throws(APIError) -> SpeechVoice {
        guard let name else { return .mandarin }
        guard let voice = SpeechVoice(rawValue: name) else {
            throw APIError(.badRequest, code: "unknownVoice", message: .init(
                zh: "不支持的语音：\(name.prefix(40))；可选 \(SpeechVoice.allCases.map(\.rawValue).joined(separator: "、"))",
                en: "Unknown voice \(name.prefix(40)); use one of \(SpeechVoice.allCases.map(\.rawValue).joined(separator: ", "))"))
        }
        return voice
    }

    static func speechRate(_ text: String?) throws(APIError) -> SpeechRate {
        guard let text else { return .normal }
        guard let words = Int(text), let rate = SpeechRate(wordsPerMinute: words) else {
            throw APIError(.badRequest, code: "invalidSpeechRate", message: .init(
                zh: "语速应为每分钟 \(SpeechRate.range.lowerBound) 到 \(SpeechRate.range.upperBound) 词",
                en: "The rate is words per minute, from \(SpeechRate.range.lowerBound) to \(SpeechRate.range.upperBound)"))
        }
        return rate
    }
}
