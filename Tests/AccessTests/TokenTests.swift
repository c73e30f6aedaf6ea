import Access
import Crypto
import Foundation
import Testing

struct TokenTests {
    let signer = TokenSigner(installationSecret: Data(repeating: 7, count: 32))
    let now = Date(timeIntervalSince1970: 1_740_816_000.6)
    let staff = try! StaffNumber("1001")

    @Test func issuedTokensVerifyAtTheirTerminalUntilTheyExpire() throws {
        let issued = signer.issue(staffNumber: staff, role: .staff, terminalID: "T-01", now: now)
        #expect(issued.text.hasPrefix("kt1."))
        #expect(issued.token.issuedAt == Date(timeIntervalSince1970: 1_740_816_000))
        #expect(issued.token.expiresAt == Date(timeIntervalSince1970: 1_740_816_900))
        #expect(issued.token.id.count == 22)
        #expect(try signer.verify(issued.text, terminalID: "T-01", now: now) == issued.token)
        #expect(try signer.verify(issued.text, terminalID: "T-01", now: issued.token.expiresAt - 1) == issued.token)
        #expect(throws: AccessError(.tokenExpired)) {
            try signer.verify(issued.text, terminalID: "T-01", now: issued.token.expiresAt)
        }
        #expect(throws: AccessError(.tokenOtherTerminal)) { try signer.verify(issued.text, terminalID: "T-02", now: now) }
    }

    @Test func tokensOfAnotherKeyOrAlteredAreForged() throws {
        let other = TokenSigner(installationSecret: Data(repeating: 8, count: 32))
        let foreign = other.issue(staffNumber: staff, role: .admin, terminalID: "T-01", now: now)
        #expect(throws: AccessError(.tokenForged)) { try signer.verify(foreign.text, terminalID: "T-01", now: now) }

        // Promote oneself to admin: same MAC, new payload.
        let issued = signer.issue(staffNumber: staff, role: .staff, terminalID: "T-01", now: now)
        let parts = issued.text.split(separator: ".")
        let payload = String(decoding: try #require(Self.base64URL(parts[1])), as: UTF8.self)
        let promoted = Data(payload.replacingOccurrences(of: #""role":"staff""#, with: #""role":"admin""#).utf8)
        let tampered = "kt1." + Self.base64URL(promoted) + "." + parts[2]
        #expect(throws: AccessError(.tokenForged)) { try signer.verify(tampered, terminalID: "T-01", now: now) }
        // The signature is checked before the terminal and the time.
        #expect(throws: AccessError(.tokenForged)) { try signer.verify(tampered, terminalID: "T-02", now: now + 3600) }
    }

    @Test(arguments: ["", "kt1.", "kt1..", "kt2.e30.AAAA", "kt1.e30", "kt1.e30.AA.AA", "kt1.e3+0.AAAA", "Bearer kt1.e30.AAAA",
                      "kt1." + String(repeating: "A", count: 1100) + ".AAAA"])
    func malformedTokensAreRefused(_ text: String) {
        #expect(throws: AccessError(.tokenMalformed)) { try signer.verify(text, terminalID: "T-01", now: now) }
    }

    @Test func aCorrectlySignedPayloadThatIsNotATokenIsMalformed() throws {
        let key = HKDF<SHA256>.deriveKey(inputKeyMaterial: SymmetricKey(data: Data(repeating: 7, count: 32)),
                                         info: Data("kiosk access token v1".utf8), outputByteCount: 32)
        let signed = "kt1." + Self.base64URL(Data(#"{"sub":"citizen"}"#.utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: Data(signed.utf8), using: key)
        #expect(throws: AccessError(.tokenMalformed)) {
            try signer.verify(signed + "." + Self.base64URL(Data(mac)), terminalID: "T-01", now: now)
        }
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func base64URL(_ text: Substring) -> Data? {
        var standard = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        standard += String(repeating: "=", count: (4 - standard.count % 4) % 4)
        return Data(base64Encoded: standard)
    }
}

struct EndpointPolicyTests {
    let policy = try! EndpointPolicy([
        .init("GET", "/v1/forms", .anyone),
        .init("POST", "/v1/sessions/:id/skip", [.staff, .admin]),
        .init("POST", "/v1/devices/{device}/statistics/reset", [.technician, .admin]),
        .init("GET", "/v1/staff", [.admin]),
    ])

    @Test func parameterNamesDoNotMatter() {
        #expect(Endpoint("post", "/v1/sessions/{session}/skip") == Endpoint("POST", "/v1/sessions/:id/skip"))
        #expect(Endpoint("GET", "v1/forms/") == Endpoint("GET", "/v1/forms"))
        #expect(Endpoint("GET", "/v1/forms").description == "GET /v1/forms")
    }

    @Test(arguments: [
        (Role.citizen, "GET", "/v1/forms", nil as AccessError.Code?),
        (.citizen, "POST", "/v1/sessions/{id}/skip", .signInRequired),
        (.technician, "POST", "/v1/sessions/{id}/skip", .roleNotAllowed),
        (.staff, "POST", "/v1/sessions/{id}/skip", nil),
        (.citizen, "POST", "/v1/devices/{id}/statistics/reset", .signInRequired),
        (.staff, "POST", "/v1/devices/{id}/statistics/reset", .roleNotAllowed),
        (.technician, "POST", "/v1/devices/{id}/statistics/reset", nil),
        (.staff, "GET", "/v1/staff", .roleNotAllowed),
        (.admin, "GET", "/v1/staff", nil),
        (.admin, "DELETE", "/v1/staff", .endpointNotDeclared),
    ])
    func authorisesByTheTable(_ role: Role, _ method: String, _ path: String, _ refusal: AccessError.Code?) {
        let endpoint = Endpoint(method, path)
        if let refusal {
            #expect(throws: AccessError(refusal)) { try policy.authorise(role, for: endpoint) }
        } else {
            #expect(throws: Never.self) { try policy.authorise(role, for: endpoint) }
        }
    }

    @Test func findsRegisteredRoutesWithoutRolesAndStaleDeclarations() {
        let registered = [Endpoint("GET", "/v1/forms"), Endpoint("POST", "/v1/sessions/{id}/skip"),
                          Endpoint("POST", "/v1/devices/{id}/statistics/reset"), Endpoint("GET", "/v1/staff"),
                          Endpoint("POST", "/v1/staff"), Endpoint("GET", "/v1/diagnostics")]
        #expect(policy.undeclared(registered) == [Endpoint("GET", "/v1/diagnostics"), Endpoint("POST", "/v1/staff")])
        #expect(policy.unregistered(Array(registered.prefix(3))) == [Endpoint("GET", "/v1/staff")])
        #expect(policy.undeclared(policy.endpoints).isEmpty)
    }

    @Test func oneEndpointIsDeclaredOnce() {
        #expect(throws: AccessError(.duplicateEndpoint)) {
            try EndpointPolicy([.init("GET", "/v1/staff/:n", [.admin]), .init("get", "/v1/staff/{number}", .signedIn)])
        }
    }

    @Test func onlyAccountRolesAreAccountRoles() throws {
        #expect(try Role(account: "technician") == .technician)
        #expect(throws: AccessError(.invalidRole)) { try Role(account: "citizen") }
        #expect(throws: AccessError(.invalidRole)) { try Role(account: "root") }
    }

    @Test(arguments: ["", "citizen", "System", "12345678901234567", "10 01", "工号1", "a/b"])
    func refusesStaffNumbers(_ text: String) {
        #expect(throws: AccessError(.invalidStaffNumber)) { try StaffNumber(text) }
    }
}
