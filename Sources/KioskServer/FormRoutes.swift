import Booking
import Filings
import FormEngine
import Foundation
import Hummingbird
import JSONLogic
import KioskCore

/// Where submitted filings are kept: the reference number is allocated and the filing stored in
/// one step, so a filing is never half-stored and a reference never reused.
public protocol FilingArchive: Sendable {
    /// Allocates the next reference of `site` for `day`, builds the filing with it and stores
    /// it, in one transaction: a filing that cannot be built leaves no gap in the sequence.
    func recordFiling(site: String, day: String, build: @escaping @Sendable (String) throws -> Filing) async throws -> Filing
    /// Records the correction of a returned filing: `build` makes it under the same reference
    /// as `version` (the stored one's next), and it replaces the stored version.
    func resubmitFiling(reference: String, version: Int, build: @escaping @Sendable (Int) throws -> Filing) async throws -> Filing
    /// Keeps a draft under a new short code; only the code with the same ID number finds it.
    func saveDraft(_ draft: FormDraft, idNumber: ResidentIDNumber, now: Date, days: Int) async throws -> String
    /// Takes the draft out; nil when the code and number match no unexpired draft.
    func takeDraft(code: String, idNumber: ResidentIDNumber, now: Date) async throws -> FormDraft?
}

/// The answer to a submission: the filing, what became of its receipt, and the code of the
/// receipt's QR (shown on the screen when the receipt could not be printed).
struct SubmittedFiling: Codable {
    let filing: Filing
    let receipt: PrintOutcome?
    let progressCode: String?

    init(filing: Filing, receipt: PrintOutcome?, progressCode: String?) {
        self.filing = filing
        self.receipt = receipt
        self.progressCode = progressCode
    }

    /// The filing's own fields with the print's outcome and the progress code beside them.
    init(from decoder: any Decoder) throws {
        filing = try Filing(from: decoder)
        let container = try decoder.container(keyedBy: Key.self)
        receipt = try container.decodeIfPresent(PrintOutcome.self, forKey: .receipt)
        progressCode = try container.decodeIfPresent(String.self, forKey: .progressCode)
    }

    func encode(to encoder: any Encoder) throws {
        try filing.encode(to: encoder)
        var container = encoder.container(keyedBy: Key.self)
        try container.encodeIfPresent(receipt, forKey: .receipt)
        try container.encodeIfPresent(progressCode, forKey: .progressCode)
    }

    enum Key: String, CodingKey { case receipt, progressCode }
}

/// The answer to printing the 一次性告知书: what it told, and what became of the print.
struct PrintedNotice: Codable {
    let notice: MaterialsNotice
    let receipt: PrintOutcome
}

/// What the filing endpoints need from the terminal.
public struct FilingServices: Sendable {
    public var catalog: FormCatalog
    public var archive: any FilingArchive
    public var sessions: CitizenSessions
    /// The card on the reader, whose facts prefill a new session.
    public var cards: CardDesk
    public var receipts: (any ReceiptDesk)?
    public var siteID: String
    public var timeZone: TimeZone
    /// The official calendar 容缺 due dates are counted on.
    public var calendar: OfficialCalendar
    public var now: @Sendable () -> Date

    public init(catalog: FormCatalog, archive: any FilingArchive, sessions: CitizenSessions, cards: CardDesk = CardDesk(),
                receipts: (any ReceiptDesk)? = nil, siteID: String, timeZone: TimeZone, calendar: OfficialCalendar,
                now: @escaping @Sendable () -> Date = Date.init) {
        self.receipts = receipts
        self.calendar = calendar
        self.catalog = catalog
        self.archive = archive
        self.sessions = sessions
        self.cards = cards
        self.siteID = siteID
        self.timeZone = timeZone
        self.now = now
    }

    var context: EvaluationContext { EvaluationContext(now: now(), timeZone: timeZone) }

    /// Today in the hall's time zone, as reference numbers carry it (`YYYYMMDD`).
    func day() -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month, .day], from: now())
        return String(format: "%04d%02d%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }

    func form(_ id: String) throws(APIError) -> FormDefinition {
        guard let form = catalog.forms[id] else {
            throw APIError(.notFound, code: "formNotFound", message: .init(zh: "没有该事项：\(id)", en: "No such filing: \(id)"))
        }
        return form
    }
}

extension KioskRoutes {
    /// The guided filing: list forms, run the citizen's session step by step, submit.
    static func addFilingRoutes(to router: Router<KioskRequestContext>, _ services: FilingServices, lifecycle: LifecycleServices? = nil) {
        router.get("/v1/forms") { _, _ in
            json(services.catalog.forms.values.sorted { $0.id < $1.id }.map(FormSummary.init))
        }

        router.post("/v1/sessions") { request, context in
            let body = try await RequestBody(request, context: context, allowed: ["formId"])
            let form = try services.form(try body.string("formId"))
            // A card on the reader fills in what it knows; the citizen checks it on the first step.
            let facts = await services.cards.presented()?.facts
            let session = FormSession.start(form, idCard: facts, context: services.context)
            let id = try await services.sessions.start(session, form: form)
            return json(SessionView(id: id, session, form, services.context), status: .created)
        }

        router.get("/v1/sessions/{id}") { _, context in
            try await view(context, services) { _, _ in }
        }

        router.put("/v1/sessions/{id}/answers/{field}") { request, context in
            let body = try await RequestBody(request, context: context, allowed: ["value"])
            let field = try context.parameters.require("field")
            let value = try body.json("value")
            return try await view(context, services) { session, form in try session.answer(field, value, in: form) }
        }

        router.post("/v1/sessions/{id}/next") { _, context in
            try await step(context, services) { session, form in try session.next(in: form, context: services.context) }
        }

        router.post("/v1/sessions/{id}/back") { _, context in
            try await view(context, services) { session, _ in try session.back() }
        }

        router.post("/v1/sessions/{id}/jump") { request, context in
            let body = try await RequestBody(request, context: context, allowed: ["stepId"])
            let stepID = try body.string("stepId")
            return try await view(context, services) { session, form in try session.jump(to: stepID, in: form, context: services.context) }
        }

        router.get("/v1/sessions/{id}/review") { _, context in
            let id = try context.parameters.require("id")
            let sections = try await services.sessions.read(id) { session, form in
                try session.review(in: form, context: services.context).map(ReviewView.init)
            }
            return json(sections)
        }

        router.post("/v1/sessions/{id}/review/confirm") { _, context in
            try await step(context, services) { session, form in try session.confirmReview(in: form, context: services.context) }
        }

        router.get("/v1/sessions/{id}/materials") { _, context in
            let id = try context.parameters.require("id")
            let notice = try await services.sessions.read(id) { session, form in
                session.materialsNotice(in: form, context: services.context, calendar: services.calendar)
            }
            return json(notice)
        }

        // Registered before `materials/{material}`; a constant segment wins over a parameter.
        router.post("/v1/sessions/{id}/materials/notice") { _, context in
            let id = try context.parameters.require("id")
            let (notice, form) = try await services.sessions.read(id) { session, form in
                (session.materialsNotice(in: form, context: services.context, calendar: services.calendar), form)
            }
            guard !notice.missing.isEmpty else {
                throw APIError(.conflict, code: "noMaterialsMissing", message: .init(
                    zh: "材料已齐全，无需告知书", en: "No material is missing; there is nothing to tell"))
            }
            guard let receipts = services.receipts else {
                return json(PrintedNotice(notice: notice, receipt: .noPrinter))
            }
            let outcome = await receipts.printMaterialsNotice(notice, matter: form.title, formID: form.id)
            return json(PrintedNotice(notice: notice, receipt: outcome), status: outcome.jobId == nil ? .ok : .created)
        }

        router.post("/v1/sessions/{id}/materials/{material}") { request, context in
            let body = try await RequestBody(request, context: context, allowed: ["status", "textVersion"])
            let id = try context.parameters.require("id")
            let material = try context.parameters.require("material")
            let status = try body.string("status")
            // Accepting a commitment names the text the screen showed; nothing else may carry it.
            let textVersion: String? = body.fields["textVersion"] == nil ? nil : try body.string("textVersion")
            guard textVersion == nil || status == "committed" else {
                throw RequestBody.invalid("textVersion", "only with the status committed")
            }
            let notice = try await services.sessions.update(id) { session, form in
                switch status {
                case "provided": try session.provideMaterial(material, in: form)
                case "missing": try session.withdrawMaterial(material)
                case "deferred": try session.deferMaterial(material, in: form, context: services.context)
                case "committed":
                    try session.commitInstead(of: material, acceptingTextVersion: textVersion, in: form, context: services.context)
                default: throw RequestBody.invalid("status", "provided, missing, deferred or committed")
                }
                return session.materialsNotice(in: form, context: services.context, calendar: services.calendar)
            }
            return json(notice)
        }

        router.post("/v1/sessions/{id}/submit") { request, context in
            let body = try await RequestBody(request, context: context, allowed: ["acceptDeclaration"])
            let accepted = try body.bool("acceptDeclaration")
            let id = try context.parameters.require("id")
            let filing: Filing
            if let reference = try await services.sessions.correcting(id), let lifecycle {
                filing = try await resubmit(id, reference: reference, accepted: accepted, services, lifecycle)
            } else {
                let day = services.day()
                filing = try await services.sessions.submit(id) { session, form in
                    let submission = try session.submission(acceptingDeclaration: accepted, in: form, context: services.context,
                                                            calendar: services.calendar)
                    let filing = try await services.archive.recordFiling(site: services.siteID, day: day) { submission.filing(reference: $0) }
                    return (submission.session, filing)
                }
            }
            // The filing is stored; the receipt is printed after it and can be reprinted.
            let receipt = await services.receipts?.printFilingReceipt(filing)
            return json(SubmittedFiling(filing: filing, receipt: receipt, progressCode: lifecycle?.progressCode(filing.reference).description),
                        status: .created)
        }

        // Saving a draft ends the session: the terminal is public, the answers leave its memory.
        router.post("/v1/sessions/{id}/draft") { request, context in
            let body = try await RequestBody(request, context: context, allowed: ["idNumber", "useCard"])
            let idNumber = try await residentID(body, cards: services.cards)
            let id = try context.parameters.require("id")
            let draft = try await services.sessions.read(id) { session, _ in session.draft() }
            let code = try await services.archive.saveDraft(draft, idNumber: idNumber, now: services.now(), days: 30)
            try await services.sessions.end(id)
            return json(["code": code], status: .created)
        }

        router.post("/v1/drafts/resume") { request, context in
            let body = try await RequestBody(request, context: context, allowed: ["code", "idNumber", "useCard"])
            let idNumber = try await residentID(body, cards: services.cards)
            let code: String
            do { code = try BookingCode(body.string("code")).description } catch { throw draftNotFound }
            guard let draft = try await services.archive.takeDraft(code: code, idNumber: idNumber, now: services.now()) else {
                throw draftNotFound
            }
            let form = try services.form(draft.formID)
            let session = try FormSession.resume(draft, in: form, context: services.context)
            let id = try await services.sessions.start(session, form: form)
            return json(SessionView(id: id, session, form, services.context), status: .created)
        }

        router.post("/v1/print-jobs/{job}/reprint") { request, context in
            let key = try idempotencyKey(request)
            let job = try context.parameters.require("job")
            guard let outcome = try await services.receipts?.reprint(jobID: job, requestKey: key) else {
                throw APIError(.notFound, code: "printJobNotFound", message: .init(zh: "没有该打印任务", en: "No such print job"))
            }
            return json(outcome)
        }

        // The answer to the inactivity warning: "continue" on the screen.
        router.post("/v1/sessions/{id}/keep-alive") { _, context in
            let id = try context.parameters.require("id")
            let endsAt = try await services.sessions.keepAlive(id)
            return json(KeptAlive(sessionId: id, endsAt: endsAt, warningSeconds: Int(services.sessions.warning)))
        }

        router.delete("/v1/sessions/{id}") { _, context in
            try await services.sessions.end(try context.parameters.require("id"))
            return Response(status: .noContent)
        }
    }

    /// A correction submitted: the same reference, the next version, recorded only if the
    /// lifecycle takes it (the filing is still returned and no other correction came first).
    static func resubmit(_ id: String, reference: String, accepted: Bool, _ services: FilingServices,
                         _ lifecycle: LifecycleServices) async throws -> Filing {
        guard let record = try await lifecycle.ledger.record(reference) else { throw filingNotFound }
        let now = lifecycle.now()
        return try await services.sessions.submit(id) { session, form in
            let submission = try session.submission(acceptingDeclaration: accepted, in: form, context: services.context,
                                                    calendar: services.calendar, version: record.version + 1)
            let filing = try await services.archive.resubmitFiling(reference: reference, version: record.version + 1) { _ in
                let filing = submission.filing(reference: reference)
                _ = try lifecycle.ledger.lifecycle.apply(.resubmit(filing), to: record, by: .citizen, at: now)
                return filing
            }
            return (submission.session, filing)
        }
    }

    static let draftNotFound = APIError(.notFound, code: "draftNotFound", message: .init(
        zh: "找不到该草稿：请核对草稿码和身份证号（草稿保存30天）",
        en: "No draft matches this code and ID number (drafts are kept for 30 days)"))

    /// The ID number a draft is kept under: typed, or the card's (`citizen(_:cards:)`).
    static func residentID(_ body: RequestBody, cards: CardDesk) async throws -> ResidentIDNumber {
        guard let citizen = try await citizen(body, cards: cards) else { throw RequestBody.invalid("idNumber", "a non-empty string") }
        return citizen.idNumber
    }

    /// Applies a change to the session and answers with the session's new view.
    static func view(
        _ context: KioskRequestContext, _ services: FilingServices,
        _ change: @escaping @Sendable (inout FormSession, FormDefinition) throws -> Void
    ) async throws -> Response {
        let id = try context.parameters.require("id")
        let view = try await services.sessions.update(id) { session, form in
            try change(&session, form)
            return SessionView(id: id, session, form, services.context)
        }
        return json(view)
    }

    /// A step forward that the answers may refuse: 422 with every field's error at once.
    static func step(
        _ context: KioskRequestContext, _ services: FilingServices,
        _ move: @escaping @Sendable (inout FormSession, FormDefinition) throws -> FormSession.NextOutcome
    ) async throws -> Response {
        let id = try context.parameters.require("id")
        let (view, report) = try await services.sessions.update(id) { session, form in
            let outcome = try move(&session, form)
            let report: ValidationReport? = if case .rejected(let report) = outcome { report } else { nil }
            return (SessionView(id: id, session, form, services.context), report)
        }
        guard let report else { return json(view) }
        var problem = Problem(status: .unprocessableContent, code: "validationFailed", messages: report.summary)
        problem.validation = report
        return ProblemMiddleware<KioskRequestContext>.response(for: problem)
    }
}

extension FormSessionError: HTTPResponseError {
    /// 404 for what the form does not have, 409 for what the session's state refuses, 422 for
    /// what the answers or materials refuse. Every kind is listed: a new one needs its status.
    public var status: HTTPResponse.Status {
        switch kind {
        case .unknownField, .unknownStep, .unknownMaterial: .notFound
        case .notOnStep, .notOnReview, .notOnDeclaration, .alreadySubmitted, .noPreviousStep, .otherForm, .cardDataLocked,
             .commitmentTextChanged:
            .conflict
        case .fieldNotOnStep, .calculatedField, .notCardData, .stepNotRelevant, .declarationNotAccepted, .materialNotApplicable,
             .notDeferrable, .coreMaterialMissing, .commitmentNotAllowed, .commitmentNotAccepted, .materialsMissing,
             .answersIncomplete, .invalidAuthorisation:
            .unprocessableContent
        }
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        ProblemMiddleware<BasicRequestContext>.response(for: Problem(status: status, code: code, messages: message))
    }
}
