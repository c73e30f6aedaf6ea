import Booking
import Foundation
import FormEngine
import JSONLogic
import KioskCore
import Testing

@Suite("Policy fact sheets: loading, checks and matching")
struct PolicyTests {
    static let directory = Fixtures.formsDirectory + "/policies"
    static let today = try! LocalDate("2026-03-02")

    static func load(_ yaml: String, today: LocalDate = today) -> PolicyLoadResult {
        PolicyLoader.load(yaml: yaml, file: "policies/test.yaml", today: today)
    }

    static let valid = """
        id: test-policy
        title: {zh-CN: 测试政策, en: Test policy}
        department: {zh-CN: 区商务局, en: Commerce bureau}
        source: {number: 示例〔2025〕1号, date: 2025-01-01}
        validFrom: 2025-01-01
        validUntil: 2027-01-01
        qualifies: {zh-CN: 小微企业, en: Small businesses}
        condition: {in: [{var: size}, [micro, small]]}
        benefits:
          - {zh-CN: 补贴, en: A grant}
        materials:
          - {zh-CN: 营业执照, en: Business licence}
        whereToApply: {zh-CN: 综合窗口, en: General window}
        """

    @Test func theShippedExamplesAreValidAndMarkedAsExamples() {
        let catalog = PolicyCatalog.load(Self.directory, today: Self.today)
        #expect(catalog.problems.map(\.description) == [])
        #expect(catalog.warnings.map(\.description) == [])
        #expect(catalog.policies.count >= 6)
        #expect(catalog.policies.values.allSatisfy { $0.example })
        // Different enterprise kinds: every legal form is served by some example.
        let context = Fixtures.context
        for form in LegalForm.allCases {
            let profile = EnterpriseProfile(legalForm: form, industry: "A", size: .micro, yearsSinceFounding: 0, district: "示例区", tags: [])
            #expect(!catalog.matches(for: profile, on: Self.today, context: context).isEmpty, "\(form)")
        }
    }

    @Test func aValidPolicyLoads() throws {
        let result = Self.load(Self.valid)
        #expect(result.problems == [])
        let policy = try #require(result.policy)
        #expect(policy.validUntil == "2027-01-01")
        #expect(policy.example == false)
        #expect(policy.sourceReference == "示例〔2025〕1号 2025-01-01")
    }

    @Test(arguments: [
        // A condition no enterprise meets: a size that does not exist, and an impossible age.
        ("condition: {in: [{var: size}, [micro, small]]}", "condition: {==: [{var: size}, tiny]}", 8, "conditionNeverHolds"),
        ("condition: {in: [{var: size}, [micro, small]]}",
         "condition: {and: [{<: [{var: yearsSinceFounding}, 2]}, {'>': [{var: yearsSinceFounding}, 5]}]}", 8, "conditionNeverHolds"),
        ("condition: {in: [{var: size}, [micro, small]]}", "condition: {==: [{var: turnover}, 1]}", 8, "unknownProfileVariable"),
        ("condition: {in: [{var: size}, [micro, small]]}", "condition: {in: [hirring, {var: tags}]}", 8, "unknownTopic"),
        ("validFrom: 2025-01-01", "validFrom: 2025-13-01", 5, "invalidDate"),
        ("validUntil: 2027-01-01", "validUntil: 2024-01-01", 6, "validUntilBeforeValidFrom"),
        ("qualifies: {zh-CN: 小微企业, en: Small businesses}", "qualifies: {zh-CN: 小微企业}", 7, "missingTranslation"),
        ("whereToApply: {zh-CN: 综合窗口, en: General window}", "", 1, "missingKey"),
    ])
    func aBrokenPolicyIsRefusedAtItsLine(replacing: String, with: String, line: Int, code: String) {
        let result = Self.load(Self.valid.replacingOccurrences(of: replacing, with: with))
        #expect(result.policy == nil)
        #expect(result.problems.map(\.code) == [code])
        #expect(result.problems.first?.line == line, "\(result.problems)")
        #expect(result.problems.first?.description.hasPrefix("policies/test.yaml:\(line): ") == true)
    }

    @Test func anExpiredPolicyWarnsAndMatchesNoOne() throws {
        let later = try LocalDate("2027-06-01")
        let result = Self.load(Self.valid, today: later)
        #expect(result.problems == [])
        #expect(result.warnings.map(\.code) == ["policyExpired"])
        #expect(result.warnings.first?.line == 6)
        let policy = try #require(result.policy)
        #expect(!policy.isValid(on: later))
        #expect(policy.isValid(on: Self.today))
    }

    @Test func aSmallSoftwareStartUpGetsItsPoliciesNewestFirstWithReasons() {
        let catalog = PolicyCatalog.load(Self.directory, today: Self.today)
        let profile = EnterpriseProfile(legalForm: .limitedCompany, industry: "I", size: .small, yearsSinceFounding: 1,
                                        district: "示例区", tags: ["research", "hiring"])
        let matches = catalog.matches(for: profile, on: Self.today, context: Fixtures.context)
        #expect(matches.map(\.policy.id) == [
            "hiring-subsidy", "startup-guaranteed-loan", "small-business-tax-relief", "high-tech-certification",
        ])
        let hiring = matches[0]
        #expect(hiring.reasons.map(\.zh) == ["企业类型：有限责任公司", "关注事项：研发创新、招聘用工"])
        let highTech = matches[3]
        #expect(highTech.reasons.map(\.en) == [
            "Industry: I Information transmission, software and IT services", "Legal form: Limited liability company",
            "Interests: Research and development, Hiring", "Years since founding: 1",
        ])
    }

    @Test func aLargeBankGetsNothingAndAnExpiredPolicyIsLeftOut() throws {
        let catalog = PolicyCatalog.load(Self.directory, today: Self.today)
        let bank = EnterpriseProfile(legalForm: .jointStockCompany, industry: "J", size: .large, yearsSinceFounding: 30, district: "-", tags: [])
        #expect(catalog.matches(for: bank, on: Self.today, context: Fixtures.context).isEmpty)
        let restaurant = EnterpriseProfile(legalForm: .individualBusiness, industry: "H", size: .micro, yearsSinceFounding: 5,
                                           district: "示例区", tags: [])
        #expect(catalog.matches(for: restaurant, on: Self.today, context: Fixtures.context).map(\.policy.id).contains("catering-recovery"))
        // The catering subsidy ends on 2028-05-31.
        #expect(!catalog.matches(for: restaurant, on: try LocalDate("2028-06-01"), context: Fixtures.context).map(\.policy.id)
            .contains("catering-recovery"))
    }

    @Test func yearsSinceFoundingCountWholeYears() throws {
        #expect(EnterpriseProfile.years(from: try LocalDate("2024-03-03"), to: Self.today) == 1)
        #expect(EnterpriseProfile.years(from: try LocalDate("2024-03-02"), to: Self.today) == 2)
        #expect(EnterpriseProfile.years(from: try LocalDate("2026-03-01"), to: Self.today) == 0)
    }
}
