import Booking
import Foundation
import JSONLogic
import KioskCore

/// A policy fact sheet (惠企政策"明白纸"), `Forms/policies/<id>.yaml`: what an enterprise may
/// get, who qualifies (a condition over an `EnterpriseProfile`), and how to apply.
public struct Policy: Sendable {
    public struct Source: Sendable, Hashable, Codable {
        /// The document's number (文号), e.g. 京朝政办发〔2025〕8号.
        public let number: String
        /// Its date, `YYYY-MM-DD`.
        public let date: String
        public let url: String?
    }

    public let id: String
    /// Shipped as an example for the hall to replace: printed and shown as such.
    public let example: Bool
    public let title: LocalizedText
    public let department: LocalizedText
    public let source: Source
    public let validFrom: String
    /// Nil: valid until repealed.
    public let validUntil: String?
    /// Who qualifies, in words, as the sheet prints it.
    public let qualifies: LocalizedText
    public let condition: Condition
    public let benefits: [LocalizedText]
    public let materials: [LocalizedText]
    public let whereToApply: LocalizedText
    public let file: String
    public let line: Int

    /// Whether it is in force on `day`.
    public func isValid(on day: LocalDate) -> Bool {
        let today = day.description
        return validFrom <= today && validUntil.map { today <= $0 } ?? true
    }

    /// What the QR code on the sheet carries: the source document, to look it up.
    public var sourceReference: String { source.url ?? "\(source.number) \(source.date)" }
}

/// The legal forms of an enterprise a policy may name (`legalForm`).
public enum LegalForm: String, Sendable, CaseIterable, Codable {
    case limitedCompany, jointStockCompany, partnership, soleProprietorship, individualBusiness, farmersCooperative

    public var label: LocalizedText {
        switch self {
        case .limitedCompany: .init(zh: "有限责任公司", en: "Limited liability company")
        case .jointStockCompany: .init(zh: "股份有限公司", en: "Joint-stock company")
        case .partnership: .init(zh: "合伙企业", en: "Partnership")
        case .soleProprietorship: .init(zh: "个人独资企业", en: "Sole proprietorship")
        case .individualBusiness: .init(zh: "个体工商户", en: "Individual business")
        case .farmersCooperative: .init(zh: "农民专业合作社", en: "Farmers' cooperative")
        }
    }
}

/// Size classes of the statistical standard for enterprises (大中小微型企业划分办法).
public enum EnterpriseSize: String, Sendable, CaseIterable, Codable {
    case micro, small, medium, large

    public var label: LocalizedText {
        switch self {
        case .micro: .init(zh: "微型", en: "Micro")
        case .small: .init(zh: "小型", en: "Small")
        case .medium: .init(zh: "中型", en: "Medium")
        case .large: .init(zh: "大型", en: "Large")
        }
    }
}

/// The sections (门类) of GB/T 4754-2017, the national industry classification.
public enum IndustrySection {
    public static let all: [(code: String, label: LocalizedText)] = [
        ("A", .init(zh: "农、林、牧、渔业", en: "Agriculture, forestry, animal husbandry and fishery")),
        ("B", .init(zh: "采矿业", en: "Mining")),
        ("C", .init(zh: "制造业", en: "Manufacturing")),
        ("D", .init(zh: "电力、热力、燃气及水生产和供应业", en: "Electricity, heat, gas and water")),
        ("E", .init(zh: "建筑业", en: "Construction")),
        ("F", .init(zh: "批发和零售业", en: "Wholesale and retail")),
        ("G", .init(zh: "交通运输、仓储和邮政业", en: "Transport, storage and post")),
        ("H", .init(zh: "住宿和餐饮业", en: "Accommodation and catering")),
        ("I", .init(zh: "信息传输、软件和信息技术服务业", en: "Information transmission, software and IT services")),
        ("J", .init(zh: "金融业", en: "Finance")),
        ("K", .init(zh: "房地产业", en: "Real estate")),
        ("L", .init(zh: "租赁和商务服务业", en: "Leasing and business services")),
        ("M", .init(zh: "科学研究和技术服务业", en: "Scientific research and technical services")),
        ("N", .init(zh: "水利、环境和公共设施管理业", en: "Water, environment and public facilities")),
        ("O", .init(zh: "居民服务、修理和其他服务业", en: "Residential, repair and other services")),
        ("P", .init(zh: "教育", en: "Education")),
        ("Q", .init(zh: "卫生和社会工作", en: "Health and social work")),
        ("R", .init(zh: "文化、体育和娱乐业", en: "Culture, sports and entertainment")),
        ("S", .init(zh: "公共管理、社会保障和社会组织", en: "Public administration and social organisations")),
        ("T", .init(zh: "国际组织", en: "International organisations")),
    ]

    public static func label(_ code: String) -> LocalizedText? { all.first { $0.code == code }?.label }
}

/// What a policy's condition is evaluated over: the enterprise's legal form, industry section,
/// size class, age, district and the topics it is interested in. Nothing about a person.
public struct EnterpriseProfile: Sendable, Hashable {
    public static let variables: Set<String> = ["legalForm", "industry", "size", "yearsSinceFounding", "district", "tags"]
    /// The topics an enterprise may say it is interested in (`tags`): the values conditions test.
    public static let topics: [(value: String, label: LocalizedText)] = [
        ("hiring", .init(zh: "招聘用工", en: "Hiring")),
        ("research", .init(zh: "研发创新", en: "Research and development")),
        ("export", .init(zh: "出口外贸", en: "Export")),
    ]

    public var legalForm: LegalForm
    public var industry: String
    public var size: EnterpriseSize
    public var yearsSinceFounding: Int
    public var district: String
    public var tags: [String]

    public init(legalForm: LegalForm, industry: String, size: EnterpriseSize, yearsSinceFounding: Int, district: String, tags: [String]) {
        self.legalForm = legalForm
        self.industry = industry
        self.size = size
        self.yearsSinceFounding = yearsSinceFounding
        self.district = district
        self.tags = tags
    }

    /// Whole years from `founded` to `today` (0 in the first year).
    public static func years(from founded: LocalDate, to today: LocalDate) -> Int {
        var years = today.year - founded.year
        if (today.month, today.day) < (founded.month, founded.day) { years -= 1 }
        return max(years, 0)
    }

    public var data: JSON {
        .object([
            "legalForm": .string(legalForm.rawValue), "industry": .string(industry), "size": .string(size.rawValue),
            "yearsSinceFounding": .number(Double(yearsSinceFounding)), "district": .string(district),
            "tags": .array(tags.map(JSON.string)),
        ])
    }

    static func topic(_ value: String) -> LocalizedText {
        topics.first { $0.value == value }?.label ?? LocalizedText(zh: value, en: value)
    }

    /// The profile's answer to `variable`, in words: why a policy matched.
    func describe(_ variable: String) -> LocalizedText? {
        switch variable {
        case "legalForm": .init(zh: "企业类型：" + legalForm.label.zh, en: "Legal form: " + legalForm.label.en)
        case "industry":
            IndustrySection.label(industry).map { .init(zh: "行业门类：\(industry) \($0.zh)", en: "Industry: \(industry) \($0.en)") }
        case "size": .init(zh: "企业规模：" + size.label.zh, en: "Size: " + size.label.en)
        case "yearsSinceFounding": .init(zh: "成立年限：\(yearsSinceFounding) 年", en: "Years since founding: \(yearsSinceFounding)")
        case "district": .init(zh: "所在区域：\(district)", en: "District: \(district)")
        case "tags":
            tags.isEmpty ? nil : .init(zh: "关注事项：" + tags.map { Self.topic($0).zh }.joined(separator: "、"),
                                       en: "Interests: " + tags.map { Self.topic($0).en }.joined(separator: ", "))
        default: nil
        }
    }
}

/// A policy that holds for a profile, and why.
public struct PolicyMatch: Sendable {
    public let policy: Policy
    /// The profile's facts the condition looked at.
    public let reasons: [LocalizedText]
}

/// The valid policies of `Forms/policies/`, the problems of the others, and the warnings
/// (a policy that has expired) that do not refuse one.
public struct PolicyCatalog: Sendable {
    public let policies: [String: Policy]
    public let problems: [FormProblem]
    public let warnings: [FormProblem]

    public init(policies: [String: Policy] = [:], problems: [FormProblem] = [], warnings: [FormProblem] = []) {
        self.policies = policies
        self.problems = problems
        self.warnings = warnings
    }

    /// The policies of `directory` (every `*.yaml`), checked as of `today`. A directory that
    /// does not exist is an empty catalog: a hall may offer no policies.
    public static func load(_ directory: String, today: LocalDate) -> PolicyCatalog {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) else { return PolicyCatalog() }
        let files = isDirectory.boolValue
            ? ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
                .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
                .map { (directory as NSString).appendingPathComponent($0) }
            : [directory]
        var policies: [String: Policy] = [:]
        var problems: [FormProblem] = []
        var warnings: [FormProblem] = []
        for file in files {
            let result = PolicyLoader.load(contentsOf: file, today: today)
            problems += result.problems
            warnings += result.warnings
            guard let policy = result.policy else { continue }
            if let existing = policies[policy.id] {
                problems.append(FormProblem(file: file, line: 1, path: "id", code: "duplicatePolicyID", message: .init(
                    zh: "政策标识 \(policy.id) 已在 \(existing.file) 中使用", en: "The policy id \(policy.id) is already used by \(existing.file).")))
            } else {
                policies[policy.id] = policy
            }
        }
        let order: (FormProblem, FormProblem) -> Bool = { ($0.file, $0.line) < ($1.file, $1.line) }
        return PolicyCatalog(policies: policies, problems: problems.sorted(by: order), warnings: warnings.sorted(by: order))
    }

    /// The policies in force on `day` whose condition holds for `profile`, newest source first.
    public func matches(for profile: EnterpriseProfile, on day: LocalDate, context: EvaluationContext) -> [PolicyMatch] {
        let data = profile.data
        return policies.values
            .filter { $0.isValid(on: day) && $0.condition.holds(data, context) }
            .sorted { ($0.source.date, $1.id) > ($1.source.date, $0.id) }
            .map { policy in
                PolicyMatch(policy: policy, reasons: EnterpriseProfile.variables.intersection(policy.condition.rule.referencedVariables)
                    .sorted().compactMap(profile.describe))
            }
    }
}

extension Condition {
    func holds(_ data: JSON, _ context: EvaluationContext) -> Bool {
        if case .success(let value) = rule.evaluate(data: data, context: context) { return value.isTruthy }
        return false
    }
}
