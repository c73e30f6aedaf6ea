import Foundation
import KioskCore
import KioskTesting
import Logging
import StoragePostgres

/// `kiosk bench heartbeat`: the district's load from the fleet view's heartbeats. 1,000 simulated
/// terminals each send one heartbeat in a minute (three devices, an outbox backlog, a fault code),
/// spread evenly over that minute as their timers fall, through `PostgresFleet.record` into a
/// private PostgreSQL with default durability. The figure is the CPU time of the PostgreSQL
/// server (postmaster and backends, from /proc) and of the senders (this process) over the wall
/// time: the share of one core the fleet view costs.
///
/// The senders share one pool of 8 connections; a real terminal keeps its own connection to the
/// district open for bookings, so a heartbeat sets up no connection there either.
public enum HeartbeatBenchmark {
    static let terminals = 1_000
    static let minute: Double = 60

    public static func run() -> [Figure] {
        measuredFigures("heartbeat") {
            try await PrivatePostgres.withPrivate(options: "") { cluster in try await measure(cluster) }
        }
    }

    static func measure(_ cluster: PrivatePostgres) async throws -> [Figure] {
        let store = try PostgresStore(url: cluster.url(), operationTimeout: .seconds(30), maximumConnections: 8,
                                      logger: Logger(label: "bench.heartbeat"))
        return try await store.withRunning {
            _ = try await store.migrate()
            let fleet = PostgresFleet(store: store)
            // One round first, so the rows exist (a running district upserts) and the pool is open.
            for index in 0..<terminals { try await fleet.record(heartbeat(index, at: Date())) }
            let postmaster = try postmasterPID(cluster)
            let clock = ContinuousClock()
            let (serverBefore, sendersBefore, start) = (serverCPUSeconds(postmaster), processCPUSeconds(), clock.now)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<terminals {
                    let due = start + .milliseconds(Int64(Double(index) * minute * 1000 / Double(terminals)))
                    group.addTask {
                        try await Task.sleep(until: due, clock: clock)
                        try await fleet.record(heartbeat(index, at: Date()))
                    }
                }
                try await group.waitForAll()
            }
            let elapsed = clock.now - start
            let wall = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            let server = serverCPUSeconds(postmaster) - serverBefore
            let senders = processCPUSeconds() - sendersBefore
            let share = (server + senders) / wall * 100
            let rows = try await fleet.heartbeats().count
            return [
                Figure(name: "heartbeat: \(terminals) terminals for \(Int(wall.rounded())) s (\(rows) rows), PostgreSQL server CPU",
                       value: server / wall * 100, unit: "% of one core"),
                Figure(name: "heartbeat: senders' CPU", value: senders / wall * 100, unit: "% of one core"),
                Figure(name: "heartbeat: load of \(terminals) terminals, server and senders", value: share, unit: "% of one core",
                       target: "< 5%"),
                Figure(name: "heartbeat: load ÷ target", value: share / 5, unit: "×", target: "< 1"),
            ]
        }
    }

    static func heartbeat(_ index: Int, at time: Date) -> TerminalHeartbeat {
        let terminal = String(format: "T%04d", index)
        let paper = index % 50 == 0 ? "nearEnd" : "ok"
        return TerminalHeartbeat(
            terminalId: terminal, siteId: "hall-\(index / 25)", version: KioskVersion.current, sentAt: time,
            devices: [
                .init(id: "usb-0483-5743-\(terminal)", kind: "receiptPrinter", state: "idle", paper: paper),
                .init(id: "usb-0400-c35a-\(terminal)", kind: "idCardReader", state: index % 97 == 0 ? "error" : "idle",
                      fault: index % 97 == 0 ? "samSelfTestFailed" : nil),
                .init(id: "scanner-\(terminal)", kind: "codeScanner", state: "idle"),
            ],
            outboxPending: index % 7, outboxRefused: 0, lastError: index % 13 == 0 ? "paperOut" : nil)
    }

    static func postmasterPID(_ cluster: PrivatePostgres) throws -> Int32 {
        let text = try String(contentsOfFile: cluster.root + "/data/postmaster.pid", encoding: .utf8)
        guard let pid = text.split(separator: "\n").first.flatMap({ Int32($0) }) else {
            throw PrivatePostgres.SetupFailure("no pid in postmaster.pid")
        }
        return pid
    }

    /// CPU seconds of the postmaster (its own and its reaped children's) and its live children.
    static func serverCPUSeconds(_ postmaster: Int32) -> Double {
        var total = 0.0
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for entry in entries {
            guard let pid = Int32(entry), let fields = statFields(pid) else { continue }
            // Fields after the command: state(3) ppid(4) … utime(14) stime(15) cutime(16) cstime(17).
            let ticks = { (n: Int) in Double(fields[n - 3]) ?? 0 }
            if pid == postmaster {
                total += ticks(14) + ticks(15) + ticks(16) + ticks(17)
            } else if Int32(fields[1]) == postmaster {
                total += ticks(14) + ticks(15)
            }
        }
        return total / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// `/proc/PID/stat` from the state field on (the command may hold spaces).
    static func statFields(_ pid: Int32) -> [Substring]? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = text.lastIndex(of: ")") else { return nil }
        return text[text.index(after: close)...].split(separator: " ")
    }

    static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}
