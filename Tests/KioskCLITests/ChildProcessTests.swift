import Foundation
import KioskTesting
import Testing

/// `ChildProcess`, which starts every child of these tests: a child holds only its own three
/// descriptors (a pipe or pseudo-terminal another test holds open must not stay open in it), in
/// the directory and environment given, and its exit status is read back.
@Suite("Children of the tests", .waitsOffPool)
struct ChildProcessTests {
    @Test func aChildHoldsOnlyItsOwnThreeDescriptors() throws {
        // A descriptor without close-on-exec, as a test's pipe or pseudo-terminal may be.
        var leaked: [Int32] = [0, 0]
        #expect(pipe(&leaked) == 0)
        defer { close(leaked[0]); close(leaked[1]) }
        let process = ChildProcess()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "ls /proc/self/fd; pwd; echo \"$KIOSK_CHILD\"; exit 3"]
        process.currentDirectoryURL = URL(fileURLWithPath: "/tmp")
        process.environment = ["KIOSK_CHILD": "here", "PATH": "/usr/bin:/bin"]
        let out = Pipe()
        process.standardOutput = out
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        let lines = text.split(separator: "\n").map(String.init)
        // `ls` sees 0, 1, 2 and the directory it reads (3).
        #expect(lines.prefix(while: { Int($0) != nil }) == ["0", "1", "2", "3"], "\(text)")
        #expect(lines.suffix(2) == ["/tmp", "here"])
        #expect(process.terminationStatus == 3)
        #expect(!process.isRunning)
    }
}
