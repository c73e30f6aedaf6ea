import Foundation
import KioskTesting
import Testing

@Suite("kiosk devices, diag, receipt and idcard")
struct DeviceCLITests {
    @Test func simulatedDevicesAreListedAndChecked() throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        let list = try KioskProcess.run(["devices", "list"], in: installation.root)
        #expect(list.status == 0, "\(list.stderr)")
        let ids = list.stdout.split(separator: "\n").map { String($0.split(separator: "\t")[0]) }
        #expect(ids.contains("printer-simulated"))
        #expect(ids.contains("idcard-simulated"))

        let health = try KioskProcess.run(["diag", "health", "printer-simulated", "--level", "external", "--json"], in: installation.root)
        #expect(health.status == 0)
        let result = try #require(try JSONSerialization.jsonObject(with: Data(health.stdout.utf8)) as? [String: Any])
        #expect(result["passed"] as? Bool == true)
        #expect(result["level"] as? String == "external")

        let missing = try KioskProcess.run(["diag", "health", "no-such-device"], in: installation.root)
        #expect(missing.status == 1)
        #expect(missing.stderr.hasPrefix("kiosk: no device no-such-device"))
    }

    @Test func countersSurviveAndResetOneByOne() throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        _ = try KioskProcess.run(["diag", "health", "printer-simulated", "--level", "external"], in: installation.root)
        let stats = try KioskProcess.run(["diag", "stats", "printer-simulated"], in: installation.root)
        let jobs = stats.stdout.split(separator: "\n").first { $0.hasPrefix("paperCuts\t") }
        #expect(jobs?.split(separator: "\t")[1] == "1", "a test print counted in a previous process is still there")
        let reset = try KioskProcess.run(["diag", "stats", "printer-simulated", "--reset", "paperCuts"], in: installation.root)
        #expect(reset.status == 0)
        let after = try KioskProcess.run(["diag", "stats", "printer-simulated"], in: installation.root)
        #expect(after.stdout.split(separator: "\n").first { $0.hasPrefix("paperCuts\t") }?.split(separator: "\t")[1] == "0")
    }

    @Test func receiptRenderWritesESCPOSBytes() throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        let data = #"{"hall":"测试政务服务中心","matter":"居住证申领","reference":"S01-20261129-0001","applicantIdLabel":"身份证号","applicantId":"110101198506150019","time":"2026-11-29 10:00","progressCode":"P1:S01-20261129-0001:abcdefghijkl","nextSteps":["等待审核"]}"#
        try data.write(toFile: installation.root + "/data.json", atomically: true, encoding: .utf8)
        let result = try KioskProcess.run(
            ["receipt", "render", "filing-receipt", "--data", "data.json", "--profile", "xprinter-80", "--out", "out.bin"], in: installation.root)
        #expect(result.status == 0, "\(result.stderr)")
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: installation.root + "/out.bin")))
        #expect(Array(bytes.prefix(2)) == [0x1B, 0x40])
        // The full number never reaches the paper; the masked form does.
        #expect(!bytes.windows(ofCount: 18).contains { $0.elementsEqual(Array("110101198506150019".utf8)) })
        #expect(bytes.windows(ofCount: 18).contains { $0.elementsEqual(Array("110101********0019".utf8)) })

        let unknown = try KioskProcess.run(["receipt", "render", "nope", "--data", "data.json", "--out", "-"], in: installation.root)
        #expect(unknown.status == 1)
        #expect(unknown.stderr.hasPrefix("kiosk: "))
    }

    @Test func idcardDecodeRefusesAMalformedFrame() throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        let result = try KioskProcess.start(["idcard", "decode", "--hex"], in: installation.root, stdin: "AA AA AA 96 69 00 04 00 00 90 FF")
        #expect(result.status == 1)
        #expect(result.stderr.hasPrefix("kiosk: "))
        #expect(result.stdout.isEmpty)
    }
}

extension Array {
    func windows(ofCount count: Int) -> [ArraySlice<Element>] {
        guard self.count >= count else { return [] }
        return (0...(self.count - count)).map { self[$0..<($0 + count)] }
    }
}
