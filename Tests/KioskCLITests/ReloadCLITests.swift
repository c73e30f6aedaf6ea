import Foundation
import KioskTesting
import Testing

/// The built binary: `kill -HUP` a running `kiosk serve` after editing Forms/, and it serves
/// the new filing; a broken edit is refused, the running version stays, and /readyz and the
/// log say why.
@Suite("kiosk serve reloads on SIGHUP", .waitsOffPool)
struct ReloadCLITests {
    func formIDs(_ port: Int) -> [String] {
        guard let reply = RawHTTP.send(port: port, path: "/v1/forms"),
              let forms = try? reply.decoded([FormSummary].self) else { return [] }
        return forms.map(\.id)
    }

    func reloadWarnings(_ port: Int) -> [String] {
        (try? RawHTTP.send(port: port, path: "/readyz")?.decoded(Readiness.self))?.warnings(of: "reload") ?? []
    }


    @Test func sighupServesANewFormAndRefusesABrokenOne() async throws {
        let installation = try TestInstallation(config: "[log]\nformat = \"json\"\n")
        defer { installation.remove() }
        let port = try ListeningSocket.freePort()
        let (process, _, err) = try KioskProcess.start(["serve"], environment: ["KIOSK_LISTEN": "127.0.0.1:\(port)"], in: installation.root)
        #expect(try await eventually { RawHTTP.send(port: port, path: "/healthz")?.status == 200 })
        #expect(formIDs(port).count == 4)

        let forms = installation.root + "/Forms"
        let copy = try String(contentsOfFile: forms + "/residence-permit.yaml", encoding: .utf8)
            .replacingOccurrences(of: "id: residence-permit\n", with: "id: residence-permit-renewal\n")
        try copy.write(toFile: forms + "/residence-permit-renewal.yaml", atomically: true, encoding: .utf8)
        #expect(!formIDs(port).contains("residence-permit-renewal"), "served before anyone asked for a reload")
        kill(process.processIdentifier, SIGHUP)
        #expect(try await eventually { formIDs(port).contains("residence-permit-renewal") })

        try "id: broken\nversion: one\n".write(toFile: forms + "/broken.yaml", atomically: true, encoding: .utf8)
        kill(process.processIdentifier, SIGHUP)
        #expect(try await eventually { reloadWarnings(port).contains { $0.hasPrefix(forms + "/broken.yaml:2: version:") } },
                "\(reloadWarnings(port))")
        #expect(formIDs(port).count == 5)

        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let log = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(log.contains(#""message":"reloaded""#) && log.contains(#""reload.trigger":"SIGHUP""#))
        #expect(log.contains(#""message":"reload refused; the running version stays""#))
        #expect(log.contains("broken.yaml:2: version:"))
    }
}
