import Access
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
@testable import KioskApp
@testable import KioskServer
import KioskTesting
import Storage
import Testing

/// Whoever stands at the screen types wrong PINs for an administrator's number, as fast as the
/// screen takes them. That must neither lock the administrator out for long nor keep the other
/// staff from signing in.
@Suite("Staff sign-in under a PIN-guessing attack")
struct SignInDelayTests {
    /// The longest the growing delay gets (see `LockoutPolicy`).
    static let cappedDelay: TimeInterval = 300

    @Test func twentyWrongPINsForOneAccountBlockNeitherItNorTheOthers() async throws {
        let installation = try TestInstallation()
        defer { installation.remove() }
        let application = try await KioskApplication.onTestInstallation(installation)
        let clock = HandClock()
        // The terminal's own store, with PIN hashing cheap enough that the measure is the
        // delay and the budget, not scrypt on a machine shared with every other test.
        let access = AccessStore(store: application.store, hashing: PINHashing(logN: 4, blockSize: 1, parallelism: 1),
                                 signInsPerMinute: application.configuration.rateLimits.signInPerMinute)
        for (number, role, pin) in [("A01", Role.admin, "482915"), ("S02", Role.staff, "739104")] {
            _ = try await access.addStaff(number: StaffNumber(number), name: "测试", role: role, pin: PIN(pin), by: .system, now: clock.now)
        }
        var dependencies = application.serverDependencies
        dependencies.access.now = { clock.now }
        let terminalID = dependencies.access.terminalID
        dependencies.access.signIn = { number, pin, now in
            try await access.signIn(number: number, pin: pin, terminalID: terminalID, now: now).issued
        }
        @Sendable func signIn(_ client: any TestClientProtocol, _ number: String, _ pin: String) async throws -> TestResponse {
            try await client.execute(uri: "/v1/staff/sign-in", method: .post,
                                     body: ByteBuffer(string: #"{"number":"\#(number)","pin":"\#(pin)"}"#))
        }
        try await Application(router: KioskRoutes.router(dependencies)).test(.router) { client in
            // Twenty wrong PINs that the terminal actually checks: the attacker waits out each
            // delay the answer names, and is never told more than to wait.
            var checked = 0, attempts = 0
            while checked < 20, attempts < 400 {
                attempts += 1
                let response = try await signIn(client, "A01", "111111")
                if response.status == .unauthorized {
                    checked += 1
                } else if response.status == .tooManyRequests, let wait = response.headers[.retryAfter].flatMap(Double.init) {
                    clock.advance(wait)
                } else {
                    Issue.record("a wrong PIN answered \(response.status)")
                    clock.advance(1)
                }
                clock.advance(0.1)
            }
            #expect(checked == 20)

            // Another account signs in at once.
            let started = ContinuousClock.now
            let other = try await signIn(client, "S02", "739104")
            let took = ContinuousClock.now - started
            #expect(other.status == .created)
            // Not held by the attacked account's delay (minutes by now); a PIN check alone can take
            // over a second on a loaded 2-core machine (CI saw 1.35 s).
            #expect(took < .seconds(10), "another account signed in after \(took)")

            // The attacked account signs in with its right PIN within the capped delay.
            #expect(access.lockout.maximumDelay == Self.cappedDelay)
            clock.advance(Self.cappedDelay)
            let attacked = try await signIn(client, "A01", "482915")
            #expect(attacked.status == .created)
        }
    }
}
