/// Why parsing or evaluating a rule failed. Messages name the operator or the byte offset at
/// most, never a value from the data, so an error can be logged or shown without leaking
/// what a citizen typed.
public struct LogicError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable, CaseIterable {
        case invalidJSON
        case duplicateKey
        case invalidRequest
        case unknownOperator
        case invalidArguments
        case tooDeep
        case tooMuchWork
        case notANumber
        case numberOutOfRange
        case divisionByZero
        case substrOutOfRange
        case invalidDate
        case invalidPattern
        /// Raised by the rule itself with `throw`; the error object is `thrown`.
        case thrown
    }

    public let code: Code
    /// The operator being parsed or evaluated, when there is one.
    public let operatorName: String?
    /// The byte offset in the JSON text, for `invalidJSON`, `duplicateKey`, `tooDeep` and
    /// `numberOutOfRange` found while parsing.
    public let offset: Int?
    /// What a `throw` raised, as an error object (`{"type": …}` or the object thrown). It may
    /// hold data, so it never appears in a message or the description.
    public let thrown: JSON?

    public init(_ code: Code, operatorName: String? = nil, offset: Int? = nil) {
        self.code = code
        // A rule author could write anything as an operator name; keep messages short.
        self.operatorName = operatorName.map { String($0.prefix(64)) }
        self.offset = offset
        thrown = nil
    }

    /// The error a rule raises with `throw`.
    public init(thrown: JSON) {
        code = .thrown
        operatorName = "throw"
        offset = nil
        self.thrown = thrown
    }

    /// The error object a `try` hands to its next argument as data, as other JSONLogic engines
    /// do: what was thrown, or `{"type": T}` where T is the community's name for the failure —
    /// `"NaN"` for arithmetic on a non-number, division by zero and an infinite result,
    /// `"Invalid Arguments"` for arguments of the wrong kind, otherwise the code (`"invalidDate"`).
    public var errorObject: JSON {
        if let thrown { return thrown }
        let type: String =
            switch code {
            case .notANumber, .divisionByZero, .numberOutOfRange: "NaN"
            case .invalidArguments: "Invalid Arguments"
            case .unknownOperator: "Unknown Operator"
            default: code.rawValue
            }
        return ["type": .string(type)]
    }

    public var messageEN: String {
        let base =
            switch code {
            case .invalidJSON: "The text is not valid JSON"
            case .duplicateKey: "An object has the same key twice"
            case .invalidRequest: "The line must be a JSON object with a \"rule\" and an optional \"data\""
            case .unknownOperator: "Unknown operator"
            case .invalidArguments: "Wrong number or kind of arguments"
            case .tooDeep: "The rule or data is nested too deeply"
            case .tooMuchWork: "The rule needs too much work to evaluate (arrays or strings too large)"
            case .notANumber: "An arithmetic operand is not a number"
            case .numberOutOfRange: "A number is outside the representable range"
            case .divisionByZero: "Division by zero"
            case .substrOutOfRange: "Substring position is outside the string"
            case .invalidDate: "A date is not a valid YYYY-MM-DD calendar date"
            case .invalidPattern: "The regular expression is invalid, too long or may backtrack exponentially"
            case .thrown: "The rule raised an error with throw"
            }
        return base + suffix(operatorLabel: "operator", offsetLabel: "at byte")
    }

    public var messageZH: String {
        let base =
            switch code {
            case .invalidJSON: "文本不是有效的 JSON"
            case .duplicateKey: "对象中有重复的键"
            case .invalidRequest: "每行须为含 \"rule\"（及可选 \"data\"）的 JSON 对象"
            case .unknownOperator: "未知的运算符"
            case .invalidArguments: "参数个数或类型不正确"
            case .tooDeep: "规则或数据嵌套层级过深"
            case .tooMuchWork: "规则计算量过大（数组或字符串过长）"
            case .notANumber: "算术运算的操作数不是数字"
            case .numberOutOfRange: "数值超出可表示范围"
            case .divisionByZero: "除数为零"
            case .substrOutOfRange: "截取位置超出字符串范围"
            case .invalidDate: "日期不是有效的 YYYY-MM-DD 公历日期"
            case .invalidPattern: "正则表达式无效、过长或可能指数级回溯"
            case .thrown: "规则用 throw 抛出了错误"
            }
        return base + suffix(operatorLabel: "运算符", offsetLabel: "位于字节")
    }

    public var description: String { "\(code.rawValue): \(messageEN)" }

    private func suffix(operatorLabel: String, offsetLabel: String) -> String {
        var parts: [String] = []
        if let operatorName { parts.append("\(operatorLabel) \"\(operatorName)\"") }
        if let offset { parts.append("\(offsetLabel) \(offset)") }
        return parts.isEmpty ? "" : " (\(parts.joined(separator: ", ")))"
    }
}
