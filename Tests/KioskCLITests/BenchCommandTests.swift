import Foundation
import Testing

/// `kiosk bench NAME` keeps its name although the benchmarks live in `kiosk-bench`: it hands
/// its arguments over, and says where the benchmarks are when they are not beside it.
@Suite("kiosk bench hands over to kiosk-bench")
struct BenchCommandTests {
    @Test func argumentsReachKioskBench() throws {
        let result = try KioskProcess.run(["bench", "no-such-figure"], in: "/")
        #expect(result.status != 0)
        #expect(result.stderr.contains("unknown benchmark no-such-figure"))
        #expect(result.stderr.contains("jsonlogic"))
    }

    @Test func anInstalledKioskWithoutTheBenchmarksSaysSo() throws {
        let alone = FileManager.default.temporaryDirectory.appendingPathComponent("kiosk-alone-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: alone, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: alone) }
        let copy = alone.appendingPathComponent("kiosk")
        try FileManager.default.copyItem(at: KioskProcess.executable, to: copy)
        let result = try KioskProcess.run(["bench", "jsonlogic"], in: "/", executable: copy)
        #expect(result.status != 0)
        #expect(result.stderr.contains("not part of the installed package"))
    }
}
