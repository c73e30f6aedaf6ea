import KioskCore

/// One thing wrong with a form file, found while loading or by the static checks.
/// `description` is the `FILE:LINE: message` line `kiosk forms validate` prints.
public struct FormProblem: KioskError, Hashable {
    public let file: String
    public let line: Int
    /// Where in the form, as keys and ids: `steps[applicant].fields[name].relevant`.
    public let path: String
    public let code: String
    public let message: LocalizedText

    public init(file: String, line: Int, path: String, code: String, message: LocalizedText) {
        self.file = file
        self.line = line
        self.path = path
        self.code = code
        self.message = message
    }

    public var description: String {
        path.isEmpty ? "\(file):\(line): \(message.en)" : "\(file):\(line): \(path): \(message.en)"
    }
}

/// Why a session refused an event. Messages name fields and steps by id at most, never a value.
public struct FormSessionError: KioskError, Hashable {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case unknownField, fieldNotOnStep, calculatedField, cardDataLocked, notCardData, notOnStep, notOnReview, noPreviousStep, unknownStep, stepNotRelevant, alreadySubmitted, declarationNotAccepted, notOnDeclaration, unknownMaterial, materialNotApplicable, notDeferrable, coreMaterialMissing, commitmentNotAllowed, commitmentNotAccepted, commitmentTextChanged, materialsMissing, answersIncomplete, otherForm, invalidAuthorisation
    }

    public let kind: Kind
    public let message: LocalizedText

    public var code: String { kind.rawValue }

    init(_ kind: Kind, zh: String, en: String) {
        self.kind = kind
        self.message = LocalizedText(zh: zh, en: en)
    }

    public static func unknownField(_ id: String) -> Self {
        Self(.unknownField, zh: "表单中没有字段 \(id)", en: "The form has no field \(id).")
    }
    public static func fieldNotOnStep(_ id: String) -> Self {
        Self(.fieldNotOnStep, zh: "字段 \(id) 不在当前步骤", en: "Field \(id) is not on the current step.")
    }
    public static func calculatedField(_ id: String) -> Self {
        Self(.calculatedField, zh: "字段 \(id) 由系统计算，不能填写", en: "Field \(id) is calculated and cannot be answered.")
    }
    public static func cardDataLocked(_ id: String) -> Self {
        Self(.cardDataLocked, zh: "此项（\(id)）由身份证读取，不能修改；如有误，请工作人员核对证件后更正",
             en: "This answer (\(id)) was read from your ID card and cannot be changed; if it is wrong, staff can correct it after checking the card.")
    }
    public static func notCardData(_ id: String) -> Self {
        Self(.notCardData, zh: "字段 \(id) 不是从身份证读取的，请由群众自行填写",
             en: "Field \(id) was not read from the ID card; the citizen answers it.")
    }
    public static let notOnStep = Self(.notOnStep, zh: "当前不在填写步骤", en: "The session is not on a question step.")
    public static let notOnReview = Self(.notOnReview, zh: "请先核对填写内容", en: "This is only possible from the review page.")
    public static let noPreviousStep = Self(.noPreviousStep, zh: "已经是第一步", en: "There is no previous step.")
    public static func unknownStep(_ id: String) -> Self {
        Self(.unknownStep, zh: "表单中没有步骤 \(id)", en: "The form has no step \(id).")
    }
    public static func stepNotRelevant(_ id: String) -> Self {
        Self(.stepNotRelevant, zh: "步骤 \(id) 不适用于本次申请", en: "Step \(id) does not apply to this filing.")
    }
    public static let alreadySubmitted = Self(.alreadySubmitted, zh: "本次申请已提交", en: "The filing has already been submitted.")
    public static let declarationNotAccepted = Self(
        .declarationNotAccepted, zh: "请阅读并确认承诺声明", en: "Please read and accept the declaration.")
    public static let notOnDeclaration = Self(
        .notOnDeclaration, zh: "请先核对填写内容再确认声明", en: "Review the answers before the declaration.")
    public static func unknownMaterial(_ id: String) -> Self {
        Self(.unknownMaterial, zh: "没有材料 \(id)", en: "There is no material \(id).")
    }
    public static func materialNotApplicable(_ id: String) -> Self {
        Self(.materialNotApplicable, zh: "材料 \(id) 不适用于本次申请", en: "Material \(id) does not apply to this filing.")
    }
    public static func notDeferrable(_ id: String) -> Self {
        Self(.notDeferrable, zh: "材料 \(id) 不能容缺受理", en: "Material \(id) cannot be supplied later.")
    }
    public static let coreMaterialMissing = Self(
        .coreMaterialMissing, zh: "核心材料齐全后才能容缺受理",
        en: "Non-core materials can be supplied later only when every core material is present.")
    public static func commitmentNotAllowed(_ id: String) -> Self {
        Self(.commitmentNotAllowed, zh: "材料 \(id) 不适用告知承诺", en: "Material \(id) cannot be replaced by a commitment.")
    }
    public static func commitmentNotAccepted(_ id: String) -> Self {
        Self(.commitmentNotAccepted, zh: "请先阅读材料 \(id) 的承诺内容和核查方式，并确认承诺",
             en: "Read the commitment for material \(id) and how it is verified, then accept it (send its textVersion).")
    }
    public static func commitmentTextChanged(_ id: String) -> Self {
        Self(.commitmentTextChanged, zh: "材料 \(id) 的承诺内容已更新，请重新阅读后确认",
             en: "The commitment for material \(id) has changed; read it again and accept the new text.")
    }
    public static let materialsMissing = Self(
        .materialsMissing, zh: "仍有材料未提供，请查看一次性告知单",
        en: "Some materials are still missing; see the list of missing materials.")
    public static let answersIncomplete = Self(
        .answersIncomplete, zh: "仍有必填内容未完成", en: "Some required answers are still missing.")
    public static let otherForm = Self(.otherForm, zh: "草稿属于另一事项", en: "The draft belongs to another filing.")
    public static let invalidAuthorisation = Self(
        .invalidAuthorisation, zh: "工作人员授权缺少工号或原因", en: "A staff authorisation needs a staff id and a reason code.")
}
