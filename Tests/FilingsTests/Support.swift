import Booking
import Filings
import FormEngine
import Foundation
import JSONLogic
import KioskCore
import Testing

enum Fixtures {
    static let shanghai = TimeZone(identifier: "Asia/Shanghai")!

    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The official calendar shipped in `Forms/calendar` (holiday-cn 2020–2027; 2027 unpublished).
    static let calendar: OfficialCalendar = {
        let directory = repository.appendingPathComponent("Forms/calendar")
        let files = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".json") }
        return try! OfficialCalendar(yearFiles: files.compactMap { FileManager.default.contents(atPath: directory.appendingPathComponent($0).path) })
    }()

    static let lifecycle = FilingLifecycle(calendar: calendar, rules: LifecycleRules(), timeZone: shanghai)

    /// `text` (`YYYY-MM-DD HH:MM`) on the wall clock in Beijing.
    static func at(_ text: String) -> Date {
        let parts = text.split(separator: " ").map(String.init)
        let time = parts.count > 1 ? try! LocalTime(parts[1]) : try! LocalTime("10:00")
        return try! LocalDate(parts[0]).instant(at: time, in: shanghai)
    }

    static func day(_ text: String) -> LocalDate { try! LocalDate(text) }

    static func idNumber(_ first17: String) -> String {
        first17 + String(ResidentIDNumber.checkCharacter(forFirst17: first17) ?? "?")
    }

    static let applicantID = idNumber("11010519900517001")
    static let applicantHash = Data("hash-of-the-applicant".utf8)

    /// A single filing with a 容缺 material (counted in working days, returned when missed) and a
    /// 告知承诺 one; its time limit `limit` working days, counted again after a return as `afterReturn` says.
    static func singleForm(limit: Int = 5, afterReturn: String = "restart", whenMissed: String = "return") -> String {
        """
        id: permit
        version: 1
        title: {zh-CN: 许可, en: Permit}
        department: {zh-CN: 区某局, en: District bureau}
        departmentId: bureau
        timeLimitDays: \(limit)
        afterReturn: \(afterReturn)
        declaration: {zh-CN: 属实, en: True}
        applicant: {name: name, idNumber: number}
        steps:
          - id: who
            title: {zh-CN: 申请人, en: Applicant}
            fields:
              - {id: name, type: text, label: {zh-CN: 姓名, en: Name}, required: true}
              - {id: number, type: idNumber, label: {zh-CN: 身份证号, en: ID}, required: true}
        materials:
          - id: proof
            name: {zh-CN: 证明, en: Proof}
            issuer: {zh-CN: 社区, en: Community}
            core: false
            deferrable:
              maxDays: 3
              days: working
              consequence: {zh-CN: 逾期退回, en: Returned if late}
              whenMissed: \(whenMissed)
          - id: residence
            name: {zh-CN: 居住证明, en: Residence}
            issuer: {zh-CN: 社区, en: Community}
            commitment:
              statement: {zh-CN: 我住这里, en: I live here}
              verification: {zh-CN: 上门核实, en: A visit}
        """
    }

    /// A bundle of two departments' parts.
    static let bundleForm = """
        id: opening
        version: 1
        title: {zh-CN: 开办一件事, en: Opening}
        department: {zh-CN: 专窗, en: One window}
        departmentId: window
        timeLimitDays: 1
        declaration: {zh-CN: 属实, en: True}
        applicant: {name: name, idNumber: number}
        steps:
          - id: who
            title: {zh-CN: 申请人, en: Applicant}
            fields:
              - {id: name, type: text, label: {zh-CN: 姓名, en: Name}, required: true}
              - {id: number, type: idNumber, label: {zh-CN: 身份证号, en: ID}, required: true}
        bundle:
          - id: licence
            title: {zh-CN: 执照, en: Licence}
            department: {zh-CN: 市场监管局, en: Market regulation}
            departmentId: amr
            timeLimitDays: 2
          - id: seal
            title: {zh-CN: 刻章, en: Seal}
            department: {zh-CN: 公安局, en: Police}
            departmentId: police
            timeLimitDays: 1
        """

    static func form(_ yaml: String) throws -> FormDefinition {
        let result = FormLoader.load(yaml: yaml, file: "test.yaml")
        #expect(result.problems.isEmpty, "\(result.problems)")
        return try #require(result.definition)
    }

    /// The form filed at `time`: the 容缺 material deferred, the commitment signed.
    static func file(_ form: FormDefinition, at time: Date, reference: String = "S01-20250901-0001", version: Int = 1) throws -> Filing {
        let context = EvaluationContext(now: time, timeZone: shanghai)
        var session = FormSession.start(form, context: context)
        try session.answer("name", "张三", in: form)
        try session.answer("number", .string(applicantID), in: form)
        _ = try session.next(in: form, context: context)
        _ = try session.confirmReview(in: form, context: context)
        if form.materials.contains(where: { $0.id == "proof" }) {
            // The commitment stands in for a core material: only then may the other be deferred.
            let version = form.materials.first { $0.id == "residence" }?.commitment?.textVersion
            try session.commitInstead(of: "residence", acceptingTextVersion: version, in: form, context: context)
            try session.deferMaterial("proof", in: form, context: context)
        }
        return try session.submit(acceptingDeclaration: true, reference: reference, in: form, context: context, calendar: calendar,
                                  version: version)
    }

    static func record(_ filing: Filing, lifecycle: FilingLifecycle = lifecycle) -> FilingRecord {
        lifecycle.open(filing, hall: "S01", terminal: "T01", idHash: applicantHash, idMasked: "110105********0017").record
    }
}

extension FilingLifecycle {
    /// Applies `command`, expecting it to be allowed; the new record.
    func after(_ record: FilingRecord, _ command: LifecycleCommand, by actor: LifecycleActor = .window(staff: "W01"), at time: String,
               sourceLocation: SourceLocation = #_sourceLocation) throws -> FilingRecord {
        try apply(command, to: record, by: actor, at: Fixtures.at(time)).record
    }
}
