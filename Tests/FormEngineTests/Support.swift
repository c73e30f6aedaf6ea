import Booking
import Foundation
import FormEngine
import JSONLogic
import KioskCore
import Testing

enum Fixtures {
    static let formsDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Forms").path

    /// 2026-03-02 10:00 in Beijing.
    static let context = EvaluationContext(now: Date(timeIntervalSince1970: 1_772_416_800))

    /// The official calendar shipped in `Forms/calendar`.
    static let calendar: OfficialCalendar = {
        let directory = URL(fileURLWithPath: formsDirectory).appendingPathComponent("calendar")
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".json") }
        return try! OfficialCalendar(yearFiles: files.compactMap { FileManager.default.contents(atPath: directory.appendingPathComponent($0).path) })
    }()

    /// The text version a citizen shown material `id`'s commitment accepts.
    static func textVersion(_ id: String, _ form: FormDefinition) -> String? {
        form.materials.first { $0.id == id }?.commitment?.textVersion
    }

    static func form(_ name: String) throws -> FormDefinition {
        let result = FormLoader.load(contentsOf: formsDirectory + "/\(name).yaml")
        #expect(result.problems.isEmpty, "\(result.problems)")
        return try #require(result.definition)
    }

    static func idNumber(_ first17: String) -> String {
        first17 + String(ResidentIDNumber.checkCharacter(forFirst17: first17) ?? "?")
    }

    /// Born 1990-05-17, male.
    static let citizenID = idNumber("11010519900517001")
    static let childID = idNumber("11010520180301002")
    static let idCard = IDCardFacts(
        name: "张三", documentNumber: citizenID, gender: "male", birthDate: "1990-05-17", address: "北京市西城区复兴门外大街1号")

    /// A small form written inline, loaded without problems.
    static func inline(_ yaml: String) throws -> FormDefinition {
        let result = FormLoader.load(yaml: yaml, file: "test.yaml")
        #expect(result.problems.isEmpty, "\(result.problems)")
        return try #require(result.definition)
    }

    /// Every problem but those of `header`'s applicant, whose fields the test forms need not have.
    static func problems(_ yaml: String) -> [String] {
        allProblems(yaml).filter { $0.code != "unknownApplicantField" }.map(\.description)
    }

    static func allProblems(_ yaml: String) -> [FormProblem] {
        let result = FormLoader.load(yaml: yaml, file: "t.yaml")
        return result.problems + (result.definition.map(FormValidator.check) ?? [])
    }
}

extension FormSession {
    mutating func fill(_ answers: [String: JSON], _ form: FormDefinition) throws {
        for (field, value) in answers.sorted(by: { $0.key < $1.key }) { try answer(field, value, in: form) }
    }

    /// `next`, expecting the step to be accepted.
    mutating func advance(_ form: FormDefinition, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let outcome = try next(in: form, context: Fixtures.context)
        if case .rejected(let report) = outcome {
            Issue.record("step \(report.stepID) rejected: \(report.errors.map { "\($0.fieldPath) \($0.code)" })",
                sourceLocation: sourceLocation)
        }
    }

    var stepID: String? { if case .step(let id) = position { id } else { nil } }

    /// 告知承诺, accepting the text the screen shows.
    mutating func commit(_ id: String, _ form: FormDefinition) throws {
        try commitInstead(of: id, acceptingTextVersion: Fixtures.textVersion(id, form), in: form, context: Fixtures.context)
    }

    func notice(_ form: FormDefinition) -> MaterialsNotice {
        materialsNotice(in: form, context: Fixtures.context, calendar: Fixtures.calendar)
    }
}

/// The smallest valid form header, for loader and validator tests. Its applicant names fields
/// a test's form may not have (`Fixtures.problems` leaves that out).
let header = """
    id: t
    version: 1
    title: {zh-CN: 测试, en: Test}
    department: {zh-CN: 部门, en: Department}
    timeLimitDays: 5
    declaration: {zh-CN: 声明, en: Declaration}
    applicant: {name: who, idNumber: whoID}

    """
