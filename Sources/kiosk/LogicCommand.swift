import ArgumentParser
import Foundation
import JSONLogic
import KioskConfig

struct LogicCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logic", abstract: "The condition language of filings.", subcommands: [Eval.self])

    struct Eval: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: #"Read {"rule": R, "data": D} lines on stdin; write {"result": X} or {"error": {...}} per line."#,
            discussion: """
                `today` and `age` count days in --time-zone; without it, in the configuration's \
                time_zone when there is a configuration (--config, $KIOSK_CONFIG or ./kiosk.conf), \
                else in Asia/Shanghai. No configuration is needed.
                """)

        @OptionGroup var options: ConfigOptions

        @Option(name: .customLong("time-zone"), help: "IANA time zone of `today` (e.g. Asia/Shanghai).")
        var timeZone: String?

        func run() throws {
            var evaluator = LineEvaluator(context: EvaluationContext(timeZone: try zone()))
            try StandardStreams.transform { input, atEnd, output in
                evaluator.evaluateLines(in: input, atEnd: atEnd, into: &output)
            }
        }

        private func zone() throws -> TimeZone {
            if let timeZone {
                guard let zone = TimeZone(identifier: timeZone) else {
                    throw ValidationError("unknown time zone '\(timeZone)' (an IANA name such as Asia/Shanghai)")
                }
                return zone
            }
            let named = options.config != nil || ProcessInfo.processInfo.environment[ConfigurationLoader.fileVariable] != nil
            guard named || FileManager.default.fileExists(atPath: options.path) else { return EvaluationContext.chinaStandardTime }
            return try options.load().timeZone
        }
    }
}

/// Standard input to standard output through `transform`, in large reads and writes: each read
/// takes whatever has arrived (up to 64 KiB, more for a longer line), and everything answered
/// is written before the next read, so a program feeding lines one at a time gets each answer
/// at once, and a file of a million lines costs a few hundred system calls.
enum StandardStreams {
    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// `transform` gets the unconsumed input (with `atEnd` once standard input is closed),
    /// appends to the output, and returns how many input bytes it consumed.
    static func transform(_ transform: (UnsafeRawBufferPointer, Bool, inout [UInt8]) -> Int) throws {
        var input = [UInt8](repeating: 0, count: 1 << 16)
        var filled = 0
        var output: [UInt8] = []
        output.reserveCapacity(1 << 17)
        while true {
            if filled == input.count { input.append(contentsOf: repeatElement(0, count: input.count)) }
            let count = input.withUnsafeMutableBytes { buffer in read(STDIN_FILENO, buffer.baseAddress! + filled, buffer.count - filled) }
            if count < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "cannot read standard input: \(String(cString: strerror(errno)))")
            }
            filled += count
            let consumed = input.withUnsafeBytes { buffer in
                transform(UnsafeRawBufferPointer(rebasing: buffer[..<filled]), count == 0, &output)
            }
            try writeAll(output)
            output.removeAll(keepingCapacity: true)
            if count == 0 { return }
            input.withUnsafeMutableBytes { buffer in
                _ = memmove(buffer.baseAddress!, buffer.baseAddress! + consumed, filled - consumed)
            }
            filled -= consumed
        }
    }

    private static func writeAll(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(STDOUT_FILENO, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw Failure(description: "cannot write standard output: \(String(cString: strerror(errno)))")
                }
                offset += written
            }
        }
    }
}
