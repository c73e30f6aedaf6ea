// libFuzzer's entry point for the JSON parser, writer and line evaluator, built by
// `run-json-fuzz.sh` together with Sources/JSONLogic (and the tests' `generalAnswer`) as one
// module, so it reaches the parser directly. Traps on a crash, a hang (libFuzzer's timeout) or a broken contract:
// - the parser and `ReferenceJSON` below, a plain second reading of RFC 8259 that leans on
//   the standard library for UTF-8 and numbers, accept the same documents, read the same
//   values and refuse the rest for the same reason;
// - what is read, written canonically and read again, is the same value, written the same way;
// - every line gets the answer the general path gives (whole request object, then the rule),
//   whichever way the line evaluator read it, and feeding the input whole or cut in two
//   changes no answer.
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = UnsafeBufferPointer(start: data, count: data == nil ? 0 : size)
    checkParser(bytes)
    checkLines(bytes)
    return 0
}

private func require(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}

private func checkParser(_ bytes: UnsafeBufferPointer<UInt8>) {
    let parsed = Result { () throws(LogicError) in try JSONParser.parse(bytes) }
    let reference = ReferenceJSON.parse(Array(bytes))
    switch (parsed, reference) {
    case (.success(let value), .success(let expected)):
        require(value == expected, "parser and reference read different values")
        var writer = JSONWriter()
        writer.write(value)
        let text = writer.bytes
        let again = text.withUnsafeBufferPointer { text in Result { () throws(LogicError) in try JSONParser.parse(text) } }
        guard case .success(let reread) = again else { fatalError("canonical text does not parse") }
        require(reread == value, "canonical text reads back as another value")
        var second = JSONWriter()
        second.write(reread)
        require(second.bytes == text, "canonical text is not stable")
    case (.failure(let error), .failure(let expected)):
        require(error.code == expected, "parser refuses with \(error.code), reference with \(expected)")
        require((0...bytes.count).contains(error.offset ?? -1), "error offset outside the text")
    case (.success, .failure(let expected)):
        fatalError("parser accepts what the reference refuses (\(expected))")
    case (.failure(let error), .success):
        fatalError("parser refuses (\(error.code)) what the reference accepts")
    }
}

/// A fixed day and a small work limit: reproducible runs, and a rule that loops over huge
/// ranges is an error value rather than a libFuzzer timeout.
private let context = EvaluationContext(
    now: Date(timeIntervalSince1970: 1_767_225_600), timeZone: EvaluationContext.chinaStandardTime, workLimit: 20_000)

private func checkLines(_ bytes: UnsafeBufferPointer<UInt8>) {
    let raw = UnsafeRawBufferPointer(bytes)
    var whole: [UInt8] = []
    var evaluator = LineEvaluator(context: context)
    _ = evaluator.evaluateLines(in: raw, atEnd: true, into: &whole)

    var expected: [UInt8] = []
    for line in raw.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).prefix(64) {
        guard !line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) else { continue }
        let answer = generalAnswer(UnsafeRawBufferPointer(rebasing: line), context: context)
        var single: [UInt8] = []
        evaluator.evaluate(line: UnsafeRawBufferPointer(rebasing: line), into: &single)
        require(single == Array(answer.utf8) + [0x0A], "a line answered otherwise than the general path answers it")
        expected += single
    }
    guard raw.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).count <= 64 else { return }
    require(whole == expected, "answers of the whole input differ from answers line by line")

    let cut = raw.count / 2
    var pieces: [UInt8] = []
    var cutEvaluator = LineEvaluator(context: context)
    let consumed = cutEvaluator.evaluateLines(in: UnsafeRawBufferPointer(rebasing: raw[..<cut]), atEnd: false, into: &pieces)
    _ = cutEvaluator.evaluateLines(in: UnsafeRawBufferPointer(rebasing: raw[consumed...]), atEnd: true, into: &pieces)
    require(pieces == whole, "cutting the input changes the answers")
}

/// RFC 8259 read plainly, for comparison: recursion over the grammar, the standard library's
/// strict UTF-8 validation (`String(validating:)`) and correctly rounded `Double(_:)`, and the
/// choices `JSONParser` documents (lone surrogates, duplicate keys, depth, range) made the
/// simplest way. Slow, and only ever run here.
private struct ReferenceJSON {
    let bytes: [UInt8]
    var index = 0

    static func parse(_ bytes: [UInt8]) -> Result<JSON, LogicError.Code> {
        var reader = ReferenceJSON(bytes: bytes)
        do {
            reader.whitespace()
            let value = try reader.value(depth: 1)
            reader.whitespace()
            guard reader.index == bytes.count else { throw LogicError.Code.invalidJSON }
            return .success(value)
        } catch let code as LogicError.Code {
            return .failure(code)
        } catch {
            return .failure(.invalidJSON)
        }
    }

    var next: UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func whitespace() {
        while let byte = next, [0x20, 0x09, 0x0A, 0x0D].contains(byte) { index += 1 }
    }

    mutating func take(_ byte: UInt8) throws {
        guard next == byte else { throw LogicError.Code.invalidJSON }
        index += 1
    }

    mutating func value(depth: Int) throws -> JSON {
        switch next {
        case UInt8(ascii: "{")?:
            guard depth <= 256 else { throw LogicError.Code.tooDeep }
            index += 1
            var members: [(String, JSON)] = []
            whitespace()
            if next == UInt8(ascii: "}") {
                index += 1
                return .object([:])
            }
            repeat {
                whitespace()
                let key = try string()
                whitespace()
                try take(UInt8(ascii: ":"))
                whitespace()
                members.append((key, try value(depth: depth + 1)))
                whitespace()
            } while (try? take(UInt8(ascii: ","))) != nil
            try take(UInt8(ascii: "}"))
            var object: [String: JSON] = [:]
            for (key, member) in members {
                guard object[key] == nil else { throw LogicError.Code.duplicateKey }
                object[key] = member
            }
            return .object(object)
        case UInt8(ascii: "[")?:
            guard depth <= 256 else { throw LogicError.Code.tooDeep }
            index += 1
            var elements: [JSON] = []
            whitespace()
            if next == UInt8(ascii: "]") {
                index += 1
                return .array([])
            }
            repeat {
                whitespace()
                elements.append(try value(depth: depth + 1))
                whitespace()
            } while (try? take(UInt8(ascii: ","))) != nil
            try take(UInt8(ascii: "]"))
            return .array(elements)
        case UInt8(ascii: "\"")?:
            return .string(try string())
        case UInt8(ascii: "t")?: try word("true"); return .bool(true)
        case UInt8(ascii: "f")?: try word("false"); return .bool(false)
        case UInt8(ascii: "n")?: try word("null"); return .null
        default: return .number(try number())
        }
    }

    mutating func word(_ text: String) throws {
        for byte in text.utf8 { try take(byte) }
    }

    mutating func number() throws -> Double {
        let start = index
        func digits(_ reader: inout ReferenceJSON) -> Int {
            var count = 0
            while let byte = reader.next, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                reader.index += 1
                count += 1
            }
            return count
        }
        if next == UInt8(ascii: "-") { index += 1 }
        let integerStart = index
        let integerDigits = digits(&self)
        guard integerDigits == 1 || (integerDigits > 1 && bytes[integerStart] != UInt8(ascii: "0")) else {
            throw LogicError.Code.invalidJSON
        }
        if next == UInt8(ascii: ".") {
            index += 1
            guard digits(&self) > 0 else { throw LogicError.Code.invalidJSON }
        }
        if next == UInt8(ascii: "e") || next == UInt8(ascii: "E") {
            index += 1
            if next == UInt8(ascii: "+") || next == UInt8(ascii: "-") { index += 1 }
            guard digits(&self) > 0 else { throw LogicError.Code.invalidJSON }
        }
        guard let value = Double(String(decoding: bytes[start..<index], as: UTF8.self)) else { throw LogicError.Code.invalidJSON }
        guard value.isFinite else { throw LogicError.Code.numberOutOfRange }
        return value
    }

    mutating func string() throws -> String {
        try take(UInt8(ascii: "\""))
        var scalars = String.UnicodeScalarView()
        var raw: [UInt8] = []
        func flush() throws {
            guard let text = String(validating: raw, as: UTF8.self) else { throw LogicError.Code.invalidJSON }
            scalars.append(contentsOf: text.unicodeScalars)
            raw.removeAll()
        }
        while true {
            guard let byte = next, byte >= 0x20 else { throw LogicError.Code.invalidJSON }
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                try flush()
                return String(scalars)
            case UInt8(ascii: "\\"):
                try flush()
                guard let escape = next else { throw LogicError.Code.invalidJSON }
                index += 1
                let simple: [UInt8: Unicode.Scalar] = [
                    UInt8(ascii: "\""): "\"", UInt8(ascii: "\\"): "\\", UInt8(ascii: "/"): "/", UInt8(ascii: "b"): "\u{08}",
                    UInt8(ascii: "f"): "\u{0C}", UInt8(ascii: "n"): "\n", UInt8(ascii: "r"): "\r", UInt8(ascii: "t"): "\t",
                ]
                if let scalar = simple[escape] {
                    scalars.append(scalar)
                } else if escape == UInt8(ascii: "u") {
                    let high = try hex()
                    var value = high
                    if (0xD800..<0xDC00).contains(high) {
                        try take(UInt8(ascii: "\\"))
                        try take(UInt8(ascii: "u"))
                        let low = try hex()
                        guard (0xDC00..<0xE000).contains(low) else { throw LogicError.Code.invalidJSON }
                        value = 0x10000 + (high - 0xD800) * 0x400 + (low - 0xDC00)
                    }
                    guard let scalar = Unicode.Scalar(value) else { throw LogicError.Code.invalidJSON }
                    scalars.append(scalar)
                } else {
                    throw LogicError.Code.invalidJSON
                }
            default:
                raw.append(byte)
            }
        }
    }

    mutating func hex() throws -> UInt32 {
        guard index + 4 <= bytes.count, let value = UInt32(String(decoding: bytes[index..<index + 4], as: UTF8.self), radix: 16),
            bytes[index..<index + 4].allSatisfy({ $0 != UInt8(ascii: "+") && $0 != UInt8(ascii: "-") })
        else { throw LogicError.Code.invalidJSON }
        index += 4
        return value
    }
}

extension LogicError.Code: Error {}
