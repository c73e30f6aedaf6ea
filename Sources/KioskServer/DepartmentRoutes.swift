import Access
import Filings
import FormEngine
import Foundation
import Hummingbird
import KioskCore

/// One filing of a department's feed: the change number it was saved under (the cursor to
/// continue after), its record, and the filing as submitted (answers and materials) while the
/// terminal or district keeps it — null once retention has removed it.
public struct DepartmentFilingView: Codable, Sendable {
    public let change: String
    let record: FilingDetailView
    let filing: Filing?

    /// The view of `reference` at `change`, as the pull and the webhooks send it to
    /// `department`: only its own parts of a bundle (`parts(of:)`); nil when the record has gone.
    public static func load(_ change: DepartmentChange, ledger: any FilingLedger, department: String) async throws -> DepartmentFilingView? {
        guard let record = try await ledger.record(change.reference)?.parts(of: department) else { return nil }
        let filing = try await ledger.filing(change.reference)?.parts(of: department)
        return DepartmentFilingView(change: String(change.change), record: FilingDetailView(record, filing: filing, rules: ledger.lifecycle.rules),
                                    filing: filing)
    }
}

/// A page of the department pull.
struct DepartmentFeedView: Codable {
    let filings: [DepartmentFilingView]
    /// Where the next call continues (`after=`): the last change of this page, or the cursor given.
    let next: String
    /// More changes wait after `next`.
    let more: Bool
}

extension KioskRoutes {
    /// The department interface (docs/DEPARTMENT-API.md): a department system, calling with its
    /// API key, pulls its new and changed filings and reports each step back. It acts with the
    /// lifecycle's own rules, as `.department(id)`, on its own department's cases only.
    static func addDepartmentRoutes(to router: Router<KioskRequestContext>, _ services: LifecycleServices) {
        router.get("/v1/departments/{id}/filings") { request, context in
            let department = try callingDepartment(context)
            guard try context.parameters.require("id") == department else { throw otherDepartment }
            let query = request.uri.queryParameters
            let cursor: Int64
            if let text = query.get("after") {
                guard let value = Int64(text), value >= 0, text.utf8.count <= 19 else {
                    throw RequestBody.invalid("after", "the `next` of the previous page (a whole number, 0 to start)")
                }
                cursor = value
            } else {
                cursor = 0
            }
            var limit = 50
            if let text = query.get("limit") {
                guard let value = Int(text), (1...200).contains(value) else { throw RequestBody.invalid("limit", "1 to 200") }
                limit = value
            }
            let changes = try await services.ledger.departmentChanges(department, after: cursor, limit: limit + 1)
            var filings: [DepartmentFilingView] = []
            for change in changes.prefix(limit) {
                if let view = try await DepartmentFilingView.load(change, ledger: services.ledger, department: department) { filings.append(view) }
            }
            let next = changes.prefix(limit).last.map { String($0.change) } ?? String(cursor)
            return json(DepartmentFeedView(filings: filings, next: next, more: changes.count > limit))
        }

        // Status back: the department's own steps, the same transitions a window makes.
        router.post("/v1/filings/{reference}/events") { request, context in
            let department = try callingDepartment(context)
            let reference = try context.parameters.require("reference")
            let command = try await departmentCommand(request, context, department: department)
            // A filing with no case of this department is not theirs to see: answered as unknown.
            guard let record = try await services.ledger.record(reference),
                  record.cases.contains(where: { $0.departmentID == department }) else { throw filingNotFound }
            let transition = try await services.apply(command, to: reference, by: .department(department))
            return json(FilingDetailView(transition.record.parts(of: department), filing: nil, rules: services.ledger.lifecycle.rules))
        }
    }

    /// The step a department reports, from its body: each type takes its own members.
    static func departmentCommand(_ request: Request, _ context: KioskRequestContext, department: String) async throws
        -> LifecycleCommand {
        let body = try await RequestBody(request, context: context,
                                         allowed: ["type", "part", "window", "reasons", "note", "outcome", "document", "collectAt"])
        let type = try body.string("type")
        let members: [String: Set<String>] = [
            "received": ["type", "part"], "inProgress": ["type", "part"], "accepted": ["type", "part", "window"],
            "returned": ["type", "part", "reasons", "note"], "completed": ["type", "part", "outcome", "document", "collectAt", "note"],
        ]
        guard let allowed = members[type] else { throw RequestBody.invalid("type", "received, accepted, returned, inProgress or completed") }
        if let extra = body.fields.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw APIError(.badRequest, code: "unknownField", message: .init(
                zh: "\(type) 事件没有字段：\(extra)", en: "A \(type) event has no field \(extra)"))
        }
        let part = try optionalString(body, "part")
        switch type {
        case "received": return .receive(part: part)
        case "inProgress": return .start(part: part)
        case "accepted": return .accept(part: part, window: try optionalString(body, "window") ?? department)
        case "returned":
            return .returnFiling(part: part, reasons: try strings(body, "reasons", allowEmpty: true), note: try optionalString(body, "note") ?? "")
        default:
            guard let outcome = Completion.Outcome(rawValue: try body.string("outcome")) else {
                throw RequestBody.invalid("outcome", "approved or refused")
            }
            return .complete(part: part, outcome: outcome, document: try optionalString(body, "document"),
                             collectAt: try optionalString(body, "collectAt"), note: try optionalString(body, "note") ?? "")
        }
    }

    static func callingDepartment(_ context: KioskRequestContext) throws -> String {
        guard let department = context.department else { throw AccessError(.signInRequired) }
        return department
    }

    static let otherDepartment = APIError(.forbidden, code: "otherDepartment", message: .init(
        zh: "此密钥只能读取本部门的办件", en: "This key reads its own department's filings only."))
}
