import Access
import Booking
import DeviceKit
import Filings
import FormEngine
import Foundation
import Hummingbird
import JSONLogic
import KioskCore

/// Prints the decisions of the window: the 受理通知书 of an accepted case, the 不予受理通知书 (退回补正)
/// of a returned one.
public protocol DecisionNoticeDesk: Sendable {
    func printDecisionNotice(_ record: FilingRecord, part: String, filing: Filing?) async -> PrintOutcome
}

/// What the lifecycle endpoints need: the store, the keyed progress codes printed on receipts,
/// the printer, the audit log and the event stream.
public struct LifecycleServices: Sendable {
    public var ledger: any FilingLedger
    /// The code of a filing's receipt QR (`P1:<reference>:<token>`), keyed by the terminal.
    public var progressCode: @Sendable (String) -> ProgressCode
    public var notices: (any DecisionNoticeDesk)?
    public var audit: @Sendable (AuditEntry, Date) async throws -> Void
    public var events: EventBus<TerminalEvent>?
    public var now: @Sendable () -> Date
    /// Webhook deliveries given up after their retry window (the supervision desk lists them).
    public var deadLetters: (@Sendable () async throws -> [DeadLetter])?
    /// The scanned receipt's handle → code (`"scannedReceipt"` looks its progress up); none: no scanner.
    public var scannedCodes: ScannedCodes?

    public init(ledger: any FilingLedger, progressCode: @escaping @Sendable (String) -> ProgressCode,
                notices: (any DecisionNoticeDesk)? = nil, audit: @escaping @Sendable (AuditEntry, Date) async throws -> Void,
                events: EventBus<TerminalEvent>? = nil, now: @escaping @Sendable () -> Date = Date.init) {
        self.ledger = ledger
        self.progressCode = progressCode
        self.notices = notices
        self.audit = audit
        self.events = events
        self.now = now
    }

    var today: LocalDate { ledger.lifecycle.day(now()) }

    /// Applies a command and writes each of its events to the audit log, naming who did it.
    @discardableResult
    func apply(_ command: LifecycleCommand, to reference: String, by actor: LifecycleActor) async throws -> LifecycleTransition {
        let now = now()
        let transition = try await ledger.apply(command, to: reference, by: actor, at: now)
        try await record(transition.events, at: now)
        return transition
    }

    /// The audit log's record of lifecycle events: who, what, which filing and part, the codes (reasons, grades).
    func record(_ events: [LifecycleEvent], at now: Date) async throws {
        for event in events {
            let actor: AuditActor
            switch event.actor {
            case .window(let staff), .supervisor(let staff): actor = .staff(try StaffNumber(staff))
            case .citizen: actor = .citizen
            case .system, .department: actor = .system
            }
            var details = ["version": String(event.version)]
            if let part = event.part, !part.isEmpty { details["part"] = part }
            if !event.codes.isEmpty { details["codes"] = event.codes.joined(separator: ",") }
            if case .department(let id) = event.actor { details["department"] = id }
            if let to = event.to { details["state"] = to.rawValue }
            try await audit(try AuditEntry(actor: actor, action: AuditAction("filing." + event.kind.rawValue), target: event.reference,
                                           details: details), now)
        }
    }

    /// The matching events on the terminal's stream (the desks follow them).
    func announce(_ happened: [LifecycleEvent], departmentOf department: (String) async -> String?) async {
        for event in happened {
            let kind: TerminalEvent.Kind
            switch event.kind {
            case .warning: kind = .filingNearlyOverdue
            case .overdue: kind = .filingOverdue
            case .deferralMissed: kind = .deferralMissed
            case .followUpOverdue: kind = .followUpOverdue
            default: continue
            }
            let mark = TerminalEvent.FilingMark(reference: event.reference, part: event.part, departmentId: await department(event.reference))
            await events?.publish(TerminalEvent(type: kind, filing: mark))
        }
    }

    /// One round of the lifecycle's own work (warnings, missed 容缺 due dates, overdue follow-ups):
    /// audited and announced. What `LifecycleWatch` runs every minute.
    public func sweep() async throws -> [LifecycleEvent] {
        let now = now()
        let events = try await ledger.sweep(at: now)
        try await record(events, at: now)
        await announce(events) { reference in try? await ledger.record(reference)?.departmentID }
        return events
    }
}

/// The proof a citizen gives that a filing is theirs: the card on the reader, the ID number
/// typed with the reference, or the code of the receipt's QR (typed, or scanned and held
/// behind `handle`).
enum ApplicantProof {
    case card(ResidentIDNumber)
    case typed(ResidentIDNumber)
    case code(ProgressCode)
    case scanned(ProgressCode, handle: String)
}

extension KioskRoutes {
    static let filingNotFound = LifecycleRefusal(.filingNotFound)

    static let scannedReceiptExpired = APIError(.conflict, code: "scannedReceiptExpired", message: .init(
        zh: "扫描的办件回执已失效，请重新扫描回执", en: "The scanned filing receipt is no longer valid; please scan it again"))

    static func addLifecycleRoutes(to router: Router<KioskRequestContext>, _ services: LifecycleServices, _ filings: FilingServices) {
        addStaffDeskRoutes(to: router, services)
        addCitizenProgressRoutes(to: router, services, filings)
        addSupervisionRoutes(to: router, services)
        addDepartmentRoutes(to: router, services)
    }

    // MARK: The staff desk (一窗受理)

    static func addStaffDeskRoutes(to router: Router<KioskRequestContext>, _ services: LifecycleServices) {
        router.get("/v1/desk/queue") { request, _ in
            let query = request.uri.queryParameters
            let department = try identifierParameter(query.get("department"), name: "department")
            let states = try (query.get("states") ?? "submitted,received").split(separator: ",").map { text in
                guard let state = FilingState(rawValue: String(text)) else {
                    throw APIError(.badRequest, code: "invalidField", message: .init(
                        zh: "states 须为办件状态列表", en: "states must be a comma-separated list of filing states"))
                }
                return state
            }
            let today = services.today
            return json(DeskQueueView(
                cases: try await services.ledger.queue(departmentID: department, states: states, today: today, limit: 100),
                reminders: try await services.ledger.reminders(departmentID: department, today: today, limit: 100)))
        }

        router.get("/v1/filings/{reference}") { _, context in
            let reference = try context.parameters.require("reference")
            guard let record = try await services.ledger.record(reference) else { throw filingNotFound }
            return json(FilingDetailView(record, filing: try await services.ledger.filing(reference), rules: services.ledger.lifecycle.rules))
        }

        // The window's steps, each its own endpoint: receive, accept, return, start, complete, collect.
        for step in ["receive", "accept", "return", "start", "complete", "collect"] {
            router.post("/v1/filings/{reference}/\(step)") { request, context in
                let reference = try context.parameters.require("reference")
                guard let token = context.staff else { throw AccessError(.signInRequired) }
                let command = try await windowCommand(step, request, context)
                let transition = try await services.apply(command, to: reference, by: .window(staff: token.staffNumber.value))
                return json(FilingDetailView(transition.record, filing: nil, rules: services.ledger.lifecycle.rules))
            }
        }

        // The paper the window hands over: 受理通知书 for an accepted case, 不予受理通知书 for a returned one.
        router.post("/v1/filings/{reference}/notice") { request, context in
            let reference = try context.parameters.require("reference")
            let body = try await RequestBody(request, context: context, allowed: ["part"])
            guard let record = try await services.ledger.record(reference) else { throw filingNotFound }
            let index = try record.caseIndex(try optionalString(body, "part"))
            let state = record.cases[index].state
            guard state == .returned || state == .accepted || state == .inProgress else {
                throw LifecycleRefusal(.invalidTransition, "\(state.rawValue): no notice")
            }
            guard let notices = services.notices else { return json(PrintOutcome.noPrinter) }
            let outcome = await notices.printDecisionNotice(record, part: record.cases[index].part, filing: try await services.ledger.filing(reference))
            return json(outcome, status: outcome.jobId == nil ? .ok : .created)
        }

        router.post("/v1/filings/{reference}/deferred/{material}/received") { _, context in
            let reference = try context.parameters.require("reference")
            guard let token = context.staff else { throw AccessError(.signInRequired) }
            let transition = try await services.apply(.receiveDeferred(material: try context.parameters.require("material")),
                                                      to: reference, by: .window(staff: token.staffNumber.value))
            return json(FilingDetailView(transition.record, filing: nil, rules: services.ledger.lifecycle.rules))
        }

        router.post("/v1/filings/{reference}/commitments/{material}") { request, context in
            let reference = try context.parameters.require("reference")
            let body = try await RequestBody(request, context: context, allowed: ["verdict", "note"])
            guard let token = context.staff else { throw AccessError(.signInRequired) }
            let verdict = try body.string("verdict")
            guard verdict == "verified" || verdict == "falseCommitment" else { throw RequestBody.invalid("verdict", "verified or falseCommitment") }
            let transition = try await services.apply(
                .verifyCommitment(material: try context.parameters.require("material"), falseCommitment: verdict == "falseCommitment",
                                  note: try optionalString(body, "note") ?? ""),
                to: reference, by: .window(staff: token.staffNumber.value))
            return json(FilingDetailView(transition.record, filing: nil, rules: services.ledger.lifecycle.rules))
        }

        router.get("/v1/filings/reasons") { _, _ in
            let rules = services.ledger.lifecycle.rules
            return json(ReasonLists(returnReasons: rules.returnReasons, ratingReasons: rules.ratingReasons,
                                    grades: RatingGrade.allCases.map { GradeView(grade: $0.rawValue, score: $0.score, label: $0.text) }))
        }
    }

    /// The command of a window step, from its body.
    static func windowCommand(_ step: String, _ request: Request, _ context: KioskRequestContext) async throws -> LifecycleCommand {
        switch step {
        case "accept":
            let body = try await RequestBody(request, context: context, allowed: ["part", "window"])
            return .accept(part: try optionalString(body, "part"), window: try optionalString(body, "window") ?? "")
        case "return":
            let body = try await RequestBody(request, context: context, allowed: ["part", "reasons", "note"])
            return .returnFiling(part: try optionalString(body, "part"), reasons: try strings(body, "reasons", allowEmpty: true),
                                 note: try optionalString(body, "note") ?? "")
        case "complete":
            let body = try await RequestBody(request, context: context, allowed: ["part", "outcome", "document", "collectAt", "note"])
            guard let outcome = Completion.Outcome(rawValue: try body.string("outcome")) else {
                throw RequestBody.invalid("outcome", "approved or refused")
            }
            return .complete(part: try optionalString(body, "part"), outcome: outcome, document: try optionalString(body, "document"),
                             collectAt: try optionalString(body, "collectAt"), note: try optionalString(body, "note") ?? "")
        default:
            let body = try await RequestBody(request, context: context, allowed: ["part"])
            let part = try optionalString(body, "part")
            return step == "receive" ? .receive(part: part) : step == "start" ? .start(part: part) : .collect(part: part)
        }
    }

    // MARK: The citizen at the terminal

    static func addCitizenProgressRoutes(to router: Router<KioskRequestContext>, _ services: LifecycleServices, _ filings: FilingServices) {
        // Every filing of the card's holder; or the one filing of a reference with its ID number,
        // or of a receipt's QR code. A wrong pair is answered like an unknown reference.
        router.post("/v1/progress/lookup") { request, context in
            let body = try await RequestBody(request, context: context, allowed: ["useCard", "reference", "idNumber", "code", "scannedReceipt"])
            let rules = services.ledger.lifecycle.rules
            let reference = body.fields["reference"] == nil ? nil : try body.string("reference")
            let proof = try await applicantProof(body, filings.cards, reference: reference, services.scannedCodes)
            if case .card(let number) = proof {
                let records = try await services.ledger.records(idHash: try await services.ledger.idHash(number), limit: 50)
                return json(records.map { ProgressView($0, rules: rules, lifecycle: services.ledger.lifecycle) })
            }
            // A scanned receipt's handle opens the progress once: whoever else read it on the
            // stream finds it spent. The screen that looked up goes on (rating, correction)
            // with the successor, which only this answer carries.
            var successor: String?
            if case .scanned(_, let handle) = proof {
                guard let next = await services.scannedCodes?.exchange(handle, kind: .receipt) else { throw scannedReceiptExpired }
                successor = next
            }
            // The typed ID number goes with the reference typed beside it.
            let record = try await applicantRecord(proof, reference: reference, services)
            var view = ProgressView(record, rules: rules, lifecycle: services.ledger.lifecycle)
            view.scannedReceipt = successor
            return json([view])
        }

        router.post("/v1/filings/{reference}/rating") { request, context in
            let reference = try context.parameters.require("reference")
            let body = try await RequestBody(request, context: context, allowed: ["grade", "reasons", "comment", "useCard", "idNumber", "code", "scannedReceipt"])
            let grade = try body.string("grade")
            guard let parsed = RatingGrade(rawValue: grade) else {
                throw RequestBody.invalid("grade", "one of " + RatingGrade.allCases.map(\.rawValue).joined(separator: ", "))
            }
            let reasons = body.fields["reasons"] == nil ? [] : try strings(body, "reasons", allowEmpty: true)
            let comment = try optionalString(body, "comment")
            _ = try await applicantRecord(try await applicantProof(body, filings.cards, reference: reference, services.scannedCodes),
                                          reference: reference, services)
            let transition = try await services.apply(.rate(parsed, reasons: reasons, comment: comment), to: reference, by: .citizen)
            return json(ProgressView(transition.record, rules: services.ledger.lifecycle.rules, lifecycle: services.ledger.lifecycle),
                        status: .created)
        }

        router.post("/v1/filings/{reference}/deferred/{material}/hand-in") { request, context in
            let reference = try context.parameters.require("reference")
            let body = try await RequestBody(request, context: context, allowed: ["useCard", "idNumber", "code", "scannedReceipt"])
            _ = try await applicantRecord(try await applicantProof(body, filings.cards, reference: reference, services.scannedCodes),
                                          reference: reference, services)
            let transition = try await services.apply(.handInDeferred(material: try context.parameters.require("material")),
                                                      to: reference, by: .citizen)
            return json(ProgressView(transition.record, rules: services.ledger.lifecycle.rules, lifecycle: services.ledger.lifecycle))
        }

        // 退回补正: the returned filing taken up again in a session of its own; submitting it
        // keeps the reference and raises the version.
        router.post("/v1/filings/{reference}/correction") { request, context in
            let reference = try context.parameters.require("reference")
            let body = try await RequestBody(request, context: context, allowed: ["useCard", "idNumber", "code", "scannedReceipt"])
            let proof = try await applicantProof(body, filings.cards, reference: reference, services.scannedCodes)
            let record = try await applicantRecord(proof, reference: reference, services)
            guard record.cases.contains(where: { $0.state == .returned }) else { throw LifecycleRefusal(.notReturned) }
            let form = try filings.form(record.formID)
            let session: FormSession
            if let filing = try await services.ledger.filing(reference) {
                session = try FormSession.resume(FormDraft(correcting: filing), in: form, context: filings.context)
            } else {
                // The answers have left this terminal (retention): the citizen fills the form again.
                session = FormSession.start(form, context: filings.context)
            }
            let id = try await filings.sessions.start(session, form: form, correcting: reference)
            // The correction's session holds the filing now; the scanned receipt's handle opens nothing more.
            if case .scanned(_, let handle) = proof { await services.scannedCodes?.used(handle) }
            return json(SessionView(id: id, session, form, filings.context), status: .created)
        }
    }

    /// Who the citizen is for a filing: exactly one of `useCard`, `idNumber` (with the
    /// reference, in the path or the body), `code` and `scannedReceipt` (a handle held by `scanned`).
    static func applicantProof(_ body: RequestBody, _ cards: CardDesk, reference: String?,
                               _ scanned: ScannedCodes?) async throws -> ApplicantProof {
        let given = ["useCard", "idNumber", "code", "scannedReceipt"].filter { body.fields[$0] != nil }
        guard given.count == 1 else {
            throw APIError(.badRequest, code: "identityRequired", message: .init(
                zh: "请放置身份证，或输入受理编号和身份证号，或扫描回执上的二维码（三者选一）",
                en: "Place the ID card, or give the reference with the ID number, or scan the receipt's QR code (one of the three)."))
        }
        switch given[0] {
        case "useCard":
            guard try body.bool("useCard") else { throw RequestBody.invalid("useCard", "true") }
            guard let card = await cards.presented() else { throw noCardPresented }
            return .card(try card.facts.residentIDNumber())
        case "idNumber":
            guard reference != nil else {
                throw APIError(.badRequest, code: "identityRequired", message: .init(
                    zh: "输入身份证号时须同时输入受理编号", en: "An ID number is given with the filing's reference."))
            }
            return .typed(try ResidentIDNumber(try body.string("idNumber")))
        case "scannedReceipt":
            let handle = try body.string("scannedReceipt")
            guard let text = await scanned?.code(for: handle, kind: .receipt), let code = ProgressCode(scanned: text) else {
                throw scannedReceiptExpired
            }
            return .scanned(code, handle: handle)
        default:
            guard let code = ProgressCode(scanned: try body.string("code")) else { throw filingNotFound }
            return .code(code)
        }
    }

    /// The record the proof shows to be the citizen's; `filingNotFound` for anything else, an
    /// unknown reference and a wrong pair alike (and counted as a miss: guesses are limited).
    static func applicantRecord(_ proof: ApplicantProof, reference: String?, _ services: LifecycleServices) async throws -> FilingRecord {
        switch proof {
        case .card(let number), .typed(let number):
            guard let reference else { throw filingNotFound }
            guard let record = try await services.ledger.record(reference, applicant: number) else { throw filingNotFound }
            return record
        case .code(let code), .scanned(let code, _):
            guard reference == nil || reference == code.reference, services.progressCode(code.reference) == code,
                  let record = try await services.ledger.record(code.reference) else { throw filingNotFound }
            return record
        }
    }

    // MARK: The supervision desk (督查督办)

    static func addSupervisionRoutes(to router: Router<KioskRequestContext>, _ services: LifecycleServices) {
        router.get("/v1/supervision/desk") { request, _ in
            json(try await services.ledger.supervisionDesk(try deskFilter(request), today: services.today, limit: 50))
        }

        // 回访, 整改, and closing the follow-up of a 差评.
        for step in ["callback", "rectification", "close"] {
            router.post("/v1/filings/{reference}/follow-up/\(step)") { request, context in
                let reference = try context.parameters.require("reference")
                let body = try await RequestBody(request, context: context, allowed: ["note"])
                guard let token = context.staff else { throw AccessError(.signInRequired) }
                let note = try optionalString(body, "note") ?? ""
                let command: LifecycleCommand = step == "callback" ? .recordCallback(note: note)
                    : step == "rectification" ? .recordRectification(note: note) : .closeFollowUp(note: note)
                let transition = try await services.apply(command, to: reference, by: .supervisor(staff: token.staffNumber.value))
                return json(FilingDetailView(transition.record, filing: nil, rules: services.ledger.lifecycle.rules))
            }
        }

        router.post("/v1/filings/{reference}/urge") { request, context in
            let reference = try context.parameters.require("reference")
            let body = try await RequestBody(request, context: context, allowed: ["part", "note"])
            guard let token = context.staff else { throw AccessError(.signInRequired) }
            let transition = try await services.apply(.urge(part: try optionalString(body, "part"), note: try optionalString(body, "note") ?? ""),
                                                      to: reference, by: .supervisor(staff: token.staffNumber.value))
            return json(FilingDetailView(transition.record, filing: nil, rules: services.ledger.lifecycle.rules))
        }

        router.get("/v1/supervision/dead-letters") { _, _ in
            json(try await services.deadLetters?() ?? [])
        }

        router.get("/v1/reports/monthly") { request, _ in
            let query = request.uri.queryParameters
            guard let monthText = query.get("month") else { throw RequestBody.invalid("month", "a month, YYYY-MM") }
            let month: ReportMonth
            do { month = try ReportMonth(monthText) } catch { throw RequestBody.invalid("month", "a month, YYYY-MM") }
            guard let format = MonthlyReport.Format(rawValue: query.get("format") ?? "json"), format != .text else {
                throw RequestBody.invalid("format", "json, csv or html")
            }
            let report = try await services.ledger.monthlyReport(month, filter: try deskFilter(request), today: services.today,
                                                                 generatedAt: services.now())
            return text(try report.rendered(format), type: format.contentType)
        }
    }

    static func deskFilter(_ request: Request) throws -> DeskFilter {
        let query = request.uri.queryParameters
        return DeskFilter(departmentID: try identifierParameter(query.get("department"), name: "department"),
                          formID: try identifierParameter(query.get("matter"), name: "matter"),
                          hall: try identifierParameter(query.get("hall"), name: "hall"))
    }

    /// An id from the query (letters, digits, `_`, `-`, `.`; at most 64): nil when absent.
    static func identifierParameter(_ value: String?, name: String) throws -> String? {
        guard let value else { return nil }
        guard (1...64).contains(value.utf8.count), value.utf8.allSatisfy({
            (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) || $0 == 0x2D || $0 == 0x5F || $0 == 0x2E
        }) else { throw RequestBody.invalid(name, "an id (letters, digits, -, _ or .)") }
        return value
    }

    static func optionalString(_ body: RequestBody, _ key: String) throws -> String? {
        guard let value = body.fields[key] else { return nil }
        guard case .string(let text) = value else { throw RequestBody.invalid(key, "a string") }
        return text
    }

    static func strings(_ body: RequestBody, _ key: String, allowEmpty: Bool = false) throws -> [String] {
        guard case .array(let items)? = body.fields[key], allowEmpty || !items.isEmpty else {
            throw RequestBody.invalid(key, "an array of codes")
        }
        return try items.map { item in
            guard case .string(let text) = item else { throw RequestBody.invalid(key, "an array of codes") }
            return text
        }
    }

    static func text(_ body: String, type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type], body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}

extension LifecycleRefusal: HTTPResponseError {
    public var status: HTTPResponse.Status {
        switch kind {
        case .filingNotFound, .unknownPart, .unknownMaterial, .noFollowUp: .notFound
        case .actorNotAllowed: .forbidden
        case .invalidTransition, .deferralClosed, .commitmentAlreadyChecked, .notYetCompleted, .alreadyRated, .followUpClosed,
             .followUpIncomplete, .notReturned, .versionMismatch: .conflict
        case .partRequired, .unknownReason, .reasonRequired, .noteRequired, .noteTooLong, .tooManyReasons, .commentTooLong: .unprocessableContent
        case .invalidMonth: .badRequest
        case .invalidRecord: .internalServerError
        }
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        ProblemMiddleware<BasicRequestContext>.response(for: Problem(status: status, code: code, messages: message))
    }
}

/// The staff desk: a department's queue and its 容缺 reminders.
struct DeskQueueView: Encodable {
    let cases: [CaseSummary]
    let reminders: [DeferralItem]
}

/// A filing as staff and supervisors see it: its record (never the applicant's hash) and, while
/// the store keeps them, the answers to check the paper materials against.
struct FilingDetailView: Codable {
    let reference: String
    let formId: String
    let title: LocalizedText
    let departmentId: String
    let department: LocalizedText
    let hall: String
    let terminal: String
    let version: Int
    let state: FilingState
    let applicantMasked: String?
    let cases: [FilingCase]
    let deferrals: [DeferralFollowUp]
    let commitments: [CommitmentCheck]
    let rating: FilingRating?
    let followUp: RatingFollowUp?
    let urges: [Urge]
    let answers: [String: JSON]?
    /// The materials as the citizen declared them at the terminal (the window checks the paper
    /// against this list), while the store keeps the filing.
    let materials: [Filing.MaterialRecord]?
    let returnReasons: [ListedReason]

    init(_ record: FilingRecord, filing: Filing?, rules: LifecycleRules) {
        reference = record.reference
        formId = record.formID
        title = record.title
        departmentId = record.departmentID
        department = record.department
        hall = record.hall
        terminal = record.terminal
        version = record.version
        state = record.state
        applicantMasked = record.idMasked
        cases = record.cases
        deferrals = record.deferrals
        commitments = record.commitments
        rating = record.rating
        followUp = record.followUp
        urges = record.urges
        answers = filing?.answers
        materials = filing?.materials
        returnReasons = rules.returnReasons
    }
}

struct GradeView: Encodable {
    let grade: String
    let score: Int
    let label: LocalizedText
}

struct ReasonLists: Encodable {
    let returnReasons: [ListedReason]
    let ratingReasons: [ListedReason]
    let grades: [GradeView]
}

/// What the citizen sees of a filing: `FilingProgress` and its history, day by day, from the
/// record (what happened and when, never who at the window did it).
struct ProgressView: Codable {
    struct Step: Codable {
        /// submitted, resubmitted, received, accepted, returned, completed, collected, rated.
        let event: String
        /// The sub-filing of a bundle; empty for the whole filing.
        let part: String
        let on: LocalDate
    }

    let progress: FilingProgress
    let history: [Step]
    /// After a look-up with a scanned receipt's handle: the handle that replaced it, with which
    /// this screen, and nobody reading the stream, rates or corrects the filing.
    var scannedReceipt: String?

    init(_ record: FilingRecord, rules: LifecycleRules, lifecycle: FilingLifecycle) {
        progress = FilingProgress(record, rules: rules)
        // Each step with the moment it happened, for the order (a filing accepted, then returned the same day).
        var steps: [(at: Date, step: Step)] = []
        for item in record.cases {
            let step = { (event: String, at: Date?) in
                if let at { steps.append((at, Step(event: event, part: item.part, on: lifecycle.day(at)))) }
            }
            steps.append((.distantPast, Step(event: "submitted", part: item.part, on: item.firstSubmittedOn)))
            step("received", item.receivedAt)
            step("accepted", item.acceptance?.at)
            step("returned", item.lastReturn?.at)
            if item.version > 1 { step("resubmitted", item.submittedAt) }
            step("completed", item.completion?.at)
            step("collected", item.collectedAt)
        }
        if let rating = record.rating { steps.append((rating.at, Step(event: "rated", part: "", on: rating.on))) }
        // Stable: what happened at one moment keeps the lifecycle's order above.
        history = steps.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element.step)
    }

    enum Key: String, CodingKey { case history, scannedReceipt }

    func encode(to encoder: any Encoder) throws {
        try progress.encode(to: encoder)
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(history, forKey: .history)
        try container.encodeIfPresent(scannedReceipt, forKey: .scannedReceipt)
    }

    init(from decoder: any Decoder) throws {
        progress = try FilingProgress(from: decoder)
        let container = try decoder.container(keyedBy: Key.self)
        history = try container.decode([Step].self, forKey: .history)
        scannedReceipt = try container.decodeIfPresent(String.self, forKey: .scannedReceipt)
    }
}
