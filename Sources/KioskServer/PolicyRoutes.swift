import Booking
import FormEngine
import Foundation
import Hummingbird
import JSONLogic
import KioskCore
import Prometheus

/// 惠企政策"明白纸": the hall's policies, matched to an enterprise and printed.
public struct PolicyServices: Sendable {
    public var catalog: PolicyCatalog
    public var receipts: (any ReceiptDesk)?
    public var timeZone: TimeZone
    public var now: @Sendable () -> Date
    /// Keeps each printed sheet for the monthly report (`HelpRequestLedger.recordPolicyPrints`);
    /// a failure to count never fails the print.
    public var recordPrints: @Sendable (_ policyIds: [String], _ at: Date) async throws -> Void = { _, _ in }

    public init(catalog: PolicyCatalog, receipts: (any ReceiptDesk)?, timeZone: TimeZone, now: @escaping @Sendable () -> Date = Date.init) {
        self.catalog = catalog
        self.receipts = receipts
        self.timeZone = timeZone
        self.now = now
    }

    var today: LocalDate { LocalDate(containing: now(), in: timeZone) }

    /// At most this many sheets in one print: the roll is shared by every citizen of the day.
    static let maxSheetsPerPrint = 10
}

/// What the enterprise-profile screen offers: every answer a condition can test.
struct PolicyOptions: Encodable {
    struct Option: Encodable {
        let value: String
        let label: LocalizedText
    }

    let legalForms = LegalForm.allCases.map { Option(value: $0.rawValue, label: $0.label) }
    let industries = IndustrySection.all.map { Option(value: $0.code, label: $0.label) }
    let sizes = EnterpriseSize.allCases.map { Option(value: $0.rawValue, label: $0.label) }
    let tags = EnterpriseProfile.topics.map { Option(value: $0.value, label: $0.label) }
    let policies: Int
}

/// One matching policy as the screen shows it, with why it matched.
struct PolicyView: Codable {
    let id: String
    let example: Bool
    let title: LocalizedText
    let department: LocalizedText
    let source: Policy.Source
    let validFrom: String
    let validUntil: String?
    let qualifies: LocalizedText
    let benefits: [LocalizedText]
    let materials: [LocalizedText]
    let whereToApply: LocalizedText
    let reasons: [LocalizedText]

    init(_ match: PolicyMatch) {
        let policy = match.policy
        id = policy.id
        example = policy.example
        title = policy.title
        department = policy.department
        source = policy.source
        validFrom = policy.validFrom
        validUntil = policy.validUntil
        qualifies = policy.qualifies
        benefits = policy.benefits
        materials = policy.materials
        whereToApply = policy.whereToApply
        reasons = match.reasons
    }
}

struct PolicyMatches: Codable {
    let matches: [PolicyView]
}

struct PrintedPolicies: Codable {
    let policyIds: [String]
    let receipt: PrintOutcome
}

extension KioskRoutes {
    static func addPolicyRoutes(to router: Router<KioskRequestContext>, _ services: PolicyServices, metrics: PrometheusCollectorRegistry) {
        router.get("/v1/policies") { _, _ in
            json(PolicyOptions(policies: services.catalog.policies.count))
        }

        router.post("/v1/policies/match") { request, context in
            let body = try await RequestBody(
                request, context: context, allowed: ["creditCode", "legalForm", "industry", "size", "foundedOn", "district", "tags"])
            let code = try body.string("creditCode").uppercased()
            guard UnifiedSocialCreditCode.isValid(code) else {
                throw APIError(.badRequest, code: "invalidCreditCode", message: .init(
                    zh: "统一社会信用代码不正确（18 位，末位为校验码），请核对", en: "The unified social credit code is not valid (18 characters, the last a check character)"))
            }
            let profile = try profile(body, today: services.today)
            let matches = services.catalog.matches(for: profile, on: services.today, context: EvaluationContext(now: services.now(), timeZone: services.timeZone))
            return json(PolicyMatches(matches: matches.map(PolicyView.init)))
        }

        router.post("/v1/policies/print") { request, context in
            let body = try await RequestBody(request, context: context, allowed: ["policyIds"])
            guard case .array(let items) = try body.json("policyIds"), !items.isEmpty, items.count <= PolicyServices.maxSheetsPerPrint else {
                throw RequestBody.invalid("policyIds", "a list of 1 to \(PolicyServices.maxSheetsPerPrint) policy ids")
            }
            var policies: [Policy] = []
            for item in items {
                guard case .string(let id) = item else { throw RequestBody.invalid("policyIds", "a list of policy ids") }
                guard let policy = services.catalog.policies[id], policy.isValid(on: services.today) else {
                    throw APIError(.notFound, code: "policyNotFound", message: .init(
                        zh: "没有该政策或已失效：\(id.prefix(64))", en: "No such policy in force: \(id.prefix(64))"))
                }
                if !policies.contains(where: { $0.id == policy.id }) { policies.append(policy) }
            }
            guard let receipts = services.receipts else {
                return json(PrintedPolicies(policyIds: policies.map(\.id), receipt: .noPrinter))
            }
            let outcome = await receipts.printPolicySheets(policies, on: services.today.description)
            // The monthly report counts each policy's sheets (its reach is monitored); a policy id is no one's data.
            for policy in policies where outcome.jobId != nil {
                metrics.makeCounter(name: "kiosk_policy_sheets_printed_total", labels: [("policy", policy.id)]).increment()
            }
            if outcome.jobId != nil { try? await services.recordPrints(policies.map(\.id), services.now()) }
            return json(PrintedPolicies(policyIds: policies.map(\.id), receipt: outcome), status: outcome.jobId == nil ? .ok : .created)
        }
    }

    static func profile(_ body: RequestBody, today: LocalDate) throws -> EnterpriseProfile {
        func choice<T: RawRepresentable<String>>(_ key: String, _: T.Type, _ values: [String]) throws -> T {
            guard let value = T(rawValue: try body.string(key)) else { throw RequestBody.invalid(key, "one of " + values.joined(separator: ", ")) }
            return value
        }
        let legalForm = try choice("legalForm", LegalForm.self, LegalForm.allCases.map(\.rawValue))
        let size = try choice("size", EnterpriseSize.self, EnterpriseSize.allCases.map(\.rawValue))
        let industry = try body.string("industry")
        guard IndustrySection.label(industry) != nil else { throw RequestBody.invalid("industry", "a GB/T 4754 section letter A to T") }
        guard let founded = try? LocalDate(try body.string("foundedOn")), founded <= today else {
            throw RequestBody.invalid("foundedOn", "a date (YYYY-MM-DD) not after today")
        }
        var district = "-"
        if case .string(let text)? = body.fields["district"], !text.isEmpty { district = String(text.prefix(40)) }
        var tags: [String] = []
        if let value = body.fields["tags"] {
            guard case .array(let items) = value else { throw RequestBody.invalid("tags", "a list of topics") }
            for item in items {
                guard case .string(let tag) = item, EnterpriseProfile.topics.contains(where: { $0.value == tag }) else {
                    throw RequestBody.invalid("tags", "a list of " + EnterpriseProfile.topics.map(\.value).joined(separator: ", "))
                }
                if !tags.contains(tag) { tags.append(tag) }
            }
        }
        return EnterpriseProfile(legalForm: legalForm, industry: industry, size: size,
                                 yearsSinceFounding: EnterpriseProfile.years(from: founded, to: today), district: district, tags: tags)
    }
}
