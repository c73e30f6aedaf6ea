import Access
import Foundation
import GRDB
import Storage
import Testing

struct AccessStoreTests {
    @Test func addsListsAndRefusesADuplicateNumber() async throws {
        let fixture = try AccessStoreFixture()
        defer { fixture.remove() }
        let access = fixture.access
        let added = try await access.addStaff(number: fixture.staffNumber("1001"), name: " 王小明 ", role: .staff,
                                              pin: PIN("482915"), by: .staff(fixture.admin), now: fixture.now)
        #expect(added.name == "王小明")
        _ = try await access.addStaff(number: fixture.staffNumber("0900"), name: "Li Lei", role: .technician,
                                      pin: PIN("739104"), by: .system, now: fixture.now)
        await #expect(throws: AccessError(.staffNumberTaken)) {
            try await access.addStaff(number: fixture.staffNumber("1001"), name: "Other", role: .admin, pin: PIN("739104"),
                                      by: .system, now: fixture.now)
        }
        await #expect(throws: AccessError(.invalidStaffName)) {
            try await access.addStaff(number: fixture.staffNumber("1002"), name: "  ", role: .admin, pin: PIN("739104"),
                                      by: .system, now: fixture.now)
        }
        await #expect(throws: AccessError(.invalidRole)) {
            try await access.addStaff(number: fixture.staffNumber("1002"), name: "Han", role: .citizen, pin: PIN("739104"),
                                      by: .system, now: fixture.now)
        }
        let accounts = try await access.listStaff()
        #expect(accounts.map(\.number.value) == ["0900", "1001"])
        #expect(accounts.map(\.role) == [.technician, .staff])
        #expect(accounts.allSatisfy { !$0.disabled && $0.lockedUntil == nil && $0.createdAt == fixture.now })

        let audit = try await access.auditRecords()
        #expect(audit.map(\.action) == ["staff.added", "staff.added"])
        #expect(audit.map(\.actor) == ["A01", "system"])
        #expect(audit.allSatisfy { !$0.details.contains("王") && !$0.target.contains("王") })
    }

    @Test func signsInWithTheRightPINAndTheTokenAuthenticatesAtThisTerminalOnly() async throws {
        let fixture = try AccessStoreFixture()
        defer { fixture.remove() }
        let access = fixture.access
        _ = try await access.addStaff(number: fixture.staffNumber("1001"), name: "Wang", role: .staff, pin: PIN("482915"),
                                      by: .system, now: fixture.now)
        let signedIn = try await access.signIn(number: "1001", pin: "482915", terminalID: "T-01", now: fixture.now)
        #expect(signedIn.account.role == .staff)
        #expect(signedIn.issued.token.role == .staff)
        #expect(signedIn.issued.token.staffNumber.value == "1001")
        let text = signedIn.issued.text
        #expect(try await access.authenticate(text, terminalID: "T-01", now: fixture.now + 60) == signedIn.issued.token)
        await #expect(throws: AccessError(.tokenOtherTerminal)) {
            try await access.authenticate(text, terminalID: "T-02", now: fixture.now + 60)
        }
        await #expect(throws: AccessError(.tokenExpired)) {
            try await access.authenticate(text, terminalID: "T-01", now: fixture.now + 15 * 60)
        }
        let forged = String(text.dropLast(2)) + (text.hasSuffix("AA") ? "BA" : "AA")
        await #expect(throws: AccessError(.tokenForged)) {
            try await access.authenticate(forged, terminalID: "T-01", now: fixture.now + 60)
        }
        #expect(try await !access.isRevoked(tokenID: signedIn.issued.token.id))
        try await access.signOut(signedIn.issued.token, now: fixture.now + 120)
        #expect(try await access.isRevoked(tokenID: signedIn.issued.token.id))
        await #expect(throws: AccessError(.tokenRevoked)) {
            try await access.authenticate(text, terminalID: "T-01", now: fixture.now + 180)
        }
        #expect(try await !access.revoke(tokenID: signedIn.issued.token.id, by: .system, now: fixture.now + 200))
        #expect(try await access.isRevoked(tokenID: "never-issued"))

        let audit = try await access.auditRecords()
        #expect(audit.map(\.action) == ["staff.added", "staff.signIn", "staff.signOut"])
        #expect(audit[1].detailValues == ["role": "staff", "terminal": "T-01", "token": signedIn.issued.token.id])
    }

    @Test func aTokenFromAnotherInstallationIsForged() async throws {
        let first = try AccessStoreFixture()
        let second = try AccessStoreFixture()
        defer { first.remove(); second.remove() }
        _ = try await first.access.addStaff(number: first.staffNumber("1001"), name: "Wang", role: .admin, pin: PIN("482915"),
                                            by: .system, now: first.now)
        let signedIn = try await first.access.signIn(number: "1001", pin: "482915", terminalID: "T-01", now: first.now)
        await #expect(throws: AccessError(.tokenForged)) {
            try await second.access.authenticate(signedIn.issued.text, terminalID: "T-01", now: first.now)
        }
    }

    @Test func wrongPINsLockTheAccountAndEachStepIsAudited() async throws {
        let fixture = try AccessStoreFixture()
        defer { fixture.remove() }
        let access = fixture.access
        let number = fixture.staffNumber("1001")
        _ = try await access.addStaff(number: number, name: "Wang", role: .staff, pin: PIN("482915"), by: .system, now: fixture.now)
        for attempt in 0..<4 {
            await #expect(throws: AccessError(.signInFailed)) {
                try await access.signIn(number: "1001", pin: "000000", terminalID: "T-01", now: fixture.now + Double(attempt))
            }
        }
        await #expect(throws: AccessError.locked(minutes: 15)) {
            try await access.signIn(number: "1001", pin: "111111", terminalID: "T-01", now: fixture.now + 4)
        }
        #expect(try await access.listStaff().first?.lockedUntil == fixture.now + 4 + 900)
        // Locked: even the right PIN is refused, and the refusal does not extend the lock.
        await #expect(throws: AccessError.locked(minutes: 5)) {
            try await access.signIn(number: "1001", pin: "482915", terminalID: "T-01", now: fixture.now + 4 + 600)
        }
        #expect(try await access.listStaff().first?.lockedUntil == fixture.now + 4 + 900)
        let signedIn = try await access.signIn(number: "1001", pin: "482915", terminalID: "T-01", now: fixture.now + 4 + 900)
        #expect(signedIn.account.number == number)
        #expect(try await access.listStaff().first?.lockedUntil == nil)

        let audit = try await access.auditRecords()
        #expect(audit.map(\.action) == ["staff.added"] + Array(repeating: "staff.signInFailed", count: 5)
            + ["staff.locked", "staff.signInFailed", "staff.signIn"])
        #expect(audit[1].detailValues == ["reason": "wrongPIN", "terminal": "T-01", "failures": "1"])
        #expect(audit[5].detailValues?["failures"] == "5")
        #expect(audit[6].detailValues == ["until": "2025-03-01T08:15:04Z"])
        #expect(audit[7].detailValues?["reason"] == "locked")
        #expect(try await access.verifyAudit().firstBreak == nil)
    }

    @Test func successResetsTheFailureCount() async throws {
        let fixture = try AccessStoreFixture()
        defer { fixture.remove() }
        let access = fixture.access
        _ = try await access.addStaff(number: fixture.staffNumber("1001"), name: "Wang", role: .staff, pin: PIN("482915"),
                                      by: .system, now: fixture.now)
        for _ in 0..<4 { _ = try? await access.signIn(number: "1001", pin: "000000", terminalID: "T-01", now: fixture.now) }
        _ = try await access.signIn(number: "1001", pin: "482915", terminalID: "T-01", now: fixture.now)
        for _ in 0..<4 {
            await #expect(throws: AccessError(.signInFailed)) {
                try await access.signIn(number: "1001", pin: "000000", terminalID: "T-01", now: fixture.now)
            }
        }
    }

    @Test func unknownAndMalformedNumbersFailLikeAWrongPIN() async throws {
        let fixture = try AccessStoreFixture()
        defer { fixture.remove() }
        await #expect(throws: AccessError(.signInFailed)) {
            try await fixture.access.signIn(number: "4040", pin: "482915", terminalID: "T-01", now: fixture.now)
        }
        await #expect(throws: AccessError(.signInFailed)) {
            try await fixture.access.signIn(number: "11010519491231002X", pin: "482915", terminalID: "T-01", now: fixture.now)
        }
        let audit = try await fixture.access.auditRecords()
        #expect(audit.map(\.detailValues?["reason"]) == ["unknownAccount", "malformedNumber"])
        #expect(audit.map(\.target) == ["4040", ""])
    }

    @Test func disablingRefusesSignInAndRevokesLiveTokens() async throws {
        let fixture = try AccessStoreFixture()
        defer { fixture.remove() }
        let access = fixture.access
        let number = fixture.staffNumber("1001")
        _ = try await access.addStaff(number: number, name: "Wang", role: .staff, pin: PIN("482915"), by: .system, now: fixture.now)
        let signedIn = try await access.signIn(number: "1001", pin: "482915", terminalID: "T-01", now: fixture.now)
        try await access.disableStaff(number, by: .staff(fixture.admin), now: fixture.now + 10)
        await #expect(throws: AccessError(.tokenRevoked)) {
            try await access.authenticate(signedIn.issued.text, terminalID: "T-01", now: fixture.now + 20)
        }
        await #expect(throws: AccessError(.accountDisabled)) {
            try await access.signIn(number: "1001", pin: "482915", terminalID: "T-01", now: fixture.now + 30)
        }
        await #expect(throws: AccessError(.staffNotFound)) {
            try await access.disableStaff(fixture.staffNumber("9999"), by: .system, now: fixture.now)
        }
        #expect(try await access.listStaff().first?.disabled == true)
        let audit = try await access.auditRecords()
        #expect(audit.suffix(2).map(\.action) == ["staff.disabled", "staff.signInFailed"])
        #expect(audit.suffix(2).first?.detailValues == ["revokedTokens": "1"])
    }

    @Test func resettingThePINLiftsTheLockAndRevokesTokens() async throws {
        let fixture = try AccessStoreFixture()
        defer { fixture.remove() }
        let access = fixture.access
        let number = fixture.staffNumber("1001")
        _ = try await access.addStaff(number: number, name: "Wang", role: .technician, pin: PIN("482915"), by: .system, now: fixture.now)
        let signedIn = try await access.signIn(number: "1001", pin: "482915", terminalID: "T-01", now: fixture.now)
        for _ in 0..<5 { _ = try? await access.signIn(number: "1001", pin: "000000", terminalID: "T-01", now: fixture.now) }
        #expect(try await access.listStaff().first?.lockedUntil != nil)
        try await access.resetPIN(number, to: PIN("739104"), by: .staff(fixture.admin), now: fixture.now + 1)
        #expect(try await access.listStaff().first?.lockedUntil == nil)
        await #expect(throws: AccessError(.tokenRevoked)) {
            try await access.authenticate(signedIn.issued.text, terminalID: "T-01", now: fixture.now + 2)
        }
        await #expect(throws: AccessError(.signInFailed)) {
            try await access.signIn(number: "1001", pin: "482915", terminalID: "T-01", now: fixture.now + 3)
        }
        _ = try await access.signIn(number: "1001", pin: "739104", terminalID: "T-01", now: fixture.now + 4)
        await #expect(throws: AccessError(.staffNotFound)) {
            try await access.resetPIN(fixture.staffNumber("9999"), to: PIN("739104"), by: .system, now: fixture.now)
        }
    }

    @Test func raisedParametersRehashThePINAtTheNextSignIn() async throws {
        let fixture = try AccessStoreFixture()
        defer { fixture.remove() }
        _ = try await fixture.access.addStaff(number: fixture.staffNumber("1001"), name: "Wang", role: .staff, pin: PIN("482915"),
                                              by: .system, now: fixture.now)
        let raised = try fixture.reopen(hashing: PINHashing(logN: 5, blockSize: 2, parallelism: 1))
        _ = try await raised.signIn(number: "1001", pin: "482915", terminalID: "T-01", now: fixture.now)
        let parameters = try await fixture.store.readParameters()
        #expect(parameters == "ln=5,r=2,p=1")
        _ = try await raised.signIn(number: "1001", pin: "482915", terminalID: "T-01", now: fixture.now)
    }
}

extension SQLiteStore {
    func readParameters() async throws -> String? {
        try await DatabaseQueue(path: path).read { db in
            try String.fetchOne(db, sql: "SELECT pin_parameters FROM staff_account")
        }
    }
}
