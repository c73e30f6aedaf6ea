import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child process started with `posix_spawn`, for tests that run `kiosk` and tools: the part
/// of Foundation's `Process` they use (the same names), without its crash.
///
/// Swift 6.3.1's Foundation on Linux reads every `/proc/self/fd` entry's name as a 256-byte
/// copy before each spawn (swift-corelibs-foundation #5472): a short entry at the end of a
/// mapped page makes `Process.run()` fault, about once in a few runs of a suite that starts
/// as many processes as this one (the suite crashed so, with signal 11 inside `Process.run`).
/// Here the child closes every descriptor above 2 itself (`posix_spawn_file_actions_addclosefrom_np`),
/// as `Process` does, so no test's pipe, pseudo-terminal or socket leaks into another's child.
public final class ChildProcess: @unchecked Sendable {
    public var executableURL: URL?
    public var arguments: [String] = []
    /// Nil: this process's environment.
    public var environment: [String: String]?
    public var currentDirectoryURL: URL?
    /// A `Pipe` or a `FileHandle`; nil: this process's.
    public var standardInput: Any?
    public var standardOutput: Any?
    public var standardError: Any?

    private let lock = NSLock()
    private var pid: pid_t = 0
    private var exit: Int32?

    public init() {}

    public var processIdentifier: Int32 { lock.withLock { pid } }

    public struct SpawnFailure: Error, CustomStringConvertible {
        public let description: String
    }

    public func run() throws {
        guard let executableURL else { throw SpawnFailure(description: "no executable") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // The parent's ends of the pipes are closed after the spawn: the child keeps its copy.
        var parentsCopies: [FileHandle] = []
        for (target, stream) in [(Int32(0), standardInput), (1, standardOutput), (2, standardError)] {
            switch stream {
            case let pipe as Pipe:
                let childEnd = target == 0 ? pipe.fileHandleForReading : pipe.fileHandleForWriting
                posix_spawn_file_actions_adddup2(&actions, childEnd.fileDescriptor, target)
                parentsCopies.append(childEnd)
            case let handle as FileHandle where handle === FileHandle.nullDevice || handle.fileDescriptor < 0:
                posix_spawn_file_actions_addopen(&actions, target, "/dev/null", target == 0 ? O_RDONLY : O_WRONLY, 0)
            case let handle as FileHandle:
                posix_spawn_file_actions_adddup2(&actions, handle.fileDescriptor, target)
            default:
                break
            }
        }
        try Self.closeFrom(3, &actions)
        if let directory = currentDirectoryURL?.path {
            try Self.changeDirectory(directory, &actions)
        }
        let path = executableURL.path
        var argv = ([path] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let environment = environment ?? ProcessInfo.processInfo.environment
        var envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        var child = pid_t()
        let spawned = posix_spawn(&child, path, &actions, nil, &argv, &envp)
        guard spawned == 0 else {
            throw SpawnFailure(description: "cannot run \(path): \(String(cString: strerror(spawned)))")
        }
        lock.withLock { pid = child }
        for handle in parentsCopies { try? handle.close() }
    }

    /// False once the child has exited (and been reaped here).
    public var isRunning: Bool {
        lock.withLock {
            guard pid != 0, exit == nil else { return false }
            var status: Int32 = 0
            guard waitpid(pid, &status, WNOHANG) == pid else { return true }
            exit = status
            return false
        }
    }

    public func waitUntilExit() {
        let child = processIdentifier
        guard child != 0 else { return }
        var status: Int32 = 0
        var reaped: pid_t
        repeat { reaped = waitpid(child, &status, 0) } while reaped == -1 && errno == EINTR
        lock.withLock {
            // ECHILD: `isRunning` reaped it on another thread, holding the lock while it recorded
            // the status, so the status is here; if it is not, something else reaped the child.
            if exit == nil { exit = reaped == child ? status : 255 << 8 }
        }
    }

    /// The exit status, or the number of the signal that ended it (as `Process` says).
    public var terminationStatus: Int32 {
        guard let status = lock.withLock({ exit }) else { return -1 }
        let signal = status & 0x7f
        return signal == 0 ? (status >> 8) & 0xff : signal
    }

    // MARK: glibc's spawn extensions, which Swift's Glibc module does not import

    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private typealias ChangeDirectory = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    private static func symbol<T>(_ name: String, as type: T.Type) throws -> T {
        guard let address = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else {
            throw SpawnFailure(description: "this C library has no \(name) (glibc 2.34 or later)")
        }
        return unsafeBitCast(address, to: type)
    }

    private static func closeFrom(_ first: Int32, _ actions: inout posix_spawn_file_actions_t) throws {
        let closeFrom = try symbol("posix_spawn_file_actions_addclosefrom_np", as: CloseFrom.self)
        guard closeFrom(&actions, first) == 0 else { throw SpawnFailure(description: "posix_spawn_file_actions_addclosefrom_np failed") }
    }

    private static func changeDirectory(_ path: String, _ actions: inout posix_spawn_file_actions_t) throws {
        let changeDirectory = try symbol("posix_spawn_file_actions_addchdir_np", as: ChangeDirectory.self)
        guard changeDirectory(&actions, path) == 0 else { throw SpawnFailure(description: "posix_spawn_file_actions_addchdir_np failed") }
    }
}
