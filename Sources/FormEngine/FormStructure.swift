import JSONLogic
import KioskCore
import Yams

/// The keys of each part of a form file; `Forms/README.md` documents them.
extension FormReader {
    static let formKeys: Set<String> = [
        "id", "version", "title", "help", "department", "departmentId", "timeLimitDays", "afterReturn", "declaration", "applicant",
        "steps", "materials", "bundle",
    ]
    static let subFilingKeys: Set<String> = [
        "id", "title", "department", "departmentId", "timeLimitDays", "relevant", "steps", "materials",
    ]
    static let stepKeys: Set<String> = ["id", "title", "help", "relevant", "fields"]
    static let fieldKeys: Set<String> = [
        "id", "type", "label", "help", "relevant", "required", "constraint", "constraintMessage", "calculate",
        "default", "prefill", "choices", "choiceFilter", "min", "max", "minItems", "maxItems", "fields",
    ]
    static let materialKeys: Set<String> = [
        "id", "name", "reason", "appliesWhen", "presentation", "copies", "format", "issuer", "core", "deferrable",
        "commitment",
    ]

    mutating func form(_ root: Node) -> FormDefinition? {
        guard let entries = entries(root, "", allowed: Self.formKeys,
            required: ["id", "version", "title", "department", "timeLimitDays", "declaration", "applicant", "steps"])
        else { return nil }
        let id = identifier(entries["id"], "id")
        let version = integer(entries["version"], "version", minimum: 1)
        let title = text(entries["title"], "title")
        let help = entries["help"].flatMap { text($0, "help") }
        let department = text(entries["department"], "department")
        let departmentID = entries["departmentId"].flatMap { identifier($0, "departmentId") }
        let timeLimit = integer(entries["timeLimitDays"], "timeLimitDays", minimum: 0)
        let afterReturn = entries["afterReturn"].map {
            enumeration($0, "afterReturn", TimeLimitAfterReturn.self, allowed: TimeLimitAfterReturn.allCases.map(\.rawValue))
        } ?? .restart
        let declaration = text(entries["declaration"], "declaration")
        let applicant = entries["applicant"].flatMap { readApplicant($0) }
        var steps = entries["steps"].map { readSteps($0, "steps", subFiling: nil) } ?? []
        var materials = entries["materials"].map { readMaterials($0, "materials", subFiling: nil) } ?? []
        var subFilings: [SubFiling] = []
        let bundleNodes: [Node] = entries["bundle"].map { sequence($0, "bundle") } ?? []
        for (index, node) in bundleNodes.enumerated() {
            guard let sub = self.entries(node, "bundle[\(index)]", allowed: Self.subFilingKeys,
                required: ["id", "title", "department", "timeLimitDays"])
            else { continue }
            let path = "bundle[\(sub["id"]?.string ?? String(index))]"
            guard let subID = identifier(sub["id"], path + ".id"),
                let subTitle = text(sub["title"], path + ".title"),
                let subDepartment = text(sub["department"], path + ".department"),
                let subLimit = integer(sub["timeLimitDays"], path + ".timeLimitDays", minimum: 0)
            else { continue }
            subFilings.append(SubFiling(
                id: subID, title: subTitle, department: subDepartment,
                departmentID: sub["departmentId"].flatMap { identifier($0, path + ".departmentId") }, timeLimitDays: subLimit,
                relevant: test(sub["relevant"], path + ".relevant"), line: sub.line))
            steps += sub["steps"].map { self.readSteps($0, path + ".steps", subFiling: subID) } ?? []
            materials += sub["materials"].map { self.readMaterials($0, path + ".materials", subFiling: subID) } ?? []
        }
        checkUnique(subFilings.map { ($0.id, $0.line) }, "bundle", kind: "sub-filing")
        checkUnique(steps.map { ($0.id, $0.line) }, "steps", kind: "step")
        checkUnique(steps.flatMap(\.fields).map { ($0.id, $0.line) }, "fields", kind: "field")
        checkUnique(materials.map { ($0.id, $0.line) }, "materials", kind: "material")
        if case .sequence(let stepNodes)? = entries["steps"], stepNodes.isEmpty, subFilings.isEmpty {
            report(entries.values["steps"]?.keyLine ?? entries.line, "steps", "noSteps",
                zh: "表单至少需要一个步骤", en: "A form needs at least one step.")
        }
        guard let id, let version, let title, let department, let timeLimit, let afterReturn, let declaration, let applicant
        else { return nil }
        return FormDefinition(
            id: id, version: version, title: title, help: help, department: department, departmentID: departmentID,
            timeLimitDays: timeLimit, afterReturn: afterReturn, declaration: declaration, applicant: applicant, steps: steps, materials: materials, subFilings: subFilings,
            file: file, idLine: entries.values["id"]?.keyLine ?? entries.line)
    }

    /// `applicant: {name: <field>, idNumber: <field>}`, or `identifier: {field, label}` in place of
    /// `idNumber`. Whether the fields exist and have the right types is the validator's check.
    private mutating func readApplicant(_ node: Node) -> ApplicantDeclaration? {
        let path = "applicant"
        guard let entries = entries(node, path, allowed: ["name", "idNumber", "identifier"], required: ["name"]) else {
            return nil
        }
        let name = string(entries["name"], path + ".name")
        let identity: ApplicantDeclaration.Identity?
        switch (entries["idNumber"], entries["identifier"]) {
        case (let field?, nil):
            identity = string(field, path + ".idNumber").map { .idNumber(field: $0) }
        case (nil, let identifier?):
            if let parts = self.entries(identifier, path + ".identifier", allowed: ["field", "label"], required: ["field", "label"]),
                let field = string(parts["field"], path + ".identifier.field"),
                let label = text(parts["label"], path + ".identifier.label")
            {
                identity = .other(field: field, label: label)
            } else {
                identity = nil
            }
        default:
            report(entries.line, path, "applicantIdentity",
                zh: "applicant 须有 idNumber（身份证号码字段）或 identifier（其他标识及其名称）之一",
                en: "applicant needs exactly one of idNumber (an ID number field) or identifier (another field and its label).")
            identity = nil
        }
        guard let name, let identity else { return nil }
        return ApplicantDeclaration(
            nameField: name, identity: identity, nameLine: entries.values["name"]?.keyLine ?? entries.line,
            identityLine: (entries.values["idNumber"] ?? entries.values["identifier"])?.keyLine ?? entries.line)
    }

    mutating func readSteps(_ node: Node, _ path: String, subFiling: String?) -> [FormStep] {
        sequence(node, path).enumerated().compactMap { index, stepNode in
            step(stepNode, path, index: index, subFiling: subFiling)
        }
    }

    private mutating func step(_ stepNode: Node, _ path: String, index: Int, subFiling: String?) -> FormStep? {
            let stepPath = "\(path)[\(stepNode["id"]?.string ?? String(index))]"
            guard let entries = entries(stepNode, stepPath, allowed: Self.stepKeys, required: ["id", "title", "fields"])
            else { return nil }
            let id = identifier(entries["id"], stepPath + ".id")
            let title = text(entries["title"], stepPath + ".title")
            let help = entries["help"].flatMap { text($0, stepPath + ".help") }
            let relevant = test(entries["relevant"], stepPath + ".relevant")
            let fields = entries["fields"].map { readFields($0, stepPath + ".fields") } ?? []
            guard let id, let title else { return nil }
            return FormStep(id: id, title: title, help: help, relevant: relevant, fields: fields, subFilingID: subFiling,
                line: entries.line)
    }

    mutating func readFields(_ node: Node, _ path: String) -> [FormField] {
        let fields: [FormField] = sequence(node, path).enumerated().compactMap { index, fieldNode in
            field(fieldNode, "\(path)[\(index)]", fallbackPath: path)
        }
        return fields
    }

    private mutating func field(_ node: Node, _ indexPath: String, fallbackPath: String) -> FormField? {
        let path = node["id"]?.string.map { "\(fallbackPath)[\($0)]" } ?? indexPath
        guard let entries = entries(node, path, allowed: Self.fieldKeys, required: ["id", "type", "label"]) else {
            return nil
        }
        let id = identifier(entries["id"], path + ".id")
        let type = enumeration(entries["type"], path + ".type", FieldType.self,
            allowed: FieldType.allCases.map(\.rawValue))
        let label = text(entries["label"], path + ".label")
        let help = entries["help"].flatMap { text($0, path + ".help") }
        let relevant = test(entries["relevant"], path + ".relevant")
        let required = requirement(entries["required"], path + ".required")
        let constraint = test(entries["constraint"], path + ".constraint")
        let constraintMessage = entries["constraintMessage"].flatMap { text($0, path + ".constraintMessage") }
        if constraint != nil, constraintMessage == nil {
            report(entries.values["constraint"]?.keyLine ?? entries.line, path + ".constraint", "missingConstraintMessage",
                zh: "约束条件需要 constraintMessage", en: "A constraint needs a constraintMessage.")
        }
        let calculate = condition(entries["calculate"], path + ".calculate")
        let defaultValue = entries["default"].map { json($0, path + ".default") }
        let prefill = entries["prefill"].flatMap { readPrefill($0, path + ".prefill") }
        let choiceFilter = test(entries["choiceFilter"], path + ".choiceFilter")
        let choices = entries["choices"].map { readChoices($0, path + ".choices") } ?? []
        let minimum = number(entries["min"], path + ".min")
        let maximum = number(entries["max"], path + ".max")
        let minItems = integer(entries["minItems"], path + ".minItems", minimum: 0)
        let maxItems = integer(entries["maxItems"], path + ".maxItems", minimum: 1)
        let subfields = entries["fields"].map { readFields($0, path + ".fields") } ?? []
        guard let id, let type, let label else { return nil }

        let typeSpecificKeys: [(String, Set<FieldType>)] = [
            ("choices", [.singleChoice, .multipleChoice]), ("choiceFilter", [.singleChoice, .multipleChoice]),
            ("min", [.number, .money]), ("max", [.number, .money]),
            ("minItems", [.repeatGroup]), ("maxItems", [.repeatGroup]), ("fields", [.repeatGroup]),
        ]
        for (key, types) in typeSpecificKeys {
            if let keyLine = entries.values[key]?.keyLine, !types.contains(type) {
                report(keyLine, path + "." + key, "keyNotForType",
                    zh: "\(type.rawValue) 类型的字段不能有 \(key)", en: "A \(type.rawValue) field cannot have \(key).")
            }
        }
        if [.singleChoice, .multipleChoice].contains(type), choices.isEmpty {
            report(entries.line, path + ".choices", "missingChoices", zh: "选择题需要 choices", en: "A choice field needs choices.")
        }
        if type == .repeatGroup, subfields.isEmpty {
            report(entries.line, path + ".fields", "missingFields", zh: "重复组需要 fields", en: "A repeat group needs fields.")
        }
        if let minItems, let maxItems, minItems > maxItems {
            report(entries.values["maxItems"]?.keyLine ?? entries.line, path + ".maxItems", "invalidBounds",
                zh: "maxItems 小于 minItems", en: "maxItems is less than minItems.")
        }
        if let minimum, let maximum, minimum > maximum {
            report(entries.values["max"]?.keyLine ?? entries.line, path + ".max", "invalidBounds",
                zh: "max 小于 min", en: "max is less than min.")
        }
        checkUnique(subfields.map { ($0.id, $0.line) }, path + ".fields", kind: "field")
        return FormField(
            id: id, type: type, label: label, help: help, relevant: relevant,
            required: type == .declaration ? .always : (required ?? .optional),
            constraint: constraint, constraintMessage: constraintMessage, calculate: calculate, defaultValue: defaultValue,
            prefill: prefill, choices: choices, choiceFilter: choiceFilter, minimum: minimum, maximum: maximum,
            minItems: minItems, maxItems: maxItems, fields: subfields, line: entries.line)
    }

    private mutating func requirement(_ node: Node?, _ path: String) -> Requirement? {
        guard let node else { return nil }
        if case .scalar(let scalar) = node, scalar.style == .plain, case .bool(let value) = Self.plainScalar(scalar.string) {
            return value ? .always : .optional
        }
        return test(node, path).map(Requirement.when)
    }

    private mutating func readPrefill(_ node: Node, _ path: String) -> Prefill? {
        guard let source = string(node, path) else { return nil }
        let parts = source.split(separator: ".", maxSplits: 1).map(String.init)
        if parts.count == 2, parts[0] == "idcard", let attribute = IDCardAttribute(rawValue: parts[1]) {
            return .idCard(attribute)
        }
        if parts.count == 2, parts[0] == "bundle" { return .bundle(parts[1]) }
        report(Self.line(node), path, "unknownPrefill",
            zh: "未知的预填来源 \(source.prefix(40))，可用 idcard.<属性> 或 bundle.<字段>",
            en: "Unknown prefill source \(source.prefix(40)); use idcard.<attribute> or bundle.<field>.")
        return nil
    }

    private mutating func readChoices(_ node: Node, _ path: String) -> [Choice] {
        let choices: [(Choice, Int)] = sequence(node, path).enumerated().compactMap { index, choiceNode -> (Choice, Int)? in
            guard let entries = entries(choiceNode, "\(path)[\(index)]", allowed: ["value", "label", "group"],
                required: ["value", "label"])
            else { return nil }
            let choicePath = "\(path)[\(entries["value"]?.string ?? String(index))]"
            guard let value = string(entries["value"], choicePath + ".value"),
                let label = text(entries["label"], choicePath + ".label")
            else { return nil }
            let group = entries["group"].flatMap { string($0, choicePath + ".group") }
            return (Choice(value: value, label: label, group: group), entries.line)
        }
        checkUnique(choices.map { ($0.0.value, $0.1) }, path, kind: "choice")
        return choices.map(\.0)
    }

    mutating func readMaterials(_ node: Node, _ path: String, subFiling: String?) -> [Material] {
        sequence(node, path).enumerated().compactMap { index, materialNode in
            material(materialNode, path, index: index, subFiling: subFiling)
        }
    }

    private mutating func material(_ materialNode: Node, _ path: String, index: Int, subFiling: String?) -> Material? {
            let materialPath = "\(path)[\(materialNode["id"]?.string ?? String(index))]"
            guard let entries = entries(materialNode, materialPath, allowed: Self.materialKeys,
                required: ["id", "name", "issuer"])
            else { return nil }
            let id = identifier(entries["id"], materialPath + ".id")
            let name = text(entries["name"], materialPath + ".name")
            let reason = entries["reason"].flatMap { text($0, materialPath + ".reason") }
            let appliesWhen = test(entries["appliesWhen"], materialPath + ".appliesWhen")
            let presentation = entries["presentation"].map {
                enumeration($0, materialPath + ".presentation", Material.Presentation.self,
                    allowed: Material.Presentation.allCases.map(\.rawValue))
            } ?? .original
            let copies = entries["copies"].map { integer($0, materialPath + ".copies", minimum: 1) } ?? 1
            let format = entries["format"].map {
                enumeration($0, materialPath + ".format", Material.Format.self, allowed: Material.Format.allCases.map(\.rawValue))
            } ?? .paperOrElectronic
            let issuer = text(entries["issuer"], materialPath + ".issuer")
            let core = entries["core"].map { bool($0, materialPath + ".core") } ?? true
            let deferral = entries["deferrable"].flatMap { readDeferral($0, materialPath + ".deferrable") }
            let commitment = entries["commitment"].flatMap { readCommitment($0, materialPath + ".commitment") }
            if let keyLine = entries.values["deferrable"]?.keyLine, core == true {
                report(keyLine, materialPath + ".deferrable", "coreDeferrable",
                    zh: "核心材料不能容缺；如果该材料可以后补，请为它加上 core: false",
                    en: "A core material cannot be deferred (容缺 applies to non-core materials only); "
                        + "if it may be supplied later, add core: false to this material.")
            }
            guard let id, let name, let presentation, let copies, let format, let issuer, let core else { return nil }
            return Material(
                id: id, name: name, reason: reason, appliesWhen: appliesWhen, presentation: presentation, copies: copies,
                format: format, issuer: issuer, core: core, deferral: deferral, commitment: commitment,
                subFilingID: subFiling, line: entries.line)
    }

    private mutating func readDeferral(_ node: Node, _ path: String) -> Material.Deferral? {
        guard let entries = entries(node, path, allowed: ["maxDays", "days", "consequence", "whenMissed"],
            required: ["maxDays", "days", "consequence"])
        else { return nil }
        let maxDays = integer(entries["maxDays"], path + ".maxDays", minimum: 1)
        let days = enumeration(entries["days"], path + ".days", DayCounting.self, allowed: DayCounting.allCases.map(\.rawValue))
        let consequence = text(entries["consequence"], path + ".consequence")
        let whenMissed = entries["whenMissed"].map {
            enumeration($0, path + ".whenMissed", MissedDeferral.self, allowed: MissedDeferral.allCases.map(\.rawValue))
        } ?? .notifyDepartment
        guard let maxDays, let days, let consequence, let whenMissed else { return nil }
        return Material.Deferral(maxDays: maxDays, days: days, consequence: consequence, whenMissed: whenMissed)
    }

    private mutating func readCommitment(_ node: Node, _ path: String) -> Material.CommitmentTerms? {
        guard let entries = entries(node, path, allowed: ["statement", "verification"],
            required: ["statement", "verification"]),
            let statement = text(entries["statement"], path + ".statement"),
            let verification = text(entries["verification"], path + ".verification")
        else { return nil }
        return Material.CommitmentTerms(statement: statement, verification: verification)
    }
}
