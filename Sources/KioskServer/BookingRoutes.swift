import Access
import Booking
import DeviceKit
import Foundation
import HTTPTypes
import Hummingbird
import JSONLogic
import KioskCore

/// Thrown by a ledger that kept a request for the district store (district mode, store
/// unreachable): the request is accepted and will take effect when the store returns.
public struct DeferredToDistrict: Error, Sendable {
    public let code = "queuedForDistrict"
    public let message = LocalizedText(
        zh: "区域系统暂时无法连接，已保存在本机，恢复后自动提交", en: "The district system cannot be reached; this is kept on the terminal and sent when it returns.")

    public init() {}
}

/// What the booking and queue endpoints need from the terminal.
public struct BookingServices: Sendable {
    public var services: [Service]
    /// Slots are always generated here, from the calendar and the hall's hours: a client names
    /// a slot by its id and never supplies its time or capacity.
    public var slots: SlotGenerator
    public var ledger: any BookingLedger
    public var queue: QueuePolicy
    public var siteID: String
    public var siteName: String
    /// Printed on the booking slip.
    public var checkInWindow: CheckInWindow
    /// The terminal's receipt printer desk, for booking slips; nil prints nothing (`noPrinter`).
    public var receipts: (any ReceiptDesk)?
    /// The card on the reader: `"useCard": true` books, looks up and checks in with it, so the
    /// ID number never passes through the screen.
    public var cards: CardDesk?
    /// The scanned booking slip's handle → code (`"scannedSlip"` checks in with it); none: no scanner.
    public var scannedCodes: ScannedCodes?
    /// Where queue changes are announced (`ticketIssued`, `ticketCalled`, ... on `/v1/events`).
    public var events: EventBus<TerminalEvent>?
    /// The audit log: a priority marked by staff is recorded there.
    public var audit: @Sendable (AuditEntry, Date) async throws -> Void
    public var now: @Sendable () -> Date

    public init(services: [Service], slots: SlotGenerator, ledger: any BookingLedger, queue: QueuePolicy,
                siteID: String, siteName: String, checkInWindow: CheckInWindow = CheckInWindow(),
                receipts: (any ReceiptDesk)? = nil, cards: CardDesk? = nil, events: EventBus<TerminalEvent>? = nil,
                audit: @escaping @Sendable (AuditEntry, Date) async throws -> Void,
                now: @escaping @Sendable () -> Date = Date.init) {
        self.cards = cards
        self.audit = audit
        self.events = events
        self.services = services
        self.slots = slots
        self.ledger = ledger
        self.queue = queue
        self.siteID = siteID
        self.siteName = siteName
        self.checkInWindow = checkInWindow
        self.receipts = receipts
        self.now = now
    }

    /// The longest range one slots request may cover; a service's horizon is shorter anyway.
    static let maximumRangeDays = 62

    func service(_ id: String) throws(APIError) -> Service {
        guard let service = services.first(where: { $0.id == id }) else {
            throw APIError(.notFound, code: "serviceNotFound", message: .init(zh: "没有该预约事项：\(id)", en: "No such service: \(id)"))
        }
        return service
    }

    /// The slot `id` as the server generates it now; gone when it is full-time past, outside the
    /// horizon, or no longer in the hall's hours.
    func slot(_ id: String, now: Date) throws(APIError) -> Slot {
        let parts = id.split(separator: ":", maxSplits: 1)
        guard parts.count == 2, let date = try? LocalDate(String(parts[1].prefix(10))) else {
            throw APIError(.badRequest, code: "invalidField", message: .init(zh: "字段 slotId 无效", en: "The field slotId is not a slot id"))
        }
        let service = try self.service(String(parts[0]))
        guard let slot = slots.slots(for: service, from: date, through: date, now: now).first(where: { $0.id == id }) else {
            throw APIError(.notFound, code: "slotNotFound", message: .init(
                zh: "该时段不可预约（已过时、超出可预约范围或不在办公时间内）",
                en: "This slot cannot be booked (past, beyond the booking horizon, or outside the hall's hours)."))
        }
        return slot
    }
}

extension KioskRoutes {
    /// Services and slots, holds and bookings, check-in, tickets, the counter side and ratings.
    /// The services a counter calls from: those it names, else those that list it. (Kept out of
    /// the route's closure: the Swift 6.3 optimiser crashed splitting that coroutine with it inside.)
    static func servedServices(counter: String, listed: JSON?, _ booking: BookingServices) throws -> [String] {
        guard let listed else { return booking.services.filter { $0.counters.contains(counter) }.map(\.id) }
        guard case .array(let items) = listed else { throw RequestBody.invalid("serviceIds", "an array of service ids") }
        return try items.map { item in
            guard case .string(let id) = item else { throw RequestBody.invalid("serviceIds", "an array of service ids") }
            return try booking.service(id).id
        }
    }

    static func addBookingRoutes(to router: Router<KioskRequestContext>, _ booking: BookingServices) {
        router.get("/v1/services") { _, _ in
            json(booking.services.map(ServiceView.init))
        }

        router.get("/v1/services/{id}/slots") { request, context in
            let service = try booking.service(try context.parameters.require("id"))
            let now = booking.now()
            let today = LocalDate(containing: now, in: booking.slots.hours.timeZone)
            let from = try date(request.uri.queryParameters.get("from"), name: "from") ?? today
            let through = try date(request.uri.queryParameters.get("to"), name: "to") ?? from
            guard from <= through, from.days(until: through) < BookingServices.maximumRangeDays else {
                throw APIError(.badRequest, code: "invalidRange", message: .init(
                    zh: "日期范围无效（from 不得晚于 to，且不超过 \(BookingServices.maximumRangeDays) 天）",
                    en: "The date range is invalid (from must not be after to, at most \(BookingServices.maximumRangeDays) days)."))
            }
            let slots = booking.slots.slots(for: service, from: from, through: through, now: now)
            let taken = try await ruled { try await booking.ledger.placesTaken(slotIDs: slots.map(\.id), now: now) }
            return json(slots.map { SlotView($0, taken: taken[$0.id] ?? 0) })
        }

        // What the calendar and the hall's hours make of each day, so a screen can mark holidays,
        // make-up working days, provisional years and after-hours windows without guessing.
        router.get("/v1/calendar") { request, _ in
            let today = LocalDate(containing: booking.now(), in: booking.slots.hours.timeZone)
            let from = try date(request.uri.queryParameters.get("from"), name: "from") ?? today
            let through = try date(request.uri.queryParameters.get("to"), name: "to") ?? from
            guard from <= through, from.days(until: through) < BookingServices.maximumRangeDays else {
                throw APIError(.badRequest, code: "invalidRange", message: .init(
                    zh: "日期范围无效（from 不得晚于 to，且不超过 \(BookingServices.maximumRangeDays) 天）",
                    en: "The date range is invalid (from must not be after to, at most \(BookingServices.maximumRangeDays) days)."))
            }
            return json((0...from.days(until: through)).map { CalendarDayView(booking.slots.schedule(for: from.adding(days: $0))) })
        }

        // A hold names its citizen: one open hold per ID number, counted against the quota, so
        // an anonymous screen cannot keep a day's places from everyone else.
        router.post("/v1/holds") { request, context in
            let key = try idempotencyKey(request)
            let body = try await RequestBody(request, context: context, allowed: ["slotId", "idNumber", "useCard"])
            let idNumber = try await identity(body, booking).idNumber
            let now = booking.now()
            let slot = try booking.slot(try body.string("slotId"), now: now)
            let hold = try await ruled { try await booking.ledger.hold(slot, idNumber: idNumber, idempotencyKey: key, now: now) }
            return json(HoldView(hold), status: .created)
        }

        router.post("/v1/bookings") { request, context in
            let key = try idempotencyKey(request)
            let body = try await RequestBody(request, context: context, allowed: ["holdId", "idNumber", "useCard"])
            let holdID = try body.string("holdId")
            let idNumber = try await identity(body, booking).idNumber
            let record = try await ruled {
                try await booking.ledger.confirm(holdID: holdID, idNumber: idNumber, idempotencyKey: key, now: booking.now())
            }
            return json(BookingView(record), status: .created)
        }

        // The ID number travels in the body, never in a URL: URLs end up in logs and histories.
        router.post("/v1/bookings/lookup") { request, context in
            let body = try await RequestBody(request, context: context, allowed: ["code", "idNumber", "useCard"])
            let code = try bookingCode(try body.string("code"))
            let idNumber = try await identity(body, booking).idNumber
            return json(BookingView(try await ruled { try await booking.ledger.lookup(code: code, idNumber: idNumber) }))
        }

        router.post("/v1/bookings/{code}/cancel") { request, context in
            let key = try idempotencyKey(request)
            let code = try bookingCode(try context.parameters.require("code"))
            let body = try await RequestBody(request, context: context, allowed: ["idNumber", "useCard"])
            let idNumber = try await identity(body, booking).idNumber
            let record = try await ruled {
                try await booking.ledger.cancel(code: code, idNumber: idNumber, idempotencyKey: key, now: booking.now())
            }
            return json(BookingView(record))
        }

        router.post("/v1/bookings/{code}/reschedule") { request, context in
            let key = try idempotencyKey(request)
            let code = try bookingCode(try context.parameters.require("code"))
            let body = try await RequestBody(request, context: context, allowed: ["idNumber", "slotId", "useCard"])
            let idNumber = try await identity(body, booking).idNumber
            let now = booking.now()
            let slot = try booking.slot(try body.string("slotId"), now: now)
            let record = try await ruled {
                try await booking.ledger.reschedule(code: code, idNumber: idNumber, to: slot, idempotencyKey: key, now: now)
            }
            return json(BookingView(record))
        }

        // Code and ID number, like a lookup: the code alone must not print someone's booking.
        // Paper is finite: a few slips per booking (`PrintLimits`), one per Idempotency-Key.
        router.post("/v1/bookings/{code}/slip") { request, context in
            let key = try idempotencyKey(request)
            let code = try bookingCode(try context.parameters.require("code"))
            let body = try await RequestBody(request, context: context, allowed: ["idNumber", "useCard"])
            let idNumber = try await identity(body, booking).idNumber
            let record = try await ruled { try await booking.ledger.lookup(code: code, idNumber: idNumber) }
            guard record.status == .confirmed else { throw apiError(BookingRuleError(.bookingNotActive)) }
            let slip = BookingSlip(record, service: try booking.service(record.serviceID), hall: booking.siteName,
                                   checkInWindow: booking.checkInWindow, timeZone: booking.slots.hours.timeZone)
            // The printer desk stores the job before sending it; a failed print is kept for a reprint.
            let outcome = try await booking.receipts?.printBookingSlip(slip, requestKey: key)
                ?? .noPrinter
            return json(PrintedSlip(booking: BookingView(record), receipt: outcome), status: outcome.jobId == nil ? .ok : .created)
        }

        // The calendar file behind the link a booking's holder was given: the code and the
        // booking's calendar key (`key`), never the code alone.
        router.get("/v1/bookings/{code}.ics") { request, context in
            let code = try bookingCode(try context.parameters.require("code"))
            guard let calendarKey = request.uri.queryParameters.get("key"), UUID(uuidString: calendarKey) != nil else {
                throw apiError(BookingRuleError(.bookingNotFound))
            }
            let record = try await ruled { try await booking.ledger.booking(code: code, calendarKey: calendarKey) }
            let text = ICalendar.document(event(for: record, booking), times: .asiaShanghai)
            return Response(status: .ok, headers: [.contentType: "text/calendar; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(string: text)))
        }

        // The card (or the typed number) checks in; a code only says which of the citizen's
        // bookings: it never checks in someone else's appointment.
        router.post("/v1/check-ins") { request, context in
            let key = try idempotencyKey(request)
            let body = try await RequestBody(request, context: context, allowed: ["code", "scannedSlip", "idNumber", "useCard"])
            let now = booking.now()
            let holder = try await identity(body, booking)
            let result: CheckInResult
            if body.fields["scannedSlip"] != nil {
                // A scanned slip: the code behind the handle the screen's `scan` event carried.
                let handle = try body.string("scannedSlip")
                guard let text = await booking.scannedCodes?.code(for: handle, kind: .bookingSlip) else { throw scannedSlipExpired }
                let code = try bookingCode(text)
                result = try await ruled { try await booking.ledger.checkIn(code: code, holder: holder, idempotencyKey: key, now: now) }
                await booking.scannedCodes?.used(handle)
            } else if body.fields["code"] != nil {
                let code = try bookingCode(try body.string("code"))
                result = try await ruled { try await booking.ledger.checkIn(code: code, holder: holder, idempotencyKey: key, now: now) }
            } else {
                result = try await ruled { try await booking.ledger.checkIn(holder: holder, idempotencyKey: key, now: now) }
            }
            await announce(.ticketIssued, result.receipt.ticket, booking)
            // A service dropped from configuration since the booking still serves its citizens.
            let counters = booking.services.first { $0.id == result.booking.serviceID }?.counters.count ?? 1
            let wait = result.receipt.ahead.map { booking.queue.estimatedWaitMinutes(ahead: $0, counters: counters) }
            return json(CheckInView(result, wait: wait), status: .created)
        }

        // Priority is never self-declared: elderly comes from the birth date of the card on the
        // reader, a disability from a signed-in member of staff, whose marking is audited.
        router.post("/v1/tickets") { request, context in
            let key = try idempotencyKey(request)
            let body = try await RequestBody(request, context: context, allowed: ["serviceId", "idNumber", "useCard", "disability"])
            let service = try booking.service(try body.string("serviceId"))
            let holder = try await citizen(body, cards: booking.cards)
            let disability = body.fields["disability"] == nil ? false : try body.bool("disability")
            let staff = context.staff.flatMap { [.staff, .admin].contains($0.role) ? $0 : nil }
            if disability && staff == nil {
                throw APIError(.forbidden, code: "priorityNeedsStaff", message: .init(
                    zh: "优先窗口需由工作人员确认，请联系工作人员",
                    en: "Priority for a disability is marked by a member of staff; please ask one."))
            }
            let now = booking.now()
            let schedule = booking.slots.schedule(for: LocalDate(containing: now, in: booking.slots.hours.timeZone))
            let receipt = try await ruled {
                try await booking.ledger.issueTicket(serviceID: service.id, holder: holder, disabilityMarkedByStaff: disability,
                                                     schedule: schedule, idempotencyKey: key, now: now)
            }
            if disability, let staff {
                try await booking.audit(try AuditEntry(
                    actor: .staff(staff.staffNumber), action: AuditAction("queue.priorityMarked"), target: "ticket:\(receipt.ticket.id)",
                    details: ["priority": receipt.ticket.priority.rawValue, "service": service.id, "role": staff.role.rawValue]), now)
            }
            await announce(.ticketIssued, receipt.ticket, booking)
            let wait = receipt.ahead.map { booking.queue.estimatedWaitMinutes(ahead: $0, counters: service.counters.count) }
            return json(TicketView(issued: receipt, estimatedWaitMinutes: wait), status: .created)
        }

        router.get("/v1/queue") { _, _ in
            json(try await queueViews(booking))
        }

        // The counter side. A counter serves the services that list it unless it names others.
        router.post("/v1/counters/{counter}/call-next") { request, context in
            let key = try idempotencyKey(request)
            let counter = try context.parameters.require("counter")
            let body = try await RequestBody(request, context: context, allowed: ["serviceIds"])
            let serviceIDs = try servedServices(counter: counter, listed: body.fields["serviceIds"], booking)
            let ticket = try await ruled {
                try await booking.ledger.callNext(counter: counter, serviceIDs: serviceIDs, idempotencyKey: key, now: booking.now())
            }
            if let ticket { await announce(.ticketCalled, ticket, booking) }
            return json(CalledView(ticket: ticket.map { TicketView($0) }))
        }

        router.post("/v1/tickets/{id}/recall") { request, context in
            try await ticketAction(request, context, booking, .ticketRecalled) { id, key in try await booking.ledger.recall(ticketID: id, idempotencyKey: key, now: booking.now()) }
        }
        router.post("/v1/tickets/{id}/no-show") { request, context in
            try await ticketAction(request, context, booking, .ticketNoShow) { id, key in try await booking.ledger.markNoShow(ticketID: id, idempotencyKey: key, now: booking.now()) }
        }
        router.post("/v1/tickets/{id}/finish") { request, context in
            try await ticketAction(request, context, booking, .ticketFinished) { id, key in try await booking.ledger.finish(ticketID: id, idempotencyKey: key, now: booking.now()) }
        }
        router.post("/v1/tickets/{id}/transfer") { request, context in
            let body = try await RequestBody(request, context: context, allowed: ["serviceId"])
            let target = try booking.service(try body.string("serviceId")).id
            return try await ticketAction(request, context, booking, .ticketTransferred) { id, key in
                try await booking.ledger.transfer(ticketID: id, to: target, idempotencyKey: key, now: booking.now())
            }
        }

        // Only whoever took the ticket rates it: with the rating token their screen was given,
        // or with the card it was taken with.
        router.post("/v1/tickets/{id}/rating") { request, context in
            let key = try idempotencyKey(request)
            let id = try ticketID(context)
            let body = try await RequestBody(request, context: context, allowed: ["score", "reasons", "ratingToken", "useCard"])
            let proof: RatingProof
            switch (body.fields["ratingToken"], body.fields["useCard"]) {
            case (.some, nil):
                let token = try body.string("ratingToken")
                guard RatingToken.isWellFormed(token) else { throw RequestBody.invalid("ratingToken", "the ticket's rating token (32 hex digits)") }
                proof = .token(token)
            case (nil, .some):
                proof = .holder(try await identity(body, booking).idNumber)
            case (.some, .some):
                throw APIError(.badRequest, code: "invalidField", message: .init(
                    zh: "请提供评价凭证或使用身份证，不要同时提供", en: "Give either ratingToken or useCard, not both."))
            case (nil, nil):
                throw APIError(.badRequest, code: "ratingProofRequired", message: .init(
                    zh: "评价需要取号时的评价凭证或身份证", en: "A rating needs the ticket's rating token or the ID card it was taken with."))
            }
            guard case .number(let number)? = body.fields["score"], let score = Int(exactly: number) else {
                throw RequestBody.invalid("score", "an integer from 1 to 5")
            }
            var reasons: [String] = []
            if let listed = body.fields["reasons"] {
                guard case .array(let items) = listed else { throw RequestBody.invalid("reasons", "an array of reason codes") }
                reasons = try items.map { item in
                    guard case .string(let reason) = item else { throw RequestBody.invalid("reasons", "an array of reason codes") }
                    return reason
                }
            }
            do {
                let rating = try await ruled {
                    try await booking.ledger.rate(ticketID: id, proof: proof, score: score, reasons: reasons, idempotencyKey: key,
                                                  now: booking.now())
                }
                return json(RatingView(rating), status: .created)
            } catch let deferred as DeferredToDistrict {
                return json(DeferredView(deferred), status: .accepted)
            }
        }
    }

    private static func ticketAction(_ request: Request, _ context: KioskRequestContext, _ booking: BookingServices,
                                     _ kind: TerminalEvent.Kind,
                                     _ action: @Sendable (Int64, String) async throws -> Ticket) async throws -> Response {
        let key = try idempotencyKey(request)
        let id = try ticketID(context)
        let ticket = try await ruled { try await action(id, key) }
        await announce(kind, ticket, booking)
        return json(TicketView(ticket))
    }

    /// Tells the screens (and a hall's call display) that the queue moved. The message names the
    /// ticket by number, service and counter only: whose ticket it is stays in the store.
    static func announce(_ kind: TerminalEvent.Kind, _ ticket: Ticket, _ booking: BookingServices) async {
        await booking.events?.publish(TerminalEvent(type: kind, ticket: .init(
            id: ticket.id, number: ticket.number, serviceId: ticket.serviceID, state: ticket.state.rawValue,
            counter: ticket.counter)))
    }

    // MARK: Request parts

    static let idempotencyKeyHeader = HTTPField.Name("Idempotency-Key")!

    /// Every mutating booking request names itself, so that a retry after a lost answer (the
    /// terminal's network, a double tap) gets the first answer instead of a second booking.
    static func idempotencyKey(_ request: Request) throws(APIError) -> String {
        guard let key = request.headers[idempotencyKeyHeader], !key.isEmpty else {
            throw APIError(.badRequest, code: "idempotencyKeyRequired", message: .init(
                zh: "请求缺少 Idempotency-Key 请求头", en: "The request needs an Idempotency-Key header."))
        }
        return key
    }

    static func date(_ text: String?, name: String) throws(APIError) -> LocalDate? {
        guard let text else { return nil }
        do { return try LocalDate(text) } catch {
            throw APIError(.badRequest, code: "invalidField", message: .init(
                zh: "参数 \(name) 应为日期（YYYY-MM-DD）", en: "The parameter \(name) must be a date (YYYY-MM-DD)."))
        }
    }

    /// Who is at the screen (`citizen(_:cards:)`), refused when the body names nobody: a booking
    /// is never acted on, and a place never taken, for someone unnamed.
    private static func identity(_ body: RequestBody, _ booking: BookingServices) async throws -> CitizenIdentity {
        guard let citizen = try await citizen(body, cards: booking.cards) else { throw identityRequired }
        return citizen
    }

    static let identityRequired = APIError(.badRequest, code: "identityRequired", message: .init(
        zh: "请将身份证放在读卡区，或输入身份证号码", en: "Place your ID card on the reader or type your ID number."))

    static let scannedSlipExpired = APIError(.conflict, code: "scannedSlipExpired", message: .init(
        zh: "扫描的预约凭条已失效，请重新扫描凭条", en: "The scanned booking slip is no longer valid; please scan it again"))

    private static func bookingCode(_ text: String) throws -> BookingCode {
        try ruled { try BookingCode(text) }
    }

    private static func ticketID(_ context: KioskRequestContext) throws -> Int64 {
        guard let id = Int64(try context.parameters.require("id")), id > 0 else {
            throw APIError(.notFound, code: "ticketNotFound", message: BookingRuleError(.ticketNotFound).message)
        }
        return id
    }

    // MARK: Rule errors

    /// Runs `body`, turning a refusal by the booking rules into its problem response.
    static func ruled<T>(_ body: () async throws -> T) async throws -> T {
        do { return try await body() } catch let error as BookingRuleError { throw apiError(error) }
    }

    static func ruled<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as BookingRuleError { throw apiError(error) }
    }

    /// 404 for what does not exist, 409 for a conflict with the current state (a full slot, a
    /// used booking or ticket), 400 for malformed input, 422 for what the rules refuse.
    static func apiError(_ error: BookingRuleError) -> APIError {
        let status: HTTPResponse.Status = switch error.kind {
        case .holdNotFound, .bookingNotFound, .ticketNotFound: .notFound
        case .slotFull, .bookingNotActive, .ticketStateInvalid, .idempotencyKeyReused: .conflict
        case .invalidBookingCode, .invalidIdempotencyKey: .badRequest
        case .ratingNotAllowed: .forbidden
        case .holdExpired, .quotaPerServiceExceeded, .quotaTotalExceeded, .bannedForNoShows, .changeDeadlinePassed,
             .checkInTooEarly, .hallClosedForWalkIns, .rescheduleToOtherService, .invalidRating:
            .unprocessableContent
        }
        return APIError(status, code: error.code, message: error.message)
    }

    /// The calendar entry behind a booking's QR code: times, service and place; no name, no
    /// identity number, nothing a stranger holding the code should learn.
    static func event(for record: BookingRecord, _ booking: BookingServices) -> CalendarEvent {
        let service = booking.services.first { $0.id == record.serviceID }
        let names = service.map { "\($0.nameZH) / \($0.nameEN)" } ?? record.serviceID
        return CalendarEvent(
            uid: "\(record.id)@\(booking.siteID).kiosk", stamp: record.updatedAt, sequence: record.sequence,
            start: record.start, end: record.end, summary: "预约办理 Appointment: \(names)",
            location: booking.siteName,
            description: "预约码 Booking code \(record.code.value)。请携带身份证件，提前到自助终端签到。Bring your ID card and check in at a terminal.",
            organizer: .init(name: booking.siteName, uri: "urn:kiosk:site:\(booking.siteID)"),
            cancelled: record.status == .cancelled)
    }
}

// MARK: - Views

struct ServiceView: Codable {
    let id: String
    let nameZh: String
    let nameEn: String
    let durationMinutes: Int
    let counters: [String]
    let capacityPerSlot: Int
    let horizonDays: Int
    let minNoticeMinutes: Int
    let afterHours: Bool

    init(_ service: Service) {
        id = service.id
        nameZh = service.nameZH
        nameEn = service.nameEN
        durationMinutes = service.durationMinutes
        counters = service.counters
        capacityPerSlot = service.capacityPerSlot
        horizonDays = service.horizonDays
        minNoticeMinutes = service.minimumNoticeMinutes
        afterHours = service.afterHours
    }
}

struct CalendarDayView: Codable {
    let date: LocalDate
    let weekday: Weekday
    /// `workday`, `weekend`, `holiday` or `makeupWorkday` (a weekend day worked, 调休).
    let kind: DayKind
    let holidayName: String?
    let provisional: Bool
    /// Regular hours; nil when the hall is closed.
    let opening: TimeRange?
    let lunchDuty: TimeRange?
    let afterHours: [TimeRange]
    let note: String?

    init(_ schedule: DaySchedule) {
        date = schedule.day.date
        weekday = schedule.day.date.weekday
        kind = schedule.day.kind
        holidayName = schedule.day.holidayName
        provisional = schedule.day.provisional
        opening = schedule.opening
        lunchDuty = schedule.lunchDuty
        afterHours = schedule.afterHours.map(\.time)
        note = schedule.overrideReason
    }
}

struct SlotView: Codable {
    let id: String
    let serviceId: String
    let date: String
    let startTime: String
    let endTime: String
    let start: Date
    let end: Date
    let kind: SlotKind
    let capacity: Int
    let remaining: Int
    /// The year's holidays are not yet published: the slot may move when they are.
    let provisional: Bool

    init(_ slot: Slot, taken: Int) {
        id = slot.id
        serviceId = slot.serviceID
        date = slot.date.description
        startTime = slot.startTime.description
        endTime = slot.endTime.description
        start = slot.start
        end = slot.end
        kind = slot.kind
        capacity = slot.capacity
        remaining = max(slot.capacity - taken, 0)
        provisional = slot.provisional
    }
}

struct HoldView: Codable {
    let holdId: String
    let slotId: String
    let expiresAt: Date

    init(_ hold: SlotHold) {
        holdId = hold.id
        slotId = hold.slotID
        expiresAt = hold.expiresAt
    }
}

/// The answer to printing a booking slip: the booking, and what became of the print.
struct PrintedSlip: Codable {
    let booking: BookingView
    let receipt: PrintOutcome
}

struct BookingView: Codable {
    let code: String
    let serviceId: String
    let slotId: String
    let date: String
    let start: Date
    let end: Date
    let status: BookingStatus
    let maskedIdNumber: String
    let sequence: Int
    /// The imported holiday schedule made the booked day a day off: the hall will contact the
    /// citizen, who should reschedule.
    let onDayOff: Bool
    let notice: LocalizedText?
    let calendarUrl: String

    init(_ record: BookingRecord) {
        code = record.code.value
        serviceId = record.serviceID
        slotId = record.slotID
        date = record.date.description
        start = record.start
        end = record.end
        status = record.status
        maskedIdNumber = record.maskedIDNumber
        sequence = record.sequence
        onDayOff = record.onDayOff
        notice = record.onDayOff ? BookingView.dayOffNotice : nil
        calendarUrl = "/v1/bookings/\(record.code.value).ics?key=\(record.id)"
    }

    static let dayOffNotice = LocalizedText(
        zh: "根据最新公布的节假日安排，您预约的日期为休息日，请改约其他日期或咨询工作人员",
        en: "Under the newly published holiday schedule your booked day is a day off; please reschedule or ask a member of staff.")
}

struct TicketView: Codable {
    let id: Int64
    let number: String
    let serviceId: String
    let date: String
    let priority: PriorityClass
    let state: TicketState
    let counter: String?
    let queuedAt: Date
    let calledAt: Date?
    let callCount: Int
    var ahead: ExplicitNull<Int>?
    var estimatedWaitMinutes: ExplicitNull<Int>?
    /// Only in the answer to whoever took the ticket: the proof that lets them rate it.
    let ratingToken: String?

    /// Set when a ticket was just issued but the tickets ahead cannot be counted (issued offline
    /// in district mode): `ahead` and `estimatedWaitMinutes` are then null, and this says why.
    var aheadUnknown: AheadUnknown?

    struct AheadUnknown: Codable {
        var reason = "districtStoreUnavailable"
        var messages = LocalizedText(
            zh: "区域系统暂时无法连接，前面还有多少人暂时无法得知；请留意叫号屏和广播",
            en: "The district system cannot be reached, so the number of people ahead is not known for now; "
                + "watch the queue display and listen for your number")
    }

    /// A ticket just issued: the count ahead, or why it is not known.
    init(issued receipt: TicketReceipt, estimatedWaitMinutes: Int?) {
        self.init(receipt.ticket, ahead: receipt.ahead, estimatedWaitMinutes: estimatedWaitMinutes, ratingToken: receipt.ratingToken)
        if receipt.ahead == nil {
            aheadUnknown = AheadUnknown()
            ahead = ExplicitNull(nil)
            self.estimatedWaitMinutes = ExplicitNull(nil)
        }
    }

    init(_ ticket: Ticket, ahead: Int? = nil, estimatedWaitMinutes: Int? = nil, ratingToken: String? = nil) {
        self.ratingToken = ratingToken
        aheadUnknown = nil
        id = ticket.id
        number = ticket.number
        serviceId = ticket.serviceID
        date = ticket.date.description
        priority = ticket.priority
        state = ticket.state
        counter = ticket.counter
        queuedAt = ticket.queuedAt
        calledAt = ticket.calledAt
        callCount = ticket.callCount
        self.ahead = ahead.map(ExplicitNull.init)
        self.estimatedWaitMinutes = estimatedWaitMinutes.map(ExplicitNull.init)
    }
}

/// A value that encodes as itself, or as JSON `null` where a nil would leave the key out:
/// "not known" said outright, never a missing key a client reads as 0.
struct ExplicitNull<Value: Codable & Sendable>: Codable, Sendable {
    let value: Value?

    init(_ value: Value?) {
        self.value = value
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        value = container.decodeNil() ? nil : try container.decode(Value.self)
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(value)
    }
}

struct CheckInView: Codable {
    let booking: BookingView
    let ticket: TicketView
    /// After the check-in window: the ticket is a walk-in ticket.
    let late: Bool

    init(_ result: CheckInResult, wait: Int?) {
        booking = BookingView(result.booking)
        ticket = TicketView(issued: result.receipt, estimatedWaitMinutes: wait)
        late = result.late
    }
}

struct CalledView: Codable {
    /// Null when nobody is waiting.
    let ticket: TicketView?

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(ticket, forKey: .ticket)
    }

    enum CodingKeys: String, CodingKey { case ticket }
}

struct QueueView: Codable {
    let serviceId: String
    let waiting: Int
    let numbers: [String]
    /// Being served now: which number at which counter, the latest call first.
    let nowServing: [ServingView]
    let estimatedWaitMinutes: Int
}

/// "A001 at counter A1": a number and a counter only, nothing about the citizen.
struct ServingView: Codable {
    let number: String
    let counter: String
    let calledAt: Date

    init(_ ticket: Ticket) {
        number = ticket.number
        counter = ticket.counter ?? ""
        calledAt = ticket.calledAt ?? ticket.queuedAt
    }
}

/// A request the terminal kept to send to the district store when it returns (202).
struct DeferredView: Codable {
    var queued = true
    let code: String
    let message: LocalizedText

    init(_ deferred: DeferredToDistrict) {
        code = deferred.code
        message = deferred.message
    }
}

struct RatingView: Codable {
    let ticketId: Int64
    let serviceId: String
    let counter: String
    let score: Int
    let reasons: [String]

    init(_ rating: Rating) {
        ticketId = rating.ticketID
        serviceId = rating.serviceID
        counter = rating.counter
        score = rating.score
        reasons = rating.reasons
    }
}
