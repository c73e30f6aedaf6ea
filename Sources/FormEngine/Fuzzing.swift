import Booking
import Foundation
import JSONLogic
import KioskCore

/// libFuzzer entry point for everything that reads an administrator's form file: the bytes are
/// loaded as `Forms/x.yaml` the way `kiosk forms validate` and `kiosk serve` load them, a form
/// that passes the static checks is walked the way a citizen's session starts (first screen,
/// `next` with nothing answered, review, materials notice), and every line is also evaluated
/// as a `kiosk logic eval` request, since a JSON line is a YAML document too.
///
/// Traps on a crash, a hang (libFuzzer's timeout) or a loader result that breaks its
/// contract: a problem without the file's name or with a line outside the file, a rejected form
/// without any problem.
public func fuzzFormLoader(_ bytes: UnsafeRawBufferPointer) {
    let file = "Forms/fuzz.yaml"
    let yaml = String(decoding: bytes, as: UTF8.self)
    // Yams counts lines by "\n" (libyaml also breaks on "\r", "\u{85}", "\u{2028}", "\u{2029}",
    // so allow for those); the last line of a file without a final newline still counts.
    let lineCount = 1 + yaml.unicodeScalars.reduce(0) { count, scalar in
        ["\n", "\r", "\u{85}", "\u{2028}", "\u{2029}"].contains(scalar) ? count + 1 : count
    }
    func checkContract(_ problems: [FormProblem]) {
        for problem in problems {
            require(problem.file == file, "\(problem.code) names another file")
            require((1...lineCount).contains(problem.line), "\(problem.code) at line \(problem.line), outside 1...\(lineCount)")
            require(!problem.message.en.isEmpty && !problem.message.zh.isEmpty, "\(problem.code) without a message")
        }
    }

    let result = FormLoader.load(yaml: yaml, file: file)
    checkContract(result.problems)
    require(result.definition != nil || !result.problems.isEmpty, "form rejected without a problem")
    if let form = result.definition {
        let problems = FormValidator.check(form)
        checkContract(problems)
        if problems.isEmpty {
            walkSession(form, context: fuzzContext)
        }
    }

    for line in yaml.split(separator: "\n", maxSplits: 16).prefix(16) {
        _ = evaluateJSONLine(String(line), context: fuzzContext)
    }
}

/// `precondition` drops its message in optimised builds; the fuzzer's report needs it.
private func require(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}

/// A fixed day and a small work limit: reproducible runs, and a rule that loops over huge
/// ranges is an error value rather than a libFuzzer timeout.
private let fuzzContext = EvaluationContext(
    now: Date(timeIntervalSince1970: 1_767_225_600), timeZone: EvaluationContext.chinaStandardTime, workLimit: 20_000)

/// What `kiosk serve` lets a citizen do with a form: every step passed (on a staff override
/// where nothing is answered), review, each missing material deferred (容缺), committed (告知承诺)
/// or handed in, a draft saved and resumed, the declaration and the submission.
private func walkSession(_ form: FormDefinition, context: EvaluationContext) {
    let authorisation = StaffAuthorisation(staffID: "fuzz", reasonCode: "fuzz")
    var session = FormSession.start(form, idCard: nil, context: context)
    for _ in 0...form.steps.count {
        _ = session.screen(in: form, context: context)
        guard (try? session.next(in: form, context: context, override: authorisation)) != nil else { break }
    }
    _ = session.review(in: form, context: context)
    // The weekend rule alone: no holiday year is loaded (and so none is there twice).
    let calendar = try! OfficialCalendar(years: [])
    let missing = session.materialsNotice(in: form, context: context, calendar: calendar).missing
    for item in missing.filter(\.core) + missing.filter({ !$0.core }) {
        if (try? session.deferMaterial(item.materialID, in: form, context: context)) == nil,
            (try? session.commitInstead(
                of: item.materialID, acceptingTextVersion: item.commitment?.textVersion, in: form, context: context)) == nil
        {
            _ = try? session.provideMaterial(item.materialID, in: form)
        }
    }
    _ = try? FormSession.resume(session.draft(), in: form, context: context)
    _ = try? session.confirmReview(in: form, context: context)
    _ = try? session.submit(
        acceptingDeclaration: true, reference: "FUZZ-20260101-0001", in: form, context: context, calendar: calendar)
}
