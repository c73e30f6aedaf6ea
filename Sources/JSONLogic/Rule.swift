import Foundation

/// A JSONLogic rule parsed once into a tree, so evaluation never looks operators up by name.
///
/// Parsing checks what can be checked without data: operator names, argument counts, nesting
/// depth and literal regular expressions. An object with exactly one key is an operation; other
/// objects and all scalars are literals; arrays are evaluated element by element.
public struct Rule: Sendable {
    let root: Node

    /// Data paths the rule reads from the top-level data: literal `var` paths (`"applicant.age"`)
    /// and literal `missing` / `missing_some` names. Paths inside the body of `map`, `filter`,
    /// `reduce`, `all`, `none`, `some` and `count` are left out: they name fields of the array
    /// element (or `current` / `accumulator`), not of the data.
    public let referencedVariables: Set<String>
    /// Every operator name the rule uses, as written (`if` and `?:` stay distinct).
    public let operators: Set<String>

    public init(_ json: JSON) throws(LogicError) {
        var builder = RuleBuilder()
        root = try builder.build(json, depth: 1, scoped: false)
        referencedVariables = builder.variables
        operators = builder.operators
    }

    public init(parsing text: String) throws(LogicError) {
        try self.init(JSON(parsing: text))
    }

    public static let maximumDepth = 256
}

enum Operator: String, CaseIterable, Sendable {
    case variable = "var", missing, missingSome = "missing_some"
    case `if`, ternary = "?:"
    case looseEqual = "==", strictEqual = "===", looseNotEqual = "!=", strictNotEqual = "!=="
    case not = "!", truthy = "!!", or, and
    case greater = ">", greaterOrEqual = ">=", less = "<", lessOrEqual = "<="
    case max, min, add = "+", subtract = "-", multiply = "*", divide = "/", remainder = "%"
    case map, filter, reduce, all, none, some, merge, `in`, cat, substr, log
    case today, age, dateDiff = "date_diff", count, matches

    /// Argument counts checked at parse time, so a misspelt form fails validation, not a citizen.
    var arity: ClosedRange<Int> {
        switch self {
        case .variable: 0...2
        case .missing, .if, .ternary, .merge, .cat: 0...Int.max
        case .or, .and, .max, .min, .add, .multiply: 1...Int.max
        case .not, .truthy, .log: 1...1
        case .less, .lessOrEqual: 2...3
        case .subtract, .age, .count: 1...2
        case .substr, .reduce: 2...3
        case .today: 0...0
        case .missingSome, .looseEqual, .strictEqual, .looseNotEqual, .strictNotEqual, .greater,
            .greaterOrEqual, .divide, .remainder, .map, .filter, .all, .none, .some, .in, .dateDiff,
            .matches:
            2...2
        }
    }

    /// Operators whose second argument is evaluated once per array element, against the element.
    var scopesSecondArgument: Bool {
        switch self {
        case .map, .filter, .reduce, .all, .none, .some, .count: true
        default: false
        }
    }
}

indirect enum Node: Sendable {
    case literal(JSON)
    case array([Node])
    /// `var` with a literal path, split once at parse time; an empty path means the whole data.
    /// A computed path stays an `.operation(.variable, ...)`.
    case variable(path: [String], fallback: Node?)
    /// `matches` with a literal pattern, compiled once at parse time.
    case matches(subject: Node, pattern: NSRegularExpression)
    case operation(Operator, [Node])
}

private struct RuleBuilder {
    var variables: Set<String> = []
    var operators: Set<String> = []

    mutating func build(_ json: JSON, depth: Int, scoped: Bool) throws(LogicError) -> Node {
        guard depth <= Rule.maximumDepth else { throw LogicError(.tooDeep) }
        switch json {
        case .array(let elements):
            var nodes: [Node] = []
            nodes.reserveCapacity(elements.count)
            for element in elements { nodes.append(try build(element, depth: depth + 1, scoped: scoped)) }
            return allLiteral(nodes) ?? .array(nodes)
        case .object(let members) where members.count == 1:
            guard let (name, argument) = members.first else { return .literal(json) }
            return try buildOperation(name, argument, depth: depth, scoped: scoped)
        default:
            return .literal(json)
        }
    }

    private func allLiteral(_ nodes: [Node]) -> Node? {
        var values: [JSON] = []
        values.reserveCapacity(nodes.count)
        for node in nodes {
            guard case .literal(let value) = node else { return nil }
            values.append(value)
        }
        return .literal(.array(values))
    }

    private mutating func buildOperation(
        _ name: String, _ argument: JSON, depth: Int, scoped: Bool
    ) throws(LogicError) -> Node {
        guard let op = Operator(rawValue: name) else { throw LogicError(.unknownOperator, operatorName: name) }
        operators.insert(name)
        let rawArguments: [JSON] = if case .array(let elements) = argument { elements } else { [argument] }
        guard op.arity.contains(rawArguments.count) else {
            throw LogicError(.invalidArguments, operatorName: name)
        }
        var arguments: [Node] = []
        arguments.reserveCapacity(rawArguments.count)
        for (index, raw) in rawArguments.enumerated() {
            let argumentScoped = scoped || (op.scopesSecondArgument && index == 1)
            arguments.append(try build(raw, depth: depth + 1, scoped: argumentScoped))
        }
        switch op {
        case .variable:
            return buildVariable(arguments, scoped: scoped)
        case .missing where !scoped:
            recordMissingNames(arguments)
        case .missingSome where !scoped:
            recordMissingNames([arguments[1]])
        case .matches:
            if case .literal(.string(let pattern)) = arguments[1] {
                return .matches(subject: arguments[0], pattern: try compilePattern(pattern))
            }
        default:
            break
        }
        return .operation(op, arguments)
    }

    private mutating func buildVariable(_ arguments: [Node], scoped: Bool) -> Node {
        let fallback = arguments.count > 1 ? arguments[1] : nil
        guard let pathNode = arguments.first else { return .variable(path: [], fallback: fallback) }
        guard case .literal(let path) = pathNode else { return .operation(.variable, arguments) }
        let components = pathComponents(path)
        if !scoped, !components.isEmpty { variables.insert(components.joined(separator: ".")) }
        return .variable(path: components, fallback: fallback)
    }

    private mutating func recordMissingNames(_ arguments: [Node]) {
        for argument in arguments {
            guard case .literal(let value) = argument else { continue }
            let names: [JSON] = if case .array(let elements) = value { elements } else { [value] }
            for name in names {
                let components = pathComponents(name)
                if !components.isEmpty { variables.insert(components.joined(separator: ".")) }
            }
        }
    }
}

/// Splits a `var` path the way json-logic-js does: null and `""` mean the whole data, numbers
/// are indices, everything else is a dot-separated string.
func pathComponents(_ path: JSON) -> [String] {
    switch path {
    case .null: return []
    case .string(let text) where text.isEmpty: return []
    case .string(let text): return text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    default: return jsString(path).split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    }
}
