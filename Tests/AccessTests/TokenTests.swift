import Access
import Crypto
import Foundation
import Secrets
import Testing

struct TokenTests {
    let key = SecretKey(bytes: [UInt8](repeating: 7, count: 32))!
    var handles: TokenHandles { TokenHandles(key: key) }
    let now = Date(timeIntervalSince1970: 1_740_816_000.6)
    let staff = try! StaffNumber("1001")

    @Test func issuedHandlesNameTheirRecordAndSayNothingElse() throws {
        let issued = handles.issue(staffNumber: staff, role: .staff, terminalID: "T-01", now: now)
        #expect(issued.text.hasPrefix("kt2."))
        #expect(issued.token.issuedAt == Date(timeIntervalSince1970: 1_740_816_000))
        #expect(issued.token.expiresAt == Date(timeIntervalSince1970: 1_740_816_900))
        #expect(issued.token.id.count == 22)
        #expect(try handles.id(of: issued.text) == issued.token.id)
        #expect(!issued.text.contains("staff") && !issued.text.contains("1001") && !issued.text.contains("T-01"))
        try TokenHandles.check(issued.token, terminalID: "T-01", now: issued.token.expiresAt - 1)
        #expect(throws: AccessError(.tokenExpired)) { try TokenHandles.check(issued.token, terminalID: "T-01", now: issued.token.expiresAt) }
        #expect(throws: AccessError(.tokenOtherTerminal)) { try TokenHandles.check(issued.token, terminalID: "T-02", now: now) }
    }

    @Test func handlesOfAnotherKeyOrAlteredAreForged() throws {
        let other = TokenHandles(key: SecretKey(bytes: [UInt8](repeating: 8, count: 32))!)
        let foreign = other.issue(staffNumber: staff, role: .admin, terminalID: "T-01", now: now)
        #expect(throws: AccessError(.tokenForged)) { try handles.id(of: foreign.text) }
        let issued = handles.issue(staffNumber: staff, role: .staff, terminalID: "T-01", now: now)
        let parts = issued.text.split(separator: ".")
        let otherID = foreign.token.id
        #expect(throws: AccessError(.tokenForged)) { try handles.id(of: "kt2.\(otherID).\(parts[2])") }
    }

    @Test(arguments: ["", "kt2.", "kt2..", "kt1.e30.AAAA", "kt2.e30", "kt2.AAAAAAAAAAAAAAAAAAAAAA.AA.AA", "kt2.e3+0.AAAA",
                      "Bearer kt2.AAAAAAAAAAAAAAAAAAAAAA.AAAA", "kt2." + String(repeating: "A", count: 300) + ".AAAA"])
    func malformedTokensAreRefused(_ text: String) {
        #expect(throws: AccessError(.tokenMalformed)) { try handles.id(of: text) }
    }

    /// The form tokens had before handles (`kt1.<payload>.<mac>`): correctly signed with the
    /// signing key, claiming admin and a far expiry, it is not a token.
    @Test func aSignedPayloadInTheOldFormIsNoToken() throws {
        let signed = "kt1." + Self.base64URL(Data(#"{"exp":4102444800,"role":"admin","sub":"1001","term":"T-01"}"#.utf8))
        let mac = HMAC<SHA256>.authenticationCode(for: Data(signed.utf8), using: key.symmetricKey)
        #expect(throws: AccessError(.tokenMalformed)) { try handles.id(of: signed + "." + Self.base64URL(Data(mac))) }
    }

    static func base64URL(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
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
