import Foundation

/// A private cupsd for a test suite, started by `Devices/simulators/cups/private-cupsd.sh` and
/// stopped with `stop()`. Its queues capture every job into `capture/QUEUE.bin`; a
/// `capture/QUEUE.fail` file makes the backend report a fault and stop the queue.
public struct PrivateCUPSD: Sendable {
    /// The suite's daemon, set by the suite trait that starts it.
    @TaskLocal public static var current: PrivateCUPSD?

    public let queues: [String]
    public let root: URL
    public let socketPath: String

    public struct SetupFailure: Error, CustomStringConvertible {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    static var script: URL { TestInstallation.repository.appendingPathComponent("Devices/simulators/cups/private-cupsd.sh") }

    public static func start(queues: [String]) throws -> PrivateCUPSD {
        let root = URL(fileURLWithPath: "/tmp/kiosk-cupsd-\(UUID().uuidString.prefix(8))")
        let output = try run("/bin/sh", [script.path, "start", root.path] + queues)
        guard output.status == 0, let socket = output.stdout.split(separator: "\n").last else {
            throw SetupFailure(
                "could not start a private cupsd (CI must install Debian's cups and cups-client "
                    + "and run the tests as root): \(output.stderr)")
        }
        return PrivateCUPSD(queues: queues, root: root, socketPath: String(socket))
    }

    public func stop() {
        _ = try? Self.run("/bin/sh", [Self.script.path, "stop", root.path])
        try? FileManager.default.removeItem(at: root)
    }

    public func captured(_ queue: String) -> [UInt8]? {
        FileManager.default.contents(atPath: root.appendingPathComponent("capture/\(queue).bin").path).map(Array.init)
    }

    /// Tells the capture backend of `queue` how to fail its next jobs; nil makes it work again.
    public func setFailMode(_ mode: String?, for queue: String) throws {
        let file = root.appendingPathComponent("capture/\(queue).fail")
        if let mode {
            try Data(mode.utf8).write(to: file)
        } else {
            try? FileManager.default.removeItem(at: file)
        }
    }

    /// Resumes a queue the backend stopped, as staff do with `cupsenable` after loading paper.
    public func resume(_ queue: String) throws {
        let output = try Self.run("/usr/sbin/cupsenable", ["-h", socketPath, queue])
        guard output.status == 0 else { throw SetupFailure("cupsenable failed: \(output.stderr)") }
    }

    /// posix_spawn and waitpid: Foundation's `Process` on Linux can miss the exit of a child
    /// that leaves a daemon behind, and hang the suite.
    static func run(_ program: String, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let outputs = FileManager.default.temporaryDirectory.appendingPathComponent("kiosk-cupsd-\(UUID().uuidString)")
        let stdoutPath = outputs.path + ".out"
        let stderrPath = outputs.path + ".err"
        defer {
            try? FileManager.default.removeItem(atPath: stdoutPath)
            try? FileManager.default.removeItem(atPath: stderrPath)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        var cArguments = ([program] + arguments).map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, program, &actions, nil, &cArguments, environ)
        guard spawned == 0 else { throw SetupFailure("cannot run \(program): error \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let read = { (path: String) in String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self) }
        return (exitStatus, read(stdoutPath), read(stderrPath))
    }
}
