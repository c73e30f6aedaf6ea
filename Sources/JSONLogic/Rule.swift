import Foundation

/// A JSONLogic rule parsed once into a tree, so evaluation never looks operators up by name.
///
/// Parsing checks what can be checked without data: operator names, argument counts, nesting
/// depth and literal regular expressions. An object with exactly one key is an operation; other
/// objects and all scalars are literals; arrays are evaluated element by element.
public struct Rule: Sendable {
    let root: Node

    public init(_ json: JSON) throws(LogicError) {
        root = try RuleBuilder.build(json, depth: 1)
    }

    public init(parsing text: String) throws(LogicError) {
        try self.init(JSON(parsing: text))
    }

    public static let maximumDepth = 256

    /// Data paths the rule reads from the top-level data: literal `var` paths (`"applicant.age"`),
    /// literal `val` and `exists` paths (`["applicant", "age"]`, joined with dots) and literal
    /// `missing` / `missing_some` names. Paths inside the body of `map`, `filter`, `reduce`,
    /// `all`, `none`, `some` and `count`, and inside the fallbacks of `try`, are left out: they
    /// name fields of the array element (or `current` / `accumulator`, or the error), not of
    /// the data.
    public var referencedVariables: Set<String> {
        var variables: Set<String> = []
        root.visit(scoped: false) { node, scoped in
            guard !scoped else { return }
            switch node {
            case .variable(let path, _, _):
                if !path.isEmpty { variables.insert(path.joined(separator: ".")) }
            case .operation(.missing, let arguments):
                variables.formUnion(literalNames(arguments))
            case .operation(.missingSome, let arguments):
                variables.formUnion(literalNames([arguments[1]]))
            default:
                break
            }
        }
        return variables
    }

    /// Every operator name the rule uses, as written (`if` and `?:` stay distinct).
    public var operators: Set<String> {
        var names: Set<String> = []
        root.visit(scoped: false) { node, _ in
            switch node {
            case .variable(_, _, let op), .operation(let op, _): names.insert(op.rawValue)
            case .matches: names.insert(Operator.matches.rawValue)
            case .literal, .array: break
            }
        }
        return names
    }

    /// Whether the result can depend on the data or the clock; a rule that does not always
    /// gives the same result.
    public var readsDataOrClock: Bool {
        !operators.isDisjoint(with: Operator.readingDataOrClock.map(\.rawValue))
    }

    private func literalNames(_ arguments: [Node]) -> [String] {
        arguments.flatMap { argument -> [String] in
            guard case .literal(let value) = argument else { return [] }
            let names: [JSON] = if case .array(let elements) = value { elements } else { [value] }
            return names.map { pathComponents($0).joined(separator: ".") }.filter { !$0.isEmpty }
        }
    }
}

enum Operator: String, CaseIterable, Sendable {
    case variable = "var", missing, missingSome = "missing_some"
    case value = "val", exists, coalesce = "??"
    case `if`, ternary = "?:"
    case looseEqual = "==", strictEqual = "===", looseNotEqual = "!=", strictNotEqual = "!=="
    case not = "!", truthy = "!!", or, and
    case greater = ">", greaterOrEqual = ">=", less = "<", lessOrEqual = "<="
    case max, min, add = "+", subtract = "-", multiply = "*", divide = "/", remainder = "%"
    case map, filter, reduce, all, none, some, merge, `in`, cat, substr, log
    case `try`, `throw`
    case today, age, dateDiff = "date_diff", count, matches

    /// By name, hashed once: the synthesized `init(rawValue:)` compares the name with every case.
    static let byName: [String: Operator] = Dictionary(uniqueKeysWithValues: allCases.map { ($0.rawValue, $0) })

    static let readingDataOrClock: Set<Operator> = [.variable, .value, .exists, .missing, .missingSome, .today, .age]

    /// Argument counts checked at parse time, so a misspelt form fails validation, not a citizen.
    var arity: ClosedRange<Int> {
        switch self {
        case .variable: 0...2
        case .missing, .if, .ternary, .merge, .cat, .value, .exists, .coalesce: 0...Int.max
        case .or, .and, .max, .min, .add, .multiply, .try: 1...Int.max
        case .not, .truthy, .log, .throw: 1...1
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

    /// Which arguments see other data than the rule's: the second of the iterating operators
    /// (each array element), every argument of `try` but the first (the error).
    func scopes(argument index: Int) -> Bool {
        switch self {
        case .map, .filter, .reduce, .all, .none, .some, .count: index == 1
        case .try: index > 0
        default: false
        }
    }
}

/// Only the cases that hold a node directly are boxed; the others hold arrays, which are
/// references already, so a literal or an operation costs no allocation of its own.
enum Node: Sendable {
    case literal(JSON)
    case array([Node])
    /// A literal path, split once at parse time: `var` (with its fallback), `val` or `exists`.
    /// An empty path means the whole data. A computed path stays an `.operation`.
    indirect case variable(path: [String], fallback: Node?, Operator)
    /// `matches` with a literal pattern, compiled once at parse time.
    indirect case matches(subject: Node, pattern: NSRegularExpression)
    case operation(Operator, [Node])

    /// Calls `body` on this node and every node below it, saying whether each is evaluated
    /// against other data than the rule's (an element of `map`, the error in `try`).
    func visit(scoped: Bool, _ body: (Node, Bool) -> Void) {
        body(self, scoped)
        switch self {
        case .literal: break
        case .array(let nodes): for node in nodes { node.visit(scoped: scoped, body) }
        case .variable(_, let fallback, _): fallback?.visit(scoped: scoped, body)
        case .matches(let subject, _): subject.visit(scoped: scoped, body)
        case .operation(let op, let arguments):
            for (index, argument) in arguments.enumerated() {
                argument.visit(scoped: scoped || op.scopes(argument: index), body)
            }
        }
    }
}

/// Builds the tree from JSON values; `JSONParser.parseRule` builds the same tree straight from
/// the text, through `operation` and `allLiteral`.
enum RuleBuilder {
    static func build(_ json: JSON, depth: Int) throws(LogicError) -> Node {
        guard depth <= Rule.maximumDepth else { throw LogicError(.tooDeep) }
        switch json {
        case .array(let elements):
            if isLiteral(json, depth: depth) { return .literal(json) }
            var nodes: [Node] = []
            nodes.reserveCapacity(elements.count)
            for element in elements { nodes.append(try build(element, depth: depth + 1)) }
            return allLiteral(nodes) ?? .array(nodes)
        case .object(let members) where members.count == 1:
            guard let (name, argument) = members.first else { return .literal(json) }
            return try buildOperation(name, argument, depth: depth)
        default:
            return .literal(json)
        }
    }

    /// Whether `json` holds no operation (and is within the depth limit): then it is its own
    /// value, and the array already built by the parser is kept as it is.
    private static func isLiteral(_ json: JSON, depth: Int) -> Bool {
        guard depth <= Rule.maximumDepth else { return false }
        switch json {
        case .array(let elements): return elements.allSatisfy { isLiteral($0, depth: depth + 1) }
        case .object(let members): return members.count != 1
        default: return true
        }
    }

    static func allLiteral(_ nodes: [Node]) -> Node? {
        guard nodes.allSatisfy({ if case .literal = $0 { true } else { false } }) else { return nil }
        var values: [JSON] = []
        values.reserveCapacity(nodes.count)
        for node in nodes {
            guard case .literal(let value) = node else { return nil }
            values.append(value)
        }
        return .literal(.array(values))
    }

    private static func buildOperation(_ name: String, _ argument: JSON, depth: Int) throws(LogicError) -> Node {
        let op = try self.op(name)
        let rawArguments: [JSON] = if case .array(let elements) = argument { elements } else { [argument] }
        try checkArity(op, rawArguments.count)
        var arguments: [Node] = []
        arguments.reserveCapacity(rawArguments.count)
        for raw in rawArguments { arguments.append(try build(raw, depth: depth + 1)) }
        return try operation(op, arguments)
    }

    static func op(_ name: String) throws(LogicError) -> Operator {
        guard let op = Operator.byName[name] else { throw LogicError(.unknownOperator, operatorName: name) }
        return op
    }

    static func checkArity(_ op: Operator, _ count: Int) throws(LogicError) {
        guard op.arity.contains(count) else { throw LogicError(.invalidArguments, operatorName: op.rawValue) }
    }

    /// The node of an operation whose name and argument count are checked.
    static func operation(_ op: Operator, _ arguments: [Node]) throws(LogicError) -> Node {
        switch op {
        case .variable:
            let fallback = arguments.count > 1 ? arguments[1] : nil
            guard let pathNode = arguments.first else { return .variable(path: [], fallback: fallback, op) }
            guard case .literal(let path) = pathNode else { return .operation(op, arguments) }
            return .variable(path: pathComponents(path), fallback: fallback, op)
        case .value, .exists:
            var segments: [String] = []
            for argument in arguments {
                guard case .literal(let segment) = argument else { return .operation(op, arguments) }
                segments.append(try pathSegment(segment, first: segments.isEmpty, op))
            }
            return .variable(path: segments, fallback: nil, op)
        case .matches:
            if case .literal(.string(let pattern)) = arguments[1] {
                return .matches(subject: arguments[0], pattern: try compilePattern(pattern))
            }
        default:
            break
        }
        return .operation(op, arguments)
    }
}

/// Splits a `var` path the way json-logic-js does: null and `""` mean the whole data, numbers
/// are indices, everything else is a dot-separated string.
func pathComponents(_ path: JSON) -> [String] {
    switch path {
    case .null: return []
    case .string(let text) where text.isEmpty: return []
    case .string(let text) where !text.utf8.contains(UInt8(ascii: ".")): return [text]
    case .string(let text): return text.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    default: return jsString(path).split(separator: ".", omittingEmptySubsequences: false).map(String.init)
    }
}

/// One segment of a `val` or `exists` path: a key or an index, taken whole (no dots are split;
/// `""` is the empty key), other values as JavaScript names a property (`1` → `"1"`).
/// A leading one-element array is json-logic-engine's proposal for climbing out of `map`
/// and friends (`[[2], "x"]`), not accepted by the JSONLogic community; it is refused with
/// `invalidArguments` rather than read some other way.
func pathSegment(_ segment: JSON, first: Bool, _ op: Operator) throws(LogicError) -> String {
    if first, case .array = segment { throw LogicError(.invalidArguments, operatorName: op.rawValue) }
    if case .string(let key) = segment { return key }
    return jsString(segment)
}
