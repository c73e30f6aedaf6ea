import Foundation
import Testing

/// `kiosk bench NAME` keeps its name although the benchmarks live in `kiosk-bench`: it hands
/// its arguments over, and says where the benchmarks are when they are not beside it.
@Suite("kiosk bench hands over to kiosk-bench", .waitsOffPool)
struct BenchCommandTests {
    @Test func argumentsReachKioskBench() throws {
        let result = try KioskProcess.run(["bench", "no-such-figure"], in: "/")
        #expect(result.status != 0)
        #expect(result.stderr.contains("unknown benchmark no-such-figure"))
        #expect(result.stderr.contains("jsonlogic"))
    }

    @Test func anInstalledKioskWithoutTheBenchmarksSaysSo() throws {
        // A hard link beside the build, not a copy: a copy is written through a descriptor that a
        // child forked by another test at that moment inherits, and running the file then fails
        // with "text file busy" (the likeliest cause of CI failing here once while it passed
        // alone). A link writes nothing; beside the build it is on the same file system.
        let alone = KioskProcess.executable.deletingLastPathComponent()
            .appendingPathComponent("kiosk-alone-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: alone, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: alone) }
        let copy = alone.appendingPathComponent("kiosk")
        try FileManager.default.linkItem(at: KioskProcess.executable, to: copy)
        let result = try KioskProcess.run(["bench", "jsonlogic"], in: "/", executable: copy)
        #expect(result.status != 0)
        #expect(result.stderr.contains("not part of the installed package"))
    }
}
