import ArgumentParser
import Booking
import JSONLogic
import FormEngine
import Foundation
import KioskApp
import KioskConfig
import KioskCore
import Papers

extension PrintableFilings {
    /// The forms of `path` and the problems of the refused ones, the receipt templates checked
    /// against every form; a template file that cannot be read is one line and exit 1.
    static func load(_ path: String) throws -> FormCatalog {
        do {
            return try PrintableFilings(formsPath: path).catalog
        } catch {
            throw fail(error)
        }
    }
}

struct FormsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "forms", abstract: "Check and list the filings in forms.dir.", subcommands: [Validate.self, List.self])

    struct Validate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check every form and the receipt templates it prints; print FILE:LINE: message for each problem and exit 1 if any.")

        @OptionGroup var options: ConfigOptions

        @Argument(help: "A form file or a directory of forms (default: forms.dir).")
        var path: String?

        func run() throws {
            let target = try path ?? options.load().formsDirectory
            let today = LocalDate(containing: Date(), in: EvaluationContext.chinaStandardTime)
            // A policy file, or a directory of forms with its policies/ beside them.
            if (target as NSString).deletingLastPathComponent.hasSuffix("policies"), !isDirectory(target) {
                let policies = PolicyCatalog.load(target, today: today)
                try report(policies)
                print("\(target): policy OK")
                return
            }
            let catalog = try PrintableFilings.load(target)
            let policies = isDirectory(target) ? PolicyCatalog.load(target + "/policies", today: today) : PolicyCatalog()
            for problem in catalog.problems { printError(problem.description) }
            try report(policies, failing: !catalog.problems.isEmpty)
            print("\(target): \(catalog.forms.count) forms, \(policies.policies.count) policies OK")
        }

        /// Problems refuse a policy (exit 1); warnings (an expired policy) are printed and pass.
        private func report(_ policies: PolicyCatalog, failing: Bool = false) throws {
            for warning in policies.warnings { printError("\(warning.file):\(warning.line): warning: \(warning.path): \(warning.message.en)") }
            for problem in policies.problems { printError(problem.description) }
            guard !failing, policies.problems.isEmpty else { throw ExitCode.failure }
        }

        private func isDirectory(_ path: String) -> Bool {
            var directory: ObjCBool = false
            return FileManager.default.fileExists(atPath: path, isDirectory: &directory) && directory.boolValue
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the valid forms: id, version, title.")

        @OptionGroup var options: ConfigOptions

        func run() throws {
            let catalog = try PrintableFilings.load(try options.load().formsDirectory)
            for form in catalog.forms.values.sorted(by: { $0.id < $1.id }) {
                print("\(form.id)\tv\(form.version)\t\(form.title.zh)\t\(form.title.en)")
            }
            if !catalog.problems.isEmpty {
                printError("\(catalog.problems.count) problems; run kiosk forms validate")
            }
        }
    }
}
