import Foundation

/// What evaluation may depend on besides the data, passed in so results are reproducible.
public struct EvaluationContext: Sendable {
    /// The instant `today` and `age` measure against.
    public var now: Date
    /// The zone that decides which calendar day `now` falls on.
    public var timeZone: TimeZone
    /// Units of work one evaluation may spend: one per rule node visited, plus one per array
    /// element iterated or copied and per byte of text built. Exceeding it yields `tooMuchWork`
    /// instead of a hang on huge arrays or exponentially growing strings.
    public var workLimit: Int

    public static let chinaStandardTime =
        TimeZone(identifier: "Asia/Shanghai") ?? TimeZone(secondsFromGMT: 8 * 3600) ?? .gmt

    public init(now: Date = Date(), timeZone: TimeZone = chinaStandardTime, workLimit: Int = 1_000_000) {
        self.now = now
        self.timeZone = timeZone
        self.workLimit = workLimit
    }
}

extension Rule {
    /// Evaluates the rule against `data`. Every failure is returned as a value; nothing traps.
    ///
    /// Semantics follow json-logic-js (and pass its shared suite), except where JavaScript would
    /// quietly produce nonsense that a form should not act on:
    /// - arithmetic (`+ - * / % max min`) takes numbers and numeric strings only, otherwise
    ///   `notANumber`; dividing by zero is `divisionByZero`; an infinite result is `numberOutOfRange`;
    /// - `substr` counts characters and reports a start outside the string as `substrOutOfRange`;
    /// - arrays and objects are equal when their contents are (JavaScript compares identity);
    /// - `log` returns its argument and prints nothing, since data holds personal information.
    ///
    /// Besides json-logic-js's operators it has those the JSONLogic community added since
    /// (json-logic/.github, accepted proposals "`val` and context replacements" and "error
    /// handling"), with their documented semantics:
    /// - `val` — a path as separate segments, no dots split: `{"val": ["applicant", "age"]}`;
    ///   `{"val": "a.b"}` reads the key `a.b`, `{"val": ""}` the empty key, `{"val": []}` the
    ///   whole data; numbers index arrays. A path that leads nowhere is `null`. (The engine-only
    ///   scope climbing `{"val": [[2], "x"]}` is refused as `invalidArguments`.)
    /// - `exists` — whether such a path leads somewhere, even to `null`: `{"exists": "x"}`.
    /// - `??` — the first argument that is not `null`, evaluating no further; `null` if none.
    /// - `throw` — raises an error: an object is the error object, anything else `v` becomes
    ///   `{"type": v}`. Reported as `thrown`, the object in `LogicError.thrown`.
    /// - `try` — the first argument that evaluates without an error; each later argument gets
    ///   the previous error object as its data (`{"val": "type"}` reads `"NaN"` after a division
    ///   by zero, see `LogicError.errorObject`); when all fail, the last error stands.
    ///   `tooMuchWork` cannot be caught (the budget stays spent). Unknown operators and wrong
    ///   argument counts are refused when the rule is parsed, before any `try` runs.
    public func evaluate(data: JSON, context: EvaluationContext) -> Result<JSON, LogicError> {
        var evaluator = Evaluator(context: context)
        do {
            return .success(try evaluator.evaluate(root, data))
        } catch {
            return .failure(error)
        }
    }
}

struct Evaluator {
    let context: EvaluationContext
    private var remainingWork: Int

    init(context: EvaluationContext) {
        self.context = context
        remainingWork = context.workLimit
    }

    mutating func charge(_ units: Int, _ op: Operator? = nil) throws(LogicError) {
        remainingWork -= units
        if remainingWork < 0 { throw LogicError(.tooMuchWork, operatorName: op?.rawValue) }
    }

    mutating func evaluate(_ node: Node, _ data: JSON) throws(LogicError) -> JSON {
        try charge(1)
        switch node {
        case .literal(let value):
            return value
        case .array(let nodes):
            var values: [JSON] = []
            values.reserveCapacity(nodes.count)
            for element in nodes { values.append(try evaluate(element, data)) }
            return .array(values)
        case .variable(let path, let fallback, let op):
            return try read(op, path, fallback, data)
        case .matches(let subject, let pattern):
            return try matches(try evaluate(subject, data), pattern)
        case .operation(let op, let arguments):
            return try apply(op, arguments, data)
        }
    }

    /// `var` (with its fallback when the path leads nowhere), `val` (null when it leads
    /// nowhere) and `exists` (whether it leads somewhere, even to null).
    private mutating func read(_ op: Operator, _ path: [String], _ fallback: Node?, _ data: JSON) throws(LogicError) -> JSON {
        let found = lookUp(path, in: data)
        if op == .exists { return .bool(found != nil) }
        if let found { return found }
        guard let fallback else { return .null }
        return try evaluate(fallback, data)
    }

    /// Nil when the path leads nowhere (JavaScript's `undefined`); a present `null` stays `null`.
    func lookUp(_ path: [String], in data: JSON) -> JSON? {
        var current = data
        for key in path {
            switch current {
            case .object(let members):
                guard let next = members[key] else { return nil }
                current = next
            case .array(let elements):
                guard let index = Int(key), String(index) == key, elements.indices.contains(index) else { return nil }
                current = elements[index]
            default:
                return nil
            }
        }
        return current
    }

    private mutating func apply(_ op: Operator, _ arguments: [Node], _ data: JSON) throws(LogicError) -> JSON {
        switch op {
        case .variable:
            let path = pathComponents(try evaluate(arguments[0], data))
            return try read(op, path, arguments.count > 1 ? arguments[1] : nil, data)
        case .value, .exists:
            var path: [String] = []
            path.reserveCapacity(arguments.count)
            for argument in arguments {
                path.append(try pathSegment(try evaluate(argument, data), first: path.isEmpty, op))
            }
            return try read(op, path, nil, data)
        case .coalesce:
            for argument in arguments {
                let value = try evaluate(argument, data)
                if value != .null { return value }
            }
            return .null
        case .try:
            return try attempt(arguments, data)
        case .throw:
            let value = try evaluate(arguments[0], data)
            if case .object = value { throw LogicError(thrown: value) }
            throw LogicError(thrown: ["type": value])
        case .missing:
            let values = try evaluateAll(arguments, data)
            let names: [JSON] = if case .array(let first)? = values.first { first } else { values }
            return .array(try missingNames(names, data))
        case .missingSome:
            let needed = try number(try evaluate(arguments[0], data), op)
            guard case .array(let options) = try evaluate(arguments[1], data) else {
                throw LogicError(.invalidArguments, operatorName: op.rawValue)
            }
            let missing = try missingNames(options, data)
            return Double(options.count - missing.count) >= needed ? .array([]) : .array(missing)
        case .if, .ternary:
            var index = 0
            while index + 1 < arguments.count {
                if try evaluate(arguments[index], data).isTruthy { return try evaluate(arguments[index + 1], data) }
                index += 2
            }
            return index < arguments.count ? try evaluate(arguments[index], data) : .null
        case .looseEqual:
            return .bool(looselyEqual(try evaluate(arguments[0], data), try evaluate(arguments[1], data)))
        case .looseNotEqual:
            return .bool(!looselyEqual(try evaluate(arguments[0], data), try evaluate(arguments[1], data)))
        case .strictEqual:
            return .bool(try evaluate(arguments[0], data) == evaluate(arguments[1], data))
        case .strictNotEqual:
            return .bool(try evaluate(arguments[0], data) != evaluate(arguments[1], data))
        case .not:
            return .bool(!(try evaluate(arguments[0], data).isTruthy))
        case .truthy:
            return .bool(try evaluate(arguments[0], data).isTruthy)
        case .or, .and:
            var value = JSON.null
            for argument in arguments {
                value = try evaluate(argument, data)
                if value.isTruthy == (op == .or) { return value }
            }
            return value
        case .greater, .greaterOrEqual, .less, .lessOrEqual:
            let values = try evaluateAll(arguments, data)
            for index in 0..<values.count - 1 where !holds(op, jsCompare(values[index], values[index + 1])) {
                return .bool(false)
            }
            return .bool(true)
        case .max, .min:
            let numbers = try evaluateAll(arguments, data).map { value throws(LogicError) in try number(value, op) }
            // The parser guarantees at least one argument.
            return .number((op == .max ? numbers.max() : numbers.min()) ?? 0)
        case .add, .multiply:
            var total: Double = op == .add ? 0 : 1
            for value in try evaluateAll(arguments, data) {
                let operand = try number(value, op)
                total = op == .add ? total + operand : total * operand
            }
            return try finite(total, op)
        case .subtract:
            let values = try evaluateAll(arguments, data)
            let first = try number(values[0], op)
            return try finite(values.count == 1 ? -first : first - number(values[1], op), op)
        case .divide, .remainder:
            let dividend = try number(try evaluate(arguments[0], data), op)
            let divisor = try number(try evaluate(arguments[1], data), op)
            guard divisor != 0 else { throw LogicError(.divisionByZero, operatorName: op.rawValue) }
            return try finite(op == .divide ? dividend / divisor : dividend.truncatingRemainder(dividingBy: divisor), op)
        case .map, .filter, .all, .none, .some:
            return try iterate(op, arguments, data)
        case .reduce:
            let elements = try elements(of: arguments[0], data, op)
            var accumulator = arguments.count > 2 ? try evaluate(arguments[2], data) : .null
            for element in elements {
                accumulator = try evaluate(arguments[1], ["current": element, "accumulator": accumulator])
            }
            return accumulator
        case .merge:
            var merged: [JSON] = []
            for value in try evaluateAll(arguments, data) {
                if case .array(let elements) = value {
                    try charge(elements.count, op)
                    merged.append(contentsOf: elements)
                } else {
                    merged.append(value)
                }
            }
            return .array(merged)
        case .in:
            let needle = try evaluate(arguments[0], data)
            switch try evaluate(arguments[1], data) {
            case .string(let haystack):
                let text = jsString(needle)
                try charge(haystack.utf8.count, op)
                return .bool(text.isEmpty || haystack.contains(text))
            case .array(let elements):
                try charge(elements.count, op)
                return .bool(elements.contains(needle))
            default:
                return .bool(false)
            }
        case .cat:
            var text = ""
            for value in try evaluateAll(arguments, data) {
                let piece = jsString(value)
                try charge(piece.utf8.count, op)
                text += piece
            }
            return .string(text)
        case .substr:
            return try substring(try evaluateAll(arguments, data))
        case .log:
            // Rules see citizens' data; printing it would leak it into terminal logs.
            return try evaluate(arguments[0], data)
        case .today:
            return .string(today().text)
        case .age:
            return try age(try evaluateAll(arguments, data))
        case .dateDiff:
            return try dateDifference(try evaluateAll(arguments, data))
        case .count:
            return try count(arguments, data)
        case .matches:
            return try matches(try evaluate(arguments[0], data), compilePattern(try patternText(arguments[1], data)))
        }
    }

    /// `try`: the first argument that evaluates without an error; each argument after the first
    /// sees the previous one's error object (`errorObject`) as its data. When every argument
    /// fails, the last error stands. The work limit is not reset: once spent, every fallback
    /// fails with `tooMuchWork` too, so a rule cannot catch its way past it.
    private mutating func attempt(_ arguments: [Node], _ data: JSON) throws(LogicError) -> JSON {
        var failure: LogicError?
        for argument in arguments {
            do throws(LogicError) {
                return try evaluate(argument, failure?.errorObject ?? data)
            } catch {
                failure = error
            }
        }
        // The parser guarantees at least one argument, so there was a failure.
        throw failure ?? LogicError(.invalidArguments, operatorName: Operator.try.rawValue)
    }

    mutating func evaluateAll(_ arguments: [Node], _ data: JSON) throws(LogicError) -> [JSON] {
        var values: [JSON] = []
        values.reserveCapacity(arguments.count)
        for argument in arguments { values.append(try evaluate(argument, data)) }
        return values
    }

    /// The array an iterating operator walks; anything else counts as empty, as in json-logic-js.
    mutating func elements(of node: Node, _ data: JSON, _ op: Operator) throws(LogicError) -> [JSON] {
        guard case .array(let elements) = try evaluate(node, data) else { return [] }
        try charge(elements.count, op)
        return elements
    }

    private mutating func iterate(_ op: Operator, _ arguments: [Node], _ data: JSON) throws(LogicError) -> JSON {
        let elements = try elements(of: arguments[0], data, op)
        let body = arguments[1]
        switch op {
        case .map:
            var results: [JSON] = []
            results.reserveCapacity(elements.count)
            for element in elements { results.append(try evaluate(body, element)) }
            return .array(results)
        case .filter:
            var kept: [JSON] = []
            for element in elements where try evaluate(body, element).isTruthy { kept.append(element) }
            return .array(kept)
        case .all:
            if elements.isEmpty { return .bool(false) }
            for element in elements where !(try evaluate(body, element).isTruthy) { return .bool(false) }
            return .bool(true)
        default:
            for element in elements where try evaluate(body, element).isTruthy { return .bool(op == .some) }
            return .bool(op == .none)
        }
    }

    private mutating func missingNames(_ names: [JSON], _ data: JSON) throws(LogicError) -> [JSON] {
        try charge(names.count, .missing)
        return names.filter { name in
            switch lookUp(pathComponents(name), in: data) {
            case nil, .null?, .string("")?: true
            default: false
            }
        }
    }

    private func holds(_ op: Operator, _ order: ComparisonResult?) -> Bool {
        guard let order else { return false }
        return switch op {
        case .greater: order == .orderedDescending
        case .greaterOrEqual: order != .orderedAscending
        case .less: order == .orderedAscending
        default: order != .orderedDescending
        }
    }

    /// Arithmetic takes numbers and numeric strings only: JavaScript would turn `null`, booleans
    /// and words into 0, 1 or NaN, which hides a missing or mistyped form field.
    func number(_ value: JSON, _ op: Operator) throws(LogicError) -> Double {
        switch value {
        case .number(let number):
            return number
        case .string(let text):
            if let number = parseDecimal(text, emptyIsZero: false), number.isFinite { return number }
        default:
            break
        }
        throw LogicError(.notANumber, operatorName: op.rawValue)
    }

    private func finite(_ value: Double, _ op: Operator) throws(LogicError) -> JSON {
        guard value.isFinite else { throw LogicError(.numberOutOfRange, operatorName: op.rawValue) }
        return .number(value)
    }

    /// `substr` counts characters (grapheme clusters), not UTF-16 units, so a Chinese name or an
    /// emoji is never cut in half. A start outside the string, or a negative length reaching
    /// before the start, is an error rather than JavaScript's silent empty string.
    private mutating func substring(_ values: [JSON]) throws(LogicError) -> JSON {
        let characters = Array(jsString(values[0]))
        try charge(characters.count, .substr)
        let count = characters.count
        guard let start = integer(try number(values[1], .substr)), (-count...count).contains(start) else {
            throw LogicError(.substrOutOfRange, operatorName: Operator.substr.rawValue)
        }
        let from = start < 0 ? count + start : start
        var to = count
        if values.count > 2 {
            guard let length = integer(try number(values[2], .substr)) else {
                throw LogicError(.substrOutOfRange, operatorName: Operator.substr.rawValue)
            }
            to = length >= 0 ? min(count, from + length) : count + length
            guard to >= from else { throw LogicError(.substrOutOfRange, operatorName: Operator.substr.rawValue) }
        }
        return .string(String(characters[from..<to]))
    }

    /// Truncates toward zero like JavaScript's ToIntegerOrInfinity; nil beyond 2^53.
    private func integer(_ value: Double) -> Int? {
        let truncated = value.rounded(.towardZero)
        guard abs(truncated) <= 9_007_199_254_740_992 else { return nil }
        return Int(truncated)
    }
}
