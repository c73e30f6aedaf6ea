import JSONLogic
import Testing

/// SplitMix64: a fixed seed gives the same rules on every run and platform.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}

/// Random rules built from every operator (and a few unknown ones) over awkward values.
struct RuleGenerator {
    var random: SeededGenerator

    static let operators = [
        "var", "missing", "missing_some", "if", "?:", "==", "===", "!=", "!==", "!", "!!", "or", "and", ">", ">=",
        "<", "<=", "max", "min", "+", "-", "*", "/", "%", "map", "filter", "reduce", "all", "none", "some", "merge",
        "in", "cat", "substr", "log", "today", "age", "date_diff", "count", "matches", "val", "exists", "??", "try",
        "throw", "unknown", "",
    ]
    /// Argument counts the parser accepts, so most generated rules get as far as evaluation.
    static let validCounts: [String: ClosedRange<Int>] = [
        "var": 0...2, "missing_some": 2...2, "==": 2...2, "===": 2...2, "!=": 2...2, "!==": 2...2, "!": 1...1,
        "!!": 1...1, "or": 1...3, "and": 1...3, ">": 2...2, ">=": 2...2, "<": 2...3, "<=": 2...3, "max": 1...3,
        "min": 1...3, "+": 1...3, "-": 1...2, "*": 1...3, "/": 2...2, "%": 2...2, "map": 2...2, "filter": 2...2,
        "reduce": 2...3, "all": 2...2, "none": 2...2, "some": 2...2, "in": 2...2, "substr": 2...3, "log": 1...1,
        "today": 0...0, "age": 1...2, "date_diff": 2...2, "count": 1...2, "matches": 2...2,
        "val": 0...3, "exists": 0...2, "??": 0...3, "try": 1...3, "throw": 1...1,
    ]
    static let strings: [JSON] = [
        "", "0", "1", "-2.5", "a", "a.b", "x", "2026-03-01", "2000-02-29", "1999-13-01", "张三", "😀", " 7 ", "^a.*$",
        "(a+)+", "[", "current", "accumulator",
    ]
    static let numbers: [JSON] = [0, 1, -1, 2, 3.5, -0.25, 1e308, -1e308, 1e-300, 9_007_199_254_740_993, 100]

    mutating func pick<T>(_ choices: [T]) -> T {
        choices[Int.random(in: 0..<choices.count, using: &random)]
    }

    mutating func value(depth: Int) -> JSON {
        switch Int.random(in: 0..<(depth > 0 ? 9 : 6), using: &random) {
        case 0: return nil
        case 1: return .bool(Bool.random(using: &random))
        case 2, 3: return pick(Self.numbers)
        case 4, 5: return pick(Self.strings)
        case 6, 7: return .array((0..<Int.random(in: 0...4, using: &random)).map { _ in value(depth: depth - 1) })
        default: return ["a": value(depth: depth - 1), "x": value(depth: depth - 1), "b": ["c": value(depth: depth - 1)]]
        }
    }

    mutating func rule(depth: Int) -> JSON {
        guard depth > 0, Int.random(in: 0..<4, using: &random) > 0 else { return value(depth: 1) }
        let name = pick(Self.operators)
        let counts = Int.random(in: 0..<10, using: &random) > 0 ? Self.validCounts[name] ?? 0...3 : 0...3
        let arguments = (0..<Int.random(in: counts, using: &random)).map { _ in rule(depth: depth - 1) }
        if arguments.count == 1, Bool.random(using: &random) { return .object([name: arguments[0]]) }
        return .object([name: .array(arguments)])
    }
}

@Suite struct PropertyTests {
    @Test func randomRulesAlwaysReturnAValue() throws {
        var generator = RuleGenerator(random: SeededGenerator(state: 20_260_301))
        let context = EvaluationContext(now: fixedContext.now, workLimit: 20_000)
        var parsed = 0
        var succeeded = 0
        for _ in 0..<4000 {
            let ruleJSON = generator.rule(depth: 5)
            let data = generator.value(depth: 3)
            guard let rule = try? Rule(ruleJSON) else { continue }
            parsed += 1
            let first = rule.evaluate(data: data, context: context)
            #expect(rule.evaluate(data: data, context: context) == first, "not deterministic: \(ruleJSON)")
            switch first {
            case .success(let result):
                succeeded += 1
                #expect(try JSON(parsing: result.canonicalText) == result, "no round trip: \(ruleJSON)")
            case .failure(let error):
                #expect(!error.messageEN.isEmpty && !error.messageZH.isEmpty)
            }
            let line = evaluateJSONLine(JSON.object(["rule": ruleJSON, "data": data]).canonicalText, context: context)
            #expect(line.hasPrefix(#"{"result":"#) || line.hasPrefix(#"{"error":"#))
        }
        // The generator must exercise evaluation, not only the parser's rejections.
        #expect(parsed > 2000)
        #expect(succeeded > 1000)
        #expect(parsed - succeeded > 500)
    }
}
