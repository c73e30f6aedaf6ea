import Booking
import FormEngine
import Foundation
import HTTPTypes
import Hummingbird
import JSONLogic
import KioskCore
import Speech

/// The screens outside a filing that are read aloud: their words come from the screen's text
/// catalogue (`ScreenTexts`), what they show of the hall from the server's own data (forms,
/// services, the slots it serves). The client names a screen and, where the screen needs one, a
/// service id and a date the server checks; it never sends words, so nothing else can be said.
enum SpokenScreen: String, CaseIterable {
    /// The start screen: the filings by department, progress, appointments, policies.
    case home
    /// The services that can be booked, with their durations.
    case bookService = "book-service"
    /// The days of a service's horizon (`service=`), as the day picker marks them.
    case bookDay = "book-day"
    /// The times of a service on a day (`service=`, `date=`), with the places left.
    case bookSlot = "book-slot"

    /// The arguments the screen takes; any other is refused.
    var arguments: Set<String> {
        switch self {
        case .home, .bookService: []
        case .bookDay: ["service"]
        case .bookSlot: ["service", "date"]
        }
    }
}

enum ScreenScript {
    /// What the home screen shows, in its order.
    static func home(_ texts: ScreenTexts, forms: [FormDefinition], offersBooking: Bool, voice: SpeechVoice) throws(APIError) -> [String] {
        func say(_ text: LocalizedText) -> String { voice == .mandarin ? text.zh : text.en }
        var sentences = [try texts.text("welcome", voice), try texts.text("filings", voice)]
        var departments: [(name: String, forms: [FormDefinition])] = []
        for form in forms.sorted(by: { $0.id < $1.id }) {
            let name = say(form.department)
            if let index = departments.firstIndex(where: { $0.name == name }) { departments[index].forms.append(form) }
            else { departments.append((name, [form])) }
        }
        for department in departments {
            sentences.append(department.name)
            for form in department.forms {
                sentences += [say(form.title), try texts.text("timeLimit", voice, form.timeLimitDays)]
            }
        }
        sentences += [try texts.text("progressTile", voice), try texts.text("progressSub", voice)]
        if offersBooking {
            sentences.append(try texts.text("appointments", voice))
            for key in ["booking", "bookingSub", "checkIn", "checkInSub", "lookup", "lookupSub"] { sentences.append(try texts.text(key, voice)) }
        }
        for key in ["forEnterprises", "policiesTitle", "policiesSub"] { sentences.append(try texts.text(key, voice)) }
        return sentences
    }

    static func serviceName(_ service: Service, _ voice: SpeechVoice) -> String { voice == .mandarin ? service.nameZH : service.nameEN }

    static func services(_ texts: ScreenTexts, _ services: [Service], voice: SpeechVoice) throws(APIError) -> [String] {
        var sentences = [try texts.text("chooseService", voice)]
        for service in services {
            sentences += [serviceName(service, voice), try texts.text("minutes", voice, service.durationMinutes)]
            if service.afterHours { sentences.append(try texts.text("afterHoursService", voice)) }
        }
        return sentences
    }

    /// The days the day picker shows (today to the service's horizon, at most 30 days on), each
    /// with the marks the page puts on it (`dayReport` in app.js).
    static func days(_ texts: ScreenTexts, _ service: Service, today: LocalDate, schedules: [DaySchedule], slots: [LocalDate: [Slot]],
                     taken: [String: Int], voice: SpeechVoice) throws(APIError) -> [String] {
        var sentences = [try texts.text("chooseDay", voice), serviceName(service, voice)]
        for schedule in schedules {
            let date = schedule.day.date, daySlots = slots[date] ?? []
            var label = try weekdayAndDate(texts, date, voice)
            if date == today { label += " · " + (try texts.text("dayToday", voice)) }
            sentences.append(label)
            if schedule.day.kind == .holiday {
                sentences.append(try texts.text("dayHoliday", voice) + (schedule.day.holidayName.map { " · " + $0 } ?? ""))
            }
            if schedule.day.kind == .makeupWorkday { sentences.append(try texts.text("dayMakeup", voice)) }
            if schedule.day.provisional { sentences.append(try texts.text("dayProvisional", voice)) }
            if daySlots.isEmpty {
                if date == today && schedule.opening != nil { sentences.append(try texts.text("noSlotsLeftToday", voice)) }
                else if schedule.day.kind != .holiday { sentences.append(try texts.text("dayClosed", voice)) }
            } else {
                if !daySlots.contains(where: { $0.kind != .afterHours }) { sentences.append(try texts.text("dayAfterHours", voice)) }
                if daySlots.allSatisfy({ remaining($0, taken) == 0 }) { sentences.append(try texts.text("dayFull", voice)) }
            }
        }
        return sentences
    }

    /// The times of a day, each with its places left and its kind, as the time picker shows them.
    static func slots(_ texts: ScreenTexts, _ service: Service, date: LocalDate, slots: [Slot], taken: [String: Int],
                      voice: SpeechVoice) throws(APIError) -> [String] {
        var sentences = [try texts.text("chooseSlot", voice), serviceName(service, voice) + " · " + date.description]
        for slot in slots {
            sentences += ["\(slot.startTime)–\(slot.endTime)", try texts.text("placesLeft", voice, remaining(slot, taken))]
            if slot.kind == .lunchDuty { sentences.append(try texts.text("lunchDuty", voice)) }
            if slot.kind == .afterHours { sentences.append(try texts.text("afterHoursSlot", voice)) }
            if slot.provisional { sentences.append(try texts.text("dayProvisional", voice)) }
        }
        return sentences
    }

    static func remaining(_ slot: Slot, _ taken: [String: Int]) -> Int { max(slot.capacity - (taken[slot.id] ?? 0), 0) }

    /// "周一 10-08" as the day picker labels a day (the catalogue's weekdays start on Sunday).
    static func weekdayAndDate(_ texts: ScreenTexts, _ date: LocalDate, _ voice: SpeechVoice) throws(APIError) -> String {
        let weekday = try texts.text("weekdays", voice, at: date.weekday.isoNumber % 7)
        return weekday + " " + String(date.description.dropFirst(5))
    }
}

extension KioskRoutes {
    /// The most catalogue entries one request may name (`keys=`): a screen's words, not a book.
    static let maxSpokenKeys = 12

    /// `GET /v1/speech?screen=home&voice=cmn&rate=160` (or `keys=welcome,filings`): a WAV of a
    /// screen outside a filing, composed on the server from the catalogue and its own data.
    static func addScreenSpeechRoutes(to router: Router<KioskRequestContext>, _ speech: SpeechServices?, texts: ScreenTexts?,
                                      _ filings: FilingServices, booking: BookingServices?) {
        router.get("/v1/speech") { request, _ in
            let query = request.uri.queryParameters
            let voice = try speechVoice(query["voice"].map(String.init))
            let rate = try speechRate(query["rate"].map(String.init))
            guard let speech, let texts else { throw speechUnavailable }
            let sentences: [String]
            switch (query["screen"].map(String.init), query["keys"].map(String.init)) {
            case (let name?, nil):
                guard let screen = SpokenScreen(rawValue: name) else {
                    throw APIError(.badRequest, code: "unknownScreen", message: .init(
                        zh: "无法朗读该界面；可选 \(SpokenScreen.allCases.map(\.rawValue).joined(separator: "、"))",
                        en: "That screen cannot be read aloud; use one of \(SpokenScreen.allCases.map(\.rawValue).joined(separator: ", "))"))
                }
                // Nothing but the screen's own arguments, all of them; what was typed is not echoed.
                let given = Set(query.map { String($0.key) }).subtracting(["screen", "voice", "rate"])
                guard given == screen.arguments else {
                    let takes = screen.arguments.sorted()
                    throw APIError(.badRequest, code: "invalidSpeechArgument", message: .init(
                        zh: "界面 \(screen.rawValue) 的参数应为：\(takes.isEmpty ? "无" : takes.joined(separator: "、"))",
                        en: "The screen \(screen.rawValue) takes \(takes.isEmpty ? "no arguments" : takes.joined(separator: ", "))"))
                }
                sentences = try await screenSentences(screen, query: query, texts: texts, filings, booking: booking, voice: voice)
            case (nil, let list?):
                guard Set(query.map { String($0.key) }).isSubset(of: ["keys", "voice", "rate"]) else {
                    throw APIError(.badRequest, code: "invalidSpeechArgument", message: .init(
                        zh: "朗读文字条目时只能指明 keys、voice 和 rate", en: "With keys=, only voice= and rate= may be given"))
                }
                sentences = try keySentences(list, texts: texts, voice: voice)
            default:
                throw APIError(.badRequest, code: "invalidSpeechArgument", message: .init(
                    zh: "请指明要朗读的界面（screen）或文字条目（keys），只能二选一", en: "Name either a screen (screen=) or catalogue keys (keys=) to read"))
            }
            return try await wavResponse(speech, text: SpeechScript.spoken(sentences, voice: voice), voice: voice, rate: rate)
        }
    }

    /// Catalogue entries by key, each a whole text: one with placeholders needs the server's data
    /// and is spoken only as part of its screen. Unknown keys are not echoed back.
    static func keySentences(_ list: String, texts: ScreenTexts, voice: SpeechVoice) throws(APIError) -> [String] {
        let keys = list.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard (1...maxSpokenKeys).contains(keys.count) else {
            throw APIError(.badRequest, code: "invalidSpeechArgument", message: .init(
                zh: "keys 应为 1 到 \(maxSpokenKeys) 个以逗号分隔的文字条目", en: "keys is 1 to \(maxSpokenKeys) comma-separated catalogue keys"))
        }
        return try keys.map { key throws(APIError) in
            guard let entry = texts.entries[ScreenTexts.language(of: voice)]?[key], case .string(let text) = entry else {
                throw APIError(.notFound, code: "unknownTextKey", message: .init(
                    zh: "界面文字目录中没有可朗读的该条目", en: "The screen's catalogue has no text to read under that key"))
            }
            guard ScreenTexts.placeholders(text).isEmpty else {
                throw APIError(.badRequest, code: "textNeedsScreen", message: .init(
                    zh: "该条目含有需由界面填入的内容，请朗读整个界面（screen）", en: "That text is filled in from the screen's data; read its screen (screen=) instead"))
            }
            return text
        }
    }

    static func screenSentences(_ screen: SpokenScreen, query: Parameters, texts: ScreenTexts, _ filings: FilingServices,
                                booking: BookingServices?, voice: SpeechVoice) async throws -> [String] {
        if screen == .home {
            let offers = !(booking?.services.isEmpty ?? true)
            return try ScreenScript.home(texts, forms: Array(filings.catalog.forms.values), offersBooking: offers, voice: voice)
        }
        guard let booking, !booking.services.isEmpty else {
            throw APIError(.notFound, code: "bookingNotOffered", message: .init(zh: "本终端不提供预约", en: "This terminal offers no appointments"))
        }
        if screen == .bookService { return try ScreenScript.services(texts, booking.services, voice: voice) }
        // Not `booking.service(_:)`, whose problem names the id: here nothing typed is echoed.
        guard let service = booking.services.first(where: { $0.id == query["service"].map(String.init) }) else {
            throw APIError(.notFound, code: "serviceNotFound", message: .init(zh: "没有该预约事项", en: "No such service"))
        }
        let now = booking.now()
        let today = LocalDate(containing: now, in: booking.slots.hours.timeZone)
        let last = today.adding(days: max(0, min(service.horizonDays, 30)))
        if screen == .bookDay {
            let slots = booking.slots.slots(for: service, from: today, through: last, now: now)
            let taken = try await ruled { try await booking.ledger.placesTaken(slotIDs: slots.map(\.id), now: now) }
            let schedules = (0...today.days(until: last)).map { booking.slots.schedule(for: today.adding(days: $0)) }
            return try ScreenScript.days(texts, service, today: today, schedules: schedules, slots: Dictionary(grouping: slots, by: \.date),
                                         taken: taken, voice: voice)
        }
        guard let date = try Self.date(query["date"].map(String.init), name: "date"), today <= date, date <= last else {
            throw APIError(.badRequest, code: "invalidSpeechArgument", message: .init(
                zh: "date 应为今天到可预约范围内的日期", en: "date is a day from today to the end of the service's booking horizon"))
        }
        let slots = booking.slots.slots(for: service, from: date, through: date, now: now)
        let taken = try await ruled { try await booking.ledger.placesTaken(slotIDs: slots.map(\.id), now: now) }
        return try ScreenScript.slots(texts, service, date: date, slots: slots, taken: taken, voice: voice)
    }
}
