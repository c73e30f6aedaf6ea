import ArgumentParser
import Foundation
import JSONLogic
import KioskConfig

struct LogicCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logic", abstract: "The condition language of filings.", subcommands: [Eval.self])

    struct Eval: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: #"Read {"rule": R, "data": D} lines on stdin; write {"result": X} or {"error": {...}} per line."#)

        @OptionGroup var options: ConfigOptions

        func run() throws {
            let context = EvaluationContext(timeZone: try options.load().timeZone)
            while let line = Swift.readLine(strippingNewline: true) {
                guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
                print(evaluateJSONLine(line, context: context))
            }
        }
    }
}
