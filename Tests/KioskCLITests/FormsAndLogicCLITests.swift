import Foundation
import KioskTesting
import Testing

@Suite("kiosk forms and kiosk logic", .waitsOffPool)
struct FormsAndLogicCLITests {
    @Test func shippedFormsValidate() throws {
        let result = try KioskProcess.run(["forms", "validate", "Forms"], in: TestInstallation.repository.path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.hasPrefix("Forms: "))
        #expect(result.stdout.hasSuffix(" policies OK\n"))
        #expect(result.stdout.contains("7 policies"))
    }

    /// A policy that can never hold is refused at its line; an expired one only warns.
    @Test func policiesAreCheckedWithTheForms() throws {
        let installation = try TestInstallation(shippedForms: false)
        defer { installation.remove() }
        let policies = installation.root + "/Forms/policies"
        try FileManager.default.createDirectory(atPath: policies, withIntermediateDirectories: true)
        let shipped = try String(contentsOfFile: TestInstallation.repository.path + "/Forms/policies/hiring-subsidy.yaml", encoding: .utf8)
        try shipped.replacingOccurrences(of: "validUntil: 2028-12-31", with: "validUntil: 2025-12-31")
            .write(toFile: policies + "/expired.yaml", atomically: true, encoding: .utf8)
        let expiredOnly = try KioskProcess.run(["forms", "validate"], in: installation.root)
        #expect(expiredOnly.status == 0, "\(expiredOnly.stderr)")
        #expect(expiredOnly.stderr.contains(policies + "/expired.yaml:8: warning: validUntil: The policy expired on 2025-12-31"))
        try shipped.replacingOccurrences(of: "in: [hiring, {var: tags}]", with: "in: [{var: industry}, [Z]]")
            .replacingOccurrences(of: "id: hiring-subsidy", with: "id: never")
            .write(toFile: policies + "/never.yaml", atomically: true, encoding: .utf8)
        let never = try KioskProcess.run(["forms", "validate"], in: installation.root)
        #expect(never.status == 1)
        #expect(never.stderr.contains(policies + "/never.yaml:13: condition: The condition holds for no enterprise"), "\(never.stderr)")
    }

    @Test func invalidFormIsNamedByFileAndLine() throws {
        let installation = try TestInstallation(shippedForms: false)
        defer { installation.remove() }
        try "id: broken\nversion: 1\nsteps:\n  - id: s1\n    fields:\n      - id: f1\n        type: telepathy\n"
            .write(toFile: installation.root + "/Forms/broken.yaml", atomically: true, encoding: .utf8)
        let result = try KioskProcess.run(["forms", "validate"], in: installation.root)
        #expect(result.status == 1)
        let lines = result.stderr.split(separator: "\n")
        #expect(!lines.isEmpty)
        #expect(lines.allSatisfy { $0.hasPrefix(installation.root + "/Forms/broken.yaml:") })
        #expect(lines.contains { $0.hasPrefix(installation.root + "/Forms/broken.yaml:7:") && $0.contains("telepathy") })
    }

    @Test func formsListShowsEveryShippedFiling() throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        let result = try KioskProcess.run(["forms", "list"], in: installation.root)
        #expect(result.status == 0)
        let ids = result.stdout.split(separator: "\n").map { String($0.split(separator: "\t")[0]) }
        #expect(Set(ids).isSuperset(of: ["residence-permit", "individual-business", "talent-settlement", "company-opening"]))
    }

    @Test func logicEvalAnswersLineByLine() throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        let input = """
        {"rule": {"+": [1, {"var": "a"}]}, "data": {"a": 2}}
        {"rule": {"/": [1, 0]}, "data": null}
        not json
        """
        let process = try KioskProcess.start(["logic", "eval"], in: installation.root, stdin: input)
        #expect(process.status == 0)
        let lines = process.stdout.split(separator: "\n").map(String.init)
        #expect(lines.count == 3)
        #expect(lines[0] == #"{"result":3}"#)
        #expect(lines[1].contains(#""code":"divisionByZero""#))
        #expect(lines[2].contains(#""code":"invalidJSON""#))
    }

    /// `kiosk logic eval` is a pure evaluator: it runs where there is no configuration, counts
    /// `today` in Asia/Shanghai there, in `--time-zone` when given, and in the configuration's
    /// `time_zone` when there is a configuration and no option.
    @Test func logicEvalNeedsNoConfiguration() throws {
        let empty = try ScratchDirectory(prefix: "kiosk-logic")
        let line = #"{"rule": {"today": []}}"# + "\n"
        func today(in zone: String, _ arguments: [String] = [], in directory: String) throws -> (answer: String, dates: [String]) {
            func date() -> String {
                var calendar = Calendar(identifier: .gregorian)
                calendar.timeZone = TimeZone(identifier: zone)!
                let parts = calendar.dateComponents([.year, .month, .day], from: Date())
                return String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
            }
            let before = date()
            let result = try KioskProcess.start(["logic", "eval"] + arguments, in: directory, stdin: line)
            #expect(result.status == 0, "\(result.stderr)")
            // Either side of a midnight the run may straddle.
            return (result.stdout, [before, date()].map { #"{"result":"\#($0)"}"# + "\n" })
        }
        #expect(!FileManager.default.fileExists(atPath: empty.path + "/kiosk.conf"))
        let shanghai = try today(in: "Asia/Shanghai", in: empty.path)
        #expect(shanghai.dates.contains(shanghai.answer), "\(shanghai)")
        // 25 hours apart, these two zones never share a date: each answer shows the option was used.
        for zone in ["Pacific/Kiritimati", "Pacific/Pago_Pago"] {
            let answer = try today(in: zone, ["--time-zone", zone], in: empty.path)
            #expect(answer.dates.contains(answer.answer), "\(zone): \(answer)")
        }

        let installation = try TestInstallation(config: #"time_zone = "Pacific/Kiritimati""# + "\n")
        defer { installation.remove() }
        let configured = try today(in: "Pacific/Kiritimati", in: installation.root)
        #expect(configured.dates.contains(configured.answer), "\(configured)")
        let overridden = try today(in: "Pacific/Pago_Pago", ["--time-zone", "Pacific/Pago_Pago"], in: installation.root)
        #expect(overridden.dates.contains(overridden.answer), "\(overridden)")

        let unknown = try KioskProcess.start(["logic", "eval", "--time-zone", "Mars/Olympus"], in: empty.path, stdin: line)
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("unknown time zone 'Mars/Olympus'"))
        #expect(unknown.stdout.isEmpty)
    }

    /// Standard input is read in large blocks: answers stay one per line, in order, across the
    /// blocks' edges and for a line longer than a block.
    @Test func logicEvalAnswersEveryLineOfALargeInput() throws {
        let empty = try ScratchDirectory(prefix: "kiosk-logic")
        let long = String(repeating: "长", count: 50_000)
        var input = ""
        var expected = ""
        for index in 0..<5000 {
            input += #"{"rule": {"+": [{"var": "i"}, 1]}, "data": {"i": \#(index)}}"# + "\n"
            expected += #"{"result":\#(index + 1)}"# + "\n"
            if index == 2500 {
                input += #"{"rule": {"cat": [{"var": "s"}, "!"]}, "data": {"s": "\#(long)"}}"# + "\n\n"
                expected += #"{"result":"\#(long)!"}"# + "\n"
            }
        }
        input += #"{"rule": {"val": "last"}, "data": {"last": "no newline"}}"#
        expected += #"{"result":"no newline"}"# + "\n"
        let result = try KioskProcess.start(["logic", "eval"], in: empty.path, stdin: input)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == expected)
    }
}
