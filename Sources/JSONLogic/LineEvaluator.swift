/// `kiosk logic eval` over bytes: request lines `{"rule": R, "data": D}` (`data` defaults to
/// `null`) in, one canonical JSON line out for each — `{"result": X}` or
/// `{"error": {"code": C, "message": English, "message_zh": Chinese}}`, with `"thrown"`: the
/// error object when the rule raised it with `throw`. Never traps. Lines are parsed where they
/// lie in the input and answers are written into the caller's buffer: no `String` per line.
public struct LineEvaluator {
    public let context: EvaluationContext
    private var parser = JSONParser()
    private var writer = JSONWriter()

    public init(context: EvaluationContext) {
        self.context = context
    }

    /// Answers every complete line of `input` (one ending in a newline; with `atEnd`, also a
    /// last line without one) by appending to `output`, skipping blank lines. Returns the
    /// number of bytes consumed; the rest is the start of a line still to come.
    public mutating func evaluateLines(in input: UnsafeRawBufferPointer, atEnd: Bool, into output: inout [UInt8]) -> Int {
        let bytes = input.assumingMemoryBound(to: UInt8.self)
        swap(&writer.bytes, &output)
        defer { swap(&writer.bytes, &output) }
        var start = 0
        while start < bytes.count {
            guard let end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? (atEnd ? bytes.count : nil) else { break }
            let line = UnsafeBufferPointer(rebasing: bytes[start..<end])
            if !line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { answer(line) }
            start = end + 1
        }
        return min(start, bytes.count)
    }

    /// Appends the answer to one line (without its newline) and a newline.
    public mutating func evaluate(line: UnsafeRawBufferPointer, into output: inout [UInt8]) {
        swap(&writer.bytes, &output)
        answer(line.assumingMemoryBound(to: UInt8.self))
        swap(&writer.bytes, &output)
    }

    /// The general path, which builds the request object and then the rule: for a line that
    /// names another key than `rule` and `data`, or one twice, is no request at all, or has
    /// anything wrong with it — this path finds the error to report.
    private mutating func parseWhole(_ line: UnsafeBufferPointer<UInt8>) throws(LogicError) -> (rule: JSON, data: JSON) {
        guard case .object(let request) = try parser.parse(line), let rule = request["rule"],
            request.count == (request["data"] == nil ? 1 : 2)
        else { throw LogicError(.invalidRequest) }
        return (rule, request["data"] ?? .null)
    }

    private mutating func answer(_ line: UnsafeBufferPointer<UInt8>) {
        do throws(LogicError) {
            let rule: Node
            let data: JSON
            if let request = try? parser.parseRequestRule(line) {
                (rule, data) = request
            } else {
                let request = try parseWhole(line)
                (rule, data) = (try Rule(request.rule).root, request.data)
            }
            var evaluator = Evaluator(context: context)
            let result = try evaluator.evaluate(rule, data)
            writer.writeRaw(#"{"result":"#)
            writer.write(result)
            writer.writeRaw("}\n")
        } catch {
            writer.writeRaw(#"{"error":{"code":"#)
            writer.writeQuoted(error.code.rawValue)
            writer.writeRaw(#","message":"#)
            writer.writeQuoted(error.messageEN)
            writer.writeRaw(#","message_zh":"#)
            writer.writeQuoted(error.messageZH)
            if let thrown = error.thrown {
                writer.writeRaw(#","thrown":"#)
                writer.write(thrown)
            }
            writer.writeRaw("}}\n")
        }
    }
}

/// One request line of `kiosk logic eval` as text (see `LineEvaluator`); the answer without its
/// newline.
public func evaluateJSONLine(_ line: String, context: EvaluationContext) -> String {
    var evaluator = LineEvaluator(context: context)
    var output: [UInt8] = []
    var line = line
    line.withUTF8 { evaluator.evaluate(line: UnsafeRawBufferPointer($0), into: &output) }
    return String(decoding: output.dropLast(), as: UTF8.self)
}
