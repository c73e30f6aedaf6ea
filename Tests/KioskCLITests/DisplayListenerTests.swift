import Foundation
import KioskTesting
import Testing

/// The call display's own listener (`[display]`): real HTTPS with a throwaway certificate,
/// the display token made with `kiosk displays add`, the display endpoints and page only, the
/// API itself still on loopback; a stop ends an open display stream.
@Suite("kiosk serve: the call display's listener", .serialized, .waitsOffPool)
struct DisplayListenerTests {
    /// What `pipe` gives until `marker` has come, or until its end (nil: to the end), read on a
    /// thread of its own.
    static func read(_ pipe: Pipe, until marker: String?) async -> String {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                var bytes = Data()
                while marker.map({ !String(decoding: bytes, as: UTF8.self).contains($0) }) ?? true {
                    let chunk = pipe.fileHandleForReading.availableData
                    if chunk.isEmpty { break }
                    bytes += chunk
                }
                continuation.resume(returning: String(decoding: bytes, as: UTF8.self))
            }
        }
    }

    @Test func servesTheDisplayOverTLSToItsTokenAndNothingElse() async throws {
        let displayPort = try ListeningSocket.freePort()
        let installation = try TestInstallation(config: """
            [log]
            format = "json"
            [display]
            listen = "127.0.0.1:\(displayPort)"
            certificate_file = "cert.pem"
            key_file = "key.pem"

            """)
        defer { installation.remove() }
        try await Tool.makeCertificate(in: installation.root)
        let added = try KioskProcess.run(["displays", "add", "hall-a"], in: installation.root)
        #expect(added.status == 0, "\(added.stderr)")
        let token = String(try #require(added.stdout.split(separator: "\n").first { $0.hasPrefix("token: ") }).dropFirst("token: ".count))
        #expect(token.hasPrefix("kds1.hall-a."))
        #expect(try KioskProcess.run(["displays", "list"], in: installation.root).stdout == "hall-a\tactive\n")

        let apiPort = try ListeningSocket.freePort()
        let (process, _, err) = try KioskProcess.start(["serve"], environment: ["KIOSK_LISTEN": "127.0.0.1:\(apiPort)"], in: installation.root)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        let display = "https://127.0.0.1:\(displayPort)"
        let bearer = ["-H", "Authorization: Bearer \(token)"]
        func status(_ path: String, _ options: [String] = []) async -> String {
            await Tool.run("/usr/bin/curl", ["--silent", "--connect-timeout", "2", "--max-time", "5", "--cacert", installation.root + "/cert.pem",
                                             "-o", "/dev/null", "-w", "%{http_code}"] + options + [display + path]).stdout
        }
        var ready = ""
        _ = try await eventually(every: .milliseconds(100)) {
            ready = await status("/v1/display/queue", bearer)
            return ready == "200" || !process.isRunning
        }
        // The client trusts only the throwaway certificate: a 200 proves TLS with it.
        #expect(ready == "200")
        #expect(await status("/ui/display.html") == "200")
        #expect(await status("/v1/display/queue") == "401", "no token")
        #expect(await status("/v1/display/queue", ["-H", "Authorization: Bearer \(token.dropLast(3))abc"]) == "401", "a wrong token")
        for path in ["/v1/queue", "/v1/info", "/healthz", "/metrics", "/v1/forms", "/v1/events"] {
            #expect(await status(path, bearer) == "404", "\(path) on the display listener")
        }
        // Of the touch UI, only the display page's own files.
        #expect(await status("/ui/index.html") == "404")
        #expect(await status("/ui/staff.js") == "404")
        #expect(await status("/v1/display/queue", bearer + ["--http1.1", "--tlsv1.2", "--tls-max", "1.2"]) == "200")
        let plain = await Tool.run("/usr/bin/curl", ["--silent", "--max-time", "5", "-o", "/dev/null", "-w", "%{http_code}",
                                                     "http://127.0.0.1:\(displayPort)/v1/display/queue"] + bearer)
        #expect(plain.stdout != "200", "plain HTTP on the display listener")
        // The API stays on loopback, over its own listener, and refuses the display token there too.
        #expect(await Tool.run("/usr/bin/curl", ["--silent", "-o", "/dev/null", "-w", "%{http_code}",
                                                 "http://127.0.0.1:\(apiPort)/v1/queue"] + bearer).stdout == "403")

        // A display following the stream when the terminal stops: its stream ends, the stop is clean.
        let follower = ChildProcess()
        follower.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        follower.arguments = ["--silent", "--no-buffer", "--max-time", "60", "--cacert", installation.root + "/cert.pem",
                              display + "/v1/display/events"] + bearer
        let stream = Pipe()
        follower.standardOutput = stream
        try follower.run()
        defer { if follower.isRunning { kill(follower.processIdentifier, SIGKILL) } }
        // The stop comes once the display follows: its stream has begun.
        let opening = await Self.read(stream, until: ": kiosk queue display")
        #expect(opening.hasPrefix(": kiosk queue display"), "\(opening)")
        let stopAsked = ContinuousClock.now
        kill(process.processIdentifier, SIGTERM)
        let log = await Tool.finish(process, err)
        _ = await Self.read(stream, until: nil)   // the stream's end
        #expect(process.terminationStatus == 0)
        #expect(ContinuousClock.now - stopAsked < .seconds(30), "the open stream held the stop up")
        #expect(log.contains("the call display is served"))

        // Revoked once (DisplayAccessTests shows a revoked token refused); both changes are in the audit log.
        #expect(try KioskProcess.run(["displays", "revoke", "hall-a"], in: installation.root).status == 0)
        #expect(try KioskProcess.run(["displays", "revoke", "hall-a"], in: installation.root).status == 1)
        #expect(try KioskProcess.run(["displays", "add", "a/b"], in: installation.root).status == 1)
        let exported = try KioskProcess.run(["audit", "export", "--from", "2000-01-01", "--to", "2100-01-01"], in: installation.root)
        #expect(exported.stdout.contains("display.added") && exported.stdout.contains("display.revoked"))
        #expect(!exported.stdout.contains(String(token.split(separator: ".").last ?? "")))
    }

    @Test func aDisplayListenerWithoutItsCertificateDoesNotStart() async throws {
        let installation = try TestInstallation(config: "[display]\nlisten = \"0.0.0.0:8443\"\n")
        defer { installation.remove() }
        let result = try await Tool.serve(in: installation.root)
        #expect(result.status == 1)
        #expect(result.stderr == "kiosk.conf:2: display.listen is set but display.certificate_file and display.key_file are not; "
            + "the display listener serves HTTPS only\n")
    }

    /// A service added to kiosk.conf and reloaded (SIGHUP) shows on the call display as it does
    /// on the terminal: the display listener's routes follow the reload. Before, they were built
    /// once at start and the display kept the old services until a restart.
    @Test func aReloadedServiceShowsOnTheDisplay() async throws {
        let displayPort = try ListeningSocket.freePort()
        let display = """
            [display]
            listen = "127.0.0.1:\(displayPort)"
            certificate_file = "cert.pem"
            key_file = "key.pem"

            """
        func service(_ id: String) -> String {
            "[[services]]\nid = \"\(id)\"\nname_zh = \"业务\(id)\"\nname_en = \"Service \(id)\"\nduration_minutes = 20\ncounters = [\"A1\"]\n"
        }
        let installation = try TestInstallation(config: display + service("hukou"))
        defer { installation.remove() }
        try await Tool.makeCertificate(in: installation.root)
        let added = try KioskProcess.run(["displays", "add", "hall-a"], in: installation.root)
        let token = String(try #require(added.stdout.split(separator: "\n").first { $0.hasPrefix("token: ") }).dropFirst("token: ".count))
        let apiPort = try ListeningSocket.freePort()
        let (process, _, _) = try KioskProcess.start(["serve"], environment: ["KIOSK_LISTEN": "127.0.0.1:\(apiPort)"], in: installation.root)
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

        struct Shown: Decodable { struct Service: Decodable { let serviceId: String }; let services: [Service] }
        func shown() async -> [String]? {
            let reply = await Tool.run("/usr/bin/curl", ["--silent", "--max-time", "5", "--cacert", installation.root + "/cert.pem",
                                                         "-H", "Authorization: Bearer \(token)",
                                                         "https://127.0.0.1:\(displayPort)/v1/display/queue"])
            return (try? JSONDecoder().decode(Shown.self, from: Data(reply.stdout.utf8)))?.services.map(\.serviceId)
        }
        /// Waits up to 30 s for the display to show `services`.
        func displayShows(_ services: [String]) async throws -> Bool {
            try await eventually(every: .milliseconds(100)) {
                guard process.isRunning else { return true }
                return await shown() == services
            } && process.isRunning
        }
        #expect(try await displayShows(["hukou"]))
        try installation.writeConfig(display + service("hukou") + service("passport"))
        kill(process.processIdentifier, SIGHUP)
        let reloaded = try await displayShows(["hukou", "passport"])
        let showing = await shown() ?? []
        #expect(reloaded, "the display shows \(showing)")
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
    }
}
