import Foundation
import JSONLogic
import KioskServer
import KioskTesting

/// Rules evaluated per second. The rules and data are a representative selection (30 cases) of
/// the shared json-logic suite (MIT, jwadhams/json-logic), embedded here because a benchmark
/// must not read `../shared` at run time. Rules are parsed once, then each is evaluated against
/// its data in a loop, the way the form engine evaluates a loaded form's conditions.
public enum JSONLogicBenchmarks {
    static let suite: [(rule: String, data: String)] = [
        (#"{"==":[1,"1"]}"#, "{}"),
        (#"{"===":[1,1]}"#, "{}"),
        (#"{"!=":[1,2]}"#, "{}"),
        (#"{">=":["2",1]}"#, "{}"),
        (#"{"<":[1,2,3]}"#, "{}"),
        (#"{"!!":[[]]}"#, "{}"),
        (#"{"or":[false,false,true]}"#, "{}"),
        (#"{"and":[true,true,false]}"#, "{}"),
        (#"{"?:":[{">":[3,1]},"visible","hidden"]}"#, "{}"),
        (#"{"in":["Bart",["Bart","Homer","Lisa","Marge","Maggie"]]}"#, "{}"),
        (#"{"in":["Spring","Springfield"]}"#, "{}"),
        (#"{"cat":["we all scream for ","ice","cream"]}"#, "{}"),
        (#"{"max":[1,2,3]}"#, "{}"),
        (#"{"+":[2,2,2]}"#, "{}"),
        (#"{"/":[2,4]}"#, "{}"),
        (#"{"%":[3,2]}"#, "{}"),
        (#"{"substr":["jsonlogic",-5,-2]}"#, "null"),
        (#"{"merge":[[1],[2,3]]}"#, "null"),
        (#"{"if":[false,"apple",false,"banana",true,"carrot","date"]}"#, "null"),
        (#"{"var":"a.b"}"#, #"{"a":{"b":"c"}}"#),
        (#"{"var":["a.q",9]}"#, #"{"a":{"b":"c"}}"#),
        (#"{"and":[{"<":[{"var":"temp"},110]},{"==":[{"var":"pie.filling"},"apple"]}]}"#, #"{"temp":100,"pie":{"filling":"apple"}}"#),
        (#"{"missing":["a","b"]}"#, #"{"a":"apple"}"#),
        (#"{"missing_some":[2,["a","b","c"]]}"#, #"{"a":"apple","d":"durian"}"#),
        (#"{"missing":{"merge":["vin",{"if":[{"var":"financing"},["apr"],[]]}]}}"#, #"{"financing":true}"#),
        (#"{"filter":[{"var":"integers"},{"%":[{"var":""},2]}]}"#, #"{"integers":[1,2,3]}"#),
        (#"{"map":[{"var":"integers"},{"*":[{"var":""},2]}]}"#, #"{"integers":[1,2,3]}"#),
        (#"{"reduce":[{"var":"desserts"},{"+":[{"var":"accumulator"},{"var":"current.qty"}]},0]}"#,
         #"{"desserts":[{"name":"apple","qty":1},{"name":"brownie","qty":2},{"name":"cupcake","qty":3}]}"#),
        (#"{"all":[{"var":"items"},{">=":[{"var":"qty"},1]}]}"#, #"{"items":[{"qty":1,"sku":"apple"},{"qty":2,"sku":"banana"}]}"#),
        (#"{"some":[{"var":"items"},{">":[{"var":"qty"},1]}]}"#, #"{"items":[{"qty":1,"sku":"apple"},{"qty":2,"sku":"banana"}]}"#),
    ]

    public static func run() -> [Figure] {
        let context = EvaluationContext()
        let prepared: [(Rule, JSON)] = suite.compactMap { entry in
            guard let rule = try? Rule(parsing: entry.rule), let data = try? JSON(parsing: entry.data) else { return nil }
            return (rule, data)
        }
        guard prepared.count == suite.count else { return [] }
        let passesPerSecond = callsPerSecond {
            var successes = 0
            for (rule, data) in prepared {
                if case .success = rule.evaluate(data: data, context: context) { successes += 1 }
            }
            return successes
        }
        let parsesPerSecond = callsPerSecond {
            suite.reduce(0) { count, entry in (try? Rule(parsing: entry.rule)) == nil ? count : count + 1 }
        }
        return [
            Figure(name: "jsonlogic.evaluate", value: passesPerSecond * Double(prepared.count), unit: "rules/s"),
            Figure(name: "jsonlogic.parse", value: parsesPerSecond * Double(suite.count), unit: "rules/s"),
        ] + LogicEvalVersusJQ.run() + requestBodyParse()
    }

    /// A typical answers body (`PUT /v1/sessions/{id}/answers/shareholders` of the shipped
    /// company-opening filing: three shareholders), read the way the server reads every request
    /// body, next to Foundation's `JSONSerialization` reading the same bytes.
    static let answersBody = #"""
        {"value":[{"shareholderType":"person","shareholderName":"张三","shareholderIdNumber":"110101199003077774",\#
        "contribution":300000,"share":0.6},{"shareholderType":"person","shareholderName":"李四",\#
        "shareholderIdNumber":"110101198512120013","contribution":100000,"share":0.2},\#
        {"shareholderType":"company","shareholderName":"北京某某科技有限公司","shareholderCreditCode":"91110108MA01ABCD2X",\#
        "contribution":100000,"share":0.2}]}
        """#

    static func requestBodyParse() -> [Figure] {
        let bytes = Array(answersBody.utf8)
        let data = Data(bytes)
        do {
            let kiosk = try bytes.withUnsafeBytes { body in
                try callsPerSecond { try RequestBody(json: body, allowed: ["value"]).fields.count }
            }
            let foundation = try callsPerSecond { try JSONSerialization.jsonObject(with: data) }
            return [
                Figure(name: "request body: typical answers body (\(bytes.count) bytes) read as JSON", value: 1e6 / kiosk, unit: "µs"),
                Figure(name: "request body: the same bytes through Foundation's JSONSerialization", value: 1e6 / foundation, unit: "µs"),
                Figure(name: "request body: kiosk's time ÷ JSONSerialization's", value: foundation / kiosk, unit: "×"),
            ]
        } catch {
            return [Figure(name: "request body: failed: \(error)", value: 0, unit: "")]
        }
    }
}

/// `kiosk logic eval` (the `kiosk` built beside this one, as a child, JSON lines in and out) on the shared
/// conformance suite's 277 rules repeated 400 times, next to Debian's `jq -c .` on the same
/// file in the same run: jq only parses and prints, a lower bound of the work. Each runs three
/// times, alternating, and the fastest run of each counts (the least disturbed on a shared
/// machine). The evaluator's output is checked against the suite's expected results, so a
/// fast wrong answer cannot pass for a figure.
enum LogicEvalVersusJQ {
    static let repetitions = 400
    static let runs = 3

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// The suite as the tests read it; a benchmark reads the source tree, never `../shared`.
    static let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Tests/JSONLogicTests/Fixtures/jsonlogic-tests.json").standardized

    static func run() -> [Figure] {
        do {
            return try measure()
        } catch {
            return [Figure(name: "logic eval: failed: \(error)", value: 0, unit: "")]
        }
    }

    static func measure() throws -> [Figure] {
        guard case .array(let entries) = try JSON(parsing: Data(contentsOf: fixture)) else {
            throw Failure(description: "\(fixture.path) is not a JSON array")
        }
        let cases: [(line: String, expected: JSON)] = entries.compactMap { entry in
            guard case .array(let triple) = entry, triple.count == 3 else { return nil }
            return (JSON.object(["rule": triple[0], "data": triple[1]]).canonicalText, JSON.object(["result": triple[2]]))
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("kiosk-bench-logic-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let input = directory.appendingPathComponent("lines.jsonl")
        let output = directory.appendingPathComponent("out.jsonl")
        let text = String(repeating: cases.map { $0.line + "\n" }.joined(), count: repetitions)
        try Data(text.utf8).write(to: input)
        let lines = cases.count * repetitions

        let kiosk = Benchmarks.kiosk
        guard let jq = executable(named: "jq") else { throw Failure(description: "jq is not installed (apt-get install jq)") }
        var kioskBest = Double.infinity
        var jqBest = Double.infinity
        for _ in 0..<runs {
            kioskBest = min(kioskBest, try timed(kiosk, ["logic", "eval"], input: input, output: output))
            try check(output, cases, lines: lines)
            jqBest = min(jqBest, try timed(jq, ["-c", "."], input: input, output: output))
        }
        let kioskRate = Double(lines) / kioskBest
        let jqRate = Double(lines) / jqBest
        let what = "\(cases.count) suite rules × \(repetitions) = \(lines) lines, best of \(runs)"
        return [
            Figure(name: "logic eval: kiosk logic eval, \(what)", value: kioskRate, unit: "lines/s"),
            Figure(name: "logic eval: jq -c . on the same lines, same run", value: jqRate, unit: "lines/s"),
            Figure(name: "logic eval: kiosk logic eval ÷ jq -c .", value: kioskRate / jqRate, unit: "×",
                   target: "≥ 2 (stretch ≥ 5)"),
        ]
    }

    /// Wall-clock seconds of one run of `executable` with stdin and stdout on files.
    static func timed(_ executable: URL, _ arguments: [String], input: URL, output: URL) throws -> Double {
        FileManager.default.createFile(atPath: output.path, contents: nil)
        let process = ChildProcess()
        process.executableURL = executable
        process.arguments = arguments
        process.standardInput = try FileHandle(forReadingFrom: input)
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = FileHandle.nullDevice
        let clock = ContinuousClock()
        let start = clock.now
        try process.run()
        process.waitUntilExit()
        let seconds = (clock.now - start).seconds
        guard process.terminationStatus == 0 else {
            throw Failure(description: "\(executable.lastPathComponent) \(arguments.joined(separator: " ")) exited with status \(process.terminationStatus)")
        }
        return seconds
    }

    /// Every input line has its output line, and each suite case's answer is the expected one.
    static func check(_ output: URL, _ cases: [(line: String, expected: JSON)], lines: Int) throws {
        let answers = try String(contentsOf: output, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
        guard answers.count == lines + 1, answers.last == "" else {
            throw Failure(description: "kiosk logic eval wrote \(answers.count - 1) lines for \(lines)")
        }
        for (index, answer) in answers.prefix(cases.count).enumerated() where (try? JSON(parsing: String(answer))) != cases[index].expected {
            throw Failure(description: "kiosk logic eval answered case \(index) wrongly")
        }
    }

    static func executable(named name: String) -> URL? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { URL(fileURLWithPath: String($0)).appendingPathComponent(name) }
            .first { FileManager.default.isExecutableFile(atPath: $0.path) }
    }
}
