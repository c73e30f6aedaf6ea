import Foundation
import Synchronization

/// A private PostgreSQL cluster for tests and benchmarks, started by `scripts/private-postgres.sh`
/// on a temporary directory and a free port and stopped with `stop()`. As root the cluster runs
/// as `nobody` (initdb and postgres refuse root); otherwise as the current user.
///
/// Each test gets a database of its own (`createDatabase()`) so tests run side by side in one
/// cluster. `stopServer()` and `startServer()` take the server away and bring it back on the same
/// port with the same data, for tests of what terminals do while the district store is down.
public final class PrivatePostgres: Sendable {
    /// The suite's cluster, set by the trait that starts it.
    @TaskLocal public static var current: PrivatePostgres?

    public let root: String
    public let port: Int

    public struct SetupFailure: Error, CustomStringConvertible {
        public let description: String
        /// Another process bound the chosen port before postgres did.
        let portWasTaken: Bool
        public init(_ description: String) { self.init(portWasTaken: false, description) }
        init(portWasTaken: Bool, _ description: String) {
            self.description = description
            self.portWasTaken = portWasTaken
        }
    }

    static var script: String { TestInstallation.repository.appendingPathComponent("scripts/private-postgres.sh").path }

    /// `options` are extra server options (the script's PRIVATE_PG_OPTIONS); tests that measure
    /// nothing turn fsync off.
    ///
    /// The port is free when it is chosen, but postgres binds it a moment later: if another
    /// process took it meanwhile ("could not create any TCP/IP sockets"), the start is retried
    /// on another free port (the port is this cluster's own choice; nothing else knows it yet).
    public static func start(options: String = "-c fsync=off -c synchronous_commit=off") async throws -> PrivatePostgres {
        let root = "/tmp/kiosk-postgres-\(UUID().uuidString.prefix(8))"
        var attempt = 1
        while true {
            let cluster = PrivatePostgres(root: root, port: try ListeningSocket.freePort(), options: options)
            do {
                try await cluster.startServer()
                return cluster
            } catch let failure as SetupFailure where failure.portWasTaken && attempt < 5 {
                attempt += 1
            }
        }
    }

    let options: String
    /// Set when a test failed on this cluster: its server log outlives `stop()`.
    private let keepsLog = Mutex(false)

    init(root: String, port: Int, options: String) {
        self.root = root
        self.port = port
        self.options = options
    }

    /// Where the server log is kept after `stop()` when a test failed on the cluster.
    public var keptLogPath: String { root + "-server.log" }

    /// The URL of `database` on this cluster (user `kiosk`, trust authentication).
    public func url(database: String = "kiosk") -> String { "postgres://kiosk@127.0.0.1:\(port)/\(database)" }

    /// A new, empty database; its URL.
    public func createDatabase() async throws -> String {
        let name = "test_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased()
        try await psql("CREATE DATABASE \(name)")
        return url(database: name)
    }

    /// Runs one SQL command as the cluster's owner; its output.
    @discardableResult
    public func psql(_ sql: String, database: String = "kiosk") async throws -> String {
        try await run(["run", root, "psql", "-h", root, "-p", "\(port)", "-U", "kiosk", "-d", database, "-v", "ON_ERROR_STOP=1",
                 "-tAc", sql])
    }

    /// Runs a PostgreSQL program (pgbench, psql) as the cluster's owner; its output.
    @discardableResult
    public func run(program: String, _ arguments: [String]) async throws -> String {
        try await run(["run", root, program] + arguments)
    }

    public func startServer() async throws {
        try await run(["start", root, "\(port)"], environment: ["PRIVATE_PG_OPTIONS=\(options)"])
    }

    public func stopServer() async throws {
        try await run(["stop", root])
    }

    /// Stops the server and removes its directory; the server log stays (at `keptLogPath`) when
    /// a test failed on the cluster.
    public func stop() async {
        _ = try? await run(["stop", root])
        if keepsLog.withLock({ $0 }) {
            try? FileManager.default.removeItem(atPath: keptLogPath)
            try? FileManager.default.moveItem(atPath: root + "/server.log", toPath: keptLogPath)
        }
        try? FileManager.default.removeItem(atPath: root)
    }

    /// What the cluster looks like now, for a test that failed on it: whether it answers and how
    /// fast, its connections by state against its limit, the machine's load, and the end of the
    /// server's log. Keeps the log past `stop()`.
    public func report() async -> String {
        keepsLog.withLock { $0 = true }
        let began = ContinuousClock.now
        let answer: String
        do {
            let rows = try await psql("""
                SELECT coalesce(state, 'background') || ' ' || count(*) FROM pg_stat_activity GROUP BY state
                UNION ALL SELECT 'max_connections ' || current_setting('max_connections')
                """)
            answer = "answers in \(ContinuousClock.now - began): \(rows.split(separator: "\n").joined(separator: ", "))"
        } catch {
            answer = "does not answer (after \(ContinuousClock.now - began)): \(error)"
        }
        let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
        let log = (try? String(contentsOfFile: root + "/server.log", encoding: .utf8)) ?? ""
        let tail = log.split(separator: "\n", omittingEmptySubsequences: false).suffix(40).joined(separator: "\n")
        return """
            private PostgreSQL at 127.0.0.1:\(port) (\(root)) \(answer); load average \(load); \(CooperativePoolWatch.summary)
            server.log (kept at \(keptLogPath) after the cluster stops), last lines:
            \(tail)
            """
    }

    /// Runs `body` on this cluster; when it throws, the error carries the cluster's `report()`
    /// from that moment, so a run that fails says why the store was unavailable.
    public func explainingFailures<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw FailureOnCluster(underlying: error, report: await report())
        }
    }

    /// A test's error with the state of the cluster when it was thrown.
    public struct FailureOnCluster: Error, CustomStringConvertible {
        public let underlying: any Error
        public let report: String
        public var description: String { "\(String(describing: underlying)) [\(type(of: underlying))]\n\(report)" }
    }

    @discardableResult
    private func run(_ arguments: [String], environment: [String] = []) async throws -> String {
        let script = Self.script
        let output = try await offPool { try PrivateCUPSD.run("/usr/bin/env", environment + ["/bin/sh", script] + arguments) }
        guard output.status == 0 else {
            if output.stderr.contains("could not create any TCP/IP sockets") {
                throw SetupFailure(portWasTaken: true, "private-postgres.sh start: port \(port) was taken before postgres bound it: \(output.stderr)")
            }
            throw SetupFailure("private-postgres.sh \(arguments.prefix(2).joined(separator: " ")) failed (status \(output.status); "
                + "CI must install Debian's postgresql): \(output.stderr)")
        }
        return output.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

extension PrivatePostgres {
    /// One cluster for every suite of the test process that asks for it: started by the first,
    /// stopped when the last leaves (suites run side by side, each in its own databases).
    public static func withShared<T: Sendable>(_ body: @Sendable (PrivatePostgres) async throws -> T) async throws -> T {
        CooperativePoolWatch.start()
        let cluster = try await SharedCluster.instance.acquire()
        do {
            let value = try await body(cluster)
            await SharedCluster.instance.release()
            return value
        } catch {
            await SharedCluster.instance.release()
            throw error
        }
    }
}

private actor SharedCluster {
    static let instance = SharedCluster()
    private var cluster: Task<PrivatePostgres, any Error>?
    private var users = 0

    func acquire() async throws -> PrivatePostgres {
        let cluster = self.cluster ?? Task { try await PrivatePostgres.start() }
        self.cluster = cluster
        users += 1
        do {
            return try await cluster.value
        } catch {
            users -= 1
            if users == 0 { self.cluster = nil }
            throw error
        }
    }

    func release() async {
        users -= 1
        guard users == 0, let cluster else { return }
        self.cluster = nil
        if let started = try? await cluster.value { await started.stop() }
    }
}

/// Runs a blocking call (a process and its wait) on a thread of its own, off Swift's cooperative pool.
public func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try body() }) }.start()
    }
}

/// Runs `program` to its end off the cooperative pool; its exit status and output.
public func runProcess(_ program: String, _ arguments: [String]) async throws -> (status: Int32, stdout: String, stderr: String) {
    try await offPool { try PrivateCUPSD.run(program, arguments) }
}

extension PrivatePostgres {
    /// A cluster of its own for `body` (one that stops and restarts its server), stopped and
    /// removed afterwards, whether `body` returns or throws.
    public static func withPrivate<T: Sendable>(options: String = "-c fsync=off -c synchronous_commit=off",
                                                _ body: @Sendable (PrivatePostgres) async throws -> T) async throws -> T {
        let cluster = try await start(options: options)
        do {
            let value = try await cluster.explainingFailures { try await body(cluster) }
            await cluster.stop()
            return value
        } catch {
            await cluster.stop()
            throw error
        }
    }
}
