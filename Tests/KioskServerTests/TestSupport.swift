import Access
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import KioskApp
import KioskConfig
@testable import KioskServer
import KioskTesting
import Logging
import Testing

extension KioskApplication {
    /// The terminal as `kiosk serve` would set it up on `installation`, without listening.
    static func onTestInstallation(_ installation: TestInstallation) async throws -> KioskApplication {
        let configuration = try ConfigurationLoader.load(file: installation.configPath, environment: [:])
        return try await KioskApplication(configuration: configuration, logger: Logger(label: "test"))
    }

    /// An `Authorization` value for a member of staff with `role`, signed in over HTTP the way
    /// the staff console does it (the account is created on first use).
    func bearer(_ client: any TestClientProtocol, role: Role) async throws -> String {
        let number = "T-\(role.rawValue)"
        if try await !access.listStaff().contains(where: { $0.number.value == number }) {
            _ = try await access.addStaff(
                number: StaffNumber(number), name: "测试", role: role, pin: PIN("4826"), by: .system, now: Date())
        }
        let response = try await client.execute(
            uri: "/v1/staff/sign-in", method: .post, body: ByteBuffer(string: #"{"number":"\#(number)","pin":"4826"}"#))
        return "Bearer " + (try response.decoded(SignedInView.self).token)
    }
}

/// A test client whose requests carry a staff sign-in, as the staff console's or the
/// technician page's requests do; a request that sets its own `Authorization` keeps it.
struct SignedInClient: TestClientProtocol {
    let base: any TestClientProtocol
    let authorization: String

    func executeRequest(uri: String, method: HTTPRequest.Method, headers: HTTPFields, body: ByteBuffer?) async throws -> TestResponse {
        var headers = headers
        if headers[.authorization] == nil { headers[.authorization] = authorization }
        return try await base.executeRequest(uri: uri, method: method, headers: headers, body: body)
    }

    var port: Int? { base.port }
}

extension KioskApplication {
    func signedIn(_ client: any TestClientProtocol, role: Role) async throws -> SignedInClient {
        SignedInClient(base: client, authorization: try await bearer(client, role: role))
    }
}

extension TestResponse {
    /// The body as the view type the route encodes (`SessionView`, `BookingView`, `Problem`, …):
    /// a misspelt key fails to decode instead of reading as nil.
    func decoded<View: Decodable>(_: View.Type) throws -> View {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(View.self, from: Data(body.readableBytesView))
    }
}
