import Booking
import Foundation
import JSONLogic
import KioskCore
import Yams

/// What loading one policy file gave: the policy when it is sound, its problems (which refuse
/// it) and its warnings (which do not: an expired policy is kept out of matches by its dates).
public struct PolicyLoadResult: Sendable {
    public let policy: Policy?
    public let problems: [FormProblem]
    public let warnings: [FormProblem]
}

/// Reads `Forms/policies/*.yaml` with the form loader's reader, so each problem names its line.
public enum PolicyLoader {
    static let keys: Set<String> = [
        "id", "example", "title", "department", "source", "validFrom", "validUntil", "qualifies", "condition",
        "benefits", "materials", "whereToApply",
    ]

    public static func load(contentsOf path: String, today: LocalDate) -> PolicyLoadResult {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            return PolicyLoadResult(policy: nil, problems: [FormProblem(file: path, line: 1, path: "", code: "unreadableFile",
                message: .init(zh: "无法读取文件（须为 UTF-8 文本）", en: "The file cannot be read as UTF-8 text."))], warnings: [])
        }
        return load(yaml: text, file: path, today: today)
    }

    public static func load(yaml: String, file: String, today: LocalDate) -> PolicyLoadResult {
        let root: Node
        do {
            guard let composed = try Yams.compose(yaml: yaml, .basic) else {
                return PolicyLoadResult(policy: nil, problems: [FormProblem(file: file, line: 1, path: "", code: "emptyFile",
                    message: .init(zh: "文件为空", en: "The file is empty."))], warnings: [])
            }
            root = composed
        } catch {
            // The form loader's reading of libyaml's errors (line and problem) applies as is.
            return PolicyLoadResult(policy: nil, problems: FormLoader.load(yaml: yaml, file: file).problems, warnings: [])
        }
        var reader = FormReader(file: file)
        var warnings: [FormProblem] = []
        let policy = reader.policy(root, today: today, warnings: &warnings)
        return PolicyLoadResult(policy: reader.problems.isEmpty ? policy : nil, problems: reader.problems, warnings: warnings)
    }
}

extension FormReader {
    mutating func policy(_ root: Node, today: LocalDate, warnings: inout [FormProblem]) -> Policy? {
        guard let entries = entries(root, "", allowed: PolicyLoader.keys, required: [
            "id", "title", "department", "source", "validFrom", "qualifies", "condition", "benefits", "materials", "whereToApply",
        ]) else { return nil }
        let id = identifier(entries["id"], "id")
        let example = bool(entries["example"], "example") ?? false
        let title = text(entries["title"], "title")
        let department = text(entries["department"], "department")
        let qualifies = text(entries["qualifies"], "qualifies")
        let whereToApply = text(entries["whereToApply"], "whereToApply")
        let validFrom = date(entries["validFrom"], "validFrom")
        let validUntil = date(entries["validUntil"], "validUntil")
        if let validFrom, let validUntil, validUntil < validFrom, let node = entries["validUntil"] {
            report(Self.line(node), "validUntil", "validUntilBeforeValidFrom",
                zh: "失效日期早于生效日期", en: "validUntil is before validFrom.")
        }
        if let validUntil, validUntil < today, let node = entries["validUntil"] {
            warnings.append(FormProblem(file: file, line: Self.line(node), path: "validUntil", code: "policyExpired", message: .init(
                zh: "政策已于 \(validUntil) 失效，不会再匹配，请更新或删除", en: "The policy expired on \(validUntil); it matches no one. Update or remove it.")))
        }
        var source: Policy.Source?
        if let node = entries["source"], let fields = self.entries(node, "source", allowed: ["number", "date", "url"], required: ["number", "date"]) {
            let number = string(fields["number"], "source.number")
            let date = date(fields["date"], "source.date")
            let url = string(fields["url"], "source.url")
            if let number, let date { source = Policy.Source(number: number, date: date.description, url: url) }
        }
        let benefits = texts(entries["benefits"], "benefits")
        let materials = texts(entries["materials"], "materials")
        let condition = profileCondition(entries["condition"], "condition")
        guard let id, let title, let department, let qualifies, let whereToApply, let validFrom, let source, let condition,
              let benefits, let materials else { return nil }
        return Policy(
            id: id, example: example, title: title, department: department, source: source, validFrom: validFrom.description,
            validUntil: validUntil?.description, qualifies: qualifies, condition: condition, benefits: benefits,
            materials: materials, whereToApply: whereToApply, file: file, line: entries.line)
    }

    mutating func date(_ node: Node?, _ path: String) -> LocalDate? {
        guard let node, let text = string(node, path) else { return nil }
        guard text.count == 10, let date = try? LocalDate(text) else {
            report(Self.line(node), path, "invalidDate", zh: "日期应为 YYYY-MM-DD", en: "Expected a date as YYYY-MM-DD.")
            return nil
        }
        return date
    }

    /// A non-empty list of bilingual texts.
    mutating func texts(_ node: Node?, _ path: String) -> [LocalizedText]? {
        guard let node else { return nil }
        let items = sequence(node, path)
        if items.isEmpty, case .sequence = node {
            report(Self.line(node), path, "emptyList", zh: "列表不能为空", en: "The list cannot be empty.")
            return nil
        }
        let texts = items.enumerated().map { text($0.element, "\(path)[\($0.offset)]") }
        return texts.contains { $0 == nil } ? nil : texts.compactMap { $0 }
    }

    /// A condition over an enterprise profile: it may read only the profile's variables, and
    /// it must hold for some enterprise.
    mutating func profileCondition(_ node: Node?, _ path: String) -> Condition? {
        guard let node, let condition = condition(node, path) else { return nil }
        let unknown = condition.rule.referencedVariables.subtracting(EnterpriseProfile.variables)
        guard unknown.isEmpty else {
            let names = unknown.sorted().joined(separator: ", ")
            report(condition.line, path, "unknownProfileVariable",
                zh: "条件引用了企业画像中没有的变量：\(names)（可用：\(EnterpriseProfile.variables.sorted().joined(separator: "、"))）",
                en: "The condition reads \(names), which an enterprise profile does not have (use \(EnterpriseProfile.variables.sorted().joined(separator: ", "))).")
            return nil
        }
        let topics = Set(EnterpriseProfile.topics.map(\.value))
        let unknownTopics = PolicySatisfiability.testedTags(condition.source).subtracting(topics)
        guard unknownTopics.isEmpty else {
            report(condition.line, path, "unknownTopic",
                zh: "条件测试了终端上无法选择的关注事项：\(unknownTopics.sorted().joined(separator: "、"))（可用：\(topics.sorted().joined(separator: "、"))）",
                en: "The condition tests topics no one can choose at the terminal: \(unknownTopics.sorted().joined(separator: ", ")) (use \(topics.sorted().joined(separator: ", "))).")
            return nil
        }
        guard PolicySatisfiability.canHold(condition) else {
            report(condition.line, path, "conditionNeverHolds",
                zh: "该条件对任何企业都不成立（已检查全部企业类型、行业门类、规模以及条件中出现的每个取值）",
                en: "The condition holds for no enterprise (checked over every legal form, industry section and size, and every value it names).")
            return nil
        }
        return condition
    }
}

/// Whether a policy's condition holds for at least one enterprise. The profiles tried are every
/// legal form, industry section and size class, and for the open variables the values the
/// condition itself names (each number, one either side of it, 0 and 100; each text and one
/// other; every set of the tags it names): a comparison with a value the condition does not
/// name behaves like one of these, so a condition false for all of them can never hold. Only
/// the variables the condition reads are varied.
enum PolicySatisfiability {
    static func canHold(_ condition: Condition) -> Bool {
        let read = condition.rule.referencedVariables
        var numbers: Set<Double> = [0, 100]
        var strings: Set<String> = []
        collect(condition.source, &numbers, &strings)
        for number in Array(numbers) { numbers.formUnion([number - 1, number + 1]) }
        // Tags and districts are open texts: those the condition names besides the closed values.
        let closed = Set(LegalForm.allCases.map(\.rawValue) + EnterpriseSize.allCases.map(\.rawValue) + IndustrySection.all.map(\.code))
        let open = strings.subtracting(closed).sorted()
        let tagNames = Array(open.prefix(8))
        let domains: [(String, [JSON])] = [
            ("legalForm", LegalForm.allCases.map { .string($0.rawValue) }),
            ("industry", IndustrySection.all.map { .string($0.code) }),
            ("size", EnterpriseSize.allCases.map { .string($0.rawValue) }),
            ("yearsSinceFounding", numbers.filter { $0 >= 0 }.sorted().map(JSON.number)),
            ("district", (open + ["-"]).map(JSON.string)),
            ("tags", (0..<(1 << tagNames.count)).map { mask in
                .array(tagNames.enumerated().filter { mask & (1 << $0.offset) != 0 }.map { .string($0.element) })
            }),
        ].map { name, values in (name, read.contains(name) ? values : [values[0]]) }
        let context = EvaluationContext()
        var profile: [String: JSON] = [:]
        func search(_ index: Int) -> Bool {
            guard index < domains.count else { return condition.holds(.object(profile), context) }
            for value in domains[index].1 {
                profile[domains[index].0] = value
                if search(index + 1) { return true }
            }
            return false
        }
        return search(0)
    }

    /// The tags a condition looks for with `{"in": ["tag", {"var": "tags"}]}`.
    static func testedTags(_ json: JSON) -> Set<String> {
        switch json {
        case .array(let items): return items.reduce(into: []) { $0.formUnion(testedTags($1)) }
        case .object(let members):
            var found: Set<String> = members.values.reduce(into: []) { $0.formUnion(testedTags($1)) }
            if case .array(let arguments)? = members["in"], arguments.count == 2, case .string(let tag) = arguments[0],
               arguments[1] == .object(["var": .string("tags")]) {
                found.insert(tag)
            }
            return found
        default: return []
        }
    }

    private static func collect(_ json: JSON, _ numbers: inout Set<Double>, _ strings: inout Set<String>) {
        switch json {
        case .number(let value): numbers.insert(value)
        case .string(let text): strings.insert(text)
        case .array(let items): for item in items { collect(item, &numbers, &strings) }
        case .object(let members):
            // `{"var": "size"}` names a variable, not a value.
            for (key, value) in members where key != "var" { collect(value, &numbers, &strings) }
        default: break
        }
    }
}
