import Foundation
import Glibc
import KioskTesting
import Testing

/// `kiosk devices list` and `kiosk diag health|stats` while `kiosk serve` holds the devices go
/// through the server's admin socket (0660, in a 0750 directory of data_dir), and open the
/// devices themselves when no server answers — before it started, and after it stopped and
/// left its socket behind.
@Suite("kiosk diagnostics through the running server", .serialized, .waitsOffPool)
struct AdminChannelCLITests {
    static let through = "kiosk: through the running kiosk serve ("

    @Test func diagnosticsGoThroughTheRunningServerAndOpenTheDevicesWithoutOne() async throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        let direct = try KioskProcess.run(["devices", "list"], in: installation.root)
        #expect(direct.status == 0, "\(direct.stderr)")
        #expect(!direct.stderr.contains(Self.through))

        let (process, _, err) = try await StopTests.startServing(installation)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let socket = installation.dataDirectory + "/run/admin.sock"
        var socketInfo = stat()
        #expect(stat(socket, &socketInfo) == 0 && socketInfo.st_mode & 0o777 == 0o660 && socketInfo.st_mode & S_IFMT == S_IFSOCK)
        var directoryInfo = stat()
        #expect(stat(installation.dataDirectory + "/run", &directoryInfo) == 0 && directoryInfo.st_mode & 0o777 == 0o750)

        let list = try KioskProcess.run(["devices", "list"], in: installation.root)
        #expect(list.status == 0, "\(list.stderr)")
        #expect(list.stderr.hasPrefix(Self.through + socket + ")"), "\(list.stderr)")
        #expect(list.stdout.contains("printer-simulated\treceiptPrinter\t"))

        // A test print by the server's own printer, counted in its store.
        let health = try KioskProcess.run(["diag", "health", "printer-simulated", "--level", "external", "--json"], in: installation.root)
        #expect(health.status == 0, "\(health.stderr)")
        #expect(health.stderr.hasPrefix(Self.through))
        let result = try JSONDecoder().decode(HealthCheck.self, from: Data(health.stdout.utf8))
        #expect(result.passed && result.level == "external")
        let stats = try KioskProcess.run(["diag", "stats", "printer-simulated"], in: installation.root)
        #expect(stats.stderr.hasPrefix(Self.through))
        #expect(stats.stdout.split(separator: "\n").first { $0.hasPrefix("jobsPrinted\t") }?.split(separator: "\t")[1] == "1")
        let reset = try KioskProcess.run(["diag", "stats", "printer-simulated", "--reset", "jobsPrinted"], in: installation.root)
        #expect(reset.status == 0 && reset.stdout.hasPrefix("jobsPrinted reset at "))
        let missing = try KioskProcess.run(["diag", "health", "no-such-device"], in: installation.root)
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("kiosk: no device no-such-device"), "\(missing.stderr)")

        kill(process.processIdentifier, SIGKILL)   // stopped hard: the socket stays, nobody answers
        process.waitUntilExit()
        _ = err.fileHandleForReading.readDataToEndOfFile()
        let after = try KioskProcess.run(["diag", "stats", "printer-simulated"], in: installation.root)
        #expect(after.status == 0, "\(after.stderr)")
        #expect(!after.stderr.contains(Self.through))
        #expect(after.stdout.split(separator: "\n").first { $0.hasPrefix("jobsPrinted\t") }?.split(separator: "\t")[1] == "0")
    }
}
