import Foundation
import KioskTesting
import Testing

/// `kiosk staff add --help` states every rule a new PIN must follow, and each example it gives
/// of a refused PIN is refused (the help and the check cannot drift apart).
@Suite(.waitsOffPool) struct PINHelpTests {
    @Test func theHelpStatesTheRulesItsExamplesAreRefused() throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        let help = try KioskProcess.run(["staff", "add", "--help"], in: installation.root)
        #expect(help.status == 0)
        let text = help.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(text.contains("PIN: 4 to 8 digits, not one digit repeated (1111), not a run up or down (1234, 8765, 7890)."), "\(help.stdout)")

        let refused = ["123", "123456789", "12a4", "1111", "1234", "8765", "7890"]
        for (index, pin) in refused.enumerated() {
            let added = try KioskProcess.run(
                ["staff", "add", "--number", "P\(index)", "--name", "测试", "--role", "staff", "--pin", pin], in: installation.root)
            #expect(added.status == 1, "PIN \(pin) was accepted")
        }
        let accepted = try KioskProcess.run(
            ["staff", "add", "--number", "P9", "--name", "测试", "--role", "staff", "--pin", "4826"], in: installation.root)
        #expect(accepted.status == 0, "\(accepted.stderr)")
    }
}
