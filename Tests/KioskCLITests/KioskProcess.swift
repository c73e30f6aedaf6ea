import Foundation
import KioskTesting
import Secrets
import Storage
import Testing

/// The `kiosk` executable built next to this test bundle, run as a child process the way a
/// technician or a supervisor runs it.
struct KioskProcess {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static var executable: URL { built("kiosk") }

    /// An executable of this package built next to this test bundle (`kiosk`, `kiosk-bench`).
    static func built(_ name: String) -> URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
            .deletingLastPathComponent().appendingPathComponent(name)
    }

    static func start(_ arguments: [String], environment: [String: String] = [:], in directory: String,
                      executable: URL = executable) throws -> (ChildProcess, Pipe, Pipe) {
        let process = ChildProcess()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        // Only what the test sets: a KIOSK_* variable of the developer's shell must not leak in.
        var base = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("KIOSK_") }
        base.merge(environment) { $1 }
        process.environment = base
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        return (process, out, err)
    }

    static func run(_ arguments: [String], environment: [String: String] = [:], in directory: String,
                    executable: URL = executable) throws -> Result {
        let (process, out, err) = try start(arguments, environment: environment, in: directory, executable: executable)
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// Runs with `input` on standard input.
    static func start(_ arguments: [String], in directory: String, stdin input: String) throws -> Result {
        let (process, out, err, inPipe) = try startWithInput(arguments, in: directory)
        // Written from another thread: a child that answers while it reads would otherwise fill
        // its output pipe and wait for this process, which would be waiting for it to read.
        let handle = inPipe.fileHandleForWriting
        let data = Data(input.utf8)
        let writer = Thread {
            handle.write(data)
            try? handle.close()
        }
        writer.start()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }

    private static func startWithInput(_ arguments: [String], in directory: String) throws -> (ChildProcess, Pipe, Pipe, Pipe) {
        let process = ChildProcess()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("KIOSK_") }
        let out = Pipe(), err = Pipe(), input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        return (process, out, err, input)
    }
}

extension TestInstallation {
    /// The keys `kiosk` keeps for this installation (`secrets/` beside `var/`), to open its
    /// database the way the commands do.
    func keys() throws -> TerminalKeys {
        let directory = KeyDirectory(path: root + "/secrets", credentials: nil)
        guard let terminal = try directory.read(KeyDirectory.terminalKey) else {
            throw PrivatePostgres.SetupFailure("no terminal.key in \(directory.path)")
        }
        return TerminalKeys(terminal: terminal, district: try directory.read(KeyDirectory.districtKey))
    }

    /// The installation's database, opened with its keys.
    func store() throws -> SQLiteStore {
        try SQLiteStore(path: dataDirectory + "/kiosk.sqlite", keys: keys())
    }
}

/// For suites whose tests wait for `kiosk` with `KioskProcess.run` (a blocking wait): the suite
/// and the tests it runs (child tasks, which inherit the preference) run off the cooperative
/// pool (`withWaitsOffPool`), so the waits do not starve the tests that wait asynchronously.
struct WaitsOffPoolTrait: SuiteTrait, TestScoping {
    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        try await withWaitsOffPool { try await function() }
    }
}

extension Trait where Self == WaitsOffPoolTrait {
    static var waitsOffPool: Self { Self() }
}
