import Booking
import Foundation
import JSONLogic
import KioskCore

extension IDCardFacts {
    /// The fact a prefill source `idcard.<attribute>` reads.
    public func value(of attribute: IDCardAttribute) -> String? {
        switch attribute {
        case .name: name
        case .idNumber: documentNumber
        case .gender: gender
        case .ethnicity: ethnicity
        case .birthDate: birthDate
        case .address: address
        case .issuer: issuer
        case .validFrom: validFrom
        case .validUntil: validUntil
        }
    }
}

/// A member of staff vouching for an override. Authentication happens elsewhere; the session
/// only requires that someone is named and a reason is given, and keeps both.
public struct StaffAuthorisation: Sendable, Hashable, Codable {
    public let staffID: String
    /// A code from the hall's list of override reasons (`paperMaterialChecked`, `citizenAssisted`, ...).
    public let reasonCode: String
    public let note: String
    /// When staff vouched; nil in sessions stored before it was kept.
    public let at: Date?

    public init(staffID: String, reasonCode: String, note: String = "", at: Date? = nil) {
        self.staffID = staffID
        self.reasonCode = reasonCode
        self.note = note
        self.at = at
    }
}

public struct StaffOverride: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        case skipStep, overrideValidation
        /// Staff saw the original on paper; `materialID` names it.
        case materialReceivedOnPaper
        /// Staff approved 容缺 acceptance of `materialID`.
        case deferralApproved
        /// Staff worked the session for the citizen, and gave it back.
        case takeOver, handBack
        /// Staff changed an answer read from the ID card; `fieldPaths` names it.
        case cardDataCorrected
    }

    public let kind: Kind
    /// The step the override was made on; empty when it concerns the whole session.
    public let stepID: String
    /// The fields whose errors were overridden (empty for a skipped step).
    public let fieldPaths: [String]
    public let authorisation: StaffAuthorisation
    public var materialID: String?

    init(kind: Kind, stepID: String, fieldPaths: [String], authorisation: StaffAuthorisation, materialID: String? = nil) {
        self.kind = kind
        self.stepID = stepID
        self.fieldPaths = fieldPaths
        self.authorisation = authorisation
        self.materialID = materialID
    }
}

/// One citizen's way through one form: a pure, serialisable state machine.
///
/// The session holds answers and position only; every event takes the `FormDefinition` (looked
/// up by `formID`) and the `EvaluationContext` (the clock), so the same session value can be
/// stored, resumed on another terminal, and replayed in tests.
public struct FormSession: Sendable, Hashable, Codable {
    public enum Position: Sendable, Hashable, Codable {
        case step(String)
        case review
        case declaration
        case submitted
    }

    public enum NextOutcome: Sendable, Hashable {
        case moved(to: Position)
        /// The step's answers cannot be accepted; the session stays on the step.
        case rejected(ValidationReport)
    }

    public let formID: String
    public private(set) var formVersion: Int
    /// Answers by field id, exactly as given (including answers of fields that are not
    /// relevant any more, so changing one's mind back restores them).
    public private(set) var answers: [String: JSON]
    public private(set) var position: Position
    public private(set) var materials: [String: MaterialStatus]
    /// The text version (`CommitmentTerms.textVersion`) of each commitment the citizen accepted.
    public private(set) var commitments: [String: String]
    public private(set) var overrides: [StaffOverride]
    /// Fields filled from the ID card: what the card says, the citizen cannot change (only
    /// staff can, recorded). Kept while the session keeps the card's data, that is to its end.
    public private(set) var cardFields: Set<String>
    /// 首问负责: who has been responsible for this citizen's matter, the current one last; nil
    /// until a member of staff takes the citizen's call for help (`FirstResponsible.swift`).
    var responsibilityHistory: [Responsibility]?
    /// Positions `back` returns to, most recent last.
    private var history: [Position]
    /// Set by a jump from the review page to the fields relevant at that moment: `next` then
    /// goes back to review, unless a question outside this set has become relevant and is
    /// unanswered, which is asked first.
    private var relevantBeforeJump: Set<String>?

    public static func start(
        _ form: FormDefinition, idCard: IDCardFacts? = nil, context: EvaluationContext
    ) -> FormSession {
        var session = FormSession(
            formID: form.id, formVersion: form.version, answers: [:], materials: [:], commitments: [:], position: .review,
            overrides: [], history: [], relevantBeforeJump: nil)
        if let idCard {
            for step in form.steps {
                for field in step.fields {
                    if case .idCard(let attribute)? = field.prefill, let value = idCard.value(of: attribute), !value.isEmpty {
                        session.answers[field.id] = .string(value)
                        session.cardFields.insert(field.id)
                    }
                }
            }
        }
        let evaluator = FormEvaluator(form: form, context: context)
        let data = JSON.object(evaluator.effectiveAnswers(session.answers))
        if let first = form.steps.first(where: { evaluator.isRelevant($0, data) }) {
            session.enter(first, form)
        }
        return session
    }

    /// The step being asked, if the session is on one.
    public func currentStep(in form: FormDefinition) -> FormStep? {
        guard case .step(let id) = position else { return nil }
        return form.step(id)
    }

    /// The relevant fields of the current step with their values and available choices.
    public func screen(in form: FormDefinition, context: EvaluationContext) -> StepScreen? {
        guard let step = currentStep(in: form) else { return nil }
        let evaluator = FormEvaluator(form: form, context: context)
        let effective = evaluator.withCalculations(answers)
        let data = JSON.object(effective)
        let fields = step.fields.filter { evaluator.holds($0.relevant, data, otherwise: true) }.map { field in
            StepScreen.Field(
                id: field.id, type: field.type, label: field.label, help: field.help,
                required: evaluator.isRequired(field, data), calculated: field.calculate != nil,
                readOnly: cardFields.contains(field.id), value: effective[field.id],
                choices: evaluator.choices(for: field, effective),
                choicesDependOn: field.choiceFilter.map { $0.fieldReferences.subtracting(["choice"]).sorted() } ?? [])
        }
        return StepScreen(stepID: step.id, title: step.title, help: step.help, fields: fields)
    }

    /// What `next` would refuse on the current step, as the answers stand: the screen's error
    /// summary, which speech reads aloud. Nil when the step is fine or the session is not on one.
    public func validation(in form: FormDefinition, context: EvaluationContext) -> ValidationReport? {
        guard let step = currentStep(in: form) else { return nil }
        let evaluator = FormEvaluator(form: form, context: context)
        let errors = evaluator.validate(step, evaluator.effectiveAnswers(answers))
        return errors.isEmpty ? nil : ValidationReport(stepID: step.id, errors: errors)
    }

    public mutating func answer(
        _ fieldID: String, _ value: JSON, in form: FormDefinition
    ) throws(FormSessionError) {
        guard position != .submitted else { throw .alreadySubmitted }
        guard let step = currentStep(in: form) else { throw .notOnStep }
        guard let field = form.field(fieldID) else { throw .unknownField(fieldID) }
        guard !cardFields.contains(fieldID) else { throw .cardDataLocked(fieldID) }
        guard step.fields.contains(where: { $0.id == fieldID }) else { throw .fieldNotOnStep(fieldID) }
        guard field.calculate == nil else { throw .calculatedField(fieldID) }
        answers[fieldID] = Self.normalised(value, for: field)
    }

    /// Staff correct an answer read from the ID card (a misread character, a card checked by
    /// hand): the answer changes, stays closed to the citizen, and the session records who,
    /// why and which field.
    public mutating func correctCardData(
        _ fieldID: String, _ value: JSON, in form: FormDefinition, authorisation: StaffAuthorisation
    ) throws(FormSessionError) {
        guard position != .submitted else { throw .alreadySubmitted }
        try Self.check(authorisation)
        guard let field = form.field(fieldID) else { throw .unknownField(fieldID) }
        guard cardFields.contains(fieldID) else { throw .notCardData(fieldID) }
        answers[fieldID] = Self.normalised(value, for: field)
        overrides.append(StaffOverride(kind: .cardDataCorrected, stepID: stepIDHere, fieldPaths: [fieldID],
                                       authorisation: authorisation))
    }

    /// Trims text and puts values in the one form the checks and conditions expect; anything
    /// else is kept as given, for `next` to report.
    static func normalised(_ value: JSON, for field: FormField) -> JSON {
        switch (field.type, value) {
        case (.number, .string(let text)), (.money, .string(let text)):
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            return Double(trimmed).map(JSON.number) ?? value
        case (.idNumber, .string(let text)), (.creditCode, .string(let text)):
            return .string(text.trimmingCharacters(in: .whitespaces).uppercased())
        case (_, .string(let text)):
            return .string(text.trimmingCharacters(in: .whitespacesAndNewlines))
        default:
            return value
        }
    }

    /// Validates the current step and moves on: to the next relevant step, or (after a jump from
    /// review) to the first later step with a newly relevant unanswered question, or to review.
    /// With a staff authorisation, errors are overridden and recorded instead of stopping.
    public mutating func next(
        in form: FormDefinition, context: EvaluationContext, override authorisation: StaffAuthorisation? = nil
    ) throws(FormSessionError) -> NextOutcome {
        guard let step = currentStep(in: form) else { throw position == .submitted ? .alreadySubmitted : .notOnStep }
        let evaluator = FormEvaluator(form: form, context: context)
        let effective = evaluator.effectiveAnswers(answers)
        let errors = evaluator.validate(step, effective)
        if !errors.isEmpty {
            guard let authorisation else { return .rejected(ValidationReport(stepID: step.id, errors: errors)) }
            try Self.check(authorisation)
            overrides.append(StaffOverride(
                kind: .overrideValidation, stepID: step.id, fieldPaths: errors.map(\.fieldPath), authorisation: authorisation))
        }
        advance(from: step, form, evaluator, effective)
        return .moved(to: position)
    }

    /// Leaves the current step unanswered on a member of staff's word.
    public mutating func skipStep(
        in form: FormDefinition, context: EvaluationContext, authorisation: StaffAuthorisation
    ) throws(FormSessionError) {
        guard let step = currentStep(in: form) else { throw .notOnStep }
        try Self.check(authorisation)
        overrides.append(StaffOverride(kind: .skipStep, stepID: step.id, fieldPaths: [], authorisation: authorisation))
        let evaluator = FormEvaluator(form: form, context: context)
        advance(from: step, form, evaluator, evaluator.effectiveAnswers(answers))
    }

    private static func check(_ authorisation: StaffAuthorisation) throws(FormSessionError) {
        guard !authorisation.staffID.isEmpty, !authorisation.reasonCode.isEmpty else { throw .invalidAuthorisation }
    }

    private mutating func advance(
        from step: FormStep, _ form: FormDefinition, _ evaluator: FormEvaluator, _ effective: [String: JSON]
    ) {
        history.append(position)
        let data = JSON.object(effective)
        let index = form.steps.firstIndex { $0.id == step.id } ?? form.steps.count
        let later = form.steps[(index + 1)...].filter { evaluator.isRelevant($0, data) }
        let target: FormStep?
        if let relevantBeforeJump {
            target = later.first { hasNewQuestion($0, evaluator, data, excluding: relevantBeforeJump) }
        } else {
            target = later.first
        }
        if let target {
            enter(target, form)
        } else {
            position = .review
            relevantBeforeJump = nil
        }
    }

    private func hasNewQuestion(
        _ step: FormStep, _ evaluator: FormEvaluator, _ data: JSON, excluding known: Set<String> = []
    ) -> Bool {
        step.fields.contains { field in
            field.calculate == nil && answers[field.id] == nil && !known.contains(field.id)
                && evaluator.holds(field.relevant, data, otherwise: true)
        }
    }

    private func relevantFieldIDs(_ form: FormDefinition, _ evaluator: FormEvaluator, _ data: JSON) -> Set<String> {
        var ids: Set<String> = []
        for step in form.steps where evaluator.isRelevant(step, data) {
            for field in step.fields where evaluator.holds(field.relevant, data, otherwise: true) { ids.insert(field.id) }
        }
        return ids
    }

    /// Moves onto a step, filling defaults and bundle prefills of fields never answered.
    private mutating func enter(_ step: FormStep, _ form: FormDefinition) {
        position = .step(step.id)
        for field in step.fields where answers[field.id] == nil && field.calculate == nil {
            if case .bundle(let source)? = field.prefill, let value = answers[source], !value.isEmptyAnswer {
                answers[field.id] = value
            } else if let defaultValue = field.defaultValue {
                answers[field.id] = defaultValue
            }
        }
    }

    /// Returns to where the citizen was before, with every answer as they left it.
    public mutating func back() throws(FormSessionError) {
        guard position != .submitted else { throw .alreadySubmitted }
        guard let previous = history.popLast() else { throw .noPreviousStep }
        position = previous
        if previous == .review { relevantBeforeJump = nil }
    }

    /// From the review page, goes to a step to change answers; `next` returns to review.
    public mutating func jump(
        to stepID: String, in form: FormDefinition, context: EvaluationContext
    ) throws(FormSessionError) {
        guard position == .review else { throw .notOnReview }
        guard let step = form.step(stepID) else { throw .unknownStep(stepID) }
        let evaluator = FormEvaluator(form: form, context: context)
        let data = JSON.object(evaluator.effectiveAnswers(answers))
        guard evaluator.isRelevant(step, data) else { throw .stepNotRelevant(stepID) }
        history.append(.review)
        relevantBeforeJump = relevantFieldIDs(form, evaluator, data)
        enter(step, form)
    }

    /// "Check your answers": every relevant step and field, "not provided" for skipped ones.
    public func review(in form: FormDefinition, context: EvaluationContext) -> [ReviewSection] {
        let evaluator = FormEvaluator(form: form, context: context)
        let effective = evaluator.effectiveAnswers(answers)
        let data = JSON.object(effective)
        return form.steps.filter { evaluator.isRelevant($0, data) }.map { step in
            let entries = step.fields.filter { evaluator.holds($0.relevant, data, otherwise: true) }.map { field in
                let value = effective[field.id].flatMap { $0.isEmptyAnswer ? nil : $0 }
                return ReviewSection.Entry(
                    fieldID: field.id, label: field.label, value: value,
                    display: value.map { ReviewSection.display($0, field) } ?? ReviewSection.notProvided)
            }
            return ReviewSection(stepID: step.id, title: step.title, entries: entries)
        }
    }

    /// Leaves the review page for the declaration, unless a relevant step (not skipped by staff)
    /// still has errors: then the session goes to the first such step and reports it.
    public mutating func confirmReview(
        in form: FormDefinition, context: EvaluationContext
    ) throws(FormSessionError) -> NextOutcome {
        guard position == .review else { throw .notOnReview }
        let evaluator = FormEvaluator(form: form, context: context)
        let effective = evaluator.effectiveAnswers(answers)
        let data = JSON.object(effective)
        let excused = Set(overrides.filter { $0.kind == .skipStep || $0.kind == .overrideValidation }.map(\.stepID))
        for step in form.steps where evaluator.isRelevant(step, data) && !excused.contains(step.id) {
            let errors = evaluator.validate(step, effective)
            if !errors.isEmpty {
                history.append(.review)
                relevantBeforeJump = relevantFieldIDs(form, evaluator, data)
                enter(step, form)
                return .rejected(ValidationReport(stepID: step.id, errors: errors))
            }
        }
        history.append(.review)
        position = .declaration
        return .moved(to: .declaration)
    }

    /// 一次性告知: every material still missing, with the 容缺 due date (on `calendar`) and the
    /// commitment's text where the form allows them.
    public func materialsNotice(
        in form: FormDefinition, context: EvaluationContext, calendar: OfficialCalendar
    ) -> MaterialsNotice {
        let evaluator = FormEvaluator(form: form, context: context)
        return evaluator.notice(evaluator.effectiveAnswers(answers), statuses: materials, calendar: calendar)
    }

    public mutating func provideMaterial(_ id: String, in form: FormDefinition) throws(FormSessionError) {
        guard position != .submitted else { throw .alreadySubmitted }
        guard form.materials.contains(where: { $0.id == id }) else { throw .unknownMaterial(id) }
        materials[id] = .provided
        commitments[id] = nil
    }

    /// Staff checked the original on paper: provided, and the session records who and why.
    public mutating func markMaterialReceivedOnPaper(
        _ id: String, in form: FormDefinition, authorisation: StaffAuthorisation
    ) throws(FormSessionError) {
        try Self.check(authorisation)
        try provideMaterial(id, in: form)
        overrides.append(StaffOverride(kind: .materialReceivedOnPaper, stepID: stepIDHere, fieldPaths: [],
                                       authorisation: authorisation, materialID: id))
    }

    /// Staff approve 容缺 acceptance: the same rules as the citizen's choice, recorded.
    public mutating func approveDeferral(
        _ id: String, in form: FormDefinition, context: EvaluationContext, authorisation: StaffAuthorisation
    ) throws(FormSessionError) {
        try Self.check(authorisation)
        try deferMaterial(id, in: form, context: context)
        overrides.append(StaffOverride(kind: .deferralApproved, stepID: stepIDHere, fieldPaths: [],
                                       authorisation: authorisation, materialID: id))
    }

    /// Records that staff took the session over or gave it back; the receipt then says that
    /// staff assisted.
    public mutating func recordAssistance(_ kind: StaffOverride.Kind, authorisation: StaffAuthorisation) throws(FormSessionError) {
        guard kind == .takeOver || kind == .handBack else { throw .invalidAuthorisation }
        try Self.check(authorisation)
        overrides.append(StaffOverride(kind: kind, stepID: stepIDHere, fieldPaths: [], authorisation: authorisation))
    }

    private var stepIDHere: String { if case .step(let id) = position { id } else { "" } }

    /// Withdraws a provided, deferred or committed material (a scan rejected, a mind changed).
    public mutating func withdrawMaterial(_ id: String) throws(FormSessionError) {
        guard position != .submitted else { throw .alreadySubmitted }
        materials[id] = nil
        commitments[id] = nil
    }

    /// 容缺: files without a non-core material, to be supplied within its `maxDays`. Only when
    /// every applicable core material is present.
    public mutating func deferMaterial(
        _ id: String, in form: FormDefinition, context: EvaluationContext
    ) throws(FormSessionError) {
        let material = try applicableMaterial(id, form, context)
        guard material.deferral != nil, !material.core else { throw .notDeferrable(id) }
        let evaluator = FormEvaluator(form: form, context: context)
        let applicable = evaluator.applicableMaterials(evaluator.effectiveAnswers(answers))
        guard !applicable.contains(where: { $0.core && materials[$0.id] == nil }) else { throw .coreMaterialMissing }
        materials[id] = .deferred
        commitments[id] = nil
    }

    /// 告知承诺: a signed commitment replaces the proof. Choosing it is not accepting it: the
    /// citizen accepts the text they were shown, named by its `textVersion`, which must still be
    /// the form's.
    public mutating func commitInstead(
        of id: String, acceptingTextVersion version: String?, in form: FormDefinition, context: EvaluationContext
    ) throws(FormSessionError) {
        let material = try applicableMaterial(id, form, context)
        guard let terms = material.commitment else { throw .commitmentNotAllowed(id) }
        guard let version, !version.isEmpty else { throw .commitmentNotAccepted(id) }
        guard version == terms.textVersion else { throw .commitmentTextChanged(id) }
        materials[id] = .committed
        commitments[id] = version
    }

    private func applicableMaterial(
        _ id: String, _ form: FormDefinition, _ context: EvaluationContext
    ) throws(FormSessionError) -> Material {
        guard position != .submitted else { throw .alreadySubmitted }
        guard let material = form.materials.first(where: { $0.id == id }) else { throw .unknownMaterial(id) }
        let evaluator = FormEvaluator(form: form, context: context)
        guard evaluator.applies(material, .object(evaluator.effectiveAnswers(answers))) else {
            throw .materialNotApplicable(id)
        }
        return material
    }

    /// Submits from the declaration page. Answers of fields that are not relevant are dropped;
    /// every applicable material must be provided, deferred or committed.
    /// 容缺 due dates are counted on `calendar` from the day of submission.
    /// A correction after a return keeps the reference and passes the next `version`.
    public mutating func submit(
        acceptingDeclaration accepted: Bool, reference: String, in form: FormDefinition, context: EvaluationContext,
        calendar: OfficialCalendar, version: Int = 1
    ) throws(FormSessionError) -> Filing {
        guard position != .submitted else { throw .alreadySubmitted }
        guard position == .declaration else { throw .notOnDeclaration }
        guard accepted else { throw .declarationNotAccepted }
        let evaluator = FormEvaluator(form: form, context: context)
        let effective = evaluator.effectiveAnswers(answers).filter { !$0.value.isEmptyAnswer }
        let applicable = evaluator.applicableMaterials(effective)
        guard applicable.allSatisfy({ materials[$0.id] != nil }) else { throw .materialsMissing }
        let filing = Filing(
            form: form, reference: reference, answers: effective, statuses: materials, commitments: commitments,
            applicable: applicable, overrides: overrides, evaluator: evaluator, calendar: calendar, version: version,
            responsibility: responsibilityHistory)
        answers = effective
        position = .submitted
        history = []
        return filing
    }

    /// The submission of this session, decided before it is stored: the filing, which its
    /// archive numbers (`Submission.filing(reference:)`) in the transaction that stores it, and
    /// the session as it is once the filing is stored. Refused as `submit` refuses. A correction
    /// after a return passes the next `version` (and is numbered with the reference it corrects).
    public func submission(
        acceptingDeclaration accepted: Bool, in form: FormDefinition, context: EvaluationContext, calendar: OfficialCalendar,
        version: Int = 1
    ) throws(FormSessionError) -> Submission {
        var submitted = self
        let filing = try submitted.submit(acceptingDeclaration: accepted, reference: "", in: form, context: context,
                                          calendar: calendar, version: version)
        return Submission(session: submitted, unnumbered: filing)
    }

    /// What to save so the citizen can come back later (the caller keys it by a short code and
    /// the citizen's ID number).
    public func draft() -> FormDraft {
        let stepID: String? = if case .step(let id) = position { id } else { nil }
        return FormDraft(formID: formID, formVersion: formVersion, answers: answers, materials: materials,
                         commitments: commitments, stepID: stepID)
    }

    /// Resumes a draft, possibly saved on an older version of the form: answers (and
    /// repeat-group item answers) whose fields still exist are kept, the rest dropped. On the
    /// same version the citizen returns to the step they left; otherwise to the first step with
    /// an unanswered relevant question, or to review when there is none.
    public static func resume(
        _ draft: FormDraft, in form: FormDefinition, context: EvaluationContext
    ) throws(FormSessionError) -> FormSession {
        guard draft.formID == form.id else { throw .otherForm }
        var answers: [String: JSON] = [:]
        for (id, value) in draft.answers {
            guard let field = form.field(id), field.calculate == nil else { continue }
            if field.type == .repeatGroup, case .array(let items) = value {
                let known = Set(field.fields.map(\.id))
                answers[id] = .array(items.map { item in
                    guard case .object(let members) = item else { return item }
                    return .object(members.filter { known.contains($0.key) })
                })
            } else {
                answers[id] = value
            }
        }
        // A commitment stays accepted only while its text is the one the citizen accepted.
        let terms = Dictionary(form.materials.compactMap { material in material.commitment.map { (material.id, $0.textVersion) } }) {
            first, _ in first
        }
        let accepted = (draft.commitments ?? [:]).filter { terms[$0.key] == $0.value }
        let known = Set(form.materials.map(\.id))
        var session = FormSession(
            formID: form.id, formVersion: form.version, answers: answers,
            materials: draft.materials.filter { known.contains($0.key) && ($0.value != .committed || accepted[$0.key] != nil) },
            commitments: accepted, position: .review, overrides: [], history: [], relevantBeforeJump: nil)
        let evaluator = FormEvaluator(form: form, context: context)
        let data = JSON.object(evaluator.effectiveAnswers(answers))
        let relevant = form.steps.filter { evaluator.isRelevant($0, data) }
        let target: FormStep? =
            if draft.formVersion == form.version, let stepID = draft.stepID, let step = relevant.first(where: { $0.id == stepID }) {
                step
            } else {
                relevant.first { session.hasNewQuestion($0, evaluator, data) }
            }
        if let target {
            session.history = relevant.prefix { $0.id != target.id }.map { .step($0.id) }
            session.enter(target, form)
        } else {
            session.history = relevant.map { .step($0.id) }
        }
        return session
    }

    private init(
        formID: String, formVersion: Int, answers: [String: JSON], materials: [String: MaterialStatus],
        commitments: [String: String], position: Position, overrides: [StaffOverride], history: [Position],
        relevantBeforeJump: Set<String>?
    ) {
        self.formID = formID
        self.formVersion = formVersion
        self.answers = answers
        self.position = position
        self.materials = materials
        self.commitments = commitments
        self.cardFields = []
        self.overrides = overrides
        self.history = history
        self.relevantBeforeJump = relevantBeforeJump
    }
}

/// A saved, unfinished session.
public struct FormDraft: Sendable, Hashable, Codable {
    public let formID: String
    public let formVersion: Int
    public let answers: [String: JSON]
    public let materials: [String: MaterialStatus]
    /// Accepted commitment text versions; nil in drafts saved before they were kept.
    public let commitments: [String: String]?
    public let stepID: String?
}

extension FormDraft {
    /// A returned filing taken up again for correction (退回补正): its answers, materials and
    /// accepted commitments, resumed like a draft (from the review, or the first new question
    /// when the form has changed since).
    public init(correcting filing: Filing) {
        formID = filing.formID
        formVersion = filing.formVersion
        answers = filing.answers
        materials = Dictionary(filing.materials.map { ($0.materialID, $0.status) }) { first, _ in first }
        commitments = Dictionary(filing.commitments.compactMap { commitment in commitment.textVersion.map { (commitment.materialID, $0) } }) {
            first, _ in first
        }
        stepID = nil
    }
}

/// The current step as the UI draws it.
public struct StepScreen: Sendable {
    public struct Field: Sendable {
        public let id: String
        public let type: FieldType
        public let label: LocalizedText
        public let help: LocalizedText?
        public let required: Bool
        public let calculated: Bool
        /// Read from the ID card: the citizen cannot change it.
        public let readOnly: Bool
        public let value: JSON?
        public let choices: [Choice]
        /// The answers its choices are filtered by (`choiceFilter`): a screen asks again when one changes.
        public let choicesDependOn: [String]
    }

    public let stepID: String
    public let title: LocalizedText
    public let help: LocalizedText?
    public let fields: [Field]
}

public struct ReviewSection: Sendable, Hashable {
    public struct Entry: Sendable, Hashable {
        public let fieldID: String
        public let label: LocalizedText
        /// Nil when not provided.
        public let value: JSON?
        public let display: LocalizedText
    }

    public let stepID: String
    public let title: LocalizedText
    public let entries: [Entry]

    static let notProvided = LocalizedText(zh: "未填写", en: "Not provided")

    static func display(_ value: JSON, _ field: FormField) -> LocalizedText {
        func label(_ choice: String) -> LocalizedText {
            field.choices.first { $0.value == choice }?.label ?? LocalizedText(zh: choice, en: choice)
        }
        switch (field.type, value) {
        case (.yesNo, .bool(let yes)):
            return yes ? LocalizedText(zh: "是", en: "Yes") : LocalizedText(zh: "否", en: "No")
        case (.declaration, .bool(true)):
            return LocalizedText(zh: "已确认", en: "Accepted")
        case (.singleChoice, .string(let choice)):
            return label(choice)
        case (.multipleChoice, .array(let chosen)):
            let labels = chosen.compactMap { if case .string(let text) = $0 { label(text) } else { nil } }
            return LocalizedText(zh: labels.map(\.zh).joined(separator: "、"), en: labels.map(\.en).joined(separator: ", "))
        case (.address, .object(let members)):
            let parts = [members["region"], members["detail"]].compactMap { if case .string(let text)? = $0 { text } else { nil } }
            return LocalizedText(zh: parts.joined(), en: parts.joined(separator: ", "))
        case (.repeatGroup, .array(let items)):
            return LocalizedText(zh: "共 \(items.count) 项", en: items.count == 1 ? "1 entry" : "\(items.count) entries")
        case (_, .string(let text)):
            return LocalizedText(zh: text, en: text)
        default:
            return LocalizedText(zh: value.canonicalText, en: value.canonicalText)
        }
    }
}

extension FormSession {
    /// A field of the current step with its answer as the review page shows it, for reading one
    /// value aloud when the citizen asks (`fromCard`: read from the ID card). Nil when the field
    /// is not on the current step or not relevant there.
    public func answerShown(_ fieldID: String, in form: FormDefinition, context: EvaluationContext)
        -> (field: FormField, display: LocalizedText, answered: Bool, fromCard: Bool)? {
        guard let screen = screen(in: form, context: context), let shown = screen.fields.first(where: { $0.id == fieldID }),
              let field = currentStep(in: form)?.fields.first(where: { $0.id == fieldID }) else { return nil }
        let answer = shown.value.flatMap { $0.isEmptyAnswer ? nil : $0 }
        return (field, answer.map { ReviewSection.display($0, field) } ?? ReviewSection.notProvided, answer != nil, cardFields.contains(fieldID))
    }

    /// The ID number the session read from the card, if it read one.
    public func cardIDNumber(in form: FormDefinition) -> String? {
        for step in form.steps {
            for field in step.fields where cardFields.contains(field.id) {
                if case .idCard(.idNumber)? = field.prefill, case .string(let number)? = answers[field.id] { return number }
            }
        }
        return nil
    }
}
