import Foundation
import KioskTesting
import Testing

/// `kiosk forms validate` checks the receipt templates against every form they print for.
@Suite("kiosk forms validate and the receipt templates", .waitsOffPool)
struct FormsTemplatesCLITests {
    @Test func aTemplateThatCouldFailIsNamedByFileAndLine() throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        let file = installation.root + "/Forms/receipts/filing-receipt.yaml"
        let template = try String(contentsOfFile: file, encoding: .utf8)
        // The reference is always there; an applicant's name is not (a step staff skipped).
        try template.replacingOccurrences(of: #"value: "{{reference}}""#, with: #"value: "{{reference}} {{applicantName}}""#)
            .write(toFile: file, atomically: true, encoding: .utf8)
        let line = try #require(template.split(separator: "\n", omittingEmptySubsequences: false)
            .firstIndex { $0.contains("label: 受理编号") }) + 1
        let result = try KioskProcess.run(["forms", "validate"], in: installation.root)
        #expect(result.status == 1)
        #expect(result.stderr == "\(file):\(line): blocks[4].value: applicantName may be missing: put it inside when: applicantName. "
            + "(refusing company-opening, individual-business, residence-permit, talent-settlement)\n")
        #expect(result.stdout.isEmpty)
    }

    @Test func anUnreadableTemplateIsOneLine() throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        try "id: broken\nblocks: [\n".write(toFile: installation.root + "/Forms/receipts/broken.yaml", atomically: true, encoding: .utf8)
        let result = try KioskProcess.run(["forms", "validate"], in: installation.root)
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("kiosk: " + installation.root + "/Forms/receipts/broken.yaml:"))
        #expect(result.stderr.split(separator: "\n").count == 1)
    }
}
